"""The training job (issue 11): exact times where the answer is arithmetic, the loss books that balance,
the two schedulers, partial failures (model-parallel units), determinism, bad input; the event loop;
the mission's delivered accelerator-hours against their closed form.

Tolerances: 1e-9 relative where the answer is exact arithmetic (only floating point differs).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

from leodc.constants import HOURS_PER_YEAR, SECONDS_PER_DAY, SECONDS_PER_HOUR
from leodc.errors import InputError
from leodc.network.cluster import ring_all_reduce_s
from leodc.workload import training
from leodc.workload.events import EventLoop
from leodc.workload.mission import delivered_accelerator_hours
from leodc.workload.model import LOST_CAUSES, Availability, Faults, TrainingJob
from leodc.workload.training import daly_interval_s, run_training, terrestrial_twin, young_interval_s

EXACT = 1e-9
GROUPS = 4
ACCELERATORS = 8
PEAK_FLOPS = 1e15
EFFICIENCY = 0.4
BATCH_TOKENS = 4e6
FLOPS_PER_TOKEN = 6.0 * 7e9
STEPS = 20_000.0
GRADIENT_BYTES = 14e9
RING_BPS = 100e9
HOP_S = 1e-3
CHECKPOINT_S = 120.0
RESTART_S = 600.0
INTERVAL_S = 7000.0  # not a whole share of the job's time, so the checkpoint count is unambiguous
# partial failures: units of one accelerator (8 a satellite), the first failure 10 h in, and no checkpoint
# (so a failure throws away all the work before it, and the time after it is exact arithmetic)
SINGLE = 1
UNITS = ACCELERATORS // SINGLE
FAILURE_AT_S = 10.0 * SECONDS_PER_HOUR
SECOND_FAILURE_AT_S = 20.0 * SECONDS_PER_HOUR
NO_CHECKPOINT_S = 1e12


def job(**changes) -> TrainingJob:
    base = TrainingJob(parameters=7e9, tokens=STEPS * BATCH_TOKENS, flops_per_token=FLOPS_PER_TOKEN,
                       batch_tokens=BATCH_TOKENS, satellites=GROUPS, accelerators_per_satellite=ACCELERATORS,
                       model_parallel_accelerators=ACCELERATORS, peak_flops_per_accelerator=PEAK_FLOPS,
                       efficiency=EFFICIENCY, gradient_bytes=GRADIENT_BYTES, checkpoint_s=CHECKPOINT_S,
                       restart_s=RESTART_S, checkpoint_interval_s=INTERVAL_S)
    return replace(base, **changes)


def allreduce_s(n: int) -> float:
    return ring_all_reduce_s(n, GRADIENT_BYTES, RING_BPS, HOP_S)


def no_faults(n_sat: int, seed: int = 0) -> Faults:
    return Faults(restarts_per_day=np.zeros(n_sat), failures_per_chip_year=0.0, seed=seed)


def compute_s(groups: int = GROUPS) -> float:
    """One step's compute at full speed (s)."""
    return BATCH_TOKENS * FLOPS_PER_TOKEN / (groups * ACCELERATORS * PEAK_FLOPS * EFFICIENCY)


def balance(result, groups: int = GROUPS) -> tuple[float, float]:
    return result.simulated_s * groups, result.useful_group_s + sum(result.lost_s_by_cause.values())


def constant(n_sat: int, compute: float, heat: float = 1.0) -> Availability:
    av = Availability.full(n_sat)
    return Availability(step_s=av.step_s, compute=av.compute * compute, heat=av.heat * heat, sat_id=av.sat_id)


# --- exact cases -------------------------------------------------------------------------------------

