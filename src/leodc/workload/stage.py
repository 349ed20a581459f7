"""The workload stage for one scenario: its ``[workload]`` section turned into jobs on the simulated
fleet, run beside their terrestrial twins, and the figures ``leodc workload`` prints and ``leodc run``
stores (``workload/summary.json``, ``workload/latency.parquet``).

Where the inputs come from:

- the satellites a job uses and their compute over time: the engine flies them
  (:func:`leodc.simulate.series.satellite_series`, the same kernel as the fleet run) for
  ``workload.days`` at ``workload.step_s``, with the space-environment models, which give each
  satellite's upset rates (silent data corruption, uncorrectable memory errors, crashes, host events:
  each a restart of a synchronous job);
- the training job's all-reduce: the network layer's ring over the live laser links of the job's
  satellites (``network.cluster``), their slowest link setting the rate;
- permanent failures: the catalog's failures per chip-year (Llama 3's fleet), never repaired in orbit;
- inference: the shipped cities (by population) send requests to the satellites they see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from leodc.catalog import load_catalog
from leodc.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR, SPEED_OF_LIGHT_KM_PER_S
from leodc.design import Design
from leodc.errors import InputError
from leodc.network.cluster import group_bandwidth, ring_all_reduce_s
from leodc.network.figures import fleet_shells
from leodc.network.latency import fleet_topology, itrs_positions, link_model
from leodc.network.links import LinkModel, nearest_edges
from leodc.orbits.epochs import julian_date
from leodc.scenario import Scenario
from leodc.simulate.fleet import fleet_of
from leodc.simulate.series import SatelliteSeries, satellite_series
from leodc.workload import inference as inf
from leodc.workload.mission import delivered_accelerator_hours
from leodc.workload.model import Availability, Faults, InferenceJob, InferenceResult, TrainingJob, TrainingResult
from leodc.workload.serving import fleet_candidates
from leodc.workload.training import run_training, terrestrial_twin

MS_PER_S = 1000.0
# requests of each side (orbit, ground) kept in workload/requests.parquet for the report's distribution
REQUESTS_SAMPLE = 50_000
SCHEDULERS = ("greedy", "lookahead")


class NotOnThisFleet(Exception):
    """The fleet cannot host the job as stated (too few satellites in its shell, no live laser link
    between them): the stage reports why instead of a result, and the run goes on."""


@dataclass
class TrainingSetup:
    """A scenario's training job with everything it runs on."""

    job: TrainingJob
    availability: Availability
    faults: Faults
    pool: np.ndarray  # fleet rows of the job's satellites and spares
    ring_bps: float  # the ring's rate: its slowest live laser link
    hop_s: float  # its longest hop's light time plus the per-hop delay
    ground_ring_bps: float
    series: SatelliteSeries

    def allreduce_s(self, n: int) -> float:
        return ring_all_reduce_s(n, self.job.gradient_bytes, self.ring_bps, self.hop_s)

    def ground_allreduce_s(self, n: int) -> float:
        # inside a data center the hop's latency (microseconds) is left out
        return ring_all_reduce_s(n, self.job.gradient_bytes, self.ground_ring_bps, 0.0)


def _pool(scenario: Scenario, d: Design) -> np.ndarray:
    """The job's satellites and spares: a contiguous block of its shell (plane after plane for a
    Walker shell, the whole formation for a cluster), so that they are laser-link neighbours."""
    tr = scenario.workload.training
    wanted = tr.satellites + tr.spare_satellites
    shells = fleet_shells(scenario, d)
    if shells is None:  # a real fleet: its first satellites
        first, size, where = 0, d.fleet.satellites, "the fleet"
    else:
        if tr.shell >= len(shells):
            raise NotOnThisFleet(f"workload.training.shell is {tr.shell}; the constellation's shells are "
                                 f"0..{len(shells) - 1}")
        first = sum(s.satellites for s in shells[:tr.shell])
        size, where = shells[tr.shell].satellites, f"shell {tr.shell}"
    if wanted > size:
        raise NotOnThisFleet(f"the job wants {wanted:,} satellites (workload.training.satellites + "
                             f"spare_satellites) and {where} holds {size:,}")
    return np.arange(first, first + wanted)


