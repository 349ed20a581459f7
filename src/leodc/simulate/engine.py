"""The engine: the fleet in satellite chunks x time windows, reduced as it goes.

Memory is bounded by the chunk and window sizes, not by the fleet or the span: a chunk of
``chunk_satellites`` carries its state (battery, temperatures, eclipse run) from window to window,
and what leaves a chunk is its per-satellite summary and its share of the fleet time series (one row
per step). Chunks are independent, so the executor may run them anywhere (``executors.py``); the
summaries are written in chunk order, so results do not depend on where or in which order chunks ran.

Outputs in the run directory (written to a temporary name, then renamed):
``satellites.parquet`` (one row per satellite), ``fleet.parquet`` (one row per step),
``timeseries/`` (with ``--timeseries``: one row per satellite-step), ``manifest.json``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sgp4.api import SGP4_ERRORS, SatrecArray

from leodc.catalog import load_catalog
from leodc.constants import SECONDS_PER_DAY
from leodc.design import Design, design
from leodc.errors import InputError
from leodc.orbits.epochs import julian_date, timestamps
from leodc.orbits.propagate import propagate_sgp4, satrecs_for
from leodc.orbits.secular import A_KM, pack, unpack
from leodc.orbits.sun import sun_position_km
from leodc.scenario import Scenario
from leodc.simulate import kernel as kn
from leodc.simulate.executors import run_tasks
from leodc.simulate.fleet import default_shell, fleet_of, require_near_earth
from leodc.simulate.models import INITIAL, REDUCTIONS, SUMMARY_REGISTRY, Model, WindowState, active
from leodc.simulate.output import SimulationFiles, SimulationResult
from leodc.simulate.reentries import ReentryTally
from leodc.simulate.spacecraft import initial_state, spacecraft_params
from leodc.version import __version__

# re-exported for callers that reach the fleet and the clock through the engine
__all__ = ["ChunkResult", "ChunkTask", "SimulationResult", "default_shell", "fleet_memory_limit", "fleet_of",
           "julian_date", "plan", "require_fleet_fits", "require_near_earth", "run_chunk", "simulate"]

# The fleet the engine can hold: laying the fleet out (mean elements, then packed for the kernel)
# peaks at 276 bytes per satellite (measured with tracemalloc on 0.5 to 2 million satellites;
# tests/test_reliability.py checks it); the Dask path pickles the packed elements once more, and a
# stored run then holds the elements table and reads the satellites table back. A satellite is
# budgeted 1 kB, and a fleet may take half of the machine's memory.
BYTES_PER_SATELLITE = 1024
MEMORY_SHARE = 0.5
CGROUP_MEMORY_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
FLEET_TARGETS = ("target_satellites", "target_accelerators", "target_it_power_w")

# SGP4's error codes 1..6 (sgp4.api.SGP4_ERRORS), counted per code; index 0 counts good steps
N_SGP4_CODES = max(SGP4_ERRORS) + 1

SUMMARY_COLUMNS = {
    "sunlit_fraction": lambda a: a[:, kn.A_SUNLIT_S] / a[:, kn.A_STEPS_S],
    "energy_generated_wh": lambda a: a[:, kn.A_GENERATED_WH],
    "energy_consumed_wh": lambda a: a[:, kn.A_CONSUMED_WH],
    "compute_fraction": lambda a: a[:, kn.A_COMPUTE_S] / a[:, kn.A_STEPS_S],
    "throttled_hours": lambda a: a[:, kn.A_THROTTLED_S] / 3600.0,
    "min_soc": lambda a: a[:, kn.A_MIN_SOC],
    "max_chip_temp_k": lambda a: a[:, kn.A_MAX_CHIP_K],
    "max_radiator_temp_k": lambda a: a[:, kn.A_MAX_RADIATOR_K],
    "min_radiator_temp_k": lambda a: a[:, kn.A_MIN_RADIATOR_K],
    "eclipses": lambda a: a[:, kn.A_ECLIPSES],
    "longest_eclipse_s": lambda a: a[:, kn.A_LONGEST_ECLIPSE_S],
}


@dataclass(frozen=True)
class ChunkTask:
    index: int
    elements: np.ndarray  # packed (n, N_COLUMNS)
    sat_id: np.ndarray
    shell: np.ndarray
    tle_lines: list | None
    params: np.ndarray
    start_jd: float
    step_s: float
    n_steps: int
    window_steps: int
    propagator: str
    timeseries_dir: str | None
    models: tuple[str, ...]
    context: dict
    timeseries_satellites: int | None = None  # write time series for the fleet's first N satellites only


@dataclass
class ChunkResult:
    index: int
    summary: dict[str, np.ndarray]
    fleet: np.ndarray  # (n_steps, N_FLEET)
    sat_steps: int
    sgp4_error_steps: np.ndarray = field(default_factory=lambda: np.zeros(N_SGP4_CODES, dtype=np.int64))
    sgp4_failed: np.ndarray | None = None  # (n,) bool: satellites with at least one failed step


# ---------------------------------------------------------------------------------------------- one chunk
@dataclass(frozen=True)
class _Sampling:
    """What a chunk computes besides the kernel's own state: positions for the models (every
    ``stride`` steps) and the per-step series (for --timeseries or for models that read illumination)."""

    need_positions: bool
    stride: int
    need_series: bool

    @classmethod
    def of(cls, task: ChunkTask, models: list[Model]) -> _Sampling:
        pos_models = [m for m in models if m.needs_positions]
        # as fine as the most demanding model asks (every step for the SGP4 path, whose positions the
        # kernel reads)
        stride = max(1, int(min((m.position_step_s for m in pos_models), default=0.0) // task.step_s))
        return cls(need_positions=bool(pos_models) or task.propagator == "sgp4", stride=stride,
                   need_series=task.timeseries_dir is not None or any(m.needs_illumination for m in models))


class _SeriesWriter:
    """A chunk's per satellite-step series (``sunlit, power_w, soc, radiator_temp_k,
    compute_fraction, heat_fraction``), one Parquet file per chunk, renamed into place when complete."""

    def __init__(self, task: ChunkTask, n: int):
        rows = n
        if task.timeseries_satellites is not None:  # only the fleet's first satellites (all in chunk 0)
            rows = min(n, task.timeseries_satellites) if task.index == 0 else 0
        self.rows = rows if task.timeseries_dir is not None else 0
        self.path = Path(task.timeseries_dir) / f"chunk-{task.index:05d}.parquet" if self.rows else None
        self.task = task
        self._writer = None

    def write(self, t_s: np.ndarray, series: list[np.ndarray]) -> None:
        if self.path is None:
            return
        k, m = self.rows, t_s.size
        table = pa.table({
            "sat_id": np.repeat(self.task.sat_id[:k], m),
            "time": pa.array(np.tile(timestamps(self.task.start_jd, t_s), k)),
            "sunlit": series[0][:k].ravel().astype(np.float32),
            "power_w": series[1][:k].ravel().astype(np.float32),
            "soc": series[2][:k].ravel().astype(np.float32),
            "radiator_temp_k": series[3][:k].ravel().astype(np.float32),
            "compute_fraction": series[4][:k].ravel().astype(np.float32),
            "heat_fraction": series[5][:k].ravel().astype(np.float32),
        })
        if self._writer is None:
            self._writer = pq.ParquetWriter(str(self.path) + ".tmp", table.schema)
        self._writer.write_table(table)

    def close(self, complete: bool) -> None:
        if self._writer is None:
            return
        self._writer.close()
        tmp = Path(str(self.path) + ".tmp")
        if complete:
            tmp.replace(self.path)
        else:
            tmp.unlink(missing_ok=True)


def _sgp4_satellites(task: ChunkTask) -> SatrecArray:
    """The chunk's satellites for SGP4, built once per chunk (from TLE lines, or the mean elements)."""
    elements = unpack(task.elements, task.start_jd, task.sat_id, task.shell)
    return SatrecArray(satrecs_for(elements, task.tle_lines, task.start_jd))


