"""`leodc run`: every stage of the pipeline for one scenario, stored as a run.

:func:`run_scenario` reads as the pipeline, one line per stage: design -> simulate -> network ->
workload -> economics -> report. The report sits in a layer above the run store, so the caller
(``leodc run``, the API, the dashboard) hands its writer in; the run is marked complete only after it,
so a complete run is a whole one. Each stage is a function of the scenario and the results above it that returns its
result type (``runs.layout``), which writes itself into the run directory. :class:`_Bookkeeping`
times each stage and keeps the catalog row current (the stage running, or where it failed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from rich.console import Console

from leodc.assessment import Assessment, assess
from leodc.constants import SECONDS_PER_DAY
from leodc.design import Design, design
from leodc.design.environment import environment_figures
from leodc.economics import terrestrial_economics
from leodc.economics.costs import measured_from_run
from leodc.economics.terrestrial import default_baselines
from leodc.environment.eclipse import illumination_conical
from leodc.errors import InputError
from leodc.network.figures import latency_steps, network_figures
from leodc.network.latency import BLOCK_STEPS
from leodc.orbits.epochs import julian_date, timestamps
from leodc.orbits.frames import teme_to_itrs
from leodc.orbits.secular import propagate_fast
from leodc.orbits.sun import sun_position_km
from leodc.runs.layout import (
    DesignStage,
    EconomicsStage,
    NetworkStage,
    RunLayout,
    RunProgress,
    SimulateStage,
    WorkloadStage,
    dataclass_table,
)
from leodc.runs.store import RunRecord, RunStore, new_run_id
from leodc.scenario import Scenario
from leodc.simulate.engine import fleet_of, interrupted, simulate
from leodc.simulate.executors import executor_name, require_cluster
from leodc.simulate.output import SimulationResult
from leodc.storage import open_location
from leodc.version import __version__
from leodc.workload.stage import delivered_work, workload_figures

# the globe and the exports: up to this many satellites, spread evenly over the fleet, for two hours
ORBIT_SAMPLE_SATELLITES = 200
ORBIT_SAMPLE_HOURS = 2.0
ORBIT_SAMPLE_STEP_S = 60.0
# the report's orbit plots: time series of the fleet's first satellites
TIMESERIES_SATELLITES = 3
# how often a running stage rewrites the run's progress.json (the dashboard polls it)
PROGRESS_EVERY_S = 1.0


def orbit_sample(scenario: Scenario, elements) -> pa.Table:
    """Up to ``ORBIT_SAMPLE_SATELLITES`` satellites spread over the fleet, every minute for two hours:
    TEME and ITRS positions, TEME velocities, and the share of each step in sunlight (for the globe,
    the report and the exports)."""
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
    return pa.table({
        "sat_id": np.repeat(sample.sat_id, m), "time": pa.array(np.tile(timestamps(start, t_s), len(pick))),
        "x_km": r[..., 0].ravel(), "y_km": r[..., 1].ravel(), "z_km": r[..., 2].ravel(),
        "vx_km_s": v[..., 0].ravel(), "vy_km_s": v[..., 1].ravel(), "vz_km_s": v[..., 2].ravel(),
        "x_itrs_km": re[..., 0].ravel(), "y_itrs_km": re[..., 1].ravel(), "z_itrs_km": re[..., 2].ravel(),
        "sunlit": np.asarray(lit, dtype=np.float32).ravel(),
    })


def headline(assessment: dict, sim, env: dict, network: dict | None = None, workload: dict | None = None) -> dict:
    """The run's headline figures for the catalog (``runs list``, ``runs show``, the dashboard)."""
    e, s, f = assessment["economics"], assessment["satellite"], assessment["fleet"]
    pairs = (network or {}).get("pairs", [])
    p50s = [p["rtt_ms_p50"] for p in pairs if p["rtt_ms_p50"] is not None]
    training = (workload or {}).get("training") or {}
    inference = (workload or {}).get("inference") or {}
    return {
        "satellites": f["satellites"], "it_power_w": f["it_power_w"], "fleet_mass_kg": f["mass_kg"],
        "launches": f["launches"], "total_cost_usd": e["total_cost_usd"], "lcoe_usd_per_mwh": e["lcoe_usd_per_mwh"],
        "usd_per_accelerator_hour": e["usd_per_accelerator_hour"],
        "launch_usd_per_kw_year": e["launch_usd_per_kw_year"], "satellite_mass_kg": s["mass_kg"],
        "sunlit_fraction": sim.fleet_sunlit_fraction, "min_soc": sim.fleet_min_soc,
        "throttled_hours": sim.fleet_throttled_hours, "compute_fraction": sim.fleet_compute_fraction,
        "dose_rad_per_year": env["dose_rad_per_year"], "fcc_compliant": env["fcc_compliant"],
        "sgp4_error_satellites": getattr(sim, "sgp4_error_satellites", 0),
        # the network stage: the median over pairs of each pair's median round trip, and the mean share
        # of steps at which a pair had a path
        "rtt_ms_p50": float(np.median(p50s)) if p50s else None,
        "pairs_reachable_fraction": float(np.mean([p["reachable_fraction"] for p in pairs])) if pairs else None,
        "halt_time_to_all_s_p90": ((network or {}).get("oversight") or {}).get("time_to_all_s_p90"),
        # the workload stage: the training job's time and goodput, the inference job's latency and SLO
        "time_to_train_h": training.get("time_to_train_h"), "goodput": training.get("goodput"),
        "latency_ms_p50": inference.get("latency_ms_p50"), "slo_attainment": inference.get("slo_attainment"),
        "usd_per_delivered_pflop_day": e.get("usd_per_delivered_pflop_day"),
        "usd_per_million_tokens": e.get("usd_per_million_tokens"),
    }


