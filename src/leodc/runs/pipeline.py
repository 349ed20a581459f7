"""`leodc run`: design -> simulate -> economics for one scenario, stored as a run.

Stages that exist run in order, each timed; the network and workload stages are not built yet, and
the run says so in its timings (``"network": null``). What a run writes in its directory:

    inputs.json        the validated scenario (every field, defaults included)
    assessment.json    design, economics (fed by the simulation's measurements), energy, launch loop
    compare.json       the terrestrial baselines beside it
    environment.json   shell-level dose, upsets, decay and FCC verdict
    simulation/        the engine's files (satellites, fleet, reentries, manifest; time series of a
                       few satellites for the report)
    orbits.parquet     a sample of the fleet over two hours (positions TEME and ITRS, sunlit share)
    elements.parquet   mean elements of every satellite (for OMM exports)
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from leodc import __version__
from leodc.constants import SECONDS_PER_DAY
from leodc.runs.store import RunRecord, RunStore, new_run_id
from leodc.scenario import Scenario

STAGES = ("design", "simulate", "network", "workload", "economics")
NOT_BUILT = ("network", "workload")
# the globe and the exports: up to this many satellites, spread evenly over the fleet, for two hours
ORBIT_SAMPLE_SATELLITES = 200
ORBIT_SAMPLE_HOURS = 2.0
ORBIT_SAMPLE_STEP_S = 60.0
# the report's orbit plots: time series of the fleet's first satellites
TIMESERIES_SATELLITES = 3


def _write_json(path: Path, data) -> None:
    from leodc.cli import jsonable

    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(jsonable(data), indent=2))
    tmp.replace(path)


def write_orbit_sample(scenario: Scenario, elements, path: Path) -> None:
    from leodc.environment.eclipse import illumination_conical
    from leodc.orbits.epochs import julian_date, timestamps
    from leodc.orbits.frames import teme_to_itrs
    from leodc.orbits.secular import propagate_fast
    from leodc.orbits.sun import sun_position_km

    start = julian_date(scenario.simulation.start_utc)
    n = len(elements)
    pick = np.unique(np.linspace(0, n - 1, min(n, ORBIT_SAMPLE_SATELLITES)).round().astype(int))
    sample = elements.take(pick)
    t_s = np.arange(0.0, ORBIT_SAMPLE_HOURS * 3600.0 + 1e-9, ORBIT_SAMPLE_STEP_S)
    jd = start + t_s / SECONDS_PER_DAY
    r, v = propagate_fast(sample, start, t_s)
    re, _ = teme_to_itrs(r, v, jd)
    lit = illumination_conical(r, sun_position_km(jd))
    m = t_s.size
    stamps = timestamps(start, t_s)
    table = pa.table({
        "sat_id": np.repeat(sample.sat_id, m), "time": pa.array(np.tile(stamps, len(pick))),
        "x_km": r[..., 0].ravel(), "y_km": r[..., 1].ravel(), "z_km": r[..., 2].ravel(),
        "vx_km_s": v[..., 0].ravel(), "vy_km_s": v[..., 1].ravel(), "vz_km_s": v[..., 2].ravel(),
        "x_itrs_km": re[..., 0].ravel(), "y_itrs_km": re[..., 1].ravel(), "z_itrs_km": re[..., 2].ravel(),
        "sunlit": np.asarray(lit, dtype=np.float32).ravel(),
    })
    pq.write_table(table, path)


def write_elements(elements, path: Path) -> None:
    pq.write_table(pa.table({f.name: getattr(elements, f.name) for f in fields(elements)}), path)


def headline(assessment: dict, sim, env: dict) -> dict:
    e, s, f = assessment["economics"], assessment["satellite"], assessment["fleet"]
    return {
        "satellites": f["satellites"], "it_power_w": f["it_power_w"], "fleet_mass_kg": f["mass_kg"],
        "launches": f["launches"], "total_cost_usd": e["total_cost_usd"], "lcoe_usd_per_mwh": e["lcoe_usd_per_mwh"],
        "usd_per_accelerator_hour": e["usd_per_accelerator_hour"],
        "launch_usd_per_kw_year": e["launch_usd_per_kw_year"], "satellite_mass_kg": s["mass_kg"],
        "sunlit_fraction": sim.fleet_sunlit_fraction, "min_soc": sim.fleet_min_soc,
        "throttled_hours": sim.fleet_throttled_hours, "compute_fraction": sim.fleet_compute_fraction,
        "dose_rad_per_year": env["dose_rad_per_year"], "fcc_compliant": env["fcc_compliant"],
    }


def run_scenario(scenario: Scenario, home: str | Path | None = None, progress: bool = False,
                 console: Console | None = None, run_id: str | None = None) -> RunRecord:
    """Run every built stage for the scenario and store the run; returns its catalog record.
    ``run_id``: an id chosen beforehand (the dashboard promises it to its client); new by default."""
    from leodc.assessment import assess
    from leodc.design import design
    from leodc.economics import terrestrial_economics
    from leodc.economics.costs import measured_from_run
    from leodc.economics.terrestrial import default_baselines
    from leodc.environment.shell import environment_figures
    from leodc.orbits.epochs import julian_date
    from leodc.simulate.engine import fleet_of, simulate

    store = RunStore(home)
    store.reap()
    run_id = run_id or new_run_id()
    out = store.run_dir(run_id)
    out.mkdir(parents=True)
    store.begin(run_id, scenario.name, scenario.digest(), scenario.model_dump(mode="json"), __version__)
    timings: dict[str, float | None] = {}
    stage = "design"
    say = (console or Console(stderr=True)).print if progress else (lambda *a, **k: None)
    try:
        t0 = time.perf_counter()
        say(f"[bold]run {run_id}[/bold]: design")
        d = design(scenario)
        _write_json(out / "inputs.json", scenario.model_dump(mode="json"))
        env = asdict(environment_figures(scenario, d))
        _write_json(out / "environment.json", env)
        timings["design"] = time.perf_counter() - t0

        stage = "simulate"
        store.stage(run_id, stage, timings)
        t0 = time.perf_counter()
        say(f"run {run_id}: simulate")
        sim = simulate(scenario, out / "simulation", timeseries=True, timeseries_satellites=TIMESERIES_SATELLITES,
                       progress=progress)
        elements, _ = fleet_of(scenario, d, julian_date(scenario.simulation.start_utc))
        write_orbit_sample(scenario, elements, out / "orbits.parquet")
        write_elements(elements, out / "elements.parquet")
        timings["simulate"] = time.perf_counter() - t0
        for missing in NOT_BUILT:
            timings[missing] = None

        stage = "economics"
        store.stage(run_id, stage, timings)
        t0 = time.perf_counter()
        say(f"run {run_id}: economics")
        a = assess(scenario, measured_from_run(out / "simulation"))
        result = a.to_dict()
        _write_json(out / "assessment.json", result)
        ground = [asdict(terrestrial_economics(scenario, a.design, t)) for t in default_baselines(scenario)]
        _write_json(out / "compare.json", ground)
        timings["economics"] = time.perf_counter() - t0

        stage = "store"
        store.complete(run_id, timings, headline(result, sim, env))
    except BaseException as exc:
        store.fail(run_id, f"{stage}: {type(exc).__name__}: {exc}")
        raise
    return store.get(run_id)
