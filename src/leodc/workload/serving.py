"""Where a request can be served: the candidate tables and the serving slots.

Candidate tables: for every city and routing step, the ``k`` nearest satellites the city sees above
the ground terminals' elevation mask, nearest first, with their round-trip light time
``2 x slant range / c`` (a request goes up to a satellite the city sees and its answer comes back
down the same way; no laser-link hops). The satellites in view come from the network stage
(``network.routing.ground_links``: a k-d tree over the satellites' Earth-fixed positions, then the
elevation above each site's ellipsoid horizon); the ``k`` nearest per city are picked with one sort
per step, without a loop over cities.

Serving slots: satellite ``i`` during capacity step ``k`` runs
``floor(compute[i, k] x accelerators[i] / accelerators_per_replica)`` whole replicas of the model, each
serving ``batch_slots`` requests at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from leodc.constants import EARTH_RADIUS_KM, SPEED_OF_LIGHT_KM_PER_S, WGS84_FLATTENING
from leodc.errors import InputError
from leodc.network.ground import GroundSites, max_slant_range_km
from leodc.network.latency import FleetPositions
from leodc.network.routing import ground_links
from leodc.workload.model import Availability
from leodc.workload.queue import NO_SATELLITE

MS_PER_S = 1000.0
ROUND_TRIP = 2.0  # up and down the same slant range
# a site on the ellipsoid lies at most this far inside the sphere of the equatorial radius, which
# max_slant_range_km assumes: the search radius is widened by it so that no satellite above the mask
# is missed (the elevation test that follows is exact)
ELLIPSOID_MARGIN_KM = EARTH_RADIUS_KM * WGS84_FLATTENING
# compute share x accelerators is floored to whole replicas; a product this close below a whole
# number is that number (floating-point shares such as 0.3 x 10)
WHOLE_REPLICA_TOL = 1e-9

# Earth-fixed satellite positions (km) at routing step k, (n_sat, 3)
Positions = Callable[[int], np.ndarray] | np.ndarray


@dataclass(frozen=True)
class CandidateTable:
    """Per routing step, city and candidate: the satellite (``NO_SATELLITE`` after the last one the
    city sees) and its round trip (ms; infinity where none), nearest first. Step ``k`` covers
    ``[k step_s, (k + 1) step_s)`` and uses the fleet's positions at its start."""

    step_s: float
    sat: np.ndarray  # (n_steps, n_cities, k) int32
    rtt_ms: np.ndarray  # (n_steps, n_cities, k)

    @property
    def n_steps(self) -> int:
        return int(self.sat.shape[0])

    @property
    def span_s(self) -> float:
        return self.n_steps * self.step_s

    @property
    def candidates(self) -> int:
        return int(self.sat.shape[2])


def steps_covering(span_s: float, step_s: float) -> int:
    """Routing steps of ``step_s`` needed to cover ``span_s`` seconds."""
    return max(1, math.ceil(span_s / step_s))