# ---------------------------------------------------------------------------------------------- the stages
def design_stage(scenario: Scenario, layout: RunLayout) -> tuple[Design, DesignStage]:
    """Size the satellite and the fleet; store the validated inputs and the design's environment."""
    d = design(scenario)
    result = DesignStage(scenario.model_dump(mode="json"), asdict(environment_figures(scenario, d)))
    result.write(layout)
    return d, result


@dataclass(frozen=True)
class Execution:
    """Where a run's time-domain stages run and keep their data: ``workers`` (a new local Dask cluster of
    N processes) or ``cluster`` (an existing scheduler's address), else in this process; ``data`` a URL
    (or path) under which the simulation's directory goes (``DATA/<run id>/simulation``; default: inside
    the run directory); ``resume`` continues an interrupted run's simulation from its parts."""

    workers: int | None = None
    cluster: str | None = None
    data: str | None = None
    resume: bool = False


class _ProgressFile:
    """Keeps the run's ``progress.json`` (``RunProgress``) current as a stage's tasks finish: at most once
    every ``PROGRESS_EVERY_S`` and always when the last task is done."""

    def __init__(self, layout: RunLayout):
        self.layout = layout
        self.last = -float("inf")

    def __call__(self, **fields: Any) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S and fields["tasks_done"] < fields["tasks"]:
            return
        self.last = now
        RunProgress(**fields, updated_utc=datetime.now(UTC).isoformat()).write(self.layout)


def simulate_stage(scenario: Scenario, d: Design, layout: RunLayout, progress: bool,
                   execution: Execution = Execution()) -> SimulateStage:
    """Fly every satellite (with the space-environment models) and sample the fleet's orbits."""
    root = layout.simulation.root
    if execution.resume and layout.simulation.manifest.is_file():  # it finished before the interruption
        sim = SimulationResult.read(root)
    else:
        sim = simulate(scenario, root, timeseries=True, timeseries_satellites=TIMESERIES_SATELLITES,
                       progress=progress, workers=execution.workers, cluster=execution.cluster,
                       resume=execution.resume and interrupted(root), on_progress=_ProgressFile(layout))
    elements, _ = fleet_of(scenario, d, julian_date(scenario.simulation.start_utc))
    result = SimulateStage(sim, orbit_sample(scenario, elements), dataclass_table(elements))
    result.write(layout)
    return result


