"""What the workload's parts share: the fleet's compute over time, the jobs, and their results.

SI inside: seconds, bytes, FLOP, bits per second. Every default lives in the scenario's ``[workload]``
section or the catalog, with its source; nothing here has a number of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Availability:
    """Per-satellite compute share over time, from the simulation engine.

    ``compute[i, k]`` is the share of satellite ``i``'s accelerators that can run during step ``k``
    (after both throttles); ``heat[i, k]`` the share the thermal throttle alone leaves (so
    ``compute <= heat``): ``1 - heat`` is lost to heat, ``heat - compute`` to eclipse (the battery's
    floor). The series cover ``n_steps * step_s`` seconds and repeat after that (a job longer than the
    span sees the same orbits again; the span should be whole orbits, a day by default).
    """

    step_s: float
    compute: np.ndarray  # (n_sat, n_steps), 0..1
    heat: np.ndarray  # (n_sat, n_steps), 0..1, >= compute
    sat_id: np.ndarray  # (n_sat,) the engine's satellite ids

    @property
    def span_s(self) -> float:
        return self.compute.shape[1] * self.step_s

    @classmethod
    def full(cls, n_sat: int, step_s: float = 3600.0, n_steps: int = 24) -> Availability:
        """Every satellite at full compute all the time (the terrestrial twin; tests)."""
        ones = np.ones((n_sat, n_steps))
        return cls(step_s=step_s, compute=ones, heat=ones.copy(), sat_id=np.arange(n_sat))


@dataclass(frozen=True)
class TrainingJob:
    """A synchronous data-parallel training job: one data-parallel group per satellite (tensor and
    pipeline parallelism inside the satellite, folded into ``efficiency``).

    The group is ``accelerators_per_satellite // model_parallel_accelerators`` model-parallel units (a
    remainder spread over them); a permanent failure takes one unit out, and the group runs on at the
    share of its units alive.
    """

    parameters: float
    tokens: float
    flops_per_token: float  # 6 x parameters for dense training unless stated
    batch_tokens: float  # tokens per optimiser step: steps = tokens / batch_tokens
    satellites: int  # data-parallel groups the job wants
    accelerators_per_satellite: int
    model_parallel_accelerators: int  # in one model-parallel unit (tensor x pipeline), <= accelerators_per_satellite
    peak_flops_per_accelerator: float  # FLOP/s, dense bf16
    efficiency: float  # achieved / peak inside a group (model FLOP utilisation)
    gradient_bytes: float  # all-reduced every step
    checkpoint_s: float  # time to write one checkpoint (the job stalls)
    restart_s: float  # time to reload the last checkpoint and resume after a fault or a migration
    checkpoint_interval_s: float | None = None  # None: Daly's optimum for the job's fault rate
    scheduler: str = "greedy"  # "greedy" or "lookahead"
    replan_s: float = 3600.0  # lookahead: how often it may move the job (and how far ahead it looks)


@dataclass(frozen=True)
class Faults:
    """What interrupts or shrinks a job.

    ``restarts_per_day[i]``: events on satellite ``i`` that force a restart from the last checkpoint
    (silent data corruption, uncorrectable memory errors, crashes: the environment stage's rates for
    the satellite's chips). ``failures_per_chip_year``: permanent hardware failures (no repairs in
    orbit; one failed accelerator takes its model-parallel unit out of the satellite's group, and the
    satellite out of the job when it was the last unit). ``seed``: the same seed gives the same events.
    """

    restarts_per_day: np.ndarray  # (n_sat,)
    failures_per_chip_year: float
    chips_per_accelerator: int = 1
    seed: int = 0


# the time of one ring all-reduce of the job's gradient over n satellites (s): from the network
# stage's cluster links when present, else the stated simple link model
AllReduce = Callable[[int], float]


LOST_CAUSES = ("eclipse", "heat", "faults", "checkpoints", "communication", "failures")


@dataclass
class TrainingResult:
    """What one training run gave. The job holds ``satellites`` groups for its whole wall time, so
    ``simulated_s x satellites = useful_group_s + sum(lost_s_by_cause.values())`` (group-seconds)."""

    time_to_train_s: float  # wall time to the last step; infinity when the job did not finish
    goodput: float  # useful FLOP / (peak FLOP of the accelerators held x wall time)
    lost_s_by_cause: dict[str, float]  # accelerator-group seconds lost, keys LOST_CAUSES
    checkpoint_interval_s: float
    restarts: int  # restarts from a checkpoint: faults and permanent failures
    failed_accelerators: int  # permanent failures in the satellites that held the job, while they did
    migrations: int  # moves to other satellites: after a failure, or the look-ahead scheduler's
    satellites_used: list[int] = field(default_factory=list)  # sat ids that held the job, first use first
    events: int = 0
    completed: bool = True  # False: stopped at max_s, or no satellite left to run on
    progress: float = 1.0  # share of the job's steps done when it ended
    useful_group_s: float = 0.0  # group-seconds of full-speed compute that the final model kept
    simulated_s: float = 0.0  # wall time simulated (= time_to_train_s when the job finished)

    @property
    def time_to_train_h(self) -> float:
        return self.time_to_train_s / 3600.0


@dataclass(frozen=True)
class InferenceJob:
    """Requests from the population centres, each a prompt and an answer of fixed token counts."""

    requests_per_day: float
    prompt_tokens: float
    output_tokens: float
    tokens_per_s_per_accelerator: float  # output tokens/s at full batching (catalog)
    prefill_speedup: float  # prompt tokens are processed this many times faster than output tokens
    accelerators_per_replica: int  # one copy of the model
    batch_slots: int  # requests a replica serves at once; each gets 1/batch_slots of its rate
    slo_ms: float  # a request meets the SLO when its whole latency is at most this
    hours: float  # simulated span, from the simulation's start
    diurnal_amplitude: float  # demand = mean x (1 + a cos(2 pi (local solar hour - peak) / 24))
    diurnal_peak_h: float
    service: str = "deterministic"  # "deterministic" or "exponential" service times
    seed: int = 0


@dataclass
class InferenceResult:
    requests: int
    served: int
    latency_ms_p50: float
    latency_ms_p99: float
    latency_ms_mean: float
    network_ms_mean: float
    queue_ms_mean: float
    service_ms_mean: float
    slo_attainment: float
    throughput_tokens_per_s: float
    energy_j_per_million_tokens: float
    events: int = 0
    latency_ms: np.ndarray | None = None  # per served request, for distributions (not stored in summaries)
    # arrivals, starts, departures, capacity_changes (their sum is ``events``)
    events_by_kind: dict[str, int] = field(default_factory=dict)
