"""A synchronous data-parallel training job on the fleet, as discrete events.

The job runs one data-parallel group per satellite. A step computes ``batch_tokens x flops_per_token``
over the job's ``n`` groups and then all-reduces the gradient; at full speed the compute takes
``C(n) = batch_tokens x flops_per_token / (n x accelerators_per_satellite x peak x efficiency)`` and the
all-reduce ``A(n)``. Inside a satellite the group is ``u = floor(accelerators_per_satellite /
model_parallel_accelerators)`` model-parallel units (tensor x pipeline parallel, one NVLink domain each);
a failed accelerator takes its unit out, and the group keeps its share of the batch, its surviving units
taking the dead ones' micro-batches, so it runs at ``alive_i / u`` of its speed. The groups are
synchronous, so the slowest sets the pace: during availability step ``k`` the job runs at
``r_k = min over its satellites of availability.compute[i, k] x alive_i / u`` and a step takes
``C(n) / r_k + A(n)`` (the all-reduce is not throttled). Progress is integrated as a fluid over the
availability steps (cumulative sums over one period, which repeats), not one event per optimiser step.

Events: faults (Poisson per satellite; the job restarts from its last checkpoint), checkpoints (every
interval of running wall time, Daly's optimum by default), permanent accelerator failures (Poisson per
chip; no repairs in orbit: the failed unit is out for good and the job restarts; the scheduler swaps
the degraded satellite for the best spare when the spare is faster by its score; a satellite with no
unit left is out, replaced by the best spare, or the job runs on with fewer groups), the end of each
stall (checkpoint write, restart, move), the last step, and for the look-ahead scheduler a re-plan
every ``replan_s``.

Group-seconds are booked by cause, so that ``wall x satellites = useful + sum of losses``:

- ``heat`` and ``eclipse``: while computing, every group runs at the job's pace ``r = min (compute x
  alive / u)``; with the thermal throttle alone the pace would be ``min heat``, with the battery's floor
  too ``min compute``, so ``1 - min heat`` of each group's compute time is lost to heat and
  ``min heat - min compute`` to eclipse;
- ``communication``: the all-reduce of steps that were kept;
- ``checkpoints``: time writing checkpoints;
- ``faults``: work (compute and all-reduce) since the last checkpoint thrown away by a fault, and the
  restart after it;
- ``failures``: ``min compute - r`` of each group's compute time (units out), groups missing after
  permanent failures, the work lost and the restart a failure forces, and the look-ahead scheduler's
  moves.

Sources: J. W. Young, "A first order approximation to the optimum checkpoint interval", CACM 17(9):530,
1974; J. T. Daly, "A higher order estimate of the optimum checkpoint interval for restart dumps", FGCS
22(3):303-312, 2006; model-parallel units of 8 in one server: Llama Team, "The Llama 3 Herd of Models",
arXiv 2407.21783, 2024. See docs/workload.md (Training).
"""

from __future__ import annotations

import math

import numpy as np

from leodc.constants import SECONDS_PER_DAY, SECONDS_PER_YEAR
from leodc.errors import InputError
from leodc.workload.events import EventLoop
from leodc.workload.model import LOST_CAUSES, AllReduce, Availability, Faults, TrainingJob, TrainingResult

SCHEDULERS = ("greedy", "lookahead")
# a job still running after this much wall time is stopped (the scenario's max_days overrides it)
DEFAULT_MAX_S = SECONDS_PER_YEAR
# ids that separate the random streams drawn from one seed (any distinct integers)
FAULT_STREAM = 1
REPAIR_STREAM = 2
# exponential draws taken at once when a satellite's fault times run out
DRAWS_PER_REFILL = 64
FIELD = "workload.training."
# rounding the engine's shares may carry: compute may exceed heat by this much (then taken as equal)
SHARE_TOLERANCE = 1e-9

# rate channels of a placement's profile, per wall second while the job runs (DEGRADED: lost to units
# out after permanent failures, booked to "failures")
PROGRESS, USEFUL, COMMUNICATION, ECLIPSE, HEAT, DEGRADED = range(6)
CHANNELS = 6

RUNNING, CHECKPOINT, RESTART, MOVE, DONE, STRANDED = "running", "checkpoint", "restart", "move", "done", "stranded"


# --- the optimum checkpoint interval -----------------------------------------------------------------

def young_interval_s(checkpoint_s: float, mtbf_s: float) -> float:
    """Young's first-order optimum checkpoint interval, ``sqrt(2 delta M)`` (s).

    Parameters
    ----------
    checkpoint_s : float
        Time to write one checkpoint, ``delta`` (s).
    mtbf_s : float
        Mean time between restarts of the whole job, ``M`` (s); infinity when nothing interrupts it.
    """
    return math.sqrt(2.0 * checkpoint_s * mtbf_s)


