"""Inference: requests from the population centres served by the fleet, and the same requests served
by one terrestrial region (the twin).

Demand
------
City ``i`` (population ``P_i``) sends requests at the rate
``lambda_i(t) = R / 86,400 s x P_i / sum(P) x (1 + a cos(2 pi (h_i(t) - h_peak) / 24))``, with ``R`` the
job's requests per day, ``a`` the diurnal amplitude (0 to 1), ``h_peak`` the peak's local hour and
``h_i(t)`` the city's local mean solar time (UTC hour + longitude / 15 deg per hour; the equation of
time, up to 16 min, is left out). Over whole days the cosine averages out and the cities send ``R``
requests a day. Arrivals are a non-homogeneous Poisson process drawn by thinning, without a loop: a
homogeneous process at the peak rate ``sum(lambda_i) (1 + a)`` (exponential gaps, so already in time
order), each arrival given a city with probability ``P_i / sum(P)`` and kept with probability
``(1 + a cos(...)) / (1 + a)`` (Lewis and Shedler 1979). The job's seed fixes the requests; the twin
and the fleet see the same ones.

Service
-------
A replica of ``accelerators_per_replica`` accelerators produces ``tokens_per_s_per_accelerator x
accelerators_per_replica`` output tokens a second at full batching, shared by its ``batch_slots``
requests: each slot runs at ``r = tokens_per_s_per_accelerator x accelerators_per_replica / batch_slots``
tokens a second. A request's service time is ``prompt_tokens / (prefill_speedup x r) + output_tokens / r``
(deterministic), or exponential with that mean. The queue is ``queue.serve_requests``.

Results
-------
Latency = round trip + wait + service per served request: percentiles and mean over the served
requests; SLO attainment over all requests (an unserved request misses it). Throughput: output tokens
of the served requests per second of the simulated span. Energy: the accelerators' IT power over the
time they are powered (a satellite's accelerators times its compute share; the twin's accelerators
all the time; idle accelerators drawing full IT power, an upper bound on what serving needs), per
million output tokens served.
"""

from __future__ import annotations

import math

import numpy as np

from leodc.constants import (
    FIBRE_SPEED_FRACTION,
    HOURS_PER_DAY,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    SPEED_OF_LIGHT_KM_PER_S,
    TWO_PI,
)
from leodc.errors import InputError
from leodc.network.ground import GroundSites, geodetic_to_itrs_km
from leodc.network.links import great_circle_km
from leodc.workload.model import Availability, InferenceJob, InferenceResult
from leodc.workload.queue import Served, serve_requests
from leodc.workload.serving import CandidateTable, serving_slots

MS_PER_S = 1000.0
TOKENS_PER_MILLION = 1e6
DEG_PER_HOUR = 360.0 / HOURS_PER_DAY  # the mean Sun's motion in hour angle
JD_NOON_OFFSET = 0.5  # Julian days begin at noon UTC
SERVICE_KINDS = ("deterministic", "exponential")
PERCENTILES = (50.0, 99.0)
ROUND_TRIP = 2.0
# the homogeneous process is drawn in one go with this many standard deviations of the Poisson count
# beyond its mean (then topped up in the rare case that is not enough)
DRAW_SIGMAS = 6.0
DRAW_EXTRA = 16
# how far the twin's region sits (km): on the ground
REGION_ALTITUDE_KM = 0.0


# ---------------------------------------------------------------------------------------------- checks
def _number(value) -> bool:
    return (isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
            and math.isfinite(value))


def _positive(value, name: str, unit: str = "") -> None:
    if not (_number(value) and value > 0):
        raise InputError(None, name, f"expected a number > 0{' ' + unit if unit else ''} (got {value!r})")


