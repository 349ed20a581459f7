"""Simulation engine: every satellite, step by step, streamed over satellite chunks x time windows."""

import sys
from types import ModuleType


class _SimulatePackage(ModuleType):
    """``leodc.simulate``, callable: ``leodc.simulate(scenario, out_dir, **options)`` is the engine's
    :func:`leodc.simulate.engine.simulate` (the package keeps its name and its modules)."""

    def __call__(self, scenario, out_dir, **options):
        from leodc.simulate.engine import simulate

        return simulate(scenario, out_dir, **options)


sys.modules[__name__].__class__ = _SimulatePackage
