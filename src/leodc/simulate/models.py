"""Per-satellite models that join the engine: a function of one chunk's state over one time window.

A model is registered once with the reductions of what it returns::

    @register("my_model", reductions={"peak_g": "max"}, needs_positions=True)
    def my_model(window: WindowState) -> dict[str, np.ndarray]:
        return {"peak_g": ...}  # one value per satellite of the chunk for this window

The engine calls every registered model on every chunk x window and folds what they return into
the per-satellite summaries with the named reduction ("sum", "max" or "min"). Models registered in
an importable module run on Dask workers too (they import leodc.simulate.models and its plug-ins).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

REDUCTIONS = {"sum": np.add, "max": np.maximum, "min": np.minimum}
INITIAL = {"sum": 0.0, "max": -np.inf, "min": np.inf}


@dataclass(frozen=True)
class WindowState:
    sat_id: np.ndarray  # (n_sat,)
    t_s: np.ndarray  # (n_t,) seconds from the simulation start
    jd_utc: np.ndarray  # (n_t,)
    dt_s: float
    r_km: np.ndarray | None  # (n_sat, n_t, 3) TEME, when a model needs positions
    illumination: np.ndarray | None  # (n_sat, n_t) fraction of the solar disk seen


@dataclass(frozen=True)
class Model:
    name: str
    fn: Callable[[WindowState], dict[str, np.ndarray]]
    reductions: dict[str, str]
    needs_positions: bool


REGISTRY: dict[str, Model] = {}


def register(name: str, reductions: dict[str, str], needs_positions: bool = False):
    bad = {k: v for k, v in reductions.items() if v not in REDUCTIONS}
    if bad:
        raise ValueError(f"model {name}: unknown reductions {bad}; expected one of {', '.join(REDUCTIONS)}")

    def wrap(fn):
        REGISTRY[name] = Model(name, fn, dict(reductions), needs_positions)
        return fn

    return wrap


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def active(names: tuple[str, ...] | None = None) -> list[Model]:
    return [m for n, m in REGISTRY.items() if names is None or n in names]
