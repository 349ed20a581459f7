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

import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leodc import __version__
from leodc.constants import SECONDS_PER_DAY
from leodc.design import Design, design
from leodc.orbits.elements import FleetElements, from_satrecs
from leodc.orbits.epochs import julian_date, timestamps
from leodc.orbits.secular import pack
from leodc.orbits.shells import fleet_elements
from leodc.scenario import InputError, Scenario, Shell
from leodc.simulate import kernel as kn
from leodc.simulate.spacecraft import initial_state, spacecraft_params

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


def default_shell(scenario: Scenario, d: Design) -> Shell:
    """The design's fleet as one shell of its orbit: planes ~ sqrt(satellites)."""
    o, n = scenario.orbit, d.fleet.satellites
    planes = max(1, min(n, round(math.sqrt(n))))
    if o.kind == "sun-synchronous":
        return Shell(kind="sun-synchronous", satellites=n, altitude_km=o.altitude_km, planes=planes, ltan_h=o.ltan_h)
    return Shell(kind="walker-delta", satellites=n, altitude_km=o.altitude_km, inclination_deg=o.inclination_deg,
                 planes=planes, phasing=1, raan0_deg=o.raan_deg)


def require_near_earth(elements: FleetElements, source: str) -> None:
    from leodc.orbits.secular import DEEP_SPACE_PERIOD_MIN, deep_space

    far = deep_space(elements)
    if far.size:
        raise InputError(source, "simulation.propagator",
                         f"{far.size} satellites (e.g. {int(far[0])}) have periods of {DEEP_SPACE_PERIOD_MIN:g} "
                         "minutes or more, beyond the fast propagator's near-Earth formula; expected "
                         "propagator = \"sgp4\"")


def fleet_of(scenario: Scenario, d: Design, start_jd: float) -> tuple[FleetElements, list[str] | None]:
    """Elements of the simulated fleet, and TLE lines for the SGP4 path when the fleet is real."""
    c = scenario.constellation
    if c.tle_file:
        from sgp4.exporter import export_tle

        from leodc.orbits.tle import read_fleet

        fleet = read_fleet(c.tle_file)
        elements = from_satrecs(fleet.satrecs, fleet.norad_ids)
        if scenario.simulation.propagator == "fast":
            require_near_earth(elements, c.tle_file)
        return elements, [export_tle(s) for s in fleet.satrecs]
    return fleet_elements(c.shells or [default_shell(scenario, d)], start_jd), None


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


def _sgp4_satellites(task: ChunkTask):
    """The chunk's satellites for SGP4, built once per chunk (from TLE lines, or the mean elements)."""
    from sgp4.api import SatrecArray

    from leodc.orbits.propagate import satrecs_for
    from leodc.orbits.secular import unpack

    elements = unpack(task.elements, task.start_jd, task.sat_id, task.shell)
    return SatrecArray(satrecs_for(elements, task.tle_lines, task.start_jd))