def _sgp4_states(satellites: SatrecArray, jd: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (NaN where SGP4 failed), velocities (0 there) and SGP4's error codes, (n, m)."""
    whole = np.floor(jd)
    r, v, err = propagate_sgp4(satellites, whole, jd - whole)
    r[err != 0] = np.nan
    v[err != 0] = 0.0
    return r, v, err


def _window_models(models: list[Model], task: ChunkTask, t_s: np.ndarray, jd: np.ndarray, series: list,
                   positions: np.ndarray | None, first: int, stride: int, reduced: dict) -> None:
    """Run every per-window model and fold its output into ``reduced`` with its reductions."""
    window = WindowState(task.sat_id, t_s, jd, task.step_s, series[0] if series[0].size else None, positions,
                         t_s[first::stride], jd[first::stride], task.step_s * stride, task.context)
    for model in models:
        out = model.fn(window)
        for k, op in model.reductions.items():
            key = f"{model.name}.{k}"
            reduced[key] = REDUCTIONS[op](reduced[key], out[k])


def _summarise(task: ChunkTask, acc: np.ndarray, reduced: dict) -> dict[str, np.ndarray]:
    """The chunk's per-satellite summary: the kernel's reductions, the models' reductions, then the
    summary models' columns. Shares are over the steps each satellite flew (NaN for one SGP4 could
    not propagate at any step)."""
    summary = {"sat_id": task.sat_id, "shell": task.shell}
    with np.errstate(invalid="ignore", divide="ignore"):
        summary.update({name: fn(acc) for name, fn in SUMMARY_COLUMNS.items()})
    summary.update(reduced)
    run_s = task.n_steps * task.step_s
    for model in SUMMARY_REGISTRY.values():
        for column, values in model.fn(summary, task.context, task.elements[:, A_KM], run_s).items():
            key = column[1:] if column.startswith("=") else f"{model.name}.{column}"
            summary[key] = values
    return summary


N_SERIES = 6  # sunlit, power_w, soc, radiator_temp_k, compute_fraction, heat_fraction


def run_chunk(task: ChunkTask, progress: Callable[[int], None] | None = None,
              sink: Callable[[np.ndarray, list[np.ndarray]], None] | None = None) -> ChunkResult:
    """Advance one chunk through every window; return its summary and its share of the fleet series.

    Each window: the Sun for its steps, SGP4 states when the propagator is SGP4 (the fast path
    propagates inside the kernel), the fused kernel (shadow, power, battery, thermal, reductions),
    then the plug-in models on the window's positions and illumination, and the optional series.
    ``sink(t_s, series)``, when given, receives each window's per satellite-step series in memory
    (``N_SERIES`` arrays of shape (n, window steps)).
    """
    models = active(task.models)
    sampling = _Sampling.of(task, models)
    if sink is not None and not sampling.need_series:
        sampling = _Sampling(sampling.need_positions, sampling.stride, True)
    n = task.elements.shape[0]
    state = initial_state(task.params, n)
    acc = kn.new_accumulators(n)
    fleet = np.zeros((task.n_steps, kn.N_FLEET))
    reduced = {f"{m.name}.{k}": np.full(n, INITIAL[op]) for m in models for k, op in m.reductions.items()}
    sgp4 = task.propagator == "sgp4"
    satellites = _sgp4_satellites(task) if sgp4 else None
    error_steps = np.zeros(N_SGP4_CODES, dtype=np.int64)
    failed = np.zeros(n, dtype=bool)
    n_blocks = max(1, min(n, 64))
    no_series, no_positions = np.zeros((0, 0)), np.zeros((0, 0, 3))
    writer = _SeriesWriter(task, n)
    complete = False
    try:
        for w0 in range(0, task.n_steps, task.window_steps):
            w1 = min(task.n_steps, w0 + task.window_steps)
            m = w1 - w0
            t_s = np.arange(w0, w1, dtype=float) * task.step_s
            jd = task.start_jd + t_s / SECONDS_PER_DAY
            sun = sun_position_km(jd)
            sun_d = np.linalg.norm(sun, axis=1)
            sun_u = np.ascontiguousarray(sun / sun_d[:, None])
            series = [np.zeros((n, m)) for _ in range(N_SERIES)] if sampling.need_series else [no_series] * N_SERIES
            # positions are sampled at global steps that are multiples of the stride, so that results do
            # not depend on where windows begin
            first = (-w0) % sampling.stride
            n_pos = len(range(first, m, sampling.stride))
            pos = np.zeros((n, n_pos, 3)) if sampling.need_positions else no_positions
            vel = no_positions
            if sgp4:
                pos, vel, err = _sgp4_states(satellites, jd)
                error_steps += np.bincount(err.ravel(), minlength=N_SGP4_CODES)[:N_SGP4_CODES]
                failed |= (err != 0).any(axis=1)
            blocks = np.zeros((n_blocks, m, kn.N_FLEET))
            kn.advance(task.elements, t_s, task.step_s, sun_u, sun_d, task.params, state, acc, blocks, *series, pos,
                       vel, sgp4, sampling.stride, first)
            fleet[w0:w1] += blocks.sum(axis=0)
            if models:
                sampled = pos[:, first::sampling.stride] if sgp4 else pos
                _window_models(models, task, t_s, jd, series, sampled if sampling.need_positions else None, first,
                               sampling.stride, reduced)
            writer.write(t_s, series)
            if sink is not None:
                sink(t_s, series)
            if progress is not None:
                progress(n * m)
        complete = True
    finally:
        writer.close(complete)
    return ChunkResult(task.index, _summarise(task, acc, reduced), fleet, n * task.n_steps, error_steps, failed)


# ---------------------------------------------------------------------------------------------- the run
def model_context(scenario: Scenario, d: Design) -> dict:
    """What models need of the design and scenario, as plain values (it travels to Dask workers)."""
    acc = load_catalog().accelerators[scenario.compute.accelerator]
    return {
        "shielding_thickness_mm": d.satellite.shielding_thickness_mm,
        "chips_per_satellite": scenario.compute.accelerators_per_satellite * acc.chips_per_unit.value,
        "rad_per_sdc": acc.rad_per_sdc.value, "rad_per_uecc": acc.rad_per_uecc.value,
        "rad_per_crash": acc.rad_per_crash.value, "rad_per_host_cpu_event": acc.rad_per_host_cpu_event.value,
        "rad_per_host_ram_event": acc.rad_per_host_ram_event.value,
        "radiation_tolerance_rad": acc.radiation_tolerance_rad.value if acc.radiation_tolerance_rad else None,
        "ballistic_coefficient_kg_per_m2": d.satellite.ballistic_coefficient_kg_per_m2,
        "solar_activity": scenario.environment.solar_activity,
        "propulsive_disposal": scenario.satellite.propulsive_disposal,
        "mission_life_years": d.satellite.mission_life_years,
        "horizon_years": scenario.economics.horizon_years,
        "years_to_deploy": d.fleet.years_to_deploy,
    }


def plan(scenario: Scenario, d: Design | None = None, timeseries_dir: str | None = None,
         battery_scale: float = 1.0, models: tuple[str, ...] | None = None,
         timeseries_satellites: int | None = None) -> tuple[list[ChunkTask], float, int]:
    """Cut the scenario's fleet into chunk tasks; returns ``(tasks, start_jd, n_steps)``."""
    sim = scenario.simulation
    d = d or design(scenario)
    start = julian_date(sim.start_utc)
    elements, tle_lines = fleet_of(scenario, d, start)
    n_steps = max(1, round(sim.days * SECONDS_PER_DAY / sim.step_s))
    params = spacecraft_params(scenario, d, battery_scale)
    packed = pack(elements, start)
    names = tuple(m.name for m in active()) if models is None else tuple(models)
    context = model_context(scenario, d)
    tasks = []
    for k, lo in enumerate(range(0, len(elements), sim.chunk_satellites)):
        hi = min(len(elements), lo + sim.chunk_satellites)
        tasks.append(ChunkTask(
            index=k, elements=packed[lo:hi], sat_id=elements.sat_id[lo:hi], shell=elements.shell[lo:hi],
            tle_lines=tle_lines[lo:hi] if tle_lines is not None else None, params=params, start_jd=start,
            step_s=sim.step_s, n_steps=n_steps, window_steps=sim.window_steps, propagator=sim.propagator,
            timeseries_dir=timeseries_dir, models=names, context=context,
            timeseries_satellites=timeseries_satellites))
    return tasks, start, n_steps


class _FleetTotals:
    """Fleet-level figures folded over chunk results as they arrive. The means, sums and extremes
    are over the satellites SGP4 propagated at every step (all of them on the fast propagator): a
    satellite it failed for (decayed, elements far from the start) did not fly the whole span, and
    its rows in ``satellites.parquet`` hold its figures over the steps it flew."""

    def __init__(self, n_steps: int):
        self.series = np.zeros((n_steps, kn.N_FLEET))
        self.satellites = 0
        self.flown = 0  # satellites flown at every step: the fleet figures are over these
        self.sunlit_fraction_sum = 0.0
        self.compute_fraction_sum = 0.0
        self.throttled_hours = 0.0
        self.min_soc = np.inf
        self.max_chip_temp_k = -np.inf
        self.max_radiator_temp_k = -np.inf
        self.sgp4_error_steps = np.zeros(N_SGP4_CODES, dtype=np.int64)
        self.sgp4_error_satellites = 0

    def add(self, result: ChunkResult) -> None:
        s = result.summary
        self.series += result.fleet
        self.satellites += len(s["sat_id"])
        flown = np.ones(len(s["sat_id"]), dtype=bool) if result.sgp4_failed is None else ~result.sgp4_failed
        self.flown += int(np.count_nonzero(flown))
        self.sgp4_error_steps += result.sgp4_error_steps
        self.sgp4_error_satellites += int(np.count_nonzero(~flown))
        if not flown.any():
            return
        self.sunlit_fraction_sum += float(np.sum(s["sunlit_fraction"][flown]))
        self.compute_fraction_sum += float(np.sum(s["compute_fraction"][flown]))
        self.throttled_hours += float(np.sum(s["throttled_hours"][flown]))
        self.min_soc = min(self.min_soc, float(np.min(s["min_soc"][flown])))
        self.max_chip_temp_k = max(self.max_chip_temp_k, float(np.max(s["max_chip_temp_k"][flown])))
        self.max_radiator_temp_k = max(self.max_radiator_temp_k, float(np.max(s["max_radiator_temp_k"][flown])))

    def mean(self, total: float) -> float:
        return total / self.flown if self.flown else float("nan")

    def extreme(self, value: float) -> float:
        return value if self.flown else float("nan")

    def means_note(self) -> str:
        left_out = self.satellites - self.flown
        if not left_out:
            return f"over all {self.satellites} satellites"
        return (f"over the {self.flown} of {self.satellites} satellites SGP4 propagated at every step; {left_out} "
                "left out, SGP4 having failed for them (their rows in satellites.parquet cover the steps they flew)")

    def errors_by_code(self) -> dict[str, int]:
        """``{"code: message": steps}`` for every SGP4 error code that occurred."""
        return {f"{code}: {SGP4_ERRORS[code]}": int(self.sgp4_error_steps[code])
                for code in range(1, N_SGP4_CODES) if self.sgp4_error_steps[code]}


def _new_output_dir(out: Path) -> Path:
    """The temporary directory a run writes into (``OUT.partial``), renamed to ``out`` when complete."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), None, "is a file; expected a new or empty directory")
    if out.exists() and any(out.iterdir()):
        raise InputError(str(out), None, "the output directory exists and is not empty; expected a new or empty one")
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def _write_fleet_series(path: Path, totals: _FleetTotals, start_jd: float, step_s: float) -> None:
    """One row per step, summed over the satellites flown at that step."""
    fleet = totals.series
    flown = fleet[:, kn.F_FLOWN]
    pq.write_table(pa.table({
        "time": pa.array(timestamps(start_jd, np.arange(fleet.shape[0]) * step_s)),
        "satellites_in_shadow": fleet[:, kn.F_IN_SHADOW],
        "power_generated_w": fleet[:, kn.F_POWER_W],
        "compute_available_fraction": np.divide(fleet[:, kn.F_COMPUTE], flown, out=np.full(flown.size, np.nan),
                                                where=flown > 0),
        "it_power_w": fleet[:, kn.F_IT_POWER_W],
    }), path)


def simulate(scenario: Scenario, out_dir: str | Path, *, timeseries: bool = False, workers: int | None = None,
             cluster: str | None = None, progress: bool = False, battery_scale: float = 1.0,
             models: tuple[str, ...] | None = None, timeseries_satellites: int | None = None) -> SimulationResult:
    """Fly the scenario's fleet and write its results under ``out_dir`` (see ``simulate.output``).

    Parameters
    ----------
    scenario : Scenario
        The validated scenario; ``scenario.simulation`` sets the span, step, propagator, chunks.
    out_dir : str or Path
        A new or empty directory. The run writes ``OUT.partial`` and renames it when complete.
    timeseries : bool
        Also write one row per satellite-step (``sunlit, power_w, soc, radiator_temp_k``).
    workers, cluster : int or str, optional
        Run chunks on a local Dask cluster of ``workers`` processes, or on the scheduler at ``cluster``.
    progress : bool
        Show a progress bar (satellite-steps).
    battery_scale : float
        Resize the design's battery (what-if runs).
    models : tuple of str, optional
        Names of the registered per-window models to run (default: all; ``()``: none).
    timeseries_satellites : int, optional
        With ``timeseries``, write the series of the fleet's first N satellites only.

    Returns
    -------
    SimulationResult
        Fleet-level figures, also written as ``manifest.json``.
    """
    out = Path(out_dir)
    require_fleet_fits(scenario)
    tmp = _new_output_dir(out)
    try:
        result = _fly(scenario, out, tmp, timeseries=timeseries, workers=workers, cluster=cluster,
                      progress=progress, battery_scale=battery_scale, models=models,
                      timeseries_satellites=timeseries_satellites)
        result.write(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing half-written is left beside the output
        raise
    if out.exists():
        out.rmdir()
    tmp.replace(out)
    return result


def _fly(scenario: Scenario, out: Path, tmp: Path, *, timeseries: bool, workers: int | None, cluster: str | None,
         progress: bool, battery_scale: float, models: tuple[str, ...] | None,
         timeseries_satellites: int | None) -> SimulationResult:
    """Plan the chunks, run them, fold and write what they return into ``tmp``; the result to be."""
    files = SimulationFiles(tmp)
    if timeseries:
        files.timeseries.mkdir()
    t0 = time.perf_counter()
    tasks, start, n_steps = plan(scenario, timeseries_dir=str(files.timeseries) if timeseries else None,
                                 battery_scale=battery_scale, models=models,
                                 timeseries_satellites=timeseries_satellites)
    n_sat = sum(t.elements.shape[0] for t in tasks)
    context = tasks[0].context if tasks else model_context(scenario, design(scenario))
    totals = _FleetTotals(n_steps)
    tally = ReentryTally(context["horizon_years"], context["mission_life_years"], context["years_to_deploy"], n_sat)
    writer = None
    try:
        for result in run_tasks(run_chunk, tasks, workers=workers, cluster=cluster, progress=progress,
                                total=n_sat * n_steps):
            totals.add(result)
            table = pa.table(result.summary)
            if writer is None:
                writer = pq.ParquetWriter(str(files.satellites), table.schema)
            writer.write_table(table)
            if "disposal_years" in result.summary:
                first = result.index * scenario.simulation.chunk_satellites
                tally.add(first + np.arange(len(result.summary["sat_id"])), result.summary["disposal_years"])
    finally:
        if writer is not None:
            writer.close()
    _write_fleet_series(files.fleet, totals, start, scenario.simulation.step_s)
    reentries = tally.table()
    if reentries is not None:
        pq.write_table(reentries, files.reentries)
    wall = time.perf_counter() - t0
    sim = scenario.simulation
    final = SimulationFiles(out)
    result = SimulationResult(
        out_dir=str(out), satellites=n_sat, steps=n_steps, step_s=sim.step_s, days=sim.days,
        propagator=sim.propagator, shadow=sim.shadow,
        executor="local" if not (workers or cluster) else ("dask " + (cluster or f"LocalCluster({workers})")),
        wall_s=wall, sat_steps_per_s=n_sat * n_steps / wall if wall > 0 else float("inf"),
        fleet_sunlit_fraction=totals.mean(totals.sunlit_fraction_sum), fleet_min_soc=totals.extreme(totals.min_soc),
        fleet_throttled_hours=totals.extreme(totals.throttled_hours),
        fleet_max_chip_temp_k=totals.extreme(totals.max_chip_temp_k),
        fleet_max_radiator_temp_k=totals.extreme(totals.max_radiator_temp_k),
        fleet_compute_fraction=totals.mean(totals.compute_fraction_sum),
        files={"satellites": str(final.satellites), "fleet": str(final.fleet)}
        | ({"timeseries": str(final.timeseries)} if timeseries else {})
        | ({"reentries": str(final.reentries)} if reentries is not None else {}),
        reentries_after_horizon=tally.after_horizon,
        sgp4_error_steps=totals.errors_by_code(), sgp4_error_satellites=totals.sgp4_error_satellites,
        scenario=scenario.name, scenario_digest=scenario.digest(), start_utc=sim.start_utc,
        leodc_version=__version__, fleet_figures_satellites=totals.flown, fleet_figures_over=totals.means_note(),
    )
    return result


# ---------------------------------------------------------------------------------------------- limits
def machine_memory_bytes() -> int:
    """This machine's memory: the physical memory, or the control group's limit when lower."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    for limit in CGROUP_MEMORY_LIMITS:
        try:
            text = Path(limit).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def fleet_memory_limit(memory_bytes: int | None = None) -> int:
    """The largest fleet the engine takes on this machine: ``MEMORY_SHARE`` of its memory at
    ``BYTES_PER_SATELLITE`` each."""
    memory = machine_memory_bytes() if memory_bytes is None else memory_bytes
    return int(MEMORY_SHARE * memory) // BYTES_PER_SATELLITE


def _fleet_size(scenario: Scenario) -> tuple[int, str] | None:
    """The satellites the engine would fly and the field that sets their number (None for a fleet
    from a TLE/OMM file, whose size the file bounds)."""
    c = scenario.constellation
    if c.tle_file:
        return None
    if c.shells:
        return sum(shell.satellites for shell in c.shells), "constellation.shells"
    target = next((f for f in FLEET_TARGETS if getattr(scenario.fleet, f) is not None), FLEET_TARGETS[0])
    return design(scenario).fleet.satellites, f"fleet.{target}"


def require_fleet_fits(scenario: Scenario, memory_bytes: int | None = None) -> None:
    """Refuse, before anything is written, a fleet larger than :func:`fleet_memory_limit`."""
    size = _fleet_size(scenario)
    if size is None:
        return
    n, field = size
    limit = fleet_memory_limit(memory_bytes)
    if n > limit:
        memory = machine_memory_bytes() if memory_bytes is None else memory_bytes
        raise InputError(scenario.stated_in(field), field, (
            f"a fleet of {n:,} satellites; expected at most {limit:,} on this machine ({memory / 2**30:.1f} GiB of "
            f"memory, {BYTES_PER_SATELLITE} bytes per satellite, {MEMORY_SHARE:.0%} of it at most). --workers and "
            "--cluster share out the flying, not the fleet's elements, which are laid out on this machine: "
            "simulate a smaller fleet or use a machine with more memory"))