def network_stage(scenario: Scenario, d: Design, layout: RunLayout, execution: Execution = Execution()
                  ) -> NetworkStage:
    """Round trips between the scenario's pairs of ground sites, the time a halt command takes to reach
    the fleet, and the bandwidth inside each shell (``network.figures``)."""
    write = _ProgressFile(layout)
    steps = latency_steps(scenario.network).size
    count = {"done": 0, "tasks": 0}
    executor = executor_name(execution.workers, execution.cluster)

    def on_result(block) -> None:
        count["done"] += block.work
        count["tasks"] += 1
        write(stage="network", executor=executor, unit="steps", done=count["done"], total=steps,
              tasks_done=count["tasks"], tasks=-(-steps // BLOCK_STEPS), data_location=None)

    figures = network_figures(scenario, d, workers=execution.workers, cluster=execution.cluster, on_result=on_result)
    result = NetworkStage(figures.latency.table(), figures.summary)
    result.write(layout)
    return result


def workload_stage(scenario: Scenario, d: Design, layout: RunLayout) -> WorkloadStage:
    """Training and inference on the fleet as discrete events, each beside its terrestrial twin
    (``workload.stage``)."""
    figures = workload_figures(scenario, d)
    result = WorkloadStage(figures.summary, figures.requests)
    result.write(layout)
    return result


def economics_stage(scenario: Scenario, layout: RunLayout, workload: dict | None = None
                    ) -> tuple[Assessment, EconomicsStage]:
    """Costs, energy and the launch loop, fed by what the simulation measured and the work the workload
    stage delivered; the ground beside it (with the terrestrial twins' delivered work)."""
    orbit, ground_twin = delivered_work(workload or {})
    a = assess(scenario, replace(measured_from_run(layout.simulation.root), **orbit))
    ground = [asdict(terrestrial_economics(scenario, a.design, t, **ground_twin)) for t in default_baselines(scenario)]
    result = EconomicsStage(a.to_dict(), ground)
    result.write(layout)
    return a, result


def _require_whole(layout: RunLayout) -> None:
    """A run is complete only when whole: every file in place, no temporary file left."""
    missing = layout.missing()
    if missing:
        raise RuntimeError(f"the run is not whole: {', '.join(missing)}")


class _Bookkeeping:
    """Times each stage and keeps the run's catalog row current; a failure is recorded at its stage."""

    def __init__(self, store: RunStore, run_id: str, say: Callable[[str], Any]):
        self.store, self.run_id, self.say = store, run_id, say
        self.timings: dict[str, float | None] = {}
        self.current = "design"

    def stage(self, name: str, fn: Callable[..., Any], *args) -> Any:
        self.current = name
        self.store.stage(self.run_id, name, self.timings)
        self.say(f"run {self.run_id}: {name}")
        t0 = time.perf_counter()
        out = fn(*args)
        self.timings[name] = time.perf_counter() - t0
        return out


def run_scenario(scenario: Scenario, home: str | Path | None = None, progress: bool = False,
                 console: Console | None = None, run_id: str | None = None,
                 report: Callable[[Path], Path] | None = None, execution: Execution = Execution()) -> RunRecord:
    """Run every stage for the scenario and store the run; returns its catalog record.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario (for a resume: the run's own, read back from its ``inputs.json``).
    home : str or Path, optional
        The runs home (default ``./runs`` or ``$LEODC_HOME``).
    progress : bool
        Print the stages and the simulation's progress bar on stderr.
    console : rich.console.Console, optional
        Where progress goes (default: stderr).
    run_id : str, optional
        An id chosen beforehand (the dashboard promises it to its client); new by default; with
        ``execution.resume``, the interrupted run to continue.
    report : callable, optional
        ``report(run_dir) -> path`` writes the run's report (``leodc.report.write_report``); the last
        stage before the run is marked complete. None: no report.
    execution : Execution
        Where the time-domain stages run (this process, a local Dask cluster, an existing one), where the
        simulation's data goes (a URL every host reaches), and whether to resume an interrupted run.

    Returns
    -------
    RunRecord
        The run's catalog row, complete, with its headline metrics.
    """
    store = RunStore(home)
    store.reap()
    require_cluster(execution.cluster)  # a scheduler that does not answer is refused before the run is stored
    if execution.resume:
        layout = RunLayout(store.run_dir(run_id))
        store.reopen(run_id)
    else:
        data = open_location(execution.data, "--data") if execution.data else None  # checked before storing
        run_id = run_id or new_run_id()
        layout = RunLayout(store.run_dir(run_id))
        store.begin(run_id, scenario.name, scenario.digest(), scenario.model_dump(mode="json"), __version__)
        layout.root.mkdir(parents=True)  # after the catalog row: a busy catalog leaves no empty directory
        if data is not None:
            layout.locate_simulation(data.child(run_id, "simulation").url)
            store.locate(run_id, layout.simulation_location)
    say = (console or Console(stderr=True)).print if progress else (lambda *a, **k: None)
    book = _Bookkeeping(store, run_id, say)
    try:
        d, designed = book.stage("design", design_stage, scenario, layout)
        flown = book.stage("simulate", simulate_stage, scenario, d, layout, progress, execution)
        networked = book.stage("network", network_stage, scenario, d, layout, execution)
        worked = book.stage("workload", workload_stage, scenario, d, layout)
        _, costed = book.stage("economics", economics_stage, scenario, layout, worked.summary)
        if report is not None:
            book.stage("report", report, layout.root)
            _require_whole(layout)
        book.current = "store"
        store.complete(run_id, book.timings, headline(costed.assessment, flown.simulation, designed.environment,
                                                         networked.summary, worked.summary))
    except BaseException as exc:
        store.fail(run_id, f"{book.current}: {type(exc).__name__}: {exc}")
        raise
    return store.get(run_id)


def resume_run(run_id: str, home: str | Path | None = None, progress: bool = False,
               console: Console | None = None, report: Callable[[Path], Path] | None = None,
               workers: int | None = None, cluster: str | None = None) -> RunRecord:
    """Continue an interrupted run (``leodc run --resume ID``): its scenario read back from the run, the
    simulation from its finished chunks and checkpoints, the later stages afresh; the same result as
    an uninterrupted run."""
    store = RunStore(home)
    store.reap()
    layout = RunLayout(store.run_dir(run_id))
    store.get(run_id)  # an unknown id is its one line
    if not layout.inputs.is_file():
        raise InputError(str(layout.root), None, "the run was interrupted before its inputs were stored; nothing to "
                         "resume, expected `leodc run SCENARIO` afresh")
    scenario = Scenario.model_validate(layout.read_json(layout.inputs))
    return run_scenario(scenario, home, progress, console, run_id, report,
                        Execution(workers=workers, cluster=cluster, resume=True))
