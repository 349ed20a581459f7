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
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
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
from leodc.simulate.executors import executor_name, run_tasks
from leodc.simulate.fleet import default_shell, fleet_of, require_near_earth
from leodc.simulate.models import INITIAL, REDUCTIONS, SUMMARY_REGISTRY, Model, WindowState, active
from leodc.simulate.output import (
    FLEET_FILE,
    MANIFEST_FILE,
    REENTRIES_FILE,
    SATELLITES_FILE,
    TIMESERIES_DIR,
    SimulationResult,
)
from leodc.simulate.parts import (
    PARTS_DIR,
    PLAN_FILE,
    SeriesWriter,
    checkpoint_name,
    completed,
    input_name,
    latest_checkpoints,
    load_arrays,
    part_name,
    remove_older,
    save_arrays,
)
from leodc.simulate.reentries import ReentryTally
from leodc.simulate.spacecraft import initial_state, spacecraft_params
from leodc.storage import Location
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
# a run in a local folder OUT is written in OUT.partial and renamed when complete
PARTIAL_SUFFIX = ".partial"
# a chunk saves its state at the end of a window once this many wall seconds have passed since its last
# save: a year-long chunk (minutes of flying) loses at most this much to a kill; a chunk of a day
# (seconds) never pauses to save. The saved state is exact, so where saves fall never changes a result.
CHECKPOINT_EVERY_S = 60.0

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
    # the run's parts folder (a path or URL every worker reaches): checkpoints and the finished result go
    # there (simulate.parts); None: nothing is kept (an in-memory flight, simulate.series)
    parts: str | None = None
    checkpoint_s: float = float("inf")  # wall seconds between a chunk's checkpoints (0: after every window)


@dataclass
class ChunkResult:
    index: int
    summary: dict[str, np.ndarray]
    fleet: np.ndarray  # (n_steps, N_FLEET)
    sat_steps: int
    sgp4_error_steps: np.ndarray = field(default_factory=lambda: np.zeros(N_SGP4_CODES, dtype=np.int64))
    sgp4_failed: np.ndarray | None = None  # (n,) bool: satellites with at least one failed step

    @property
    def work(self) -> int:
        """The satellite-steps this chunk flew (the executor's unit of progress)."""
        return self.sat_steps


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


def _series_rows(task: ChunkTask, n: int) -> int:
    """How many of the chunk's satellites have their series written (``--timeseries``)."""
    if task.timeseries_dir is None:
        return 0
    if task.timeseries_satellites is not None:  # only the fleet's first satellites (all in chunk 0)
        return min(n, task.timeseries_satellites) if task.index == 0 else 0
    return n


def _series_table(task: ChunkTask, k: int, t_s: np.ndarray, series: list[np.ndarray]) -> pa.Table:
    """A window's per satellite-step series (``sunlit, power_w, soc, radiator_temp_k, compute_fraction,
    heat_fraction``) of the chunk's first ``k`` satellites."""
    m = t_s.size
    return pa.table({
        "sat_id": np.repeat(task.sat_id[:k], m),
        "time": pa.array(np.tile(timestamps(task.start_jd, t_s), k)),
        "sunlit": series[0][:k].ravel().astype(np.float32),
        "power_w": series[1][:k].ravel().astype(np.float32),
        "soc": series[2][:k].ravel().astype(np.float32),
        "radiator_temp_k": series[3][:k].ravel().astype(np.float32),
        "compute_fraction": series[4][:k].ravel().astype(np.float32),
        "heat_fraction": series[5][:k].ravel().astype(np.float32),
    })


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