def daly_interval_s(checkpoint_s: float, mtbf_s: float) -> float:
    """Daly's higher-order optimum checkpoint interval (s) (Daly 2006, eq. 37).

    ``tau = sqrt(2 delta M) [1 + (1/3) sqrt(delta / 2M) + (1/9) (delta / 2M)] - delta`` for
    ``delta < 2M``, else ``M``.

    Parameters
    ----------
    checkpoint_s : float
        Time to write one checkpoint, ``delta`` (s).
    mtbf_s : float
        Mean time between restarts of the whole job, ``M`` (s); infinity when nothing interrupts it.
    """
    if math.isinf(mtbf_s):
        return math.inf
    if checkpoint_s >= 2.0 * mtbf_s:
        return mtbf_s
    ratio = checkpoint_s / (2.0 * mtbf_s)
    return young_interval_s(checkpoint_s, mtbf_s) * (1.0 + math.sqrt(ratio) / 3.0 + ratio / 9.0) - checkpoint_s


# --- input checks ------------------------------------------------------------------------------------

def _number(value: float) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _positive(field: str, value: float) -> None:
    if not (_number(value) and value > 0):
        raise InputError(None, field, f"expected a positive finite number, got {value!r}")


def _non_negative(field: str, value: float) -> None:
    if not (_number(value) and value >= 0):
        raise InputError(None, field, f"expected a finite number >= 0, got {value!r}")