def test_without_faults_the_time_is_steps_times_compute_and_allreduce_plus_checkpoints():
    result = run_training(job(), Availability.full(GROUPS + 2), allreduce_s, no_faults(GROUPS + 2))
    work_s = STEPS * (compute_s() + allreduce_s(GROUPS))
    checkpoints = math.ceil(work_s / INTERVAL_S) - 1
    assert result.completed and result.restarts == 0 and result.migrations == 0
    assert result.time_to_train_s == pytest.approx(work_s + checkpoints * CHECKPOINT_S, rel=EXACT)
    assert result.lost_s_by_cause["checkpoints"] == pytest.approx(GROUPS * checkpoints * CHECKPOINT_S, rel=EXACT)
    assert result.lost_s_by_cause["communication"] == pytest.approx(GROUPS * STEPS * allreduce_s(GROUPS), rel=EXACT)
    useful_flops = STEPS * BATCH_TOKENS * FLOPS_PER_TOKEN
    held_flops = GROUPS * ACCELERATORS * PEAK_FLOPS * result.time_to_train_s
    assert result.goodput == pytest.approx(useful_flops / held_flops, rel=EXACT)
    assert result.satellites_used == list(range(GROUPS))


def test_half_availability_doubles_the_compute_part():
    full = run_training(job(checkpoint_interval_s=None), Availability.full(GROUPS), allreduce_s, no_faults(GROUPS))
    half = run_training(job(checkpoint_interval_s=None), constant(GROUPS, 0.5), allreduce_s, no_faults(GROUPS))
    assert math.isinf(full.checkpoint_interval_s)  # nothing interrupts the job: Daly's interval is infinite
    assert full.time_to_train_s == pytest.approx(STEPS * (compute_s() + allreduce_s(GROUPS)), rel=EXACT)
    assert half.time_to_train_s == pytest.approx(STEPS * (2.0 * compute_s() + allreduce_s(GROUPS)), rel=EXACT)
    # the battery's floor (heat 1, compute 0.5) loses half of every group's compute time to eclipse
    assert half.lost_s_by_cause["eclipse"] == pytest.approx(GROUPS * STEPS * compute_s(), rel=EXACT)
    hot = run_training(job(checkpoint_interval_s=None), constant(GROUPS, 0.5, heat=0.5), allreduce_s,
                       no_faults(GROUPS))
    assert hot.lost_s_by_cause["heat"] == pytest.approx(GROUPS * STEPS * compute_s(), rel=EXACT)
    assert hot.lost_s_by_cause["eclipse"] == 0.0


def test_progress_is_integrated_over_the_availability_steps():
    """Compute on for the first hour of every two: 2.5 h of work ends at 4.5 h."""
    compute = np.tile([[1.0, 0.0]], (1, 12))
    av = Availability(step_s=SECONDS_PER_HOUR, compute=compute, heat=np.ones_like(compute), sat_id=np.arange(1))
    work_s = 2.5 * SECONDS_PER_HOUR
    one = job(satellites=1, checkpoint_interval_s=None, gradient_bytes=0.0,
              tokens=work_s / compute_s(1) * BATCH_TOKENS)
    result = run_training(one, av, allreduce_s, no_faults(1))
    assert result.time_to_train_s == pytest.approx(4.5 * SECONDS_PER_HOUR, rel=EXACT)
    assert result.lost_s_by_cause["eclipse"] == pytest.approx(2.0 * SECONDS_PER_HOUR, rel=EXACT)


def test_slowest_satellite_sets_the_pace():
    compute = np.array([[1.0] * 24, [0.25] * 24, [1.0] * 24])
    av = Availability(step_s=SECONDS_PER_HOUR, compute=compute, heat=np.ones_like(compute), sat_id=np.arange(3))
    two = job(satellites=2, checkpoint_interval_s=None)
    result = run_training(two, av, allreduce_s, no_faults(3), spares=1)
    assert result.satellites_used == [0, 2]  # the greedy scheduler leaves the slow one out
    pair = Availability(step_s=av.step_s, compute=compute[:2], heat=av.heat[:2], sat_id=np.arange(2))
    slow = run_training(two, pair, allreduce_s, no_faults(2))
    assert slow.satellites_used == [0, 1]
    assert slow.time_to_train_s == pytest.approx(STEPS * (4.0 * compute_s(2) + allreduce_s(2)), rel=EXACT)


# --- the loss books ----------------------------------------------------------------------------------

