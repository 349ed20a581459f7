"""Inference serving against cases with exact answers: light time straight up, latency without
queueing, no capacity, capacity that opens and closes, the choice between satellites, the fibre bound
of the terrestrial twin, seeded determinism, the demand's profile, and inputs that must be refused.
Tolerances: 1e-9 relative where the answer is floating-point arithmetic only; statistical ones state
their standard errors."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from leodc.constants import EARTH_RADIUS_KM, FIBRE_SPEED_FRACTION, SPEED_OF_LIGHT_KM_PER_S
from leodc.errors import InputError
from leodc.network.ground import GroundSites, geodetic_to_itrs_km, up_vectors
from leodc.workload.inference import (
    arrivals,
    demand_sites,
    local_solar_hour,
    mean_service_s,
    run_inference,
    terrestrial_twin,
)
from leodc.workload.model import Availability, InferenceJob
from leodc.workload.queue import NO_SATELLITE, capacity_changes, serve_requests
from leodc.workload.serving import CandidateTable, candidate_table, serving_slots

MS_PER_S = 1000.0
RTOL = 1e-9
START_JD = 2461119.5  # 2026-03-20T00:00:00 UTC
MASK_DEG = 25.0

JOB = InferenceJob(requests_per_day=2000.0, prompt_tokens=1000.0, output_tokens=250.0,
                   tokens_per_s_per_accelerator=2726.0, prefill_speedup=10.0, accelerators_per_replica=8,
                   batch_slots=32, slo_ms=2000.0, hours=2.0, diurnal_amplitude=0.5, diurnal_peak_h=14.0)


def cities(*rows: tuple[str, float, float, float]) -> GroundSites:
    """Sites from ``(name, latitude_deg, longitude_deg, population)``."""
    n = len(rows)
    return GroundSites(name=np.array([r[0] for r in rows], dtype=object),
                       latitude_deg=np.array([r[1] for r in rows], dtype=float),
                       longitude_deg=np.array([r[2] for r in rows], dtype=float), altitude_m=np.zeros(n),
                       role=np.array(["user"] * n, dtype=object), population=np.array([r[3] for r in rows]))


ONE_CITY = cities(("Here", 40.0, -75.0, 1e6))


def table(rtt_ms: list[float], span_s: float) -> CandidateTable:
    """One city, one routing step: satellites 0, 1, ... at the given round trips."""
    k = len(rtt_ms)
    return CandidateTable(step_s=span_s, sat=np.arange(k, dtype=np.int32).reshape(1, 1, k),
                          rtt_ms=np.array(rtt_ms, dtype=float).reshape(1, 1, k))


# ---------------------------------------------------------------------------------------------- candidates
def test_zenith_satellite_round_trip_is_2h_over_c():
    h_km = 550.0
    site = ONE_CITY.itrs_km()[0]
    up = up_vectors(ONE_CITY.latitude_deg, ONE_CITY.longitude_deg)[0]
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east)
    below_mask = site + 2000.0 * east + 300.0 * up  # elevation ~8.5 deg
    far_side = -site * (EARTH_RADIUS_KM + h_km) / np.linalg.norm(site)
    slanted = site + 400.0 * east + h_km * up  # elevation ~54 deg, farther than the zenith one
    r = np.array([below_mask, far_side, slanted, site + h_km * up, [np.nan] * 3])
    got = candidate_table(ONE_CITY, r[None], 1, 60.0, MASK_DEG, 3)
    assert got.sat[0, 0].tolist() == [3, 2, NO_SATELLITE]
    expected_ms = 2.0 * h_km / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S
    assert got.rtt_ms[0, 0, 0] == pytest.approx(expected_ms, rel=RTOL)
    assert got.rtt_ms[0, 0, 1] == pytest.approx(2.0 * math.hypot(400.0, h_km) / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S,
                                                 rel=RTOL)
    assert got.rtt_ms[0, 0, 2] == math.inf
    # a callable gives the same table
    again = candidate_table(ONE_CITY, lambda k: r, 1, 60.0, MASK_DEG, 3)
    assert np.array_equal(again.sat, got.sat) and np.array_equal(again.rtt_ms, got.rtt_ms)


def test_serving_slots_are_whole_replicas_times_batch_slots():
    share = np.array([[1.0, 0.3, 0.0, 0.49]])
    av = Availability(step_s=60.0, compute=share, heat=share.copy(), sat_id=np.arange(1))
    # 10 accelerators, 2 per replica: 5, floor(1.5) = 1 (0.3 x 10 = 3 exactly), 0, floor(2.45) = 2 replicas
    assert serving_slots(av, 10, 2, 4).tolist() == [[20, 4, 0, 8]]


# ---------------------------------------------------------------------------------------------- latency
def test_no_queueing_at_low_load_latency_is_rtt_plus_service():
    rtt_ms = [5.0, 8.0]
    job = dataclasses.replace(JOB, requests_per_day=500.0, service="deterministic")
    span_s = job.hours * 3600.0
    result = run_inference(job, ONE_CITY, table(rtt_ms, span_s), Availability.full(2, span_s, 1), 8, 700.0,
                           START_JD)
    service_ms = mean_service_s(job) * MS_PER_S
    assert result.requests > 10 and result.served == result.requests
    np.testing.assert_allclose(result.latency_ms, rtt_ms[0] + service_ms, rtol=RTOL)
    assert result.queue_ms_mean == 0.0 and result.network_ms_mean == pytest.approx(rtt_ms[0], rel=RTOL)
    assert result.slo_attainment == 1.0
    ev = result.events_by_kind
    assert ev == {"arrivals": result.requests, "starts": result.served, "departures": result.served,
                  "capacity_changes": 0} and result.events == sum(ev.values())
    # 250 output tokens per request over the span; 8 accelerators x 2 satellites x 700 W all the time
    tokens = result.served * job.output_tokens
    assert result.throughput_tokens_per_s == pytest.approx(tokens / span_s, rel=RTOL)
    assert result.energy_j_per_million_tokens == pytest.approx(700.0 * 16 * span_s / tokens * 1e6, rel=RTOL)


def test_service_time_is_prefill_plus_decode():
    rate = JOB.tokens_per_s_per_accelerator * JOB.accelerators_per_replica / JOB.batch_slots
    assert mean_service_s(JOB) == pytest.approx(JOB.prompt_tokens / (JOB.prefill_speedup * rate)
                                                + JOB.output_tokens / rate, rel=RTOL)


def test_capacity_zero_or_no_satellite_in_view_is_unserved():
    span_s = JOB.hours * 3600.0
    dark = Availability(step_s=span_s, compute=np.zeros((1, 1)), heat=np.zeros((1, 1)), sat_id=np.arange(1))
    result = run_inference(JOB, ONE_CITY, table([5.0], span_s), dark, 8, 700.0, START_JD)
    assert result.requests > 0 and result.served == 0 and result.slo_attainment == 0.0
    assert result.events == result.requests and math.isinf(result.latency_ms_p99)
    nothing_in_view = CandidateTable(step_s=span_s, sat=np.full((1, 1, 2), NO_SATELLITE, dtype=np.int32),
                                     rtt_ms=np.full((1, 1, 2), np.inf))
    result = run_inference(JOB, ONE_CITY, nothing_in_view, Availability.full(1, span_s, 1), 8, 700.0, START_JD)
    assert result.served == 0 and result.requests > 0


def test_a_closed_slot_starts_no_work_and_a_running_request_drains():
    # one satellite, one slot open in steps 0 and 2 of 10 s, closed in step 1
    slots = np.array([[1, 0, 1]], dtype=np.int32)
    t = np.array([1.0, 2.0, 12.0])
    served = serve_requests(t, np.zeros(3, np.int32), np.array([4.0]), np.zeros((1, 1, 1), np.int32),
                            np.zeros((1, 1, 1)), 100.0, slots, 10.0, 30.0)
    # 1.0 runs 1-5; 2.0 waits for it (5), runs 5-9 past nothing closing; 12.0 waits for step 2 (20)
    np.testing.assert_allclose(served.wait_s, [0.0, 3.0, 8.0], rtol=RTOL)
    # a request started at 8 s drains through the closing at 10 s; the next waits for the reopening
    served = serve_requests(np.array([8.0, 9.0]), np.zeros(2, np.int32), np.array([4.0]),
                            np.zeros((1, 1, 1), np.int32), np.zeros((1, 1, 1)), 100.0, slots, 10.0, 30.0)
    np.testing.assert_allclose(served.wait_s, [0.0, 11.0], rtol=RTOL)
    assert served.events == {"arrivals": 2, "starts": 2, "departures": 2, "capacity_changes": 2}
    # the table repeats: 1, 0, 1 | 1, 0, 1 | 1: changes at 10, 20, 40 and 50 s (30 and 60 s keep 1)
    assert capacity_changes(slots, 10.0, 65.0) == 4
    served = serve_requests(np.array([35.0, 41.0]), np.zeros(2, np.int32), np.array([4.0]),
                            np.zeros((1, 1, 1), np.int32), np.zeros((1, 1, 1)), 100.0, slots, 10.0, 65.0)
    np.testing.assert_allclose(served.wait_s, [0.0, 50.0 - 41.0], rtol=RTOL)


def test_requests_go_to_the_satellite_with_the_least_rtt_plus_wait():
    # near satellite (2 ms) with one slot, far one (10 ms) with one slot; 1 s service
    cand_sat = np.array([[[0, 1]]], dtype=np.int32)
    cand_rtt = np.array([[[0.002, 0.010]]])
    slots = np.array([[1], [1]], dtype=np.int32)
    t = np.array([0.0, 0.5, 0.999, 0.9995])
    served = serve_requests(t, np.zeros(4, np.int32), np.array([1.0]), cand_sat, cand_rtt, 10.0, slots, 10.0,
                            10.0)
    # 0.0 -> near; 0.5 -> far (a 0.5 s wait beats 8 ms); 0.999 -> near (frees at 1.001, reached at 1.000:
    # a 1 ms wait + 2 ms < far's 0.5 s wait); 0.9995 -> far frees at 1.505 vs near at 2.001: far
    assert served.sat.tolist() == [0, 1, 0, 1]
    np.testing.assert_allclose(served.latency_s, [1.002, 1.010, 1.002 + (1.001 - 1.0), 1.010 + (1.505 - 1.0045)],
                               rtol=RTOL)


def test_queue_matches_a_brute_force_multi_server_queue():
    """Without capacity changes the slots of a satellite are interchangeable: a request starts at
    max(t0, the earliest free time among them). A plain-Python reference over lists of free times,
    with random round trips, slot counts and exponential service, gives the same choices and waits."""
    rng = np.random.default_rng(3)
    n, n_city, k = 3000, 3, 3
    t = np.sort(rng.uniform(0.0, 300.0, n))
    city = rng.integers(0, n_city, n).astype(np.int32)
    service = rng.exponential(0.8, n)
    cand_sat = np.array([[[0, 1, 2], [1, 3, NO_SATELLITE], [2, 0, 3]]], dtype=np.int32)
    cand_rtt = np.where(cand_sat >= 0, rng.uniform(0.002, 0.02, cand_sat.shape), np.inf)
    slots = np.array([[3], [1], [2], [4]], dtype=np.int32)
    got = serve_requests(t, city, service, cand_sat, cand_rtt, 1e3, slots, 1e3, 300.0)
    free = [[0.0] * int(c) for c in slots[:, 0]]
    for r in range(n):
        best, best_cost, best_start, best_rtt = NO_SATELLITE, math.inf, 0.0, 0.0
        for q in range(k):
            i = cand_sat[0, city[r], q]
            if i < 0:
                break
            t0 = t[r] + cand_rtt[0, city[r], q] / 2
            start = max(t0, min(free[i]))
            if cand_rtt[0, city[r], q] + start - t0 < best_cost:
                best, best_cost, best_start, best_rtt = i, cand_rtt[0, city[r], q] + start - t0, start, \
                    cand_rtt[0, city[r], q]
        j = free[best].index(min(free[best]))
        free[best][j] = best_start + service[r]
        assert got.sat[r] == best
        assert got.wait_s[r] == pytest.approx(best_start - t[r] - best_rtt / 2, rel=RTOL, abs=1e-12)
    assert got.wait_s.max() > 0.0  # the case queues


# ---------------------------------------------------------------------------------------------- twin
def test_terrestrial_twin_round_trip_is_the_fibre_bound():
    equator = cities(("A", 0.0, 0.0, 3e6), ("B", 0.0, 20.0, 1e6))
    job = dataclasses.replace(JOB, requests_per_day=500.0, service="deterministic")
    twin = terrestrial_twin(job, equator, 0.0, 10.0, 64, 700.0, START_JD)
    # both cities 10 deg of longitude along the equator from the region: R x 10 deg each way, at 2/3 c
    fibre_ms = 2.0 * EARTH_RADIUS_KM * math.radians(10.0) / (FIBRE_SPEED_FRACTION * SPEED_OF_LIGHT_KM_PER_S) \
        * MS_PER_S
    np.testing.assert_allclose(twin.latency_ms, fibre_ms + mean_service_s(job) * MS_PER_S, rtol=RTOL)
    assert twin.network_ms_mean == pytest.approx(fibre_ms, rel=RTOL)
    # the same requests as the fleet sees
    t_twin = arrivals(job, equator, START_JD)[0]
    assert twin.requests == t_twin.size
    assert twin.energy_j_per_million_tokens == pytest.approx(
        700.0 * 64 * job.hours * 3600.0 / (twin.served * job.output_tokens) * 1e6, rel=RTOL)


def test_twin_with_too_few_accelerators_is_refused():
    with pytest.raises(InputError) as err:
        terrestrial_twin(JOB, ONE_CITY, 0.0, 0.0, 0, 700.0, START_JD)
    assert err.value.field == "accelerators"


# ---------------------------------------------------------------------------------------------- determinism
def test_same_seed_same_requests_and_latencies():
    # 8 slots of ~64 ms at ~90 requests/s: loaded to ~0.7
    job = dataclasses.replace(JOB, requests_per_day=8e6, batch_slots=4, hours=0.25, service="exponential", seed=7)
    span_s = job.hours * 3600.0
    args = (ONE_CITY, table([4.0, 6.0], span_s), Availability.full(2, span_s, 1), 8, 700.0, START_JD)
    a, b = run_inference(job, *args), run_inference(job, *args)
    assert a.queue_ms_mean > 0.0  # enough load to queue
    assert np.array_equal(a.latency_ms, b.latency_ms) and a.events == b.events
    c = run_inference(dataclasses.replace(job, seed=8), *args)
    assert not (c.requests == a.requests and np.array_equal(c.latency_ms, a.latency_ms))


# ---------------------------------------------------------------------------------------------- demand
def test_demand_follows_population_and_local_solar_time():
    """One day, amplitude 0.5 peaking at 14 h local: requests per city in proportion to population, and
    the local-hour profile (1 + 0.5 cos) / 24. With ~2.4 M requests the hourly counts' relative standard
    errors are under 0.5 %; the tolerance is 3 %."""
    two = cities(("East", 0.0, 120.0, 3e6), ("West", 0.0, -60.0, 1e6))
    job = dataclasses.replace(JOB, requests_per_day=2.4e6, hours=24.0)
    t, city = arrivals(job, two, START_JD)
    assert np.all(np.diff(t) >= 0.0) and t[0] >= 0.0 and t[-1] < 86400.0
    assert t.size == pytest.approx(2.4e6, rel=0.005)  # Poisson: sd ~ 0.07 %
    assert np.mean(city == 0) == pytest.approx(0.75, abs=0.003)  # binomial: sd ~ 0.03 %
    h = local_solar_hour(t, two.longitude_deg[city], START_JD)
    counts = np.bincount(h.astype(int), minlength=24) / t.size
    centre = np.arange(24) + 0.5
    # the cosine averaged over each hour: sinc(1/24) of its value at the hour's centre
    expected = (1.0 + 0.5 * np.sinc(1.0 / 24.0) * np.cos(2 * np.pi * (centre - 14.0) / 24.0)) / 24.0
    np.testing.assert_allclose(counts, expected, rtol=0.03)


def test_demand_sites_are_the_populated_ones():
    mixed = cities(("A", 0.0, 0.0, 5.0), ("B", 1.0, 1.0, 0.0))
    assert demand_sites(mixed).name.tolist() == ["A"]
    with pytest.raises(InputError):
        demand_sites(mixed.take(np.array([1])))


# ---------------------------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(("field", "value"), [
    ("requests_per_day", 0.0), ("prompt_tokens", -1.0), ("output_tokens", -250.0), ("output_tokens", 0.0),
    ("tokens_per_s_per_accelerator", 0.0), ("prefill_speedup", -1.0), ("accelerators_per_replica", 0),
    ("batch_slots", 0), ("slo_ms", 0.0), ("hours", 0.0), ("hours", -1.0), ("hours", math.nan),
    ("hours", math.inf), ("diurnal_amplitude", 1.5), ("diurnal_peak_h", 24.0), ("service", "erlang"),
    ("seed", -1),
])
def test_bad_job_fields_are_named(field, value):
    span_s = JOB.hours * 3600.0
    job = dataclasses.replace(JOB, **{field: value})
    with pytest.raises(InputError) as err:
        run_inference(job, ONE_CITY, table([5.0], span_s), Availability.full(1, span_s, 1), 8, 700.0, START_JD)
    assert err.value.field == field and field in str(err.value)
    with pytest.raises(InputError) as err:
        terrestrial_twin(job, ONE_CITY, 0.0, 0.0, 64, 700.0, START_JD)
    assert err.value.field == field


def test_bad_fleet_inputs_are_named():
    span_s = JOB.hours * 3600.0
    full = Availability.full(1, span_s, 1)
    cases = {"accelerators_per_satellite": dict(accelerators=0),
             "it_power_w_per_accelerator": dict(power=-1.0),
             "hours": dict(candidates=table([5.0], span_s / 2)),
             "candidates": dict(candidates=table([5.0, 6.0], span_s))}  # satellite 1 beyond the fleet
    for field, case in cases.items():
        with pytest.raises(InputError) as err:
            run_inference(JOB, ONE_CITY, case.get("candidates", table([5.0], span_s)), full,
                          case.get("accelerators", 8), case.get("power", 700.0), START_JD)
        assert err.value.field == field, field


def test_positions_from_the_engine_geometry():
    """geodetic_to_itrs_km keeps the site where the candidate table puts it (a guard for the zenith test)."""
    xyz = geodetic_to_itrs_km(ONE_CITY.latitude_deg, ONE_CITY.longitude_deg, 0.0)
    np.testing.assert_allclose(xyz, ONE_CITY.itrs_km(), rtol=RTOL)
