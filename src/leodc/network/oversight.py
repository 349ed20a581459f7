"""Oversight: how long a halt command from the operator's control stations takes to reach every
satellite of the fleet.

A command issued at ``t0`` leaves every control station at once. At each step from ``t0`` on, the
satellites that hold it (or the stations) pass it on over the links alive at that step: ground links
from a control station to every satellite above its mask, and laser links flooding through the fleet,
each hop adding its light time plus a per-hop forwarding delay. Within a step the command spreads as
far as the links of that step allow (a multi-source Dijkstra from the holders); a satellite that no
live path joins to a holder waits for a later step (a later pass over a station, or a link that comes
up). Arrival times are therefore exact within a connected step and late by less than one step where
the command waits for the geometry to change.

Reported per issue time: the time until every satellite holds the command (infinite if some never
do within the horizon), and the share of the fleet reached within 1 s, 1 min and 1 h.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

from leodc.constants import EARTH_RADIUS_KM, SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE
from leodc.network.ground import GroundSites, max_slant_range_km
from leodc.network.latency import FleetPositions, Topology
from leodc.network.links import LinkModel, live_links
from leodc.network.routing import build_graph, ground_links
from leodc.orbits.elements import FleetElements

MS_PER_S = 1000.0
# the shares of the fleet reported: reached within one second, one minute, one hour
REACH_WITHIN_S = {"1s": 1.0, "1min": SECONDS_PER_MINUTE, "1h": SECONDS_PER_HOUR}


@dataclass
class OversightResult:
    """Per issue time: when each satellite received the command (seconds after issue; inf: never
    within the horizon)."""

    issue_t_s: np.ndarray  # [n_issue] seconds from the start
    arrival_s: np.ndarray  # [n_issue, n_sat]

    def summary(self) -> dict:
        """Time to reach the whole fleet (percentiles over issue times) and the shares reached within
        1 s, 1 min and 1 h (means over issue times)."""
        all_s = self.arrival_s.max(axis=1)
        finite = np.isfinite(all_s)
        out = {"issues": int(self.issue_t_s.size), "satellites": int(self.arrival_s.shape[1]),
               "reached_all_fraction": float(finite.mean()) if all_s.size else 0.0}
        for q in (50, 90, 100):
            out[f"time_to_all_s_p{q}"] = float(np.percentile(all_s, q)) if finite.all() and all_s.size else None
        for label, limit in REACH_WITHIN_S.items():
            out[f"reached_within_{label}_fraction"] = float((self.arrival_s <= limit).mean())
        return out


def halt_arrivals(elements: FleetElements, topology: Topology, control: GroundSites, model: LinkModel,
                  min_elevation_deg: float, per_hop_delay_ms: float, start_jd: float, issue_t_s: np.ndarray,
                  step_s: float, horizon_s: float, progress: Callable[[int], None] | None = None) -> OversightResult:
    """When a halt command issued from every control station at each of ``issue_t_s`` reaches each
    satellite (seconds after issue), following the fleet for up to ``horizon_s`` after each issue.

    Parameters
    ----------
    elements, topology : FleetElements, Topology
        The fleet and its laser-link topology (``network.latency.fleet_topology``).
    control : GroundSites
        The control stations (role ``control``).
    model : LinkModel
        Laser terminals' range and the line of sight's atmosphere margin.
    min_elevation_deg : float
        The stations' elevation mask (deg).
    per_hop_delay_ms : float
        Forwarding delay added at every hop (ms), on top of light time.
    start_jd, issue_t_s, step_s, horizon_s : float, ndarray, float, float
        Start (UTC Julian date); issue times (s from the start); the step (s) the geometry is
        re-evaluated at; how long after an issue to follow the command (s).
    """
    n = len(elements)
    sites_xyz = control.itrs_km()
    stations = list(range(n, n + len(control)))
    issues = np.asarray(issue_t_s, dtype=float)
    holder_ms = np.full((len(issues), n), np.inf)  # arrival after each issue, ms
    done = np.zeros(len(issues), dtype=bool)
    clock = FleetPositions(elements, start_jd, step_s)
    # one pass through time: each step's graph is built once and serves every issue in flight
    first_step = int(np.floor(issues.min() / step_s)) if issues.size else 0
    last_step = int(np.ceil((issues.max() + horizon_s) / step_s)) if issues.size else -1
    for k in range(first_step, last_step + 1):
        t = k * step_s
        live = [i for i in range(len(issues)) if not done[i] and issues[i] <= t <= issues[i] + horizon_s]
        if not live:
            if done.all() or t > issues.max():
                break
            continue
        r = clock.at(k)
        edges, lengths = live_links(topology.edges_at(r, model), r, model)
        top_km = float(np.nanmax(np.linalg.norm(r, axis=1))) - EARTH_RADIUS_KM
        s_idx, sat_idx, slant = ground_links(sites_xyz, control.latitude_deg, control.longitude_deg, r,
                                             min_elevation_deg, max_slant_range_km(top_km, min_elevation_deg))
        weights = build_graph(n, edges, lengths, s_idx, sat_idx, slant, len(control)).matrix
        weights.data = weights.data + per_hop_delay_ms  # every hop also costs the forwarding delay
        for i in live:
            # the stations keep sending, and every satellite that holds the command passes it on
            sources = [*np.flatnonzero(np.isfinite(holder_ms[i])), *stations]
            dist = dijkstra(weights, directed=True, indices=sources, min_only=True)[:n]
            new = np.isfinite(dist) & ~np.isfinite(holder_ms[i])
            holder_ms[i, new] = (t - issues[i]) * MS_PER_S + dist[new]
            if np.isfinite(holder_ms[i]).all():
                done[i] = True
                if progress is not None:
                    progress(1)
    arrival = holder_ms / MS_PER_S
    return OversightResult(np.asarray(issue_t_s, dtype=float), arrival)


def issue_times_over_a_day(every_s: float) -> np.ndarray:
    """Issue times spread over one day (s from the start), every ``every_s`` seconds."""
    return np.arange(0.0, SECONDS_PER_DAY, every_s)