def _sgp4_states(satellites, jd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from leodc.orbits.propagate import propagate_sgp4

    whole = np.floor(jd)
    r, v, err = propagate_sgp4(satellites, whole, jd - whole)
    r[err != 0] = np.nan
    v[err != 0] = 0.0
    return r, v


def run_chunk(task: ChunkTask, progress: Callable[[int], None] | None = None) -> ChunkResult:
    """Advance one chunk through every window; return its summary and its share of the fleet series."""
    from leodc.orbits.sun import sun_position_km
    from leodc.simulate.models import INITIAL, REDUCTIONS, SUMMARY_REGISTRY, WindowState, active

    models = active(task.models)
    n = task.elements.shape[0]
    state = initial_state(task.params, n)
    acc = kn.new_accumulators(n)
    fleet = np.zeros((task.n_steps, kn.N_FLEET))
    extra = {f"{m.name}.{k}": np.full(n, INITIAL[op]) for m in models for k, op in m.reductions.items()}
    pos_models = [m for m in models if m.needs_positions]
    need_pos = bool(pos_models) or task.propagator == "sgp4"
    # position sampling: as fine as the most demanding model asks (every step for the SGP4 path,
    # whose positions the kernel reads)
    stride = max(1, int(min((m.position_step_s for m in pos_models), default=0.0) // task.step_s))
    need_ts = task.timeseries_dir is not None or any(m.needs_illumination for m in models)
    n_blocks = max(1, min(n, 64))
    writer = None
    ts_path = None
    ts_rows = n
    if task.timeseries_dir is not None and task.timeseries_satellites is not None:
        # only the fleet's first satellites (they all sit in chunk 0)
        ts_rows = min(n, task.timeseries_satellites) if task.index == 0 else 0
    if task.timeseries_dir is not None and ts_rows > 0:
        ts_path = Path(task.timeseries_dir) / f"chunk-{task.index:05d}.parquet"
    empty2 = np.zeros((0, 0))
    empty3 = np.zeros((0, 0, 3))
    satellites = _sgp4_satellites(task) if task.propagator == "sgp4" else None
    try:
        for w0 in range(0, task.n_steps, task.window_steps):
            w1 = min(task.n_steps, w0 + task.window_steps)
            t_s = np.arange(w0, w1, dtype=float) * task.step_s
            jd = task.start_jd + t_s / SECONDS_PER_DAY
            sun = sun_position_km(jd)
            sun_d = np.linalg.norm(sun, axis=1)
            sun_u = np.ascontiguousarray(sun / sun_d[:, None])
            m = w1 - w0
            ts = [np.zeros((n, m), dtype=np.float64) for _ in range(4)] if need_ts else [empty2] * 4
            # positions are sampled at global steps that are multiples of the stride, so that results do
            # not depend on where windows begin
            first = (-w0) % stride
            n_pos = len(range(first, m, stride))
            pos = np.zeros((n, n_pos, 3)) if need_pos else empty3
            vel = empty3
            if task.propagator == "sgp4":
                pos, vel = _sgp4_states(satellites, jd)
            blocks = np.zeros((n_blocks, m, kn.N_FLEET))
            kn.advance(task.elements, t_s, task.step_s, sun_u, sun_d, task.params, state, acc, blocks, *ts, pos, vel,
                       task.propagator == "sgp4", stride, first)
            fleet[w0:w1] += blocks.sum(axis=0)
            if models:
                sampled = pos[:, first::stride] if task.propagator == "sgp4" else pos
                window = WindowState(task.sat_id, t_s, jd, task.step_s, ts[0] if need_ts else None,
                                     sampled if need_pos else None, t_s[first::stride], jd[first::stride],
                                     task.step_s * stride, task.context)
                for model in models:
                    out = model.fn(window)
                    for k, op in model.reductions.items():
                        key = f"{model.name}.{k}"
                        extra[key] = REDUCTIONS[op](extra[key], out[k])
            if ts_path is not None:
                table = pa.table({
                    "sat_id": np.repeat(task.sat_id[:ts_rows], m),
                    "time": pa.array(np.tile(timestamps(task.start_jd, t_s), ts_rows)),
                    "sunlit": ts[0][:ts_rows].ravel().astype(np.float32),
                    "power_w": ts[1][:ts_rows].ravel().astype(np.float32),
                    "soc": ts[2][:ts_rows].ravel().astype(np.float32),
                    "radiator_temp_k": ts[3][:ts_rows].ravel().astype(np.float32),
                })
                if writer is None:
                    writer = pq.ParquetWriter(str(ts_path) + ".tmp", table.schema)
                writer.write_table(table)
            if progress is not None:
                progress(n * m)
    finally:
        if writer is not None:
            writer.close()
            Path(str(ts_path) + ".tmp").replace(ts_path)
    summary = {"sat_id": task.sat_id, "shell": task.shell}
    summary.update({name: fn(acc) for name, fn in SUMMARY_COLUMNS.items()})
    summary.update(extra)
    from leodc.orbits.secular import A_KM

    run_s = task.n_steps * task.step_s
    for model in SUMMARY_REGISTRY.values():
        for column, values in model.fn(summary, task.context, task.elements[:, A_KM], run_s).items():
            key = column[1:] if column.startswith("=") else f"{model.name}.{column}"
            summary[key] = values
    return ChunkResult(task.index, summary, fleet, n * task.n_steps)


@dataclass
class SimulationResult:
    out_dir: str
    satellites: int
    steps: int
    step_s: float
    days: float
    propagator: str
    shadow: str
    executor: str
    wall_s: float
    sat_steps_per_s: float
    fleet_sunlit_fraction: float
    fleet_min_soc: float
    fleet_throttled_hours: float
    fleet_max_chip_temp_k: float
    fleet_max_radiator_temp_k: float
    fleet_compute_fraction: float
    files: dict[str, str] = field(default_factory=dict)
    reentries_after_horizon: float = 0.0  # satellites of the horizon's generations re-entering after it


def model_context(scenario: Scenario, d: Design) -> dict:
    """What models need of the design and scenario, as plain values (it travels to Dask workers)."""
    from leodc.catalog import load_catalog

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


def _replacement_cycle(order: np.ndarray, disposal_years: np.ndarray, n_sat: int, context: dict,
                       launched: np.ndarray, reentering: np.ndarray) -> float:
    """Add a chunk's satellites to the yearly launch and re-entry counts over the horizon.

    Satellite i is first launched at (i / N) x years_to_deploy (the build-out), replaced every mission
    life after that, and each generation re-enters its disposal time after its end of mission.
    Returns how many of these re-entries fall after the horizon.
    """
    horizon = len(launched)
    life = context["mission_life_years"]
    start = np.asarray(order, dtype=float) / max(n_sat, 1) * context["years_to_deploy"]
    beyond = 0.0
    generations = math.ceil(horizon / life) + 1
    for g in range(generations):
        launch = start + g * life
        live = launch < horizon
        if not live.any():
            break
        np.add.at(launched, np.floor(launch[live]).astype(int), 1.0)
        back = launch[live] + life + disposal_years[live]
        inside = back < horizon
        np.add.at(reentering, np.floor(back[inside]).astype(int), 1.0)
        beyond += float(np.count_nonzero(~inside))
    return beyond


def plan(scenario: Scenario, d: Design | None = None, timeseries_dir: str | None = None,
         battery_scale: float = 1.0, models: tuple[str, ...] | None = None,
         timeseries_satellites: int | None = None) -> tuple[list[ChunkTask], float, int]:
    sim = scenario.simulation
    d = d or design(scenario)
    start = julian_date(sim.start_utc)
    elements, tle_lines = fleet_of(scenario, d, start)
    n_steps = max(1, round(sim.days * SECONDS_PER_DAY / sim.step_s))
    params = spacecraft_params(scenario, d, battery_scale)
    packed = pack(elements, start)
    from leodc.simulate.models import REGISTRY, load_builtin_models

    load_builtin_models()
    names = tuple(REGISTRY) if models is None else tuple(models)
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


def simulate(scenario: Scenario, out_dir: str | Path, *, timeseries: bool = False, workers: int | None = None,
             cluster: str | None = None, progress: bool = False, battery_scale: float = 1.0,
             models: tuple[str, ...] | None = None, timeseries_satellites: int | None = None) -> SimulationResult:
    """Run the scenario's simulation and write its results under ``out_dir``.

    ``models``: names of the registered per-window models to run (default: all; ``()``: none).
    ``timeseries_satellites``: with ``timeseries``, write the series of the first N satellites only.
    """
    from leodc.simulate.executors import run_tasks

    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise InputError(str(out), None, "the output directory exists and is not empty; expected a new or empty one")
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    ts_dir = tmp / "timeseries" if timeseries else None
    if ts_dir is not None:
        ts_dir.mkdir()
    t0 = time.perf_counter()
    tasks, start, n_steps = plan(scenario, timeseries_dir=str(ts_dir) if ts_dir else None,
                                 battery_scale=battery_scale, models=models,
                                 timeseries_satellites=timeseries_satellites)
    n_sat = sum(t.elements.shape[0] for t in tasks)
    fleet = np.zeros((n_steps, kn.N_FLEET))
    context = tasks[0].context if tasks else {}
    horizon_years = math.ceil(context.get("horizon_years", 0.0))
    launched = np.zeros(horizon_years)
    reentering = np.zeros(horizon_years)
    after_horizon = 0.0
    writer = None
    agg = {"sunlit": 0.0, "min_soc": np.inf, "throttled": 0.0, "chip": -np.inf, "rad": -np.inf, "compute": 0.0}
    executor = "local" if not (workers or cluster) else ("dask " + (cluster or f"LocalCluster({workers})"))
    try:
        for result in run_tasks(tasks, workers=workers, cluster=cluster, progress=progress,
                                total=n_sat * n_steps):
            fleet += result.fleet
            s = result.summary
            table = pa.table(s)
            if writer is None:
                writer = pq.ParquetWriter(str(tmp / "satellites.parquet"), table.schema)
            writer.write_table(table)
            agg["sunlit"] += float(np.sum(s["sunlit_fraction"]))
            agg["compute"] += float(np.sum(s["compute_fraction"]))
            agg["throttled"] += float(np.sum(s["throttled_hours"]))
            agg["min_soc"] = min(agg["min_soc"], float(np.min(s["min_soc"])))
            agg["chip"] = max(agg["chip"], float(np.max(s["max_chip_temp_k"])))
            agg["rad"] = max(agg["rad"], float(np.max(s["max_radiator_temp_k"])))
            if "disposal_years" in s:
                first = result.index * scenario.simulation.chunk_satellites
                order = first + np.arange(len(s["sat_id"]))
                after_horizon += _replacement_cycle(order, np.asarray(s["disposal_years"]), n_sat, context,
                                                    launched, reentering)
    finally:
        if writer is not None:
            writer.close()
    pq.write_table(pa.table({
        "time": pa.array(timestamps(start, np.arange(n_steps) * scenario.simulation.step_s)),
        "satellites_in_shadow": fleet[:, kn.F_IN_SHADOW],
        "power_generated_w": fleet[:, kn.F_POWER_W],
        "compute_available_fraction": fleet[:, kn.F_COMPUTE] / n_sat,
        "it_power_w": fleet[:, kn.F_IT_POWER_W],
    }), tmp / "fleet.parquet")
    if horizon_years and (launched.any() or reentering.any()):
        pq.write_table(pa.table({"year": np.arange(horizon_years), "satellites_launched": launched,
                                 "satellites_reentering": reentering}), tmp / "reentries.parquet")
    wall = time.perf_counter() - t0
    sim = scenario.simulation
    result = SimulationResult(
        out_dir=str(out), satellites=n_sat, steps=n_steps, step_s=sim.step_s, days=sim.days,
        propagator=sim.propagator, shadow=sim.shadow, executor=executor, wall_s=wall,
        sat_steps_per_s=n_sat * n_steps / wall if wall > 0 else float("inf"),
        fleet_sunlit_fraction=agg["sunlit"] / n_sat, fleet_min_soc=agg["min_soc"],
        fleet_throttled_hours=agg["throttled"], fleet_max_chip_temp_k=agg["chip"],
        fleet_max_radiator_temp_k=agg["rad"], fleet_compute_fraction=agg["compute"] / n_sat,
        files={"satellites": str(out / "satellites.parquet"), "fleet": str(out / "fleet.parquet")}
        | ({"timeseries": str(out / "timeseries")} if timeseries else {})
        | ({"reentries": str(out / "reentries.parquet")} if (tmp / "reentries.parquet").exists() else {}),
        reentries_after_horizon=after_horizon,
    )
    (tmp / "manifest.json").write_text(json.dumps({
        "leodc_version": __version__, "scenario": scenario.name, "scenario_digest": scenario.digest(),
        "start_utc": sim.start_utc, **asdict(result)}, indent=2))
    if out.exists():
        out.rmdir()
    tmp.replace(out)
    return result