def nearest_visible(site_xyz_km: np.ndarray, sites: GroundSites, r_km: np.ndarray, min_elevation_deg: float,
                    candidates: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``candidates`` nearest satellites each site sees above the mask at one instant.

    Parameters
    ----------
    site_xyz_km : ndarray
        The sites' Earth-fixed positions (km), ``(m, 3)``.
    sites : GroundSites
        The same sites (their latitudes and longitudes give the local vertical).
    r_km : ndarray
        The satellites' Earth-fixed positions (km), ``(n_sat, 3)``; NaN rows are never seen.
    min_elevation_deg : float
        The elevation mask (deg).
    candidates : int
        How many satellites per site.

    Returns
    -------
    sat : ndarray
        ``(m, candidates)`` int32 satellite indices, nearest first, ``NO_SATELLITE`` padding.
    rtt_ms : ndarray
        ``(m, candidates)`` round-trip light time (ms), infinity as padding.
    """
    m = site_xyz_km.shape[0]
    sat = np.full((m, candidates), NO_SATELLITE, dtype=np.int32)
    rtt = np.full((m, candidates), np.inf)
    radius = np.linalg.norm(r_km, axis=1)
    if not np.isfinite(radius).any():
        return sat, rtt
    top_km = float(np.nanmax(radius)) - EARTH_RADIUS_KM
    reach_km = max_slant_range_km(top_km + ELLIPSOID_MARGIN_KM, min_elevation_deg) + ELLIPSOID_MARGIN_KM
    s_idx, sat_idx, slant_km = ground_links(site_xyz_km, sites.latitude_deg, sites.longitude_deg, r_km,
                                            min_elevation_deg, reach_km)
    if s_idx.size == 0:
        return sat, rtt
    order = np.lexsort((slant_km, s_idx))  # by site, then nearest first
    s_sorted = s_idx[order]
    rank = np.arange(s_sorted.size) - np.searchsorted(s_sorted, s_sorted, side="left")
    keep = rank < candidates
    rows, cols, pick = s_sorted[keep], rank[keep], order[keep]
    sat[rows, cols] = sat_idx[pick]
    rtt[rows, cols] = ROUND_TRIP * slant_km[pick] / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S
    return sat, rtt


def candidate_table(sites: GroundSites, positions: Positions, n_steps: int, step_s: float,
                    min_elevation_deg: float, candidates: int) -> CandidateTable:
    """The candidate satellites of every city at every routing step.

    Parameters
    ----------
    sites : GroundSites
        The cities, in the order the requests name them.
    positions : callable or ndarray
        The satellites' Earth-fixed positions (km) at step ``k``: a callable ``k -> (n_sat, 3)`` (such as
        ``network.latency.FleetPositions.at``, the engine's orbits) or an array ``(n_steps, n_sat, 3)``.
    n_steps : int
        Routing steps (``steps_covering(span_s, step_s)`` for a span).
    step_s : float
        The routing step (s), e.g. 60 to 300.
    min_elevation_deg : float
        The ground terminals' elevation mask (deg).
    candidates : int
        Satellites kept per city and step (``k``).

    Returns
    -------
    CandidateTable
    """
    if not isinstance(candidates, int | np.integer) or candidates < 1:
        raise InputError(None, "candidates", f"expected a whole number of at least 1 (got {candidates!r})")
    if not (math.isfinite(step_s) and step_s > 0.0):
        raise InputError(None, "step_s", f"expected a routing step > 0 s (got {step_s!r})")
    if not -90.0 < min_elevation_deg < 90.0:
        raise InputError(None, "min_elevation_deg", f"expected -90 to 90 deg (got {min_elevation_deg!r})")
    at = positions if callable(positions) else (lambda k: np.asarray(positions)[k])
    site_xyz = sites.itrs_km()
    sat = np.empty((n_steps, len(sites), candidates), dtype=np.int32)
    rtt = np.empty((n_steps, len(sites), candidates))
    for k in range(n_steps):
        sat[k], rtt[k] = nearest_visible(site_xyz, sites, np.asarray(at(k), dtype=float), min_elevation_deg,
                                         candidates)
    return CandidateTable(step_s=float(step_s), sat=sat, rtt_ms=rtt)


def fleet_candidates(elements, start_jd: float, sites: GroundSites, span_s: float, step_s: float,
                     min_elevation_deg: float, candidates: int) -> CandidateTable:
    """``candidate_table`` from the fleet's orbits (``orbits.elements.FleetElements``), propagated by the
    network stage's :class:`~leodc.network.latency.FleetPositions` from ``start_jd`` (UTC Julian date)
    over ``span_s`` seconds."""
    clock = FleetPositions(elements, start_jd, step_s)
    return candidate_table(sites, clock.at, steps_covering(span_s, step_s), step_s, min_elevation_deg,
                           candidates)


def serving_slots(availability: Availability, accelerators_per_satellite, accelerators_per_replica: int,
                  batch_slots: int) -> np.ndarray:
    """Requests each satellite can serve at once during each capacity step.

    Parameters
    ----------
    availability : Availability
        Compute share per satellite and step (``compute``, 0 to 1).
    accelerators_per_satellite : int or ndarray
        Accelerators each satellite carries (one for all, or ``(n_sat,)``).
    accelerators_per_replica : int
        Accelerators one copy of the model needs.
    batch_slots : int
        Requests a replica serves at once.

    Returns
    -------
    ndarray
        ``(n_sat, n_steps)`` int32: ``floor(compute x accelerators / accelerators_per_replica) x batch_slots``.
    """
    compute = np.asarray(availability.compute, dtype=float)
    accelerators = np.broadcast_to(np.asarray(accelerators_per_satellite, dtype=float), compute.shape[:1])
    if np.any(~np.isfinite(accelerators)) or np.any(accelerators < 0):
        raise InputError(None, "accelerators_per_satellite", "expected whole numbers >= 0")
    if np.any(~np.isfinite(compute)) or np.any(compute < 0.0) or np.any(compute > 1.0):
        raise InputError(None, "availability.compute", "expected shares from 0 to 1")
    replicas = np.floor(compute * accelerators[:, None] / accelerators_per_replica + WHOLE_REPLICA_TOL)
    return (replicas * batch_slots).astype(np.int32)