@dataclass
class _ChunkState:
    """What a chunk carries from window to window: a checkpoint holds exactly this."""

    next_step: int
    state: np.ndarray
    acc: np.ndarray
    fleet: np.ndarray
    reduced: dict[str, np.ndarray]
    error_steps: np.ndarray
    failed: np.ndarray
    segments: list[str]

    @classmethod
    def new(cls, task: ChunkTask, models: list[Model], n: int) -> _ChunkState:
        return cls(0, initial_state(task.params, n), kn.new_accumulators(n), np.zeros((task.n_steps, kn.N_FLEET)),
                   {f"{m.name}.{k}": np.full(n, INITIAL[op]) for m in models for k, op in m.reductions.items()},
                   np.zeros(N_SGP4_CODES, dtype=np.int64), np.zeros(n, dtype=bool), [])

    def save(self, parts: Location, index: int) -> str:
        name = checkpoint_name(index, self.next_step)
        save_arrays(parts.child(name), {
            "next_step": np.array(self.next_step), "state": self.state, "acc": self.acc, "fleet": self.fleet,
            "error_steps": self.error_steps, "failed": self.failed, "segments": np.array(self.segments, dtype=str),
            **{f"reduced:{k}": v for k, v in self.reduced.items()}})
        return name

    @classmethod
    def load(cls, parts: Location, index: int, next_step: int) -> _ChunkState:
        a = load_arrays(parts.child(checkpoint_name(index, next_step)))
        return cls(int(a["next_step"]), a["state"], a["acc"], a["fleet"],
                   {k.split(":", 1)[1]: v for k, v in a.items() if k.startswith("reduced:")}, a["error_steps"],
                   a["failed"], [str(x) for x in a["segments"]])


def _resumed_state(task: ChunkTask, models: list[Model], n: int) -> _ChunkState:
    """The chunk's state at its latest checkpoint in the parts folder, or its initial state."""
    if task.parts is not None:
        step = latest_checkpoints(Location(task.parts).listdir()).get(task.index)
        if step is not None:
            return _ChunkState.load(Location(task.parts), task.index, step)
    return _ChunkState.new(task, models, n)


def run_chunk(task: ChunkTask, progress: Callable[[int], None] | None = None,
              sink: Callable[[np.ndarray, list[np.ndarray]], None] | None = None) -> ChunkResult:
    """Advance one chunk through every window; return its summary and its share of the fleet series.

    Each window: the Sun for its steps, SGP4 states when the propagator is SGP4 (the fast path
    propagates inside the kernel), the fused kernel (shadow, power, battery, thermal, reductions),
    then the plug-in models on the window's positions and illumination, and the optional series.
    ``sink(t_s, series)``, when given, receives each window's per satellite-step series in memory
    (``N_SERIES`` arrays of shape (n, window steps)).

    With a parts folder (``task.parts``) the chunk starts from its latest checkpoint there, and saves
    one at the end of a window once ``task.checkpoint_s`` have passed since the last: the state it
    carries is saved exactly, so a resumed chunk ends with the same bytes as one flown in one go.
    """
    models = active(task.models)
    sampling = _Sampling.of(task, models)
    if sink is not None and not sampling.need_series:
        sampling = _Sampling(sampling.need_positions, sampling.stride, True)
    n = task.elements.shape[0]
    cs = _resumed_state(task, models, n)
    sgp4 = task.propagator == "sgp4"
    satellites = _sgp4_satellites(task) if sgp4 else None
    n_blocks = max(1, min(n, 64))
    no_series, no_positions = np.zeros((0, 0)), np.zeros((0, 0, 3))
    rows = _series_rows(task, n)
    parts = Location(task.parts) if task.parts is not None else None
    writer = SeriesWriter(Location(task.timeseries_dir).child(f"chunk-{task.index:05d}.parquet") if rows else None,
                          parts, task.index, cs.segments)
    last_saved = time.monotonic()
    complete = False
    try:
        for w0 in range(cs.next_step, task.n_steps, task.window_steps):
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
                cs.error_steps += np.bincount(err.ravel(), minlength=N_SGP4_CODES)[:N_SGP4_CODES]
                cs.failed |= (err != 0).any(axis=1)
            blocks = np.zeros((n_blocks, m, kn.N_FLEET))
            kn.advance(task.elements, t_s, task.step_s, sun_u, sun_d, task.params, cs.state, cs.acc, blocks, *series,
                       pos, vel, sgp4, sampling.stride, first)
            cs.fleet[w0:w1] += blocks.sum(axis=0)
            if models:
                sampled = pos[:, first::sampling.stride] if sgp4 else pos
                _window_models(models, task, t_s, jd, series, sampled if sampling.need_positions else None, first,
                               sampling.stride, cs.reduced)
            if rows:
                writer.write(w0, _series_table(task, rows, t_s, series))
            if sink is not None:
                sink(t_s, series)
            if progress is not None:
                progress(n * m)
            if parts is not None and w1 < task.n_steps and time.monotonic() - last_saved >= task.checkpoint_s:
                cs.next_step, cs.segments = w1, writer.cut()
                remove_older(parts, task.index, keep=cs.save(parts, task.index))
                last_saved = time.monotonic()
        complete = True
    finally:
        writer.close(complete)
    return ChunkResult(task.index, _summarise(task, cs.acc, cs.reduced), cs.fleet, n * task.n_steps, cs.error_steps,
                       cs.failed)