def _pool_links(scenario: Scenario, d: Design, pool: np.ndarray, model: LinkModel,
                start_jd: float) -> tuple[np.ndarray, np.ndarray]:
    """The pool's positions at the start and its laser links (the fleet's own topology between them,
    re-indexed to the pool; nearest neighbours for a real fleet)."""
    elements, _ = fleet_of(scenario, d, start_jd)
    shells = fleet_shells(scenario, d)
    if shells is None:
        r = itrs_positions(elements.take(pool), start_jd, 0.0)
        return r, nearest_edges(r, model.terminals_per_satellite, model.max_range_km)
    r_all = itrs_positions(elements, start_jd, 0.0)
    edges = fleet_topology(shells, len(elements), model, r_all).fixed
    lo, hi = int(pool[0]), int(pool[-1]) + 1  # the pool is contiguous
    inside = (edges >= lo).all(axis=1) & (edges < hi).all(axis=1)
    return r_all[lo:hi], edges[inside] - lo


def training_setup(scenario: Scenario, d: Design) -> TrainingSetup:
    """The scenario's training job, the compute over time and upset rates of its satellites, and the
    rate of its all-reduce ring."""
    wl, tr = scenario.workload, scenario.workload.training
    acc = load_catalog().accelerators[scenario.compute.accelerator]
    pool = _pool(scenario, d)
    series = satellite_series(scenario, pool, days=wl.days, step_s=wl.step_s, d=d, models=None)
    compute = np.nan_to_num(series.values["compute_fraction"], nan=0.0)
    heat = np.maximum(np.nan_to_num(series.values["heat_fraction"], nan=0.0), compute)
    availability = Availability(step_s=series.step_s, compute=compute, heat=heat, sat_id=series.sat_id)
    restarts = np.nan_to_num(np.asarray(series.summary.get("seu_per_day", np.zeros(pool.size)), dtype=float))
    faults = Faults(restarts_per_day=restarts, failures_per_chip_year=acc.failures_per_chip_year.value,
                    chips_per_accelerator=int(acc.chips_per_unit.value), seed=wl.seed)
    units = scenario.compute.accelerators_per_satellite
    checkpoint_bytes = tr.checkpoint_bytes_per_parameter * tr.parameters
    job = TrainingJob(
        parameters=tr.parameters, tokens=tr.tokens,
        flops_per_token=tr.flops_per_token or 6.0 * tr.parameters,
        batch_tokens=tr.batch_tokens, satellites=tr.satellites, accelerators_per_satellite=units,
        model_parallel_accelerators=tr.model_parallel_accelerators,
        peak_flops_per_accelerator=acc.peak_bf16_dense_flops.value, efficiency=tr.efficiency,
        gradient_bytes=tr.gradient_bytes_per_parameter * tr.parameters,
        checkpoint_s=checkpoint_bytes / (tr.satellites * tr.checkpoint_write_bytes_per_s),
        restart_s=tr.restart_s, checkpoint_interval_s=tr.checkpoint_interval_s, scheduler=tr.scheduler,
        replan_s=tr.replan_h * SECONDS_PER_HOUR)
    # the ring's links at the start (laser links between the pool's satellites, alive where they clear
    # the Earth and are in range)
    start = julian_date(scenario.simulation.start_utc)
    model = link_model(scenario.network)
    r, edges = _pool_links(scenario, d, pool, model, start)
    group = group_bandwidth(r, edges, model, job.gradient_bytes, scenario.network.per_hop_delay_ms)
    if group.link_bps_min <= 0.0 or group.links == 0:
        raise NotOnThisFleet(f"no laser link is live between the job's {pool.size:,} satellites (the "
                             f"{scenario.network.laser_terminal} terminal reaches {model.max_range_km:,.0f} km; "
                             f"{scenario.network.terminals_per_satellite} a satellite)")
    hop_s = group.link_km_max / SPEED_OF_LIGHT_KM_PER_S + scenario.network.per_hop_delay_ms / MS_PER_S
    ground_ring_bps = units * acc.chips_per_unit.value * tr.ground_link_bps_per_accelerator
    return TrainingSetup(job, availability, faults, pool, group.link_bps_min, hop_s, ground_ring_bps, series)