def messy_case(scheduler: str, seed: int = 1, unit_accelerators: int = ACCELERATORS):
    """Throttled, staggered satellites with faults and permanent failures."""
    rng = np.random.default_rng(11)
    n_sat, n_steps = 7, 48
    heat = rng.uniform(0.6, 1.0, (n_sat, n_steps))
    compute = heat * rng.choice([1.0, 0.5], (n_sat, n_steps), p=[0.7, 0.3])
    av = Availability(step_s=900.0, compute=compute, heat=heat, sat_id=np.arange(100, 100 + n_sat))
    faults = Faults(restarts_per_day=rng.uniform(2.0, 6.0, n_sat), failures_per_chip_year=2.0, seed=seed)
    short = job(scheduler=scheduler, replan_s=2 * SECONDS_PER_HOUR, checkpoint_interval_s=None,
                model_parallel_accelerators=unit_accelerators)
    return short, av, faults


@pytest.mark.parametrize("scheduler", ["greedy", "lookahead"])
def test_losses_add_up(scheduler):
    """wall time x groups = useful + every loss, and every cause shows up in a messy run."""
    short, av, faults = messy_case(scheduler)
    result = run_training(short, av, allreduce_s, faults, spares=2)
    assert result.completed
    assert set(result.lost_s_by_cause) == set(LOST_CAUSES)
    held, booked = balance(result)
    assert booked == pytest.approx(held, rel=EXACT)
    assert all(v > 0 for v in result.lost_s_by_cause.values()), result.lost_s_by_cause
    assert result.failed_accelerators > 0 and result.restarts > result.failed_accelerators
    # the useful group-seconds are the job's FLOP at full speed, and goodput follows from them
    assert result.useful_group_s == pytest.approx(STEPS * compute_s(1), rel=EXACT)
    assert result.goodput == pytest.approx(EFFICIENCY * result.useful_group_s / (GROUPS * result.time_to_train_s),
                                           rel=EXACT)
    # Daly's interval for the restart rate of the satellites the job started on
    assert result.checkpoint_interval_s < young_interval_s(CHECKPOINT_S, SECONDS_PER_DAY)


def test_failures_move_the_job_to_spares_then_shrink_it():
    n_sat = GROUPS + 2
    faults = Faults(restarts_per_day=np.zeros(n_sat), failures_per_chip_year=2.0, seed=1)
    long = job(tokens=4 * STEPS * BATCH_TOKENS)
    with_spares = run_training(long, Availability.full(n_sat), allreduce_s, faults)
    assert with_spares.completed and with_spares.failed_accelerators >= 2 and with_spares.migrations >= 1
    assert len(with_spares.satellites_used) > GROUPS
    without = run_training(long, Availability.full(n_sat), allreduce_s, faults, spares=0)
    assert without.completed and without.failed_accelerators >= 1
    assert without.migrations == 0 and without.satellites_used == list(range(GROUPS))
    assert without.time_to_train_s > with_spares.time_to_train_s
    for result in (with_spares, without):
        held, booked = balance(result)
        assert booked == pytest.approx(held, rel=EXACT)
    # every satellite gone: the job is stranded, not finished
    stranded = run_training(job(tokens=100 * STEPS * BATCH_TOKENS), Availability.full(n_sat), allreduce_s,
                            replace(faults, failures_per_chip_year=200.0), spares=0)
    assert not stranded.completed and math.isinf(stranded.time_to_train_s) and 0 < stranded.progress < 1
    assert stranded.failed_accelerators == GROUPS
    held, booked = balance(stranded)
    assert booked == pytest.approx(held, rel=EXACT)


# --- partial failures: model-parallel units ----------------------------------------------------------

def unit_failures(monkeypatch, times_s: dict[tuple[int, int], float]) -> None:
    """Fix the permanent failure times, ``(satellite, unit) -> s``; every other unit never fails."""
    def fixed(_rng, n_sat: int, units: int, _rate_per_s: float) -> np.ndarray:
        out = np.full((n_sat, units), math.inf)
        for (sat, unit), t_s in times_s.items():
            out[sat, unit] = t_s
        return out
    monkeypatch.setattr(training, "_unit_failure_times_s", fixed)