@dataclass(frozen=True)
class PartReceipt:
    """What a worker hands back for a chunk whose result it wrote to the parts folder."""

    index: int
    work: int  # satellite-steps flown by this attempt (a resumed chunk flies only what was left)


def fly_part(task: ChunkTask, progress: Callable[[int], None] | None = None) -> PartReceipt:
    """Fly one chunk of a stored run (from its latest checkpoint) and write its finished result to the
    parts folder; then remove its checkpoints and segments. The executor's task function."""
    parts = Location(task.parts)
    flown = [0]

    def count(k: int) -> None:
        flown[0] += k
        if progress is not None:
            progress(k)

    result = run_chunk(task, progress=count)
    save_arrays(parts.child(part_name(task.index)), {
        "fleet": result.fleet, "sat_steps": np.array(result.sat_steps), "error_steps": result.sgp4_error_steps,
        "failed": result.sgp4_failed, **{f"summary:{k}": np.asarray(v) for k, v in result.summary.items()}})
    remove_older(parts, task.index, keep=None)
    return PartReceipt(task.index, flown[0])


# the ChunkTask fields stored as arrays in a chunk's input; the others go in its JSON
TASK_ARRAYS = ("elements", "sat_id", "shell", "params")


@dataclass(frozen=True)
class StoredTask:
    """A chunk whose input the client wrote to the parts folder: what a Dask task carries instead of the
    chunk's elements, so that the task graph stays small whatever the fleet (the workers read their
    inputs from the store every host reaches, and a retried task finds its input there too)."""

    parts: str
    index: int


