"""Per satellite-step series of a few chosen satellites, in memory: what the workload stage needs to
know of each satellite it places work on (compute share after the thermal and power throttles, and
the share the thermal throttle alone leaves), without writing the whole fleet's time series.

The satellites fly through the same engine and kernel as the fleet (:func:`engine.run_chunk`), so a
satellite's series here equals its rows in ``simulation/timeseries`` of a run with the same settings
(tests/test_engine.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from leodc.design import Design, design
from leodc.errors import InputError
from leodc.scenario import Scenario
from leodc.simulate.engine import plan, run_chunk

SERIES_NAMES = ("sunlit", "power_w", "soc", "radiator_temp_k", "compute_fraction", "heat_fraction")


@dataclass(frozen=True)
class SatelliteSeries:
    """``values[name]`` is (n_sat, n_steps) for each of :data:`SERIES_NAMES`; ``sat_id`` the engine's
    ids of the chosen satellites, ``index`` their rows in the fleet."""

    step_s: float
    start_jd: float
    index: np.ndarray
    sat_id: np.ndarray
    values: dict[str, np.ndarray]
    summary: dict[str, np.ndarray]  # the run's per-satellite reductions (and the models' columns)


def satellite_series(scenario: Scenario, index: np.ndarray, *, days: float | None = None,
                     step_s: float | None = None, d: Design | None = None,
                     models: tuple[str, ...] | None = ()) -> SatelliteSeries:
    """Fly the fleet's satellites ``index`` (rows of the fleet the engine builds) for ``days`` at
    ``step_s`` (default: the scenario's simulation settings) and return their series; ``models``: the
    engine's plug-in models to run beside the kernel (None: every active one, as a run does)."""
    d = d or design(scenario)
    sim = scenario.simulation
    update = {"days": days if days is not None else sim.days, "step_s": step_s if step_s is not None else sim.step_s,
              "chunk_satellites": 2**62}
    sc = scenario.model_copy(update={"simulation": sim.model_copy(update=update)})
    tasks, start, n_steps = plan(sc, d, models=models)
    whole = tasks[0]
    index = np.asarray(index, dtype=np.int64)
    n_fleet = whole.elements.shape[0]
    if index.size == 0 or index.min() < 0 or index.max() >= n_fleet:
        raise InputError(None, "workload", f"satellites among the fleet's {n_fleet:,} (rows 0..{n_fleet - 1})")
    task = replace(whole, elements=np.ascontiguousarray(whole.elements[index]), sat_id=whole.sat_id[index],
                   shell=whole.shell[index], tle_lines=[whole.tle_lines[i] for i in index] if whole.tle_lines else None,
                   timeseries_dir=None)
    parts: list[list[np.ndarray]] = []
    result = run_chunk(task, sink=lambda t_s, series: parts.append([s.copy() for s in series]))
    values = {name: np.concatenate([p[k] for p in parts], axis=1) for k, name in enumerate(SERIES_NAMES)}
    assert values["sunlit"].shape == (index.size, n_steps)
    return SatelliteSeries(step_s=float(update["step_s"]), start_jd=start, index=index, sat_id=task.sat_id,
                           values=values, summary=result.summary)