# ---------------------------------------------------------------------------------------------- training
def _training_row(result: TrainingResult, groups: int) -> dict:
    """A training result as the summary's fields: hours of the job's wall time lost to each cause
    (group-seconds over the groups the job holds, so that useful + lost = the wall time)."""
    per_group_h = 1.0 / (groups * SECONDS_PER_HOUR)
    return {
        "time_to_train_h": result.time_to_train_h if result.completed else None,
        "completed": result.completed, "progress": result.progress,
        "simulated_h": result.simulated_s / SECONDS_PER_HOUR,
        "goodput": result.goodput,
        "useful_h": result.useful_group_s * per_group_h,
        "lost_h_by_cause": {k: v * per_group_h for k, v in result.lost_s_by_cause.items()},
        "checkpoint_interval_s": result.checkpoint_interval_s, "restarts": result.restarts,
        "failed_accelerators": result.failed_accelerators, "migrations": result.migrations,
        "events": result.events,
    }


def training_figures(scenario: Scenario, d: Design) -> dict:
    """The training job with the scenario's scheduler, the other scheduler on the same job, and the
    terrestrial twin; the analytic time (full compute, no faults) beside them."""
    tr = scenario.workload.training
    try:
        setup = training_setup(scenario, d)
    except NotOnThisFleet as why:
        return {"possible": False, "reason": str(why), "time_to_train_h": None, "goodput": None}
    job, n = setup.job, setup.job.satellites
    max_s = tr.max_days * SECONDS_PER_DAY
    results = {name: run_training(replace(job, scheduler=name), setup.availability, setup.allreduce_s, setup.faults,
                                  spares=tr.spare_satellites, max_s=max_s) for name in SCHEDULERS}
    twin = terrestrial_twin(job, setup.ground_allreduce_s, setup.faults.failures_per_chip_year,
                            chips_per_accelerator=setup.faults.chips_per_accelerator, seed=scenario.workload.seed,
                            max_s=max_s)
    steps = math.ceil(job.tokens / job.batch_tokens)
    step_compute_s = job.batch_tokens * job.flops_per_token / (
        n * job.accelerators_per_satellite * job.peak_flops_per_accelerator * job.efficiency)
    chosen = results[job.scheduler]
    return {"possible": True} | _training_row(chosen, n) | {
        "scheduler": job.scheduler, "satellites": n, "spare_satellites": tr.spare_satellites,
        "accelerators": n * job.accelerators_per_satellite, "steps": steps, "step_compute_s": step_compute_s,
        "allreduce_s": setup.allreduce_s(n), "ring_gbps": setup.ring_bps / 1e9,
        "analytic_h": steps * (step_compute_s + setup.allreduce_s(n)) / SECONDS_PER_HOUR,
        "restarts_per_day": float(setup.faults.restarts_per_day[:n].sum()),
        "checkpoint_s": job.checkpoint_s, "compute_fraction_mean": float(setup.availability.compute.mean()),
        "schedulers": {name: _training_row(r, n) for name, r in results.items()},
        "terrestrial": _training_row(twin, n) | {"allreduce_s": setup.ground_allreduce_s(n)},
    }


def mission_figures(scenario: Scenario, d: Design, compute_fraction: float) -> dict:
    """Accelerators in service and delivered accelerator-hours per year over the economics horizon:
    failures shrink the fleet (no repairs in orbit), each new generation (the design's mission life)
    restores it."""
    acc = load_catalog().accelerators[scenario.compute.accelerator]
    years = delivered_accelerator_hours(
        float(d.fleet.accelerators), acc.failures_per_chip_year.value, int(acc.chips_per_unit.value),
        min(1.0, max(0.0, compute_fraction)), d.satellite.mission_life_years, scenario.economics.horizon_years)
    return {"years": [int(y) for y in years.years],
            "alive_accelerators_mean": [float(v) for v in years.alive_accelerators_mean],
            "delivered_accelerator_hours": [float(v) for v in years.delivered_accelerator_hours],
            "replacement_years": d.satellite.mission_life_years}