def store_task(task: ChunkTask) -> StoredTask:
    """Write ``task`` to its parts folder as ``input-NNNNN.npz`` (arrays, and the rest as JSON)."""
    import json

    meta = {f.name: getattr(task, f.name) for f in fields(task) if f.name not in TASK_ARRAYS}
    meta["models"] = list(meta["models"])
    save_arrays(Location(task.parts).child(input_name(task.index)), {
        **{name: getattr(task, name) for name in TASK_ARRAYS},
        "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)})
    return StoredTask(task.parts, task.index)


def load_task(ref: StoredTask) -> ChunkTask:
    """The chunk :func:`store_task` wrote."""
    import json

    a = load_arrays(Location(ref.parts).child(input_name(ref.index)))
    meta = json.loads(a["meta"].tobytes().decode("utf-8"))
    meta["models"] = tuple(meta["models"])
    return ChunkTask(**{name: a[name] for name in TASK_ARRAYS}, **meta)


def fly_stored(ref: StoredTask, progress: Callable[[int], None] | None = None) -> PartReceipt:
    """:func:`fly_part` on a chunk read from the parts folder (the task function on a Dask cluster)."""
    return fly_part(load_task(ref), progress)


def read_part(parts: Location, index: int) -> ChunkResult:
    """A finished chunk's result, read back from the parts folder."""
    where = parts.child(part_name(index))
    try:
        a = load_arrays(where)
    except FileNotFoundError:
        raise InputError(str(where), None, "the chunk's result is not where its worker wrote it; with a Dask cluster "
                         "on other hosts, expected an --out that every host reaches (an object-store URL such as "
                         "s3://BUCKET/PREFIX)") from None
    summary = {k.split(":", 1)[1]: v for k, v in a.items() if k.startswith("summary:")}
    return ChunkResult(index, summary, a["fleet"], int(a["sat_steps"]), a["error_steps"], a["failed"])


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


@dataclass(frozen=True)
class _Workspace:
    """Where a run writes as it goes: ``work`` (``OUT.partial`` beside a local ``OUT``, renamed to it when
    complete; ``OUT`` itself in an object store, where the manifest, written last, marks it complete) and
    its parts folder (``simulate.parts``)."""

    out: Location
    work: Location

    @property
    def parts(self) -> Location:
        return self.work.child(PARTS_DIR)

    @property
    def plan(self) -> Location:
        return self.parts.child(PLAN_FILE)

    @classmethod
    def at(cls, out: Location) -> _Workspace:
        return cls(out, Location(out.url + PARTIAL_SUFFIX) if out.local else out)

    def complete(self) -> bool:
        return self.out.child(MANIFEST_FILE).is_file()

    def fresh(self) -> _Workspace:
        """Start a new run: ``OUT`` new or empty (a killed run's parts there are discarded)."""
        if self.out.local:
            path = self.out.path
            if path.exists() and not path.is_dir():
                raise InputError(str(path), None, "is a file; expected a new or empty directory")
            if path.exists() and any(path.iterdir()):
                raise InputError(str(path), None, "the output directory exists and is not empty; expected a new or "
                                 "empty one")
        else:
            held = self.out.listdir()
            if held and (MANIFEST_FILE in held or PARTS_DIR not in held):
                raise InputError(str(self.out), None, "the output location holds other objects; expected a new or "
                                 "empty prefix")
        self.work.remove()
        self.work.makedirs()
        return self

    def resumed(self) -> _Workspace:
        """Continue the run whose parts are at ``OUT``."""
        if self.complete():
            raise InputError(str(self.out), None, "the run there is complete; nothing to resume")
        if not self.plan.is_file():
            raise InputError(str(self.out), None, "holds no interrupted run to resume (expected the parts of a run "
                             "started with the same --out); start it without --resume")
        return self

    def finish(self) -> None:
        """Remove the parts; locally, rename ``OUT.partial`` to ``OUT``."""
        self.parts.remove()
        if self.out.local:
            out = self.out.path
            if out.exists():
                out.rmdir()
            self.work.path.replace(out)


def _write_fleet_series(where: Location, totals: _FleetTotals, start_jd: float, step_s: float) -> None:
    """One row per step, summed over the satellites flown at that step."""
    fleet = totals.series
    flown = fleet[:, kn.F_FLOWN]
    with where.writing() as path:
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
             models: tuple[str, ...] | None = None, timeseries_satellites: int | None = None, resume: bool = False,
             checkpoint_s: float = CHECKPOINT_EVERY_S,
             on_progress: Callable[..., None] | None = None) -> SimulationResult:
    """Fly the scenario's fleet and write its results under ``out_dir`` (see ``simulate.output``).

    Parameters
    ----------
    scenario : Scenario
        The validated scenario; ``scenario.simulation`` sets the span, step, propagator, chunks.
    out_dir : str or Path
        A new or empty directory, or an fsspec URL every worker reaches (``s3://BUCKET/PREFIX``). Locally
        the run writes ``OUT.partial`` and renames it when complete; in an object store it writes ``OUT``
        and its manifest last.
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
    resume : bool
        Continue an interrupted run at ``out_dir`` (same scenario and options) from its finished chunks and
        its chunks' latest checkpoints; the result is the same as an uninterrupted run's.
    checkpoint_s : float
        Wall seconds between a chunk's checkpoints (0: after every window).
    on_progress : callable, optional
        ``on_progress(**fields)`` as chunks finish: ``stage, executor, unit, done, total, tasks_done, tasks,
        resumed_tasks, data_location`` (the run store's ``progress.json``).

    Returns
    -------
    SimulationResult
        Fleet-level figures, also written as ``manifest.json``.
    """
    out = Location.of(out_dir, "--out")
    require_fleet_fits(scenario)
    out.require_writable("--out")
    space = _Workspace.at(out)
    space = space.resumed() if resume else space.fresh()
    try:
        result = _fly(scenario, space, timeseries=timeseries, workers=workers, cluster=cluster, progress=progress,
                      battery_scale=battery_scale, models=models, timeseries_satellites=timeseries_satellites,
                      resume=resume, checkpoint_s=checkpoint_s, on_progress=on_progress)
        result.write(space.work.url)
    except BaseException:
        if not resume and not completed(space.parts.listdir()):
            space.work.remove()  # nothing to resume from: nothing half-written is left beside the output
        raise
    space.finish()
    return result


def interrupted(out_dir: str | Path) -> bool:
    """Whether an interrupted run left its parts for ``out_dir`` (what ``resume=True`` continues from)."""
    space = _Workspace.at(Location.of(out_dir))
    return not space.complete() and space.plan.is_file()


def _plan_record(scenario: Scenario, tasks: list[ChunkTask], n_steps: int, options: dict) -> dict:
    """What a resume must match: the scenario (its digest), the options, the chunks and steps."""
    return {"scenario_digest": scenario.digest(), "options": options, "chunks": len(tasks), "steps": n_steps,
            "satellites": int(sum(t.elements.shape[0] for t in tasks)), "leodc_version": __version__}


def _require_same_plan(space: _Workspace, record: dict) -> None:
    import json

    stored = json.loads(space.plan.read_bytes())
    differs = [k for k in ("scenario_digest", "options", "chunks", "steps", "satellites") if stored.get(k) != record[k]]
    if differs:
        raise InputError(str(space.out), None, f"the interrupted run there was started with another {differs[0]} "
                         f"({stored.get(differs[0])!r}, now {record[differs[0]]!r}); expected the same scenario and "
                         "options to resume it")


def _fly(scenario: Scenario, space: _Workspace, *, timeseries: bool, workers: int | None, cluster: str | None,
         progress: bool, battery_scale: float, models: tuple[str, ...] | None, timeseries_satellites: int | None,
         resume: bool, checkpoint_s: float, on_progress: Callable[..., None] | None) -> SimulationResult:
    """Plan the chunks, run those not finished, fold every chunk's result (read back from the parts
    folder, in chunk order) and write the run's files into the workspace; the result to be."""
    import json

    work = space.work
    t0 = time.perf_counter()
    tasks, start, n_steps = plan(scenario, timeseries_dir=work.child(TIMESERIES_DIR).url if timeseries else None,
                                 battery_scale=battery_scale, models=models,
                                 timeseries_satellites=timeseries_satellites)
    tasks = [replace(t, parts=space.parts.url, checkpoint_s=checkpoint_s) for t in tasks]
    options = {"timeseries": timeseries, "timeseries_satellites": timeseries_satellites,
               "battery_scale": battery_scale, "models": None if models is None else list(models)}
    record = _plan_record(scenario, tasks, n_steps, options)
    if resume:
        _require_same_plan(space, record)
    else:
        space.plan.write_bytes(json.dumps(record, indent=2).encode())
    if timeseries:
        work.child(TIMESERIES_DIR).makedirs()
    listing = space.parts.listdir()
    done = completed(listing)
    resumed_steps = latest_checkpoints(listing)
    pending = [t for t in tasks if t.index not in done]
    n_sat = sum(t.elements.shape[0] for t in tasks)
    total = n_sat * n_steps
    executor = executor_name(workers, cluster)
    count = {"done": sum(t.elements.shape[0] * n_steps for t in tasks if t.index in done)
             + sum(t.elements.shape[0] * resumed_steps.get(t.index, 0) for t in pending), "tasks": len(done),
             "flown": 0}

    def report(receipt: PartReceipt | None) -> None:
        if receipt is not None:
            count["done"] += receipt.work
            count["flown"] += receipt.work
            count["tasks"] += 1
        if on_progress is not None:
            on_progress(stage="simulate", executor=executor, unit="satellite-steps", done=count["done"], total=total,
                        tasks_done=count["tasks"], tasks=len(tasks), resumed_tasks=len(done),
                        data_location=None if space.out.local else space.out.url)

    report(None)
    context = tasks[0].context if tasks else model_context(scenario, design(scenario))
    totals = _FleetTotals(n_steps)
    tally = ReentryTally(context["horizon_years"], context["mission_life_years"], context["years_to_deploy"], n_sat)
    if workers or cluster:  # each worker reads its chunk from the store: the task graph stays small
        fly, runnable = fly_stored, [store_task(t) for t in pending]
    else:
        fly, runnable = fly_part, pending
    receipts = run_tasks(fly, runnable, workers=workers, cluster=cluster, progress=progress,
                         total=total - count["done"], on_result=report) if pending else (r for r in ())
    with work.child(SATELLITES_FILE).writing() as satellites_path:
        writer = None
        try:
            for task in tasks:
                if task.index not in done:
                    receipt = next(receipts)
                    assert receipt.index == task.index  # the executor yields in task order
                result = read_part(space.parts, task.index)
                totals.add(result)
                table = pa.table(result.summary)
                if writer is None:
                    writer = pq.ParquetWriter(str(satellites_path), table.schema)
                writer.write_table(table)
                if "disposal_years" in result.summary:
                    first = result.index * scenario.simulation.chunk_satellites
                    tally.add(first + np.arange(len(result.summary["sat_id"])), result.summary["disposal_years"])
        finally:
            if writer is not None:
                writer.close()
            receipts.close()  # a failure stops the executor (and its local cluster) here
    _write_fleet_series(work.child(FLEET_FILE), totals, start, scenario.simulation.step_s)
    reentries = tally.table()
    if reentries is not None:
        with work.child(REENTRIES_FILE).writing() as path:
            pq.write_table(reentries, path)
    wall = time.perf_counter() - t0
    sim = scenario.simulation
    final = space.out
    return SimulationResult(
        out_dir=str(final), satellites=n_sat, steps=n_steps, step_s=sim.step_s, days=sim.days,
        propagator=sim.propagator, shadow=sim.shadow, executor=executor,
        # the rate of this process's flying: a resumed run counts only what it flew itself
        wall_s=wall, sat_steps_per_s=count["flown"] / wall if wall > 0 else float("inf"),
        fleet_sunlit_fraction=totals.mean(totals.sunlit_fraction_sum), fleet_min_soc=totals.extreme(totals.min_soc),
        fleet_throttled_hours=totals.extreme(totals.throttled_hours),
        fleet_max_chip_temp_k=totals.extreme(totals.max_chip_temp_k),
        fleet_max_radiator_temp_k=totals.extreme(totals.max_radiator_temp_k),
        fleet_compute_fraction=totals.mean(totals.compute_fraction_sum),
        files={"satellites": final.child(SATELLITES_FILE).url, "fleet": final.child(FLEET_FILE).url}
        | ({"timeseries": final.child(TIMESERIES_DIR).url} if timeseries else {})
        | ({"reentries": final.child(REENTRIES_FILE).url} if reentries is not None else {}),
        reentries_after_horizon=tally.after_horizon,
        sgp4_error_steps=totals.errors_by_code(), sgp4_error_satellites=totals.sgp4_error_satellites,
        scenario=scenario.name, scenario_digest=scenario.digest(), start_utc=sim.start_utc,
        leodc_version=__version__, fleet_figures_satellites=totals.flown, fleet_figures_over=totals.means_note(),
        resumed_chunks=len(done),
    )


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
