"""Per-satellite models that join the engine: a function of one chunk's state over one time window.

A model is registered once with the reductions of what it returns::

    @register("my_model", reductions={"peak_g": "max"}, needs_positions=True)
    def my_model(window: WindowState) -> dict[str, np.ndarray]:
        return {"peak_g": ...}  # one value per satellite of the chunk for this window

The engine calls every registered model on every chunk x window and folds what they return into
the per-satellite summaries with the named reduction ("sum", "max" or "min").

Plug-ins: a module that registers models is named in its package's entry points, group
``leodc.engine_models`` (leodc's own: ``simulate.space_environment``, the dose, upsets, decay and
FCC columns; see pyproject.toml). :func:`load_plugins` imports every such module once, in the client
and on each Dask worker, so the engine runs models without importing them: a plug-in depends on the
engine's registry, never the reverse (import-linter's contracts in pyproject.toml keep it so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points

import numpy as np

REDUCTIONS = {"sum": np.add, "max": np.maximum, "min": np.minimum}
INITIAL = {"sum": 0.0, "max": -np.inf, "min": np.inf}


@dataclass(frozen=True)
class WindowState:
    sat_id: np.ndarray  # (n_sat,)
    t_s: np.ndarray  # (n_t,) seconds from the simulation start
    jd_utc: np.ndarray  # (n_t,)
    dt_s: float
    illumination: np.ndarray | None  # (n_sat, n_t) share of each step in sunlight
    # positions sampled every pos_stride steps, when a model needs them: r_km (n_sat, n_pos, 3) TEME
    # at times pos_t_s / pos_jd_utc (n_pos,), each sample standing for pos_dt_s seconds
    r_km: np.ndarray | None = None
    pos_t_s: np.ndarray | None = None
    pos_jd_utc: np.ndarray | None = None
    pos_dt_s: float = 0.0
    context: dict = field(default_factory=dict)  # the run's design figures models may need


@dataclass(frozen=True)
class Model:
    name: str
    fn: Callable[[WindowState], dict[str, np.ndarray]]
    reductions: dict[str, str]
    needs_positions: bool
    position_step_s: float  # how often the model wants a position (the engine samples every k steps)
    needs_illumination: bool


REGISTRY: dict[str, Model] = {}


def register(name: str, reductions: dict[str, str], needs_positions: bool = False, position_step_s: float = 0.0,
             needs_illumination: bool = False):
    """Register a per-window model. ``position_step_s``: the sampling interval the model needs for
    positions (0: every step); coarser sampling keeps the engine fast for slowly varying fields.
    ``needs_illumination``: the model reads the (n_sat, n_t) illumination of every step."""
    bad = {k: v for k, v in reductions.items() if v not in REDUCTIONS}
    if bad:  # a plug-in author's mistake, found at import
        raise TypeError(f"model {name}: unknown reductions {bad}; expected one of {', '.join(REDUCTIONS)}")

    def wrap(fn):
        REGISTRY[name] = Model(name, fn, dict(reductions), needs_positions, position_step_s, needs_illumination)
        return fn

    return wrap


@dataclass(frozen=True)
class SummaryModel:
    """Per-satellite columns computed once a chunk has run, from its summary (e.g. rates per day
    from a dose summed over the run, or a decay time from the satellite's orbit)."""

    name: str
    fn: Callable[[dict, dict, np.ndarray, float], dict[str, np.ndarray]]


SUMMARY_REGISTRY: dict[str, SummaryModel] = {}


def register_summary(name: str):
    """``fn(summary, context, a_km, run_s) -> {column: array}``; columns are named ``name.column``
    unless the model returns them already qualified with a leading '=' (then the name after it)."""

    def wrap(fn):
        SUMMARY_REGISTRY[name] = SummaryModel(name, fn)
        return fn

    return wrap


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)
    SUMMARY_REGISTRY.pop(name, None)


def active(names: tuple[str, ...] | None = None) -> list[Model]:
    """The registered per-window models named in ``names`` (all when None), plug-ins loaded."""
    load_plugins()
    return [m for n, m in REGISTRY.items() if names is None or n in names]


PLUGIN_GROUP = "leodc.engine_models"
_loaded_plugins: set[str] = set()


def load_plugins() -> list[str]:
    """Import every module named in the ``leodc.engine_models`` entry points (once per process);
    importing a plug-in registers its models. Returns the names of the plug-ins loaded so far.

    A plug-in that fails to import raises here: a run silently missing its models would be worse.
    """
    for entry in entry_points(group=PLUGIN_GROUP):
        if entry.name not in _loaded_plugins:
            import_module(entry.value)
            _loaded_plugins.add(entry.name)
    return sorted(_loaded_plugins)