@pytest.mark.parametrize(("unit_accelerators", "slowdown"), [(SINGLE, UNITS / (UNITS - 1)), (3, 2.0)])
def test_a_failed_unit_slows_its_group_by_units_over_units_alive(monkeypatch, unit_accelerators, slowdown):
    """One group; a unit fails 10 h in. 8 units of 1: the group runs on at 7/8, every step's compute
    takes 8/7 as long (the all-reduce does not change). Units of 3 in 8 accelerators: floor(8 / 3) = 2
    units, and one failure halves the group."""
    unit_failures(monkeypatch, {(0, 0): FAILURE_AT_S})
    one = job(satellites=1, model_parallel_accelerators=unit_accelerators, checkpoint_interval_s=NO_CHECKPOINT_S)
    result = run_training(one, Availability.full(1), allreduce_s, no_faults(1))
    assert result.completed and result.restarts == result.failed_accelerators == 1 and result.migrations == 0
    after_s = STEPS * (slowdown * compute_s(1) + allreduce_s(1))
    assert result.time_to_train_s == pytest.approx(FAILURE_AT_S + RESTART_S + after_s, rel=EXACT)
    # failures: the work thrown away, the restart, and the compute time the dead unit costs afterwards
    degraded_s = STEPS * compute_s(1) * (slowdown - 1.0)
    assert result.lost_s_by_cause["failures"] == pytest.approx(FAILURE_AT_S + RESTART_S + degraded_s, rel=EXACT)
    assert result.useful_group_s == pytest.approx(STEPS * compute_s(1), rel=EXACT)
    held, booked = balance(result, groups=1)
    assert booked == pytest.approx(held, rel=EXACT)


def test_greedy_swaps_a_degraded_satellite_for_a_faster_spare(monkeypatch):
    """Four groups; a unit of satellite 1 fails 10 h in."""
    unit_failures(monkeypatch, {(1, 0): FAILURE_AT_S})
    four = job(model_parallel_accelerators=SINGLE, checkpoint_interval_s=NO_CHECKPOINT_S)
    thrown_away_s = GROUPS * (FAILURE_AT_S + RESTART_S)  # every group's work so far, and the restart
    # a healthy spare: it takes satellite 1's place during the restart, and the job runs on at full speed
    swapped = run_training(four, Availability.full(GROUPS + 1), allreduce_s, no_faults(GROUPS + 1))
    assert swapped.migrations == 1 and swapped.satellites_used == list(range(GROUPS + 1))
    assert swapped.time_to_train_s == pytest.approx(
        FAILURE_AT_S + RESTART_S + STEPS * (compute_s() + allreduce_s(GROUPS)), rel=EXACT)
    assert swapped.lost_s_by_cause["failures"] == pytest.approx(thrown_away_s, rel=EXACT)
    # no spare: the synchronous job paces at its slowest group, 7/8, on every group
    kept = run_training(four, Availability.full(GROUPS), allreduce_s, no_faults(GROUPS))
    slow_s = STEPS * (UNITS / (UNITS - 1) * compute_s() + allreduce_s(GROUPS))
    assert kept.migrations == 0 and kept.satellites_used == list(range(GROUPS))
    assert kept.time_to_train_s == pytest.approx(FAILURE_AT_S + RESTART_S + slow_s, rel=EXACT)
    assert kept.lost_s_by_cause["failures"] == pytest.approx(
        thrown_away_s + GROUPS * STEPS * compute_s() / (UNITS - 1), rel=EXACT)
    # a spare slower than the degraded satellite (half compute against 7/8) is left where it is
    compute = np.ones((GROUPS + 1, 24))
    compute[GROUPS] = 0.5
    av = Availability(step_s=SECONDS_PER_HOUR, compute=compute, heat=np.ones_like(compute),
                      sat_id=np.arange(GROUPS + 1))
    slower = run_training(four, av, allreduce_s, no_faults(GROUPS + 1))
    assert slower.migrations == 0 and slower.time_to_train_s == pytest.approx(kept.time_to_train_s, rel=EXACT)
    for result in (swapped, kept, slower):
        held, booked = balance(result)
        assert booked == pytest.approx(held, rel=EXACT)


