"""Events per second of the inference model on a large day, against the same queue written with SimPy.

In one run, on this machine:
- the fleet: a +Grid Walker shell (Starlink shell 1 by default: 72 x 22 = 1,584 satellites, 550 km,
  53 deg) and the 100 shipped cities as the population centres; the candidate tables (the K nearest
  satellites each city sees above the scenario's elevation mask, per routing step) from the network
  layer's positions (``serving.fleet_candidates``, timed on its own);
- capacity that changes: each satellite's compute share is 1 in sunlight and ECLIPSE_SHARE in the
  Earth's shadow (cylindrical shadow of the Sun's true-of-date position at each step), and 0 through
  the RESTART_S after each of its faults (Poisson, RESTARTS_PER_SATELLITE_DAY); serving slots are whole
  replicas x batch slots;
- a large inference day (REQUESTS_PER_DAY requests, diurnal demand), the full model: routing among the
  candidates by round trip + expected wait, batching slots, capacity changes. Timed: ``run_inference``
  end to end (demand, service times, slots, the queue, the summary) and the compiled queue alone.
  Events: arrivals, starts, departures and capacity changes (``InferenceResult.events_by_kind``);
- the peer: the same queue model written with SimPy (arrival, start and departure as SimPy events of a
  process per request, capacity changes as timeouts of a capacity process; the choice of satellite by
  the same rule on the same per-satellite slot heaps, in Python ``heapq``) on the first SIMPY_REQUESTS
  requests of the same day, and leodc's queue on the same subset; their latencies are asserted
  identical (1e-9 relative), and the ratio is taken per simulated request. SimPy is a dev dependency
  and an oracle here only; leodc never imports it.

Targets (issue #11): at least 1,000,000 events/s for the full model, and at least 5x SimPy per simulated
request. Wall-clock seconds with the process's CPU seconds beside them (the machine may be shared); the
ratio is taken on CPU seconds. ``--write-docs`` rewrites this benchmark's section of
docs/performance.md (between its markers), leaving the rest as it is.

    .venv/bin/python benchmarks/events_rate.py --write-docs
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from docs_section import write_section
from leodc.catalog import load_catalog
from leodc.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from leodc.environment.eclipse import illumination_cylindrical
from leodc.network.ground import builtin_sites
from leodc.orbits.epochs import julian_date
from leodc.orbits.secular import propagate_fast
from leodc.orbits.shells import fleet_elements
from leodc.orbits.sun import sun_position_km
from leodc.scenario import Shell, load_scenario
from leodc.workload import inference as inf
from leodc.workload.model import Availability, InferenceJob
from leodc.workload.queue import NO_SATELLITE, serve_requests
from leodc.workload.serving import fleet_candidates, serving_slots

DOCS = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
BEGIN, END = "<!-- events_rate.py -->", "<!-- /events_rate.py -->"
START_JD = julian_date("2026-03-20T00:00:00")
STARLINK_1 = Shell(kind="walker-delta", satellites=1584, altitude_km=550.0, inclination_deg=53.0, planes=72,
                   phasing=1)
ACCELERATOR = "h100-sxm"  # the catalog part whose inference rate the day uses
# benchmark settings (a large day, not a forecast)
HOURS = 24.0
REQUESTS_PER_DAY = 24_000_000
PROMPT_TOKENS = 1000.0
OUTPUT_TOKENS = 250.0
PREFILL_SPEEDUP = 10.0
ACCELERATORS_PER_SATELLITE = 2
ACCELERATORS_PER_REPLICA = 1
BATCH_SLOTS = 8
SLO_MS = 2000.0
DIURNAL_AMPLITUDE = 0.5
DIURNAL_PEAK_H = 14.0
IT_POWER_W = 700.0  # per accelerator
ROUTE_STEP_S = 60.0
CAPACITY_STEP_S = 60.0
CANDIDATES = 4
ECLIPSE_SHARE = 0.5  # the battery carries half the accelerators through the shadow
RESTARTS_PER_SATELLITE_DAY = 2.0
RESTART_S = 600.0
LIT_THRESHOLD = 0.5
SEED = 11
SIMPY_REQUESTS = 150_000
TARGET_EVENTS_PER_S = 1_000_000
TARGET_SIMPY_RATIO = 5.0
RTOL = 1e-9
KB_PER_GB = 1024**2


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KB_PER_GB  # Linux: kB


class Clock:
    """Wall and CPU seconds of one call."""

    def __init__(self, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        self.result = fn()
        self.wall, self.cpu = time.perf_counter() - wall, time.process_time() - cpu


def availability_with_eclipses_and_faults(elements, n_steps: int, rng: np.random.Generator) -> Availability:
    """Compute share per satellite and step: 1 lit, ECLIPSE_SHARE in the shadow, 0 after a fault."""
    t_s = np.arange(n_steps) * CAPACITY_STEP_S
    r, _ = propagate_fast(elements, START_JD, t_s)  # TEME; the Sun's true-of-date position is within 0.005 deg
    sun = sun_position_km(START_JD + t_s / SECONDS_PER_DAY)
    lit = illumination_cylindrical(r, sun[None, :, :]) > LIT_THRESHOLD
    compute = np.where(lit, 1.0, ECLIPSE_SHARE)
    n_sat = compute.shape[0]
    faults = rng.poisson(RESTARTS_PER_SATELLITE_DAY * n_steps * CAPACITY_STEP_S / SECONDS_PER_DAY, n_sat)
    sat = np.repeat(np.arange(n_sat), faults)
    first = rng.integers(0, n_steps, sat.size)
    down_steps = math.ceil(RESTART_S / CAPACITY_STEP_S)
    for d in range(down_steps):
        compute[sat, np.minimum(first + d, n_steps - 1)] = 0.0
    return Availability(step_s=CAPACITY_STEP_S, compute=compute, heat=np.ones_like(compute), sat_id=np.arange(n_sat))


def the_job(rate: float, requests_per_day: float = REQUESTS_PER_DAY, hours: float = HOURS) -> InferenceJob:
    return InferenceJob(requests_per_day=requests_per_day, prompt_tokens=PROMPT_TOKENS, output_tokens=OUTPUT_TOKENS,
                        tokens_per_s_per_accelerator=rate, prefill_speedup=PREFILL_SPEEDUP,
                        accelerators_per_replica=ACCELERATORS_PER_REPLICA, batch_slots=BATCH_SLOTS, slo_ms=SLO_MS,
                        hours=hours, diurnal_amplitude=DIURNAL_AMPLITUDE, diurnal_peak_h=DIURNAL_PEAK_H,
                        service="deterministic", seed=SEED)


# ---------------------------------------------------------------------------------------------- the SimPy peer
def simpy_serve(t_send_s, city, service_s, cand_sat, cand_rtt_s, route_step_s, slots, slot_step_s, span_s):
    """leodc's queue model (``workload.queue``) written with SimPy: per request a process that waits
    for its start and then its service; capacity changes from a process stepping through the slot
    table; the choice of satellite on per-satellite heaps of (free time, slot)."""
    import simpy

    env = simpy.Environment()
    n = t_send_s.size
    n_steps = slots.shape[1]
    n_route, _, k_cand = cand_sat.shape
    heaps = [[(0.0, j) for j in range(int(most))] for most in slots.max(axis=1)]  # sorted: valid heaps
    capacity = slots[:, 0].copy()
    out_sat = np.full(n, NO_SATELLITE, dtype=np.int32)
    out_rtt = np.full(n, np.nan)
    out_wait = np.full(n, np.nan)
    events = {"arrivals": 0, "starts": 0, "departures": 0, "capacity_changes": 0}

    def next_open(i, j, t):
        k = int(t / slot_step_s)
        for m in range(n_steps + 1):
            if slots[i, (k + m) % n_steps] > j:
                return t if m == 0 else (k + m) * slot_step_s
        return math.inf

    def earliest(i, t0):
        h = heaps[i]
        if not h:
            return math.inf
        while True:
            key, j = h[0]
            base = max(t0, key)
            start = next_open(i, j, base)
            if start == base or start == math.inf:
                return start
            heapq.heapreplace(h, (start, j))

    def request(start, svc):
        yield env.timeout(max(0.0, start - env.now))
        events["starts"] += 1
        yield env.timeout(svc)
        events["departures"] += 1

    def source():
        for r in range(n):
            t = float(t_send_s[r])
            yield env.timeout(max(0.0, t - env.now))
            events["arrivals"] += 1
            k = min(int(t / route_step_s), n_route - 1)
            c = city[r]
            best, best_cost, best_start, best_rtt = NO_SATELLITE, math.inf, math.inf, 0.0
            for q in range(k_cand):
                i = int(cand_sat[k, c, q])
                if i < 0:
                    break
                rtt = float(cand_rtt_s[k, c, q])
                t0 = t + 0.5 * rtt
                start = earliest(i, t0)
                if rtt + (start - t0) < best_cost:
                    best, best_cost, best_start, best_rtt = i, rtt + (start - t0), start, rtt
            if best == NO_SATELLITE:
                continue
            svc = float(service_s[0] if service_s.size == 1 else service_s[r])
            heapq.heapreplace(heaps[best], (best_start + svc, heaps[best][0][1]))
            out_sat[r], out_rtt[r], out_wait[r] = best, best_rtt, best_start - (t + 0.5 * best_rtt)
            env.process(request(best_start, svc))

    def capacity_steps():
        for b in range(1, math.ceil(span_s / slot_step_s)):
            yield env.timeout(b * slot_step_s - env.now)
            now = slots[:, b % n_steps]
            events["capacity_changes"] += int(np.count_nonzero(now != capacity))
            capacity[:] = now

    env.process(source())
    env.process(capacity_steps())
    env.run()
    return out_sat, out_rtt, out_wait, events


# ---------------------------------------------------------------------------------------------- the run
def measure(satellites: int, requests_per_day: float, simpy_requests: int) -> dict:
    scenario = load_scenario("builtin:default")
    mask_deg = scenario.network.min_elevation_deg
    rate = load_catalog().accelerators[ACCELERATOR].inference_tokens_per_s.value
    shell = STARLINK_1 if satellites == STARLINK_1.satellites else Shell(
        kind="walker-delta", satellites=satellites, altitude_km=550.0, inclination_deg=53.0,
        planes=max(1, round(math.sqrt(satellites))), phasing=1)
    elements = fleet_elements([shell], START_JD)
    cities = inf.demand_sites(builtin_sites())
    span_s = HOURS * SECONDS_PER_HOUR
    job = the_job(rate, requests_per_day)
    rng = np.random.default_rng(SEED)

    # compile and warm everything first (numba's cache, imports)
    warm = the_job(rate, requests_per_day, hours=ROUTE_STEP_S / SECONDS_PER_HOUR)
    warm_table = fleet_candidates(elements, START_JD, cities, ROUTE_STEP_S, ROUTE_STEP_S, mask_deg, CANDIDATES)
    inf.run_inference(warm, cities, warm_table, Availability.full(len(elements), CAPACITY_STEP_S, 1),
                      ACCELERATORS_PER_SATELLITE, IT_POWER_W, START_JD)

    tables = Clock(lambda: fleet_candidates(elements, START_JD, cities, span_s, ROUTE_STEP_S, mask_deg, CANDIDATES))
    table = tables.result
    capacity = Clock(lambda: availability_with_eclipses_and_faults(
        elements, math.ceil(span_s / CAPACITY_STEP_S), rng))
    availability = capacity.result
    full = Clock(lambda: inf.run_inference(job, cities, table, availability, ACCELERATORS_PER_SATELLITE, IT_POWER_W,
                                           START_JD))
    result = full.result
    # the queue alone, on the same requests
    slots = serving_slots(availability, ACCELERATORS_PER_SATELLITE, ACCELERATORS_PER_REPLICA, BATCH_SLOTS)
    t, city = inf.arrivals(job, cities, START_JD)
    service = inf.service_times_s(job, t.size)
    rtt_s = table.rtt_ms / 1000.0
    queue = Clock(lambda: serve_requests(t, city, service, table.sat, rtt_s, ROUTE_STEP_S, slots, CAPACITY_STEP_S,
                                         span_s))
    assert queue.result.events == result.events_by_kind
    step = np.minimum((t / ROUTE_STEP_S).astype(np.int64), table.n_steps - 1)
    nearest = table.sat[step, city, 0]
    spilled = float(np.mean(queue.result.served & (queue.result.sat != nearest)))
    del step, nearest
    rss = peak_rss_gb()

    # SimPy and leodc's queue on the first simpy_requests requests of the same day
    sub = min(simpy_requests, t.size)
    sub_span_s = float(t[sub - 1]) + ROUTE_STEP_S
    small = Clock(lambda: serve_requests(t[:sub], city[:sub], service, table.sat, rtt_s, ROUTE_STEP_S, slots,
                                         CAPACITY_STEP_S, sub_span_s))
    peer = Clock(lambda: simpy_serve(t[:sub], city[:sub], service, table.sat, rtt_s, ROUTE_STEP_S, slots,
                                     CAPACITY_STEP_S, sub_span_s))
    p_sat, p_rtt, p_wait, p_events = peer.result
    ours = small.result
    assert np.array_equal(p_sat, ours.sat), "SimPy and leodc chose different satellites"
    ok = ours.served
    np.testing.assert_allclose(p_rtt[ok] + p_wait[ok], ours.rtt_s[ok] + ours.wait_s[ok], rtol=RTOL)
    assert p_events == ours.events, (p_events, ours.events)

    events = result.events
    per_request_leodc_cpu = queue.cpu / result.requests
    per_request_simpy_cpu = peer.cpu / sub
    lit = slots > 0
    return {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "satellites": len(elements), "planes": shell.planes, "cities": len(cities), "candidates": CANDIDATES,
        "min_elevation_deg": mask_deg, "route_step_s": ROUTE_STEP_S, "capacity_step_s": CAPACITY_STEP_S,
        "hours": HOURS, "requests_per_day": requests_per_day, "accelerator": ACCELERATOR,
        "tokens_per_s_per_accelerator": rate, "accelerators_per_satellite": ACCELERATORS_PER_SATELLITE,
        "accelerators_per_replica": ACCELERATORS_PER_REPLICA, "batch_slots": BATCH_SLOTS,
        "service_ms": round(inf.mean_service_s(job) * 1000.0, 2),
        "eclipse_share": ECLIPSE_SHARE, "restarts_per_satellite_day": RESTARTS_PER_SATELLITE_DAY,
        "restart_s": RESTART_S, "share_of_satellite_steps_with_slots": round(float(lit.mean()), 4),
        "candidate_tables_wall_s": round(tables.wall, 3), "candidate_tables_cpu_s": round(tables.cpu, 3),
        "availability_wall_s": round(capacity.wall, 3),
        "requests": result.requests, "served": result.served, "events": events,
        "events_by_kind": result.events_by_kind,
        "latency_ms_p50": round(result.latency_ms_p50, 2), "latency_ms_p99": round(result.latency_ms_p99, 2),
        "network_ms_mean": round(result.network_ms_mean, 3), "queue_ms_mean": round(result.queue_ms_mean, 3),
        "slo_attainment": round(result.slo_attainment, 5), "share_not_to_the_nearest": round(spilled, 5),
        "run_inference_wall_s": round(full.wall, 3), "run_inference_cpu_s": round(full.cpu, 3),
        "run_inference_events_per_s": round(events / full.wall),
        "run_inference_events_per_cpu_s": round(events / full.cpu),
        "queue_wall_s": round(queue.wall, 3), "queue_cpu_s": round(queue.cpu, 3),
        "queue_events_per_s": round(events / queue.wall), "queue_events_per_cpu_s": round(events / queue.cpu),
        "peak_rss_gb": round(rss, 3),
        "simpy_requests": int(sub), "simpy_span_s": round(sub_span_s, 1), "simpy_events": int(sum(p_events.values())),
        "simpy_wall_s": round(peer.wall, 3), "simpy_cpu_s": round(peer.cpu, 3),
        "leodc_subset_wall_s": round(small.wall, 4), "leodc_subset_cpu_s": round(small.cpu, 4),
        "simpy_us_per_request_cpu": round(per_request_simpy_cpu * 1e6, 3),
        "leodc_us_per_request_cpu": round(per_request_leodc_cpu * 1e6, 4),
        "ratio_per_request_cpu": round(per_request_simpy_cpu / per_request_leodc_cpu, 1),
        "ratio_same_subset_cpu": round(peer.cpu / small.cpu, 1),
        "identical_latencies": int(ok.sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Inference events per second, against the same queue in SimPy.")
    parser.add_argument("--satellites", type=int, default=STARLINK_1.satellites)
    parser.add_argument("--requests-per-day", type=float, default=REQUESTS_PER_DAY)
    parser.add_argument("--simpy-requests", type=int, default=SIMPY_REQUESTS)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    out = measure(args.satellites, args.requests_per_day, args.simpy_requests)
    out["targets"] = {"events_per_s_at_least": TARGET_EVENTS_PER_S, "simpy_ratio_at_least": TARGET_SIMPY_RATIO}
    print(json.dumps(out, indent=2))
    if args.write_docs:
        write_docs(out)


def section(m: dict) -> list[str]:
    met_rate = m["run_inference_events_per_s"] >= TARGET_EVENTS_PER_S
    met_ratio = m["ratio_per_request_cpu"] >= TARGET_SIMPY_RATIO
    ev = m["events_by_kind"]
    return [
        "## Inference events", "",
        "Regenerated by `benchmarks/events_rate.py --write-docs`; do not edit by hand.", "",
        f"Measured {m['when_utc']} on {m['machine']}. Seconds are wall-clock, CPU seconds in brackets (the "
        "machine may be shared).", "",
        f"A large inference day: {m['requests']:,} requests over {m['hours']:g} h from the {m['cities']} shipped "
        f"cities (by population, diurnal amplitude {DIURNAL_AMPLITUDE:g} peaking at {DIURNAL_PEAK_H:g} h local "
        f"solar time), served by a +Grid Walker shell of {m['satellites']:,} satellites (550 km, 53 deg): per "
        f"city and {m['route_step_s']:g} s routing step the {m['candidates']} nearest satellites in view above "
        f"{m['min_elevation_deg']:g} deg, chosen per request by round trip + expected wait; "
        f"{m['accelerators_per_satellite']} {m['accelerator']} accelerators per satellite "
        f"({m['tokens_per_s_per_accelerator']:,.0f} output tokens/s each, catalog), {m['accelerators_per_replica']} "
        f"per replica, {m['batch_slots']} batch slots each ({m['service_ms']} ms per request); compute share 1 "
        f"in sunlight, {m['eclipse_share']:g} in the Earth's shadow, 0 for {m['restart_s']:g} s after each fault "
        f"({m['restarts_per_satellite_day']:g} per satellite-day), in {m['capacity_step_s']:g} s steps.", "",
        "| measure | value |", "|---|---|",
        f"| events | {m['events']:,}: {ev['arrivals']:,} arrivals, {ev['starts']:,} starts, "
        f"{ev['departures']:,} departures, {ev['capacity_changes']:,} capacity changes |",
        f"| served | {m['served']:,} of {m['requests']:,}; latency p50 {m['latency_ms_p50']} ms, p99 "
        f"{m['latency_ms_p99']} ms; mean network {m['network_ms_mean']} ms, queue {m['queue_ms_mean']} ms; "
        f"SLO ({SLO_MS:g} ms) attainment {m['slo_attainment']} |",
        f"| `run_inference` end to end (demand, service times, slots, queue, summary) | {m['run_inference_wall_s']} s "
        f"({m['run_inference_cpu_s']} s): {m['run_inference_events_per_s']:,} events/s "
        f"(target >= {TARGET_EVENTS_PER_S:,}: {'met' if met_rate else 'not met'}) |",
        f"| the compiled queue alone | {m['queue_wall_s']} s ({m['queue_cpu_s']} s): "
        f"{m['queue_events_per_s']:,} events/s |",
        f"| candidate tables (positions, visibility, nearest {m['candidates']}), before the day | "
        f"{m['candidate_tables_wall_s']} s ({m['candidate_tables_cpu_s']} s) |",
        f"| SimPy, the same queue on the first {m['simpy_requests']:,} requests ({m['simpy_span_s']:,} s, "
        f"{m['simpy_events']:,} events) | {m['simpy_wall_s']} s ({m['simpy_cpu_s']} s): "
        f"{m['simpy_us_per_request_cpu']} us CPU per request; leodc on the same subset {m['leodc_subset_wall_s']} s "
        f"({m['leodc_subset_cpu_s']} s); all {m['identical_latencies']:,} served latencies identical |",
        f"| ratio per simulated request, SimPy / leodc (CPU) | {m['ratio_per_request_cpu']:,}x against the whole "
        f"day's {m['leodc_us_per_request_cpu']} us per request (target >= {TARGET_SIMPY_RATIO:g}x: "
        f"{'met' if met_ratio else 'not met'}); {m['ratio_same_subset_cpu']:,}x on the same subset |",
        f"| peak resident memory | {m['peak_rss_gb']} GB |",
        "",
        "Capacity changes are honoured lazily (a slot closed at the time it would start is re-keyed to its next "
        "opening), and counted once per satellite and step boundary where the slot count changes. "
        f"{m['share_not_to_the_nearest']:.2%} of the requests went to a candidate other than the nearest (which "
        "was full, or closed): the choice by round trip + expected wait keeps the waits near zero at this "
        "demand; the queue under load is checked against Erlang C (`tests/test_against_erlang_c.py`). "
        "Events per second "
        f"on CPU seconds: {m['run_inference_events_per_cpu_s']:,} end to end, {m['queue_events_per_cpu_s']:,} "
        "for the queue alone.", "",
    ]


def write_docs(m: dict) -> None:
    """Replaces the text between the markers (appending them the first time), leaving the rest as it is."""
    write_section(DOCS, BEGIN, END, section(m))


if __name__ == "__main__":
    main()