def _whole(value, name: str, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise InputError(None, name, f"expected a whole number >= {least} (got {value!r})")


def validate_job(job: InferenceJob) -> None:
    """Raises :class:`~leodc.errors.InputError`, naming the field, for a job that cannot be run."""
    _positive(job.requests_per_day, "requests_per_day")
    if not (_number(job.prompt_tokens) and job.prompt_tokens >= 0):
        raise InputError(None, "prompt_tokens", f"expected a number of tokens >= 0 (got {job.prompt_tokens!r})")
    _positive(job.output_tokens, "output_tokens", "tokens")
    _positive(job.tokens_per_s_per_accelerator, "tokens_per_s_per_accelerator", "tokens/s")
    _positive(job.prefill_speedup, "prefill_speedup")
    _whole(job.accelerators_per_replica, "accelerators_per_replica", 1)
    _whole(job.batch_slots, "batch_slots", 1)
    _positive(job.slo_ms, "slo_ms", "ms")
    _positive(job.hours, "hours", "h")
    a = job.diurnal_amplitude
    if not (_number(a) and 0.0 <= a <= 1.0):
        raise InputError(None, "diurnal_amplitude", f"expected 0 to 1 (got {a!r})")
    if not (_number(job.diurnal_peak_h) and 0.0 <= job.diurnal_peak_h < HOURS_PER_DAY):
        raise InputError(None, "diurnal_peak_h", f"expected a local hour from 0 to 24 (got {job.diurnal_peak_h!r})")
    if job.service not in SERVICE_KINDS:
        raise InputError(None, "service", f"expected one of {', '.join(SERVICE_KINDS)} (got {job.service!r})")
    _whole(job.seed, "seed", 0)


def _check_power(it_power_w_per_accelerator: float) -> None:
    p = it_power_w_per_accelerator
    if not (_number(p) and p >= 0):
        raise InputError(None, "it_power_w_per_accelerator", f"expected a power >= 0 W (got {p!r})")


# ---------------------------------------------------------------------------------------------- demand
def demand_sites(sites: GroundSites) -> GroundSites:
    """The population centres among ``sites``: every site with a population above zero."""
    cities = sites.take(np.asarray(sites.population, dtype=float) > 0.0)
    if len(cities) == 0:
        raise InputError(None, "sites", "no site with a population; expected population centres (role user)")
    return cities


def utc_hour(start_jd: float) -> float:
    """The UTC hour of day (0 to 24) at the Julian date ``start_jd``."""
    return ((start_jd + JD_NOON_OFFSET) % 1.0) * HOURS_PER_DAY


def local_solar_hour(t_s: np.ndarray, longitude_deg: np.ndarray, start_jd: float) -> np.ndarray:
    """Local mean solar time (h, 0 to 24) at ``t_s`` seconds after ``start_jd`` at each longitude."""
    return (utc_hour(start_jd) + np.asarray(t_s) / SECONDS_PER_HOUR
            + np.asarray(longitude_deg) / DEG_PER_HOUR) % HOURS_PER_DAY


def diurnal_factor(job: InferenceJob, local_h: np.ndarray) -> np.ndarray:
    """``1 + a cos(2 pi (h - h_peak) / 24)``: demand over its daily mean at local hour ``h``."""
    return 1.0 + job.diurnal_amplitude * np.cos(TWO_PI * (local_h - job.diurnal_peak_h) / HOURS_PER_DAY)


def _poisson_times(rng: np.random.Generator, rate_per_s: float, span_s: float) -> np.ndarray:
    """A homogeneous Poisson process on ``[0, span_s)``: sorted times from exponential gaps."""
    mean = rate_per_s * span_s
    n = int(mean + DRAW_SIGMAS * math.sqrt(mean) + DRAW_EXTRA)
    times = np.cumsum(rng.exponential(1.0 / rate_per_s, size=n))
    while times[-1] < span_s:  # more than DRAW_SIGMAS above the mean: draw on from the last
        more = times[-1] + np.cumsum(rng.exponential(1.0 / rate_per_s, size=n))
        times = np.concatenate([times, more])
    return times[: np.searchsorted(times, span_s, side="left")]


def arrivals(job: InferenceJob, cities: GroundSites, start_jd: float) -> tuple[np.ndarray, np.ndarray]:
    """The job's requests: sending times (s from ``start_jd``, ascending) and each one's city.

    Parameters
    ----------
    job : InferenceJob
        Requests per day, diurnal profile, span (``hours``) and seed.
    cities : GroundSites
        Population centres (``population > 0``); rates proportional to population.
    start_jd : float
        UTC Julian date of ``t = 0`` (fixes local solar time).

    Returns
    -------
    t_send_s : ndarray
        ``(n,)`` float64, ascending.
    city : ndarray
        ``(n,)`` int32, index into ``cities``.
    """
    population = np.asarray(cities.population, dtype=float)
    if population.size == 0 or np.any(~np.isfinite(population)) or np.any(population <= 0):
        raise InputError(None, "sites", "expected population centres, each with a population > 0")
    weight = population / population.sum()
    span_s = job.hours * SECONDS_PER_HOUR
    peak_rate = job.requests_per_day / SECONDS_PER_DAY * (1.0 + job.diurnal_amplitude)
    rng = np.random.default_rng(np.random.SeedSequence(job.seed).spawn(1)[0])
    t = _poisson_times(rng, peak_rate, span_s)
    city = np.minimum(np.searchsorted(np.cumsum(weight), rng.random(t.size), side="right"),
                      population.size - 1).astype(np.int32)
    if job.diurnal_amplitude > 0.0:
        keep_p = diurnal_factor(job, local_solar_hour(t, cities.longitude_deg[city], start_jd)) \
            / (1.0 + job.diurnal_amplitude)
        keep = rng.random(t.size) < keep_p
        t, city = t[keep], city[keep]
    return t, city


# ---------------------------------------------------------------------------------------------- service
def slot_tokens_per_s(job: InferenceJob) -> float:
    """Output tokens a second one batch slot produces."""
    return job.tokens_per_s_per_accelerator * job.accelerators_per_replica / job.batch_slots


def mean_service_s(job: InferenceJob) -> float:
    """Prefill plus decode time of one request in one slot (s)."""
    rate = slot_tokens_per_s(job)
    return job.prompt_tokens / (job.prefill_speedup * rate) + job.output_tokens / rate


def service_times_s(job: InferenceJob, n: int) -> np.ndarray:
    """Service time per request: one value for all (deterministic) or ``n`` exponential draws (seeded,
    independent of the arrivals' stream)."""
    mean = mean_service_s(job)
    if job.service == "deterministic":
        return np.array([mean])
    rng = np.random.default_rng(np.random.SeedSequence(job.seed).spawn(2)[1])
    return rng.exponential(mean, size=n)


# ---------------------------------------------------------------------------------------------- results
def summarise(job: InferenceJob, served: Served, energy_j: float) -> InferenceResult:
    """The result's figures from what the queue did (see the module's notes)."""
    ok = served.served
    n, n_served = int(ok.size), int(ok.sum())
    latency_ms = served.latency_s[ok] * MS_PER_S
    span_s = job.hours * SECONDS_PER_HOUR
    tokens = n_served * job.output_tokens
    if n_served:
        p50, p99 = np.percentile(latency_ms, PERCENTILES)
        parts = [float(np.mean(x[ok])) * MS_PER_S for x in (served.rtt_s, served.wait_s, served.service_s)]
        mean = float(latency_ms.mean())
    else:
        p50 = p99 = mean = math.inf
        parts = [math.inf] * 3
    met = int(np.count_nonzero(latency_ms <= job.slo_ms))
    return InferenceResult(
        requests=n, served=n_served, latency_ms_p50=float(p50), latency_ms_p99=float(p99), latency_ms_mean=mean,
        network_ms_mean=parts[0], queue_ms_mean=parts[1], service_ms_mean=parts[2],
        slo_attainment=met / n if n else 0.0, throughput_tokens_per_s=tokens / span_s,
        energy_j_per_million_tokens=energy_j / tokens * TOKENS_PER_MILLION if tokens else math.inf,
        events=int(sum(served.events.values())), latency_ms=latency_ms, events_by_kind=dict(served.events))


def powered_share_s(availability: Availability, span_s: float) -> np.ndarray:
    """Per satellite, the integral of its compute share over ``[0, span_s)`` (s); the series repeats."""
    compute = np.asarray(availability.compute, dtype=float)
    n_steps = compute.shape[1]
    whole, rest_s = divmod(span_s, availability.step_s)
    whole = int(whole)
    periods, steps = divmod(whole, n_steps)
    total = periods * compute.sum(axis=1) + compute[:, :steps].sum(axis=1)
    return total * availability.step_s + compute[:, steps] * rest_s


def run_inference(job: InferenceJob, cities: GroundSites, candidates: CandidateTable, availability: Availability,
                  accelerators_per_satellite, it_power_w_per_accelerator: float, start_jd: float) -> InferenceResult:
    """Serve the job's requests from the fleet.

    Parameters
    ----------
    job : InferenceJob
        The requests and how they are served.
    cities : GroundSites
        The population centres (``demand_sites``), in the candidate table's city order.
    candidates : CandidateTable
        Per routing step and city, the satellites in view and their round trips
        (``serving.candidate_table`` or ``serving.fleet_candidates``); satellite indices are rows of
        ``availability``. It must cover the job's ``hours``.
    availability : Availability
        Compute share per satellite and step, from the simulation engine (repeats after its span).
    accelerators_per_satellite : int or ndarray
        Accelerators each satellite carries.
    it_power_w_per_accelerator : float
        IT power of one accelerator (W), for the energy per token.
    start_jd : float
        UTC Julian date of ``t = 0`` (local solar time of the demand).

    Returns
    -------
    InferenceResult
    """
    validate_job(job)
    _check_power(it_power_w_per_accelerator)
    span_s = job.hours * SECONDS_PER_HOUR
    n_sat = availability.compute.shape[0]
    accelerators = np.broadcast_to(np.asarray(accelerators_per_satellite, dtype=float), (n_sat,))
    if n_sat == 0 or not np.any(accelerators > 0):
        raise InputError(None, "accelerators_per_satellite", "expected at least one accelerator in the fleet")
    if candidates.sat.shape[1] != len(cities):
        raise InputError(None, "candidates", f"expected a table of the {len(cities)} cities "
                         f"(got {candidates.sat.shape[1]})")
    if candidates.span_s < span_s * (1.0 - 1e-12):
        raise InputError(None, "hours", f"the candidate tables cover {candidates.span_s / SECONDS_PER_HOUR:g} h; "
                         f"expected at least the job's {job.hours:g} h")
    if candidates.sat.size and int(candidates.sat.max()) >= n_sat:
        raise InputError(None, "candidates", f"satellite indices beyond the availability's {n_sat} satellites")
    slots = serving_slots(availability, accelerators, job.accelerators_per_replica, job.batch_slots)
    t, city = arrivals(job, cities, start_jd)
    served = serve_requests(t, city, service_times_s(job, t.size), candidates.sat, candidates.rtt_ms / MS_PER_S,
                            candidates.step_s, slots, availability.step_s, span_s)
    energy_j = it_power_w_per_accelerator * float(np.sum(accelerators * powered_share_s(availability, span_s)))
    return summarise(job, served, energy_j)


def fibre_rtt_ms(cities: GroundSites, region_lat_deg: float, region_lon_deg: float) -> np.ndarray:
    """Round trip (ms) from each city to the region over fibre laid along the great circle at
    ``FIBRE_SPEED_FRACTION`` of c: a lower bound (real routes are longer and add switching delays)."""
    region = geodetic_to_itrs_km(region_lat_deg, region_lon_deg, REGION_ALTITUDE_KM)
    gc_km = great_circle_km(cities.itrs_km(), region[None, :])
    return ROUND_TRIP * gc_km / (FIBRE_SPEED_FRACTION * SPEED_OF_LIGHT_KM_PER_S) * MS_PER_S


def terrestrial_twin(job: InferenceJob, cities: GroundSites, region_lat_deg: float, region_lon_deg: float,
                     accelerators: int, it_power_w_per_accelerator: float, start_jd: float) -> InferenceResult:
    """The same requests served by one terrestrial region holding ``accelerators`` accelerators.

    The region is one pool of ``floor(accelerators / accelerators_per_replica) x batch_slots`` slots, always
    available; each city's round trip is the fibre bound ``2 x great-circle distance / (2/3 c)``
    (:func:`fibre_rtt_ms`), a lower bound on the real network's. Same seed, same requests as
    :func:`run_inference`.

    Parameters
    ----------
    job : InferenceJob
    cities : GroundSites
        The population centres.
    region_lat_deg, region_lon_deg : float
        Where the region is (geodetic, deg).
    accelerators : int
        Accelerators in the region (the fleet's total, for a like-for-like twin).
    it_power_w_per_accelerator : float
        IT power of one accelerator (W).
    start_jd : float
        UTC Julian date of ``t = 0``.

    Returns
    -------
    InferenceResult
    """
    validate_job(job)
    _check_power(it_power_w_per_accelerator)
    if not (isinstance(accelerators, int | np.integer) and not isinstance(accelerators, bool)
            and accelerators >= job.accelerators_per_replica):
        raise InputError(None, "accelerators", f"expected a whole number of at least one replica's "
                         f"{job.accelerators_per_replica} (got {accelerators!r})")
    if not (_number(region_lat_deg) and -90.0 <= region_lat_deg <= 90.0):
        raise InputError(None, "region_lat_deg", f"expected -90 to 90 deg (got {region_lat_deg!r})")
    if not (_number(region_lon_deg) and -180.0 <= region_lon_deg <= 360.0):
        raise InputError(None, "region_lon_deg", f"expected -180 to 360 deg (got {region_lon_deg!r})")
    span_s = job.hours * SECONDS_PER_HOUR
    pool = Availability.full(1, step_s=span_s, n_steps=1)
    slots = serving_slots(pool, accelerators, job.accelerators_per_replica, job.batch_slots)
    m = len(cities)
    cand_sat = np.zeros((1, m, 1), dtype=np.int32)
    cand_rtt_s = fibre_rtt_ms(cities, region_lat_deg, region_lon_deg).reshape(1, m, 1) / MS_PER_S
    t, city = arrivals(job, cities, start_jd)
    served = serve_requests(t, city, service_times_s(job, t.size), cand_sat, cand_rtt_s, span_s, slots, span_s,
                            span_s)
    return summarise(job, served, it_power_w_per_accelerator * accelerators * span_s)