def test_a_satellite_is_out_when_its_last_unit_fails(monkeypatch):
    """Units of 4 (2 a satellite), no spare: satellite 0 loses one unit 10 h in and the other 20 h in;
    the job then runs on three groups."""
    unit_failures(monkeypatch, {(0, 0): FAILURE_AT_S, (0, 1): SECOND_FAILURE_AT_S})
    four = job(model_parallel_accelerators=ACCELERATORS // 2, checkpoint_interval_s=NO_CHECKPOINT_S)
    result = run_training(four, Availability.full(GROUPS), allreduce_s, no_faults(GROUPS))
    assert result.completed and result.failed_accelerators == result.restarts == 2 and result.migrations == 0
    after_s = STEPS * (compute_s(GROUPS - 1) + allreduce_s(GROUPS - 1))
    assert result.time_to_train_s == pytest.approx(SECOND_FAILURE_AT_S + RESTART_S + after_s, rel=EXACT)
    held, booked = balance(result)
    assert booked == pytest.approx(held, rel=EXACT)
    # from the second failure on, the missing group's time is lost to failures
    assert result.lost_s_by_cause["failures"] > (result.time_to_train_s - SECOND_FAILURE_AT_S)


def test_lookahead_moves_off_a_degraded_satellite_at_a_replan(monkeypatch):
    """A unit of satellite 0 fails 1 h in; the spare, satellite 2, is at half compute for the first 12 h
    of every day and full for the rest. At the failure the spare is the slower (greedy keeps the job
    where it is); the look-ahead moves to it when its re-plan forecasts a gain above restart_s, and back
    when the spare dims."""
    unit_failures(monkeypatch, {(0, 0): SECONDS_PER_HOUR})
    half_day = 12
    compute = np.ones((3, 2 * half_day))
    compute[2, :half_day] = 0.5
    av = Availability(step_s=SECONDS_PER_HOUR, compute=compute, heat=np.ones_like(compute), sat_id=np.arange(3))
    two = job(satellites=2, model_parallel_accelerators=SINGLE, checkpoint_interval_s=NO_CHECKPOINT_S,
              replan_s=2 * SECONDS_PER_HOUR)
    greedy = run_training(two, av, allreduce_s, no_faults(3))
    ahead = run_training(replace(two, scheduler="lookahead"), av, allreduce_s, no_faults(3))
    assert greedy.migrations == 0 and greedy.satellites_used == [0, 1]
    slow_s = STEPS * (UNITS / (UNITS - 1) * compute_s(2) + allreduce_s(2))
    assert greedy.time_to_train_s == pytest.approx(SECONDS_PER_HOUR + RESTART_S + slow_s, rel=EXACT)
    assert ahead.migrations >= 2 and ahead.satellites_used == [0, 1, 2]
    assert ahead.time_to_train_s < greedy.time_to_train_s
    for result in (greedy, ahead):
        held, booked = balance(result, groups=2)
        assert booked == pytest.approx(held, rel=EXACT)


def test_the_pace_kept_up_to_date_is_the_minimum_over_the_set():
    """The incremental minima and their counts (small joins and leaves, a member's units failing, a
    spare's row changing) against the minimum over the set recomputed each time."""
    rng = np.random.default_rng(5)
    n_sat, n_steps, held = 40, 30, 20
    compute = rng.choice([0.25, 0.5, 1.0], (n_sat, n_steps))  # ties, so the counts matter
    heat = np.maximum(compute, rng.choice([0.5, 1.0], (n_sat, n_steps)))
    table = compute.copy()
    pace = training._Pace(table, compute, heat)
    members = np.arange(held)
    pace.update(members)
    for _ in range(300):
        action = rng.integers(3)
        outside = np.setdiff1d(np.arange(n_sat), members)
        if action == 0:  # one leaves and one joins: below the rebuild share, so kept incrementally
            members = np.sort(np.append(members[members != rng.choice(members)], rng.choice(outside)))
            pace.update(members)
        elif action == 1:  # a unit of a member fails
            sat = rng.choice(members)
            pace.change(sat, table[sat] * rng.choice([0.5, 0.75, 1.0]))
        else:  # a spare's units fail (its row changes outside the set)
            sat = rng.choice(outside)
            table[sat] = compute[sat] * rng.choice([0.25, 0.5, 1.0])
        for i, full in enumerate((table, compute, heat)):
            low = full[members].min(axis=0)
            assert np.array_equal(pace.minimum[i], low)
            assert np.array_equal(pace.count[i], (full[members] == low).sum(axis=0))


@pytest.mark.parametrize("scheduler", ["greedy", "lookahead"])
def test_losses_add_up_with_partial_failures(scheduler):
    """Units of 2 (4 a satellite) failing often, in the messy case: the books still balance."""
    short, av, faults = messy_case(scheduler, unit_accelerators=2)
    result = run_training(short, av, allreduce_s, replace(faults, failures_per_chip_year=20.0), spares=2)
    assert result.completed and result.failed_accelerators >= 2 * GROUPS
    held, booked = balance(result)
    assert booked == pytest.approx(held, rel=EXACT)
    assert result.useful_group_s == pytest.approx(STEPS * compute_s(1), rel=EXACT)


def test_a_job_past_max_s_stops_unfinished():
    result = run_training(job(), Availability.full(GROUPS), allreduce_s, no_faults(GROUPS), max_s=SECONDS_PER_HOUR)
    assert not result.completed and result.simulated_s == SECONDS_PER_HOUR
    assert result.progress == pytest.approx(SECONDS_PER_HOUR / (STEPS * (compute_s() + allreduce_s(GROUPS))),
                                            rel=EXACT)


# --- schedulers --------------------------------------------------------------------------------------

def staggered() -> Availability:
    """Satellites 0 and 1 are bright for two hours and throttled for two; 2 and 3 the other way round."""
    bright, dim = [1.0, 1.0, 0.3, 0.3], [0.3, 0.3, 1.0, 1.0]
    compute = np.tile(np.array([bright, bright, dim, dim]), (1, 6))
    return Availability(step_s=SECONDS_PER_HOUR, compute=compute, heat=np.ones_like(compute), sat_id=np.arange(4))


def test_lookahead_beats_greedy_on_staggered_eclipses():
    av = staggered()
    two = job(satellites=2, checkpoint_interval_s=None, replan_s=2 * SECONDS_PER_HOUR)
    greedy = run_training(two, av, allreduce_s, no_faults(4))
    ahead = run_training(replace(two, scheduler="lookahead"), av, allreduce_s, no_faults(4))
    assert greedy.migrations == 0 and ahead.migrations > 0
    assert ahead.time_to_train_s < 0.75 * greedy.time_to_train_s
    assert set(ahead.satellites_used) == {0, 1, 2, 3}
    # the moves are booked under failures: restart_s for each, for both groups
    assert ahead.lost_s_by_cause["failures"] == pytest.approx(2 * ahead.migrations * RESTART_S, rel=EXACT)
    held, booked = balance(ahead, groups=2)
    assert booked == pytest.approx(held, rel=EXACT)


def test_lookahead_ties_greedy_on_identical_satellites():
    one = staggered().compute[:1]
    compute = np.repeat(one, 4, axis=0)
    av = Availability(step_s=SECONDS_PER_HOUR, compute=compute, heat=np.ones_like(compute), sat_id=np.arange(4))
    two = job(satellites=2, replan_s=2 * SECONDS_PER_HOUR)
    greedy = run_training(two, av, allreduce_s, no_faults(4))
    ahead = run_training(replace(two, scheduler="lookahead"), av, allreduce_s, no_faults(4))
    assert ahead.migrations == 0
    assert ahead.time_to_train_s == pytest.approx(greedy.time_to_train_s, rel=EXACT)
    assert ahead.lost_s_by_cause == pytest.approx(greedy.lost_s_by_cause, rel=EXACT)


# --- determinism -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("unit_accelerators", "failures_per_chip_year"), [(ACCELERATORS, 2.0), (2, 20.0)])
def test_same_seed_same_result_other_seed_other_faults(unit_accelerators, failures_per_chip_year):
    short, av, faults = messy_case("lookahead", seed=2, unit_accelerators=unit_accelerators)
    faults = replace(faults, failures_per_chip_year=failures_per_chip_year)
    first = run_training(short, av, allreduce_s, faults, spares=2)
    again = run_training(short, av, allreduce_s, faults, spares=2)
    assert first == again
    other = run_training(short, av, allreduce_s, replace(faults, seed=3), spares=2)
    assert other.time_to_train_s != first.time_to_train_s
    assert other.lost_s_by_cause["faults"] != first.lost_s_by_cause["faults"]


# --- the terrestrial twin ----------------------------------------------------------------------------

def test_terrestrial_twin_repairs_failures_in_place():
    ideal = terrestrial_twin(job(), allreduce_s, 0.0)
    work_s = STEPS * (compute_s() + allreduce_s(GROUPS))
    assert ideal.time_to_train_s == pytest.approx(work_s + (math.ceil(work_s / INTERVAL_S) - 1) * CHECKPOINT_S,
                                                  rel=EXACT)
    twin = terrestrial_twin(job(tokens=4 * STEPS * BATCH_TOKENS, checkpoint_interval_s=None), allreduce_s, 20.0,
                            seed=2)
    assert twin.failed_accelerators > 0 and twin.restarts == twin.failed_accelerators
    assert twin.migrations == 0 and twin.satellites_used == list(range(GROUPS))
    lost = twin.lost_s_by_cause
    assert lost["failures"] > GROUPS * RESTART_S * twin.failed_accelerators  # restarts and the work they lost
    assert lost["eclipse"] == lost["heat"] == lost["faults"] == 0.0
    rate_per_s = GROUPS * ACCELERATORS * 20.0 / (HOURS_PER_YEAR * SECONDS_PER_HOUR)
    assert twin.checkpoint_interval_s == pytest.approx(daly_interval_s(CHECKPOINT_S, 1.0 / rate_per_s), rel=EXACT)
    held, booked = balance(twin)
    assert booked == pytest.approx(held, rel=EXACT)


# --- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("accelerators_per_satellite", 0), ("tokens", -1.0), ("satellites", 0), ("efficiency", 1.5),
    ("checkpoint_interval_s", 0.0), ("scheduler", "random"), ("batch_tokens", float("nan")),
    ("model_parallel_accelerators", 0), ("model_parallel_accelerators", 2 * ACCELERATORS),
])
def test_bad_job_names_the_field(field, value):
    with pytest.raises(InputError, match=re.escape(f"workload.training.{field}: expected")):
        run_training(job(**{field: value}), Availability.full(GROUPS), allreduce_s, no_faults(GROUPS))