# ---------------------------------------------------------------------------------------------- inference
@dataclass
class InferenceSetup:
    job: InferenceJob
    cities: object  # GroundSites
    serving: np.ndarray  # fleet rows of the satellites that serve
    availability: Availability
    accelerators_per_satellite: int
    it_power_w_per_accelerator: float
    start_jd: float


def inference_setup(scenario: Scenario, d: Design) -> InferenceSetup:
    """The scenario's inference job, the cities that send it and the satellites that serve it."""
    from leodc.network.latency import scenario_sites

    wl, inf_sc = scenario.workload, scenario.workload.inference
    acc = load_catalog().accelerators[scenario.compute.accelerator]
    rate = inf_sc.tokens_per_s_per_accelerator or (acc.inference_tokens_per_s.value if acc.inference_tokens_per_s
                                                   else None)
    if rate is None:
        raise InputError(scenario.stated_in("workload.inference"), "workload.inference.tokens_per_s_per_accelerator",
                         f"a figure (the catalog has none for {scenario.compute.accelerator})")
    per_sat = min(inf_sc.accelerators_per_satellite, scenario.compute.accelerators_per_satellite)
    if per_sat < inf_sc.accelerators_per_replica:
        raise InputError(scenario.stated_in("workload.inference.accelerators_per_replica"),
                         "workload.inference.accelerators_per_replica",
                         f"at most the accelerators a satellite serves with ({per_sat})")
    batch = max(1, math.floor(rate * inf_sc.accelerators_per_replica * inf_sc.time_per_output_token_ms / MS_PER_S))
    job = InferenceJob(
        requests_per_day=inf_sc.requests_per_day, prompt_tokens=inf_sc.prompt_tokens,
        output_tokens=inf_sc.output_tokens, tokens_per_s_per_accelerator=rate,
        prefill_speedup=inf_sc.prefill_speedup, accelerators_per_replica=inf_sc.accelerators_per_replica,
        batch_slots=batch, slo_ms=inf_sc.slo_ms, hours=inf_sc.hours, diurnal_amplitude=inf_sc.diurnal_amplitude,
        diurnal_peak_h=inf_sc.diurnal_peak_h, seed=wl.seed)
    inf.validate_job(job)
    n_fleet = d.fleet.satellites
    serving = (np.arange(n_fleet) if n_fleet <= inf_sc.max_satellites
               else np.unique(np.linspace(0, n_fleet - 1, inf_sc.max_satellites).round().astype(np.int64)))
    days = min(wl.days, inf_sc.hours * SECONDS_PER_HOUR / SECONDS_PER_DAY)
    series = satellite_series(scenario, serving, days=days, step_s=wl.step_s, d=d)
    compute = np.clip(np.nan_to_num(series.values["compute_fraction"], nan=0.0), 0.0, 1.0)
    heat = np.maximum(np.clip(np.nan_to_num(series.values["heat_fraction"], nan=0.0), 0.0, 1.0), compute)
    availability = Availability(step_s=series.step_s, compute=compute, heat=heat, sat_id=series.sat_id)
    cities = inf.demand_sites(scenario_sites(scenario.network))
    return InferenceSetup(job, cities, serving, availability, per_sat,
                          d.satellite.it_power_w / d.satellite.accelerators, series.start_jd)


def _inference_row(result: InferenceResult) -> dict:
    return {k: getattr(result, k) for k in (
        "requests", "served", "latency_ms_p50", "latency_ms_p99", "latency_ms_mean", "network_ms_mean",
        "queue_ms_mean", "service_ms_mean", "slo_attainment", "throughput_tokens_per_s",
        "energy_j_per_million_tokens", "events")}


