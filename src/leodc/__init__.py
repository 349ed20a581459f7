"""leodc: design, simulate and judge orbital AI data centers.

The Python API (:mod:`leodc.api`) is loaded on first use, so that ``import leodc`` and the command
line start without loading the engine, Dask or DuckDB::

    import leodc

    scenario = leodc.load_scenario("builtin:default", {"fleet.target_satellites": 20})
    stored = leodc.run(scenario, days=0.05)
    leodc.open_run(stored.id).metrics["usd_per_accelerator_hour"]

``leodc.design`` and ``leodc.simulate`` are the stages' packages; ``leodc.design(scenario)`` calls the
design stage, and :func:`leodc.api.simulate` flies a scenario.
"""

from leodc.version import __version__

# served by leodc.api on first access (PEP 562)
_API_NAMES = ("Run", "load_scenario", "open_run", "run")
# subpackages named like the stages: imported on first access, never shadowed by a function (a function
# bound here would break ``import leodc.design as m`` and patching by dotted path)
_STAGE_PACKAGES = ("api", "design", "simulate")

__all__ = ["__version__", *_API_NAMES, *_STAGE_PACKAGES]


def __getattr__(name: str):
    # imported here, on first use; no module of leodc imports the root package (they read the version
    # from leodc.version), so the layers contract sees no path from a stage up to the API through it
    if name in _API_NAMES:
        from leodc import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    if name in _STAGE_PACKAGES:
        from importlib import import_module

        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