def test_bad_pool_and_faults_name_the_field():
    with pytest.raises(InputError, match=r"workload\.training\.satellites: expected at most the 3 candidate"):
        run_training(job(), Availability.full(3), allreduce_s, no_faults(3))
    with pytest.raises(InputError, match=r"faults\.restarts_per_day"):
        run_training(job(), Availability.full(GROUPS), allreduce_s, no_faults(GROUPS + 1))
    with pytest.raises(InputError, match="failures_per_chip_year"):
        run_training(job(), Availability.full(GROUPS), allreduce_s,
                     Faults(np.zeros(GROUPS), failures_per_chip_year=-1.0))


# --- checkpoint intervals ----------------------------------------------------------------------------

def test_young_and_daly_intervals():
    assert young_interval_s(50.0, 3600.0) == pytest.approx(math.sqrt(2.0 * 50.0 * 3600.0), rel=EXACT)
    # Daly's correction shortens Young's interval while delta << M, and is M when delta >= 2M
    assert daly_interval_s(50.0, 3600.0) < young_interval_s(50.0, 3600.0)
    assert daly_interval_s(8000.0, 3600.0) == 3600.0
    assert math.isinf(daly_interval_s(50.0, math.inf))


# --- the event loop ----------------------------------------------------------------------------------

def test_event_loop_orders_by_time_then_insertion():
    loop, seen = EventLoop(seed=1), []
    loop.on("a", lambda p: seen.append(("a", p, loop.now_s)))
    loop.on("b", lambda p: seen.append(("b", p, loop.now_s)))
    loop.schedule(5.0, "a", 1)
    loop.schedule(2.0, "b", 2)
    loop.schedule(5.0, "b", 3)
    loop.schedule(math.inf, "a", 4)  # never happens
    assert loop.run(until_s=4.0) == 4.0 and seen == [("b", 2, 2.0)]
    loop.run()
    assert seen[1:] == [("a", 1, 5.0), ("b", 3, 5.0)] and loop.events == 3 and loop.pending == 0
    with pytest.raises(ValueError):
        loop.schedule(1.0, "a")


