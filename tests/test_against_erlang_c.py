"""The inference queue against queueing theory: one satellite pool with one candidate and no round
trip, Poisson arrivals (a flat demand), exponential service and c slots is the M/M/c queue, whose
mean wait in queue has a closed form (Erlang's C formula, [Erlang1917] in docs/references.md; e.g.
Kleinrock, Queueing Systems vol. 1, 1975, the M/M/m queue): W_q = C(c, a) / (c mu - lambda), a = lambda / mu, with

    C(c, a) = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k / k! + (a^c / c!) (c / (c - a))).

Tolerance: 2 %. The run is REPLICATIONS independent replications (seeds) of about REQUESTS requests
each; the standard error of their pooled mean wait is estimated from the spread of the replication
means (about 1.4 % per replication at this load, so about 0.35 % pooled: 2 % is over five of them;
the measured error is about 0.5 %), and the test also asserts that 2 % is at least three of those
standard errors, so the tolerance holds by the run's own statistics. The start from an empty
system biases the mean by about the relaxation time over the run length, ~1e-4 relative: negligible.
"""

from __future__ import annotations

import math

import numpy as np

from _measured import measured
from leodc.network.ground import GroundSites
from leodc.workload.inference import mean_service_s, run_inference
from leodc.workload.model import Availability, InferenceJob
from leodc.workload.serving import CandidateTable

SLOTS = 8  # c
LOAD = 0.8  # rho = lambda / (c mu)
SERVICE_S = 1.0  # 1 / mu: 100 output tokens at 100 tokens/s, no prompt
REQUESTS = 1_000_000  # per replication
REPLICATIONS = 16
TOLERANCE = 0.02
MIN_STANDARD_ERRORS = 3.0
SECONDS_PER_DAY = 86400.0
SECONDS_PER_HOUR = 3600.0
START_JD = 2461119.5


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``a`` (Erlangs)."""
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (sum(a**k / math.factorial(k) for k in range(c)) + tail)


def test_mean_wait_matches_erlang_c():
    rate_per_s = LOAD * SLOTS / SERVICE_S
    hours = REQUESTS / rate_per_s / SECONDS_PER_HOUR
    span_s = hours * SECONDS_PER_HOUR
    pool = GroundSites(name=np.array(["pool"], dtype=object), latitude_deg=np.zeros(1), longitude_deg=np.zeros(1),
                       altitude_m=np.zeros(1), role=np.array(["user"], dtype=object), population=np.ones(1))
    one_candidate = CandidateTable(step_s=span_s, sat=np.zeros((1, 1, 1), dtype=np.int32), rtt_ms=np.zeros((1, 1, 1)))
    # SLOTS accelerators, one per replica and one slot each: c = SLOTS
    always = Availability.full(1, span_s, 1)
    waits_s, requests = [], 0
    for seed in range(REPLICATIONS):
        job = InferenceJob(requests_per_day=rate_per_s * SECONDS_PER_DAY, prompt_tokens=0.0, output_tokens=100.0,
                           tokens_per_s_per_accelerator=100.0, prefill_speedup=1.0, accelerators_per_replica=1,
                           batch_slots=1, slo_ms=1000.0, hours=hours, diurnal_amplitude=0.0, diurnal_peak_h=0.0,
                           service="exponential", seed=seed)
        assert mean_service_s(job) == SERVICE_S
        result = run_inference(job, pool, one_candidate, always, SLOTS, 1.0, START_JD)
        assert result.served == result.requests and result.network_ms_mean == 0.0
        waits_s.append(result.queue_ms_mean / 1000.0)
        requests += result.requests
    expected_s = erlang_c(SLOTS, rate_per_s * SERVICE_S) / (SLOTS / SERVICE_S - rate_per_s)
    waits_s = np.array(waits_s)
    standard_error = waits_s.std(ddof=1) / math.sqrt(REPLICATIONS) / expected_s
    error = waits_s.mean() / expected_s - 1.0
    assert requests > 0.99 * REQUESTS * REPLICATIONS
    assert MIN_STANDARD_ERRORS * standard_error <= TOLERANCE, standard_error
    measured("mean wait in queue", error, TOLERANCE, "relative")
    assert abs(error) <= TOLERANCE, (error, standard_error)