def inference_figures(scenario: Scenario, d: Design) -> tuple[dict, dict[str, np.ndarray]]:
    """The inference job on the fleet and its terrestrial twin; per-request latencies of both."""
    inf_sc = scenario.workload.inference
    setup = inference_setup(scenario, d)
    elements, _ = fleet_of(scenario, d, setup.start_jd)
    table = fleet_candidates(elements.take(setup.serving), setup.start_jd, setup.cities,
                             inf_sc.hours * SECONDS_PER_HOUR, inf_sc.route_step_s,
                             scenario.network.min_elevation_deg, inf_sc.candidates)
    orbit = inf.run_inference(setup.job, setup.cities, table, setup.availability, setup.accelerators_per_satellite,
                              setup.it_power_w_per_accelerator, setup.start_jd)
    accelerators = int(setup.serving.size * setup.accelerators_per_satellite)
    ground = inf.terrestrial_twin(setup.job, setup.cities, inf_sc.region_lat_deg, inf_sc.region_lon_deg,
                                  accelerators, setup.it_power_w_per_accelerator, setup.start_jd)
    hours_held = accelerators * inf_sc.hours
    row = _inference_row(orbit) | {
        "serving_satellites": int(setup.serving.size), "accelerators": accelerators,
        "batch_slots": setup.job.batch_slots,
        "tokens_per_accelerator_hour": orbit.served * setup.job.output_tokens / hours_held,
        "region": inf_sc.region,
        "terrestrial": _inference_row(ground) | {
            "tokens_per_accelerator_hour": ground.served * setup.job.output_tokens / hours_held},
    }
    latencies = {"orbit": orbit.latency_ms, "ground": ground.latency_ms}
    return row, latencies


# ---------------------------------------------------------------------------------------------- the stage
@dataclass
class WorkloadFigures:
    summary: dict  # JSON-ready: training, inference, mission, settings
    requests: object  # pyarrow.Table: a sample of requests' latencies, orbit and ground


def _requests_table(latencies: dict[str, np.ndarray | None]):
    import pyarrow as pa

    where, values = [], []
    for side, ms in latencies.items():
        if ms is None or ms.size == 0:
            continue
        ms = np.asarray(ms, dtype=float)
        ms = ms[np.isfinite(ms)]
        stride = max(1, math.ceil(ms.size / REQUESTS_SAMPLE))
        kept = ms[::stride]
        where.extend([side] * kept.size)
        values.append(kept)
    return pa.table({"where": pa.array(where, pa.string()),
                     "latency_ms": np.concatenate(values) if values else np.zeros(0)})


def workload_figures(scenario: Scenario, d: Design) -> WorkloadFigures:
    """Every job of ``workload.jobs`` beside its terrestrial twin, and the mission's delivered
    accelerator-hours per year."""
    wl = scenario.workload
    summary: dict = {"jobs": list(wl.jobs), "seed": wl.seed, "days": wl.days, "step_s": wl.step_s}
    latencies: dict[str, np.ndarray | None] = {}
    compute_fraction = 1.0
    if "training" in wl.jobs:
        summary["training"] = training_figures(scenario, d)
        compute_fraction = summary["training"].get("compute_fraction_mean", compute_fraction)
    if "inference" in wl.jobs:
        summary["inference"], latencies = inference_figures(scenario, d)
    summary["mission"] = mission_figures(scenario, d, compute_fraction)
    return WorkloadFigures(summary, _requests_table(latencies))


def delivered_work(summary: dict) -> tuple[dict, dict]:
    """What economics takes from a workload summary: the orbit's and the terrestrial twins' training
    goodput and tokens per accelerator-hour (empty where the job did not run)."""
    orbit, ground = {}, {}
    training, inference = summary.get("training"), summary.get("inference")
    if training and training.get("possible"):
        orbit["goodput"] = training["goodput"]
        ground["goodput"] = training["terrestrial"]["goodput"]
    if inference:
        orbit["tokens_per_accelerator_hour"] = inference["tokens_per_accelerator_hour"]
        ground["tokens_per_accelerator_hour"] = inference["terrestrial"]["tokens_per_accelerator_hour"]
    return orbit, ground