# --- the mission's accelerator-hours ------------------------------------------------------------------

N_ACCELERATORS = 10_000.0
RATE_PER_Y = 0.106  # the catalog's H100 figure (Llama 3), one chip per accelerator
COMPUTE_FRACTION = 0.9


def test_mission_without_spares_decays_exponentially():
    out = delivered_accelerator_hours(N_ACCELERATORS, RATE_PER_Y, 1, COMPUTE_FRACTION, math.inf, 5.0)
    y = np.arange(5.0)
    closed = N_ACCELERATORS * (np.exp(-RATE_PER_Y * y) - np.exp(-RATE_PER_Y * (y + 1))) / RATE_PER_Y
    assert list(out.years) == [1, 2, 3, 4, 5]
    assert out.alive_accelerators_mean == pytest.approx(closed, rel=EXACT)
    assert out.delivered_accelerator_hours == pytest.approx(COMPUTE_FRACTION * HOURS_PER_YEAR * closed, rel=EXACT)


def test_mission_replacement_restores_capacity_and_spares_absorb_failures():
    every_two = delivered_accelerator_hours(N_ACCELERATORS, RATE_PER_Y, 1, COMPUTE_FRACTION, 2.0, 6.0)
    hours = every_two.delivered_accelerator_hours
    assert hours[2] == pytest.approx(hours[0], rel=EXACT) and hours[5] == pytest.approx(hours[1], rel=EXACT)
    # GB200 NVL72 units: 72 chips fail for each unit
    racks = delivered_accelerator_hours(100.0, RATE_PER_Y, 72, 1.0, math.inf, 1.0)
    assert racks.alive_accelerators_mean[0] == pytest.approx(100.0 * -math.expm1(-72 * RATE_PER_Y) / (72 * RATE_PER_Y),
                                                             rel=EXACT)
    # 20 % spares keep every accelerator in service until ln(1.2) / lambda = 1.72 years, then decay
    spares = delivered_accelerator_hours(N_ACCELERATORS, RATE_PER_Y, 1, 1.0, math.inf, 4.0, spares_fraction=0.2)
    full_until = math.log(1.2) / RATE_PER_Y
    assert spares.alive_accelerators_mean[0] == pytest.approx(N_ACCELERATORS, rel=EXACT)
    second = (full_until - 1.0) * N_ACCELERATORS + 1.2 * N_ACCELERATORS / RATE_PER_Y * (
        math.exp(-RATE_PER_Y * full_until) - math.exp(-RATE_PER_Y * 2.0))
    assert spares.alive_accelerators_mean[1] == pytest.approx(second, rel=EXACT)
    # a partial last year: the mean over its half, the hours of its half
    half = delivered_accelerator_hours(N_ACCELERATORS, 0.0, 1, 1.0, math.inf, 1.5)
    assert half.alive_accelerators_mean == pytest.approx([N_ACCELERATORS] * 2, rel=EXACT)
    assert half.delivered_accelerator_hours[1] == pytest.approx(0.5 * N_ACCELERATORS * HOURS_PER_YEAR, rel=EXACT)
    with pytest.raises(InputError, match=r"mission\.compute_fraction"):
        delivered_accelerator_hours(N_ACCELERATORS, RATE_PER_Y, 1, 1.5, 5.0, 5.0)