def _whole(field: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(None, field, f"expected a whole number >= 1, got {value!r}")


def validate_training_job(job: TrainingJob) -> None:
    """Raise :class:`~leodc.errors.InputError` naming the first field of ``job`` that cannot run."""
    for name in ("parameters", "tokens", "flops_per_token", "batch_tokens", "peak_flops_per_accelerator",
                 "efficiency", "replan_s"):
        _positive(FIELD + name, getattr(job, name))
    for name in ("satellites", "accelerators_per_satellite", "model_parallel_accelerators"):
        _whole(FIELD + name, getattr(job, name))
    if job.model_parallel_accelerators > job.accelerators_per_satellite:
        raise InputError(None, FIELD + "model_parallel_accelerators",
                         f"expected at most accelerators_per_satellite ({job.accelerators_per_satellite}): a "
                         f"model-parallel unit lies inside one satellite, got {job.model_parallel_accelerators!r}")
    if job.efficiency > 1.0:
        raise InputError(None, FIELD + "efficiency", f"expected a share of peak in (0, 1], got {job.efficiency!r}")
    for name in ("gradient_bytes", "checkpoint_s", "restart_s"):
        _non_negative(FIELD + name, getattr(job, name))
    if job.checkpoint_interval_s is not None:
        _positive(FIELD + "checkpoint_interval_s", job.checkpoint_interval_s)
    if job.scheduler not in SCHEDULERS:
        raise InputError(None, FIELD + "scheduler", f"expected one of {', '.join(SCHEDULERS)}, got {job.scheduler!r}")


def _validate_availability(availability: Availability, satellites: int) -> None:
    compute, heat = np.asarray(availability.compute), np.asarray(availability.heat)
    if compute.ndim != 2 or compute.shape[0] < 1 or compute.shape[1] < 1 or heat.shape != compute.shape:
        raise InputError(None, "availability", f"expected compute and heat of one shape (satellites, steps), got "
                                               f"{compute.shape} and {heat.shape}")
    if not (math.isfinite(availability.step_s) and availability.step_s > 0):
        raise InputError(None, "availability.step_s", f"expected a positive step, got {availability.step_s!r}")
    if not (np.all(compute >= 0) and np.all(compute <= heat + SHARE_TOLERANCE) and np.all(heat <= 1)):
        raise InputError(None, "availability", "expected 0 <= compute <= heat <= 1 for every satellite and step")
    if satellites > compute.shape[0]:
        raise InputError(None, FIELD + "satellites", f"expected at most the {compute.shape[0]} candidate satellites, "
                                                     f"got {satellites}")


def _fault_rates_per_s(faults: Faults, n_sat: int) -> np.ndarray:
    restarts = np.asarray(faults.restarts_per_day, dtype=float)
    try:
        restarts = np.broadcast_to(restarts, (n_sat,))
    except ValueError:
        raise InputError(None, "faults.restarts_per_day", f"expected one rate for each of the {n_sat} candidate "
                                                          f"satellites, got shape {restarts.shape}") from None
    if not np.all(np.isfinite(restarts) & (restarts >= 0)):
        raise InputError(None, "faults.restarts_per_day", "expected finite rates >= 0 (restarts per day)")
    _non_negative("faults.failures_per_chip_year", faults.failures_per_chip_year)
    _whole("faults.chips_per_accelerator", faults.chips_per_accelerator)
    if isinstance(faults.seed, bool) or not isinstance(faults.seed, (int, np.integer)) or faults.seed < 0:
        raise InputError(None, "faults.seed", f"expected a whole number >= 0, got {faults.seed!r}")
    return restarts / SECONDS_PER_DAY


# --- the placement's profile: rates per wall second over one period ----------------------------------

class _Profile:
    """A placement's rates per wall second in each availability step (channels ``PROGRESS`` in steps,
    the others in group-seconds), and their integrals over the repeating period."""

    def __init__(self, rates: np.ndarray, step_s: float):
        self.rates = rates  # (CHANNELS, n_steps)
        self.step_s = step_s
        self.n_steps = rates.shape[1]
        self.span_s = self.n_steps * step_s
        self.cum = np.concatenate([np.zeros((CHANNELS, 1)), np.cumsum(rates * step_s, axis=1)], axis=1)
        self.total = self.cum[:, -1]
        self.constant = bool(np.all(rates == rates[:, :1]))
        self.first = rates[:, 0].copy()
        self.first_rates = tuple(float(x) for x in self.first)

    def integral(self, t_s: float) -> np.ndarray:
        """Each channel integrated from 0 to ``t_s``."""
        if self.constant:
            return self.first * t_s
        periods, rest_s = divmod(t_s, self.span_s)
        k = min(int(rest_s // self.step_s), self.n_steps - 1)
        return periods * self.total + self.cum[:, k] + (rest_s - k * self.step_s) * self.rates[:, k]

    def time_to(self, t0_s: float, steps: float) -> float:
        """The wall time at which ``steps`` more steps are done, starting at ``t0_s`` (inf: never)."""
        if steps <= 0:
            return t0_s
        if self.total[PROGRESS] <= 0:
            return math.inf
        if self.constant:
            return t0_s + steps / self.first[PROGRESS]
        target = self.integral(t0_s)[PROGRESS] + steps
        periods = math.floor(target / self.total[PROGRESS])
        rest = target - periods * self.total[PROGRESS]
        if rest <= 0:  # reached at the end of the previous period's last working step
            periods, rest = periods - 1, rest + self.total[PROGRESS]
        cum = self.cum[PROGRESS]
        k = min(max(int(np.searchsorted(cum, rest, side="left")) - 1, 0), self.n_steps - 1)
        rate = self.rates[PROGRESS, k]
        inside_s = (rest - cum[k]) / rate if rate > 0 else 0.0
        return max(t0_s, periods * self.span_s + k * self.step_s + min(inside_s, self.step_s))


class _Pace:
    """The pace of a set of satellites in each step, ``min (compute x alive / u)`` (the slowest group sets
    it), and the paces the battery's floor and the thermal throttle alone would leave, ``min compute`` and
    ``min heat`` (each ``>=`` the one before), kept up to date as satellites join and leave and as their
    units fail: each minimum with the count of members at it, so that a member leaving only sends the
    steps where it was the last one at the minimum back to the whole set.

    ``tables`` are ``(pace, compute, heat)``, one row a satellite; the first is the caller's and changes
    as units fail (:meth:`change` for a member; a non-member's row may change freely)."""

    # more changes than this share of the set: recompute from scratch
    REBUILD_SHARE = 0.25

    def __init__(self, pace: np.ndarray, compute: np.ndarray, heat: np.ndarray):
        self.tables = (pace, compute, heat)
        n_steps = compute.shape[1]
        self.members = np.empty(0, dtype=int)
        self.minimum = [np.full(n_steps, math.inf) for _ in self.tables]
        self.count = [np.zeros(n_steps, dtype=int) for _ in self.tables]

    @property
    def pace(self) -> np.ndarray:
        return self.minimum[0]

    @property
    def compute(self) -> np.ndarray:
        return self.minimum[1]

    @property
    def heat(self) -> np.ndarray:
        return self.minimum[2]

    def copy(self) -> _Pace:
        other = _Pace(*self.tables)
        other.members = self.members.copy()
        other.minimum = [m.copy() for m in self.minimum]
        other.count = [c.copy() for c in self.count]
        return other

    def update(self, members: np.ndarray) -> None:
        """Make ``members`` (sorted satellite rows) the set."""
        leaving = np.setdiff1d(self.members, members, assume_unique=True)
        joining = np.setdiff1d(members, self.members, assume_unique=True)
        rebuild = len(self.members) == 0 or len(leaving) + len(joining) > self.REBUILD_SHARE * len(members)
        for i, table in enumerate(self.tables):
            if rebuild:
                self.minimum[i], self.count[i] = self._minimum(table[members]) if len(members) else (
                    np.full(table.shape[1], math.inf), np.zeros(table.shape[1], dtype=int))
                continue
            if len(joining):
                low, at_low = self._minimum(table[joining])
                below, equal = low < self.minimum[i], low == self.minimum[i]
                self.count[i] = np.where(below, at_low, np.where(equal, self.count[i] + at_low, self.count[i]))
                self.minimum[i] = np.where(below, low, self.minimum[i])
            if len(leaving):
                self.count[i] = self.count[i] - (table[leaving] == self.minimum[i]).sum(axis=0)
                self._rescan(i, members)
        self.members = members.copy()

    def change(self, sat: int, row: np.ndarray) -> None:
        """Give member ``sat`` the pace ``row`` (written into the pace table): its old row leaves the
        minimum's count, the new one joins it, and only the steps left with no member at the minimum
        are rescanned."""
        table = self.tables[0]
        low = self.minimum[0]
        count = self.count[0] - (table[sat] == low)
        table[sat] = row
        below, equal = row < low, row == low
        self.count[0] = np.where(below, 1, np.where(equal, count + 1, count))
        self.minimum[0] = np.where(below, row, low)
        self._rescan(0, self.members)

    def _rescan(self, i: int, members: np.ndarray) -> None:
        """The minimum of table ``i`` over ``members``, in the steps where none is left at it."""
        steps = np.flatnonzero(self.count[i] == 0)
        if steps.size:
            self.minimum[i][steps], self.count[i][steps] = self._minimum(self.tables[i][np.ix_(members, steps)])

    @staticmethod
    def _minimum(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low = block.min(axis=0)
        return low, (block == low).sum(axis=0)


def _rates(pace: _Pace, n: int, step_group_s: float, allreduce_s: float) -> np.ndarray:
    """Rates per wall second of ``n`` groups at ``pace`` (see the module docstring): a step takes
    ``C / r + A`` with ``C = step_group_s / n`` and ``r = pace.pace``."""
    r, compute, heat = pace.pace, pace.compute, pace.heat
    rates = np.zeros((CHANNELS, r.size))
    compute_s = step_group_s / n
    if math.isinf(allreduce_s):  # no ring: every running moment is spent waiting on the links
        idle = r <= 0
        rates[COMMUNICATION] = n * ~idle
        rates[HEAT] = n * np.where(idle, 1.0 - heat, 0.0)
        rates[ECLIPSE] = n * np.where(idle, heat - compute, 0.0)
        rates[DEGRADED] = n * np.where(idle, compute - r, 0.0)
        return rates
    denominator = compute_s + allreduce_s * r
    rates[PROGRESS] = r / denominator
    rates[USEFUL] = step_group_s * rates[PROGRESS]
    rates[COMMUNICATION] = n * allreduce_s * rates[PROGRESS]
    rates[ECLIPSE] = n * compute_s * (heat - compute) / denominator
    rates[HEAT] = n * compute_s * (1.0 - heat) / denominator
    rates[DEGRADED] = n * compute_s * (compute - r) / denominator
    return rates


# --- random arrivals ---------------------------------------------------------------------------------

class _Arrivals:
    """Poisson arrivals on each satellite at its own rate, each satellite's times from its own stream
    (so a satellite's events do not depend on which others the job holds)."""

    def __init__(self, rates_per_s: np.ndarray, seed: int, stream: int):
        self.rates_per_s = rates_per_s
        self.seed, self.stream = seed, stream
        self._state: dict[int, list] = {}  # sat -> [rng, draws, index, last time]

    def next_after(self, sat: int, t_s: float) -> float:
        """The satellite's first arrival after ``t_s`` (s); infinity at rate 0."""
        rate = self.rates_per_s[sat]
        if rate <= 0:
            return math.inf
        state = self._state.get(sat)
        if state is None:
            state = self._state[sat] = [np.random.default_rng([self.seed, self.stream, sat]), np.empty(0), 0, 0.0]
        while state[3] <= t_s:
            if state[2] >= state[1].size:
                state[1], state[2] = state[0].exponential(size=DRAWS_PER_REFILL) / rate, 0
            state[3] += float(state[1][state[2]])
            state[2] += 1
        return state[3]


def _unit_failure_times_s(rng: np.random.Generator, n_sat: int, units: int, rate_per_s: float) -> np.ndarray:
    """When each model-parallel unit of each satellite fails for good (s), shape ``(n_sat, units)``:
    exponential at ``rate_per_s`` a unit, drawn at once from ``rng``; infinity at rate 0."""
    draws = rng.exponential(size=(n_sat, units))
    return draws / rate_per_s if rate_per_s > 0 else np.full_like(draws, math.inf)


# --- the simulation ----------------------------------------------------------------------------------

class _Training:
    """One run of a training job (see the module docstring); ``repair``: failures are repaired in place
    by a hot spare (the terrestrial twin) instead of taking a model-parallel unit out."""

    def __init__(self, job: TrainingJob, availability: Availability, allreduce_s: AllReduce, faults: Faults,
                 spares: int | None, repair: bool):
        self.job = job
        self.compute = np.asarray(availability.compute, dtype=float)
        self.heat = np.maximum(np.asarray(availability.heat, dtype=float), self.compute)
        self.step_s = float(availability.step_s)
        self.sat_id = np.asarray(availability.sat_id)
        n_sat = self.compute.shape[0]
        self.groups = job.satellites
        self.allreduce = allreduce_s
        self._allreduce_cache: dict[int, float] = {}
        self.repair = repair
        self.total_steps = job.tokens / job.batch_tokens
        self.step_flops = job.batch_tokens * job.flops_per_token
        group_flops_per_s = job.accelerators_per_satellite * job.peak_flops_per_accelerator * job.efficiency
        self.step_group_s = self.step_flops / group_flops_per_s  # group-seconds of one step at full speed
        self.loop = EventLoop(faults.seed)
        for kind, handler in (("done", self._on_done), ("checkpoint", self._on_checkpoint),
                              ("stall_end", self._on_stall_end), ("fault", self._on_fault),
                              ("failure", self._on_failure), ("replan", self._on_replan)):
            self.loop.on(kind, handler)

        fault_rates = _fault_rates_per_s(faults, n_sat)
        per_sat_failure_per_s = (job.accelerators_per_satellite * faults.chips_per_accelerator
                                 * faults.failures_per_chip_year / SECONDS_PER_YEAR)
        self.failure_per_s = per_sat_failure_per_s
        self.faults = _Arrivals(fault_rates, faults.seed, FAULT_STREAM)
        # model-parallel units a satellite: its accelerators split among them (a remainder spread over the
        # units), so each unit fails at 1/units of the satellite's rate
        self.units = job.accelerators_per_satellite // job.model_parallel_accelerators
        if repair:
            self.failures = _Arrivals(np.full(n_sat, per_sat_failure_per_s), faults.seed, REPAIR_STREAM)
            self.unit_fails_at = np.full((n_sat, self.units), math.inf)
        else:  # only a unit's first failure matters: it is out for good
            self.unit_fails_at = _unit_failure_times_s(self.loop.rng, n_sat, self.units,
                                                       per_sat_failure_per_s / self.units)
        # units alive in each satellite, as last brought up to date (members: at their failures; others:
        # by _sync), and the pace table, compute x alive / units
        self.alive = np.full(n_sat, self.units)
        self.pace_table = self.compute.copy()
        # cumulative compute per satellite over the period, for the look-ahead's window means
        self.compute_cum = np.concatenate([np.zeros((n_sat, 1)), np.cumsum(self.compute * self.step_s, axis=1)],
                                          axis=1)

        # the pool the job may use: the job's satellites and its spares, chosen at the start
        pool_size = n_sat if spares is None else min(n_sat, self.groups + spares)
        self.pool = self._best(np.arange(n_sat), pool_size, 0.0)

        # state
        self.state = RESTART
        self.stall_cause = "failures"
        self.epoch = 0
        self.sats = np.empty(0, dtype=int)
        self.token = np.zeros(n_sat, dtype=int)  # bumped when a satellite leaves the job
        self.used: list[int] = []  # sat ids, first use first
        self.ever_held: set[int] = set()
        self.profile: _Profile | None = None
        self.pace = _Pace(self.pace_table, self.compute, self.heat)
        self.integral_last = np.zeros(CHANNELS)
        self.last_s = 0.0
        self.progress = 0.0  # steps done, kept or not
        self.kept_progress = 0.0  # steps in the last checkpoint
        self.pending = [0.0, 0.0]  # useful and communication group-seconds since the last checkpoint
        self.useful_s = 0.0
        self.lost = dict.fromkeys(LOST_CAUSES, 0.0)
        self.running_since_checkpoint_s = 0.0
        self.restarts = self.failed = self.migrations = 0

        self.mtbf_s = self._mtbf_s(self._best(self.pool, self.groups, 0.0))
        if job.checkpoint_interval_s is not None:
            self.interval_s = float(job.checkpoint_interval_s)
        else:
            self.interval_s = daly_interval_s(job.checkpoint_s, self.mtbf_s)
            if self.interval_s <= 0:
                raise InputError(None, FIELD + "checkpoint_s", "expected a positive checkpoint time for Daly's "
                                                               "checkpoint interval (or state checkpoint_interval_s)")

    # -- helpers ----------------------------------------------------------------------------------

    def _allreduce_s(self, n: int) -> float:
        if n not in self._allreduce_cache:
            value = float(self.allreduce(n))
            if math.isnan(value) or value < 0:
                raise InputError(None, "allreduce_s", f"expected an all-reduce time >= 0 s for {n} groups, got {value}")
            self._allreduce_cache[n] = value
        return self._allreduce_cache[n]

    def _mtbf_s(self, sats: np.ndarray) -> float:
        """Mean time between restarts of a job on ``sats`` (s): faults and permanent failures."""
        rate = float(self.faults.rates_per_s[sats].sum()) + len(sats) * self.failure_per_s
        return 1.0 / rate if rate > 0 else math.inf

    def _score(self, sats: np.ndarray, t_s: float) -> np.ndarray:
        """What the scheduler ranks satellites by, each at ``compute x alive / units``: its pace now
        (greedy), or its mean pace over the next ``replan_s`` (look-ahead; units alive as they are now)."""
        if self.job.scheduler == "greedy":
            k = int((t_s % (self.compute.shape[1] * self.step_s)) // self.step_s) % self.compute.shape[1]
            return self.pace_table[sats, k]
        window = self._compute_integral(sats, t_s + self.job.replan_s) - self._compute_integral(sats, t_s)
        return window * self._share(self.alive[sats]) / self.job.replan_s

    def _compute_integral(self, sats: np.ndarray, t_s: float) -> np.ndarray:
        n_steps = self.compute.shape[1]
        periods, rest_s = divmod(t_s, n_steps * self.step_s)
        k = min(int(rest_s // self.step_s), n_steps - 1)
        return (periods * self.compute_cum[sats, -1] + self.compute_cum[sats, k]
                + (rest_s - k * self.step_s) * self.compute[sats, k])

    def _best(self, candidates: np.ndarray, count: int, t_s: float) -> np.ndarray:
        """The ``count`` best of ``candidates`` by the scheduler's score at ``t_s``, ties to the lower index;
        returned sorted."""
        candidates = np.asarray(candidates, dtype=int)
        order = np.lexsort((candidates, -self._score(candidates, t_s)))
        return np.sort(candidates[order[:count]])

    def _healthy(self, t_s: float) -> np.ndarray:
        """The pool's satellites with a unit alive at ``t_s``."""
        return self.pool[(self.unit_fails_at[self.pool] > t_s).any(axis=1)]

    def _next_failure_s(self, sat: int, t_s: float) -> float:
        """The satellite's next unit failure after ``t_s`` (s); infinity when none is left."""
        later = self.unit_fails_at[sat][self.unit_fails_at[sat] > t_s]
        return float(later.min()) if later.size else math.inf

    def _share(self, alive: np.ndarray | int) -> np.ndarray | float:
        """The share of a group's speed its ``alive`` units leave."""
        return alive / self.units

    def _sync(self, t_s: float) -> None:
        """Bring the units alive and the pace rows of the pool's satellites outside the job up to ``t_s``
        (those in the job are kept up to date by their failure events)."""
        outside = np.setdiff1d(self.pool, self.sats, assume_unique=True)
        alive = (self.unit_fails_at[outside] > t_s).sum(axis=1)
        changed = alive != self.alive[outside]
        if changed.any():
            rows = outside[changed]
            self.alive[rows] = alive[changed]
            self.pace_table[rows] = self.compute[rows] * self._share(self.alive[rows])[:, None]

    def _profile_for(self, pace: _Pace) -> _Profile:
        n = len(pace.members)
        return _Profile(_rates(pace, n, self.step_group_s, self._allreduce_s(n)), self.step_s)

    # -- time passing -----------------------------------------------------------------------------

    def _advance(self, t_s: float) -> None:
        """Book the time from the last event to ``t_s``."""
        dt_s = t_s - self.last_s
        if dt_s <= 0:
            return
        n = len(self.sats)
        if self.state == RUNNING and self.profile.constant:  # the same rates all the time: no integrals
            rates = self.profile.first_rates
            self.progress += rates[PROGRESS] * dt_s
            self.pending[0] += rates[USEFUL] * dt_s
            self.pending[1] += rates[COMMUNICATION] * dt_s
            self.lost["eclipse"] += rates[ECLIPSE] * dt_s
            self.lost["heat"] += rates[HEAT] * dt_s
            self.lost["failures"] += rates[DEGRADED] * dt_s
            self.running_since_checkpoint_s += dt_s
        elif self.state == RUNNING:
            now = self.profile.integral(t_s)
            delta = now - self.integral_last
            self.integral_last = now
            progress, useful, communication, eclipse, heat, degraded = delta.tolist()
            self.progress += progress
            self.pending[0] += useful
            self.pending[1] += communication
            self.lost["eclipse"] += eclipse
            self.lost["heat"] += heat
            self.lost["failures"] += degraded
            self.running_since_checkpoint_s += dt_s
        elif self.state in (CHECKPOINT, RESTART, MOVE):
            self.lost[self.stall_cause] += n * dt_s
        self.lost["failures"] += (self.groups - n) * dt_s
        self.last_s = t_s

    def _place(self, sats: np.ndarray, pace: _Pace | None = None) -> None:
        """Put the job on ``sats`` (sorted; ``pace``: theirs, when already worked out): events of
        satellites that leave go stale, those that join get theirs."""
        now_s = self.loop.now_s
        old = set(self.sats.tolist())
        new = set(sats.tolist())
        for sat in old - new:
            self.token[sat] += 1
        for sat in sorted(new - old):
            if sat not in self.ever_held:
                self.ever_held.add(sat)
                self.used.append(int(self.sat_id[sat]))
            self.loop.schedule(self.faults.next_after(sat, now_s), "fault", (sat, self.token[sat]))
            fails_at = self.failures.next_after(sat, now_s) if self.repair else self._next_failure_s(sat, now_s)
            self.loop.schedule(fails_at, "failure", (sat, self.token[sat]))
        self.sats = sats
        if pace is None:
            self.pace.update(sats)
        else:
            self.pace = pace
        self.profile = self._profile_for(self.pace) if len(sats) else None

    def _stall(self, state: str, cause: str, duration_s: float) -> None:
        self.state, self.stall_cause = state, cause
        self.epoch += 1
        self.loop.schedule(self.loop.now_s + duration_s, "stall_end", self.epoch)

    def _resume(self) -> None:
        """Run from now: schedule the last step and the next checkpoint."""
        now_s = self.loop.now_s
        self.state = RUNNING
        self.epoch += 1
        if not self.profile.constant:
            self.integral_last = self.profile.integral(now_s)
        self.loop.schedule(self.profile.time_to(now_s, self.total_steps - self.progress), "done", self.epoch)
        due_s = now_s + max(self.interval_s - self.running_since_checkpoint_s, 0.0)
        self.loop.schedule(due_s, "checkpoint", self.epoch)

    def _interrupt(self, cause: str) -> None:
        """Back to the last checkpoint: the work since is lost to ``cause``, then a restart."""
        self.restarts += 1
        self.lost[cause] += self.pending[0] + self.pending[1]
        self.pending = [0.0, 0.0]
        self.progress = self.kept_progress
        self.running_since_checkpoint_s = 0.0
        self._stall(RESTART, cause, self.job.restart_s)

    def _strand(self) -> None:
        self.state = STRANDED
        self.epoch += 1
        self.loop.stop()

    # -- events -----------------------------------------------------------------------------------

    def start(self) -> None:
        self._place(self._best(self.pool, self.groups, 0.0))
        self.state = RUNNING
        self._resume()
        if self.job.scheduler == "lookahead":
            self.loop.schedule(self.job.replan_s, "replan", None)

    def _on_done(self, epoch: int) -> None:
        if epoch != self.epoch:
            return
        self._advance(self.loop.now_s)
        self.progress = self.total_steps
        self.useful_s += self.pending[0]
        self.lost["communication"] += self.pending[1]
        self.pending = [0.0, 0.0]
        self.state = DONE
        self.loop.stop()

    def _on_checkpoint(self, epoch: int) -> None:
        if epoch != self.epoch:
            return
        self._advance(self.loop.now_s)
        self._stall(CHECKPOINT, "checkpoints", self.job.checkpoint_s)

    def _on_stall_end(self, epoch: int) -> None:
        if epoch != self.epoch:
            return
        self._advance(self.loop.now_s)
        if self.state == CHECKPOINT:  # the checkpoint holds the work so far
            self.kept_progress = self.progress
            self.useful_s += self.pending[0]
            self.lost["communication"] += self.pending[1]
            self.pending = [0.0, 0.0]
            self.running_since_checkpoint_s = 0.0
        self._resume()

    def _on_fault(self, payload: tuple[int, int]) -> None:
        sat, token = payload
        if token != self.token[sat] or self.state in (DONE, STRANDED):
            return
        now_s = self.loop.now_s
        self.loop.schedule(self.faults.next_after(sat, now_s), "fault", (sat, token))
        self._advance(now_s)
        self._interrupt("faults")

    def _on_failure(self, payload: tuple[int, int]) -> None:
        sat, token = payload
        if token != self.token[sat] or self.state in (DONE, STRANDED):
            return
        now_s = self.loop.now_s
        self._advance(now_s)
        self.failed += 1
        self._interrupt("failures")
        if self.repair:  # a hot spare takes the failed accelerator's place during the restart
            self.loop.schedule(self.failures.next_after(sat, now_s), "failure", (sat, token))
            return
        # the failed unit is out: the satellite's group runs on at its units alive
        self._sync(now_s)
        alive = int((self.unit_fails_at[sat] > now_s).sum())
        self.alive[sat] = alive
        self.pace.change(sat, self.compute[sat] * self._share(alive))
        if alive:
            self.loop.schedule(self._next_failure_s(sat, now_s), "failure", (sat, token))
        # a satellite with no unit left moves to the best spare with one, if any (else the job runs on
        # without it); a degraded one is swapped for the best spare when that is faster by the scheduler's
        # score (the restart is paid already)
        staying = self.sats if alive else self.sats[self.sats != sat]
        spares = np.setdiff1d(self._healthy(now_s), self.sats, assume_unique=True)
        wanted = min(self.groups - len(staying), len(spares))
        if wanted > 0:
            self.migrations += 1
            staying = np.union1d(staying, self._best(spares, wanted, now_s))
        elif alive and len(spares):
            best = self._best(spares, 1, now_s)
            if self._score(best, now_s)[0] > self._score(np.array([sat]), now_s)[0]:
                self.migrations += 1
                staying = np.union1d(staying[staying != sat], best)
        self._place(staying)
        if len(staying) == 0:
            self._strand()

    def _on_replan(self, _payload: None) -> None:
        now_s = self.loop.now_s
        self.loop.schedule(now_s + self.job.replan_s, "replan", None)
        if self.state != RUNNING:
            return
        self._sync(now_s)
        best = self._best(self._healthy(now_s), self.groups, now_s)
        if np.array_equal(best, self.sats):
            return
        window_s = self.job.replan_s
        here = self.profile.integral(now_s + window_s)[PROGRESS] - self.profile.integral(now_s)[PROGRESS]
        trial = self.pace.copy()
        trial.update(best)
        moved = self._profile_for(trial)
        there = moved.integral(now_s + window_s)[PROGRESS] - moved.integral(now_s)[PROGRESS]
        if there <= here:
            return
        gain_s = window_s * (1.0 - here / there)  # time saved on the same work over the window
        if gain_s <= self.job.restart_s:
            return
        self._advance(now_s)
        self.migrations += 1
        self._place(best, trial)
        self._stall(MOVE, "failures", self.job.restart_s)

    # -- the run ----------------------------------------------------------------------------------

    def run(self, max_s: float) -> TrainingResult:
        self.start()
        self.loop.run(until_s=max_s)
        end_s = min(self.loop.now_s, max_s)
        self._advance(end_s)
        completed = self.state == DONE
        if not completed:  # work not in a checkpoint still counts as done for goodput, not as lost
            self.useful_s += self.pending[0]
            self.lost["communication"] += self.pending[1]
        held_flops_per_s = self.groups * self.job.accelerators_per_satellite * self.job.peak_flops_per_accelerator
        useful_flops = self.progress * self.step_flops
        return TrainingResult(
            time_to_train_s=end_s if completed else math.inf,
            goodput=useful_flops / (held_flops_per_s * end_s) if end_s > 0 else 0.0,
            lost_s_by_cause={cause: float(value) for cause, value in self.lost.items()},
            checkpoint_interval_s=self.interval_s, restarts=self.restarts, failed_accelerators=self.failed,
            migrations=self.migrations, satellites_used=self.used, events=self.loop.events,
            completed=completed, progress=self.progress / self.total_steps, useful_group_s=float(self.useful_s),
            simulated_s=end_s)


def run_training(job: TrainingJob, availability: Availability, allreduce_s: AllReduce, faults: Faults, *,
                 spares: int | None = None, max_s: float = DEFAULT_MAX_S) -> TrainingResult:
    """Train ``job`` on the fleet's satellites and report its time, goodput and losses.

    Parameters
    ----------
    job : TrainingJob
        The job; checked with :func:`validate_training_job`.
    availability : Availability
        Compute and heat shares of every candidate satellite over time (its rows are the candidates).
    allreduce_s : callable
        Time of one ring all-reduce of the gradient over ``n`` groups (s), for ``n`` from 1 to
        ``job.satellites``.
    faults : Faults
        Restart rates per candidate satellite, the permanent failure rate per chip, and the seed.
    spares : int or None
        Satellites beside the job's own that it may move to (after a failure, or the look-ahead's moves),
        chosen at the start by the scheduler's score; None: every other candidate.
    max_s : float
        Stop a job still running after this much wall time (s).

    Returns
    -------
    TrainingResult
        ``time_to_train_s`` is infinity when the job was stopped at ``max_s`` or ran out of satellites.
    """
    validate_training_job(job)
    _validate_availability(availability, job.satellites)
    if spares is not None and (isinstance(spares, bool) or not isinstance(spares, (int, np.integer)) or spares < 0):
        raise InputError(None, FIELD + "spare_satellites", f"expected a whole number >= 0, got {spares!r}")
    _positive("max_s", max_s)
    return _Training(job, availability, allreduce_s, faults, spares, repair=False).run(max_s)


def terrestrial_twin(job: TrainingJob, allreduce_s: AllReduce, failures_per_chip_year: float, *,
                     chips_per_accelerator: int = 1, restarts_per_day_per_group: float = 0.0, seed: int = 0,
                     max_s: float = DEFAULT_MAX_S) -> TrainingResult:
    """The same job in a data centre on the ground.

    Full availability (no eclipse, no thermal throttle), no radiation restarts, and repairs: a permanent
    failure interrupts the job like a fault (the work since the last checkpoint is lost and it pays
    ``restart_s``, booked to ``failures``), and a hot spare from the hall takes the failed accelerator's
    place during the restart, so the job keeps all its groups; the failed part is repaired off line.

    Parameters
    ----------
    job : TrainingJob
        The job (its scheduler does not matter: every place is the same).
    allreduce_s : callable
        The ground fabric's all-reduce time over ``n`` groups (s).
    failures_per_chip_year : float
        Permanent failures per chip-year (the catalog's, from the Llama 3 report).
    chips_per_accelerator : int
        Chips in one accelerator unit.
    restarts_per_day_per_group : float
        Other interruptions per group per day (software, network), 0 by default.
    seed : int
        The same seed gives the same failures.
    max_s : float
        Stop a job still running after this much wall time (s).
    """
    validate_training_job(job)
    _positive("max_s", max_s)
    groups = job.satellites
    faults = Faults(restarts_per_day=np.full(groups, restarts_per_day_per_group, dtype=float),
                    failures_per_chip_year=failures_per_chip_year, chips_per_accelerator=chips_per_accelerator,
                    seed=seed)
    return _Training(job, Availability.full(groups), allreduce_s, faults, None, repair=True).run(max_s)


__all__ = ["DEFAULT_MAX_S", "SCHEDULERS", "daly_interval_s", "run_training", "terrestrial_twin",
           "validate_training_job", "young_interval_s"]
