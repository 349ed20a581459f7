"""Latency between ground sites through the fleet, step by step: the network stage's core.

For each time step: the fleet's Earth-fixed positions (the engine's fast propagator, TEME to ITRS),
the laser links alive at that instant (the fleet's topology, see ``network.links``), the ground
links above each site's mask, then the shortest path by light time for every requested pair
(``network.routing``). Per pair and step: round-trip time, hops and the path; per pair over the
span: percentiles, extremes, how often the path changed, and the vacuum and fibre bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from leodc.catalog import load_catalog
from leodc.constants import EARTH_RADIUS_KM, SECONDS_PER_DAY
from leodc.network.ground import GroundSites, builtin_sites, max_slant_range_km, read_sites
from leodc.network.links import GRID_SHELLS, LinkModel, grid_edges, live_links, nearest_edges
from leodc.network.routing import build_graph, ground_links, route_bounded, surface_bounds_ms
from leodc.orbits.elements import FleetElements
from leodc.orbits.epochs import timestamps
from leodc.orbits.frames import teme_to_itrs
from leodc.orbits.secular import propagate_fast
from leodc.scenario import Network, Shell

PERCENTILES = (50, 90, 99)


@dataclass(frozen=True)
class Topology:
    """The fleet's laser-link topology: fixed links (+Grid, formation neighbours) and the satellites
    whose links are found anew at every step (real fleets: nearest neighbours)."""

    fixed: np.ndarray  # [k, 2]
    dynamic: np.ndarray  # satellite indices linked to their nearest neighbours each step
    neighbours: int

    def edges_at(self, r_itrs_km: np.ndarray, model: LinkModel) -> np.ndarray:
        if self.dynamic.size == 0:
            return self.fixed
        moving = nearest_edges(r_itrs_km, self.neighbours, model.max_range_km, self.dynamic)
        return np.concatenate([self.fixed, moving]) if self.fixed.size else moving


def fleet_topology(shells: list[Shell] | None, n_sat: int, model: LinkModel, r0_km: np.ndarray) -> Topology:
    """+Grid within Walker and sun-synchronous shells, nearest neighbours (from the start's positions)
    within formation clusters, and nearest neighbours at every step for a real fleet (no shells)."""
    if not shells:
        return Topology(np.zeros((0, 2), dtype=np.int64), np.arange(n_sat), model.terminals_per_satellite)
    parts, first = [], 0
    for shell in shells:
        if shell.kind in GRID_SHELLS:
            parts.append(grid_edges(shell, first))
        else:  # a formation cluster keeps its shape: its neighbours from the start
            members = np.arange(first, first + shell.satellites)
            parts.append(nearest_edges(r0_km, model.terminals_per_satellite, model.max_range_km, members))
        first += shell.satellites
    return Topology(np.concatenate(parts), np.zeros(0, dtype=np.int64), model.terminals_per_satellite)


@dataclass
class LatencySeries:
    """Per pair and step (``pair`` index into ``pairs``), and the pairs' names and bounds."""

    pairs: list[tuple[str, str]]
    time: np.ndarray  # datetime64[us], one per step
    rtt_ms: np.ndarray  # [n_pairs, n_steps], inf where no path
    hops: np.ndarray  # [n_pairs, n_steps]
    paths: list[list[list[int]]]  # [pair][step] node indices (satellites, then sites as n_sat + i)
    path_km: list[list[list[list[float]]]]  # [pair][step] the path's Earth-fixed positions (km), for the globe
    vacuum_rtt_ms: np.ndarray  # [n_pairs]
    fibre_rtt_ms: np.ndarray  # [n_pairs]
    laser_links: np.ndarray  # [n_steps] live laser links
    ground_links: np.ndarray  # [n_steps]

    def table(self):
        """One row per pair and step: ``pair, time, rtt_ms, hops, path`` (an Arrow table; rtt_ms is
        null where no path existed)."""
        import pyarrow as pa

        n_pairs, n_steps = self.rtt_ms.shape
        rtt = self.rtt_ms.ravel()
        return pa.table({
            "pair": pa.array(np.repeat([f"{a}:{b}" for a, b in self.pairs], n_steps)),
            "time": pa.array(np.tile(self.time, n_pairs)),
            "rtt_ms": pa.array(np.where(np.isfinite(rtt), rtt, np.nan), mask=~np.isfinite(rtt)),
            "hops": self.hops.ravel(),
            "path": pa.array([path for pair in self.paths for path in pair], type=pa.list_(pa.int64())),
            "path_itrs_km": pa.array([xyz for pair in self.path_km for xyz in pair],
                                     type=pa.list_(pa.list_(pa.float64(), 3))),
        })

    def summary(self) -> list[dict]:
        """Per pair: RTT percentiles and extremes over the steps with a path, path changes, bounds."""
        out = []
        for k, (a, b) in enumerate(self.pairs):
            rtt = self.rtt_ms[k]
            ok = np.isfinite(rtt)
            changes = sum(1 for i in range(1, len(self.paths[k])) if self.paths[k][i] != self.paths[k][i - 1])
            row = {"pair": f"{a}:{b}", "steps": int(rtt.size), "reachable_fraction": float(ok.mean())}
            for q in PERCENTILES:
                row[f"rtt_ms_p{q}"] = float(np.percentile(rtt[ok], q)) if ok.any() else None
            row |= {"rtt_ms_min": float(rtt[ok].min()) if ok.any() else None,
                    "rtt_ms_max": float(rtt[ok].max()) if ok.any() else None,
                    "hops_p50": float(np.percentile(self.hops[k][ok], 50)) if ok.any() else None,
                    "path_changes": changes, "vacuum_bound_ms": float(self.vacuum_rtt_ms[k]),
                    "fibre_bound_ms": float(self.fibre_rtt_ms[k])}
            out.append(row)
        return out


def itrs_positions(elements: FleetElements, start_jd: float, t_s: float) -> np.ndarray:
    """Earth-fixed positions (km) of every satellite at one instant, ``[n, 3]``."""
    r, v = propagate_fast(elements, start_jd, np.array([t_s]))
    r_itrs, _ = teme_to_itrs(r, v, np.array([start_jd + t_s / SECONDS_PER_DAY]))
    return r_itrs[:, 0, :]


# positions are propagated for blocks of steps at once (one numba call per block, not per step), each
# block holding at most this many satellite-positions
POSITION_BLOCK_POINTS = 2_000_000
MAX_BLOCK_STEPS = 512


class FleetPositions:
    """Earth-fixed positions of the fleet at steps ``k * step_s`` (s from ``start_jd``), propagated a
    block of steps at a time; memory stays under ``POSITION_BLOCK_POINTS`` positions."""

    def __init__(self, elements: FleetElements, start_jd: float, step_s: float):
        self.elements, self.start_jd, self.step_s = elements, start_jd, step_s
        self.block = int(min(MAX_BLOCK_STEPS, max(1, POSITION_BLOCK_POINTS // max(len(elements), 1))))
        self._first = None
        self._r = None

    def at(self, k: int) -> np.ndarray:
        """Positions ``[n, 3]`` (km, ITRS) at step ``k``."""
        if self._first is None or not self._first <= k < self._first + self._r.shape[1]:
            self._first = k
            t_s = (k + np.arange(self.block)) * self.step_s
            r, v = propagate_fast(self.elements, self.start_jd, t_s)
            self._r, _ = teme_to_itrs(r, v, self.start_jd + t_s / SECONDS_PER_DAY)
        return self._r[:, k - self._first, :]


def pair_latencies(elements: FleetElements, shells: list[Shell] | None, sites: GroundSites,
                   pairs: list[tuple[str, str]], start_jd: float, t_s: np.ndarray, model: LinkModel,
                   min_elevation_deg: float, progress: Callable[[int], None] | None = None,
                   ground_relays: bool = True) -> LatencySeries:
    """Round trips between named sites through the fleet at each of ``t_s`` (seconds from ``start_jd``).

    Parameters
    ----------
    elements : FleetElements
        The fleet (``simulate.fleet.fleet_of``).
    shells : list of Shell or None
        The designed shells the elements were laid out from (their +Grid topology), or None for a real
        fleet (nearest neighbours each step).
    sites : GroundSites
        Sites the pairs name.
    pairs : list of (str, str)
        Site names, source and destination.
    start_jd, t_s : float, ndarray
        UTC Julian date of the start; step offsets in seconds.
    model : LinkModel
        The laser terminals' range, rates and count, and the line of sight's atmosphere margin.
    min_elevation_deg : float
        The ground terminals' elevation mask (deg).
    progress : callable, optional
        Called with 1 after each step.
    ground_relays : bool
        Whether a path may come down to another site and go up again (``network.ground_relays``); False
        is Hypatia's rule, every site only sends and receives.

    Returns
    -------
    LatencySeries
    """
    index = [(sites.index(a), sites.index(b)) for a, b in pairs]
    used = sorted({i for p in index for i in p})
    local = {s: k for k, s in enumerate(used)}
    here = sites.take(np.array(used))
    site_xyz = here.itrs_km()
    local_pairs = [(local[a], local[b]) for a, b in index]
    site_of = np.asarray(used, dtype=np.int64)  # the caller's index of each site used
    vacuum, fibre = zip(*(surface_bounds_ms(site_xyz[a], site_xyz[b]) for a, b in local_pairs), strict=True)
    n, m = len(elements), len(t_s)
    t_s = np.asarray(t_s, dtype=float)
    step_s = float(t_s[1] - t_s[0]) if t_s.size > 1 else 1.0
    uniform = t_s.size > 1 and np.allclose(np.diff(t_s), step_s) and np.isclose(t_s[0] % step_s, 0.0)
    clock = FleetPositions(elements, start_jd, step_s) if uniform else None
    r0 = clock.at(round(t_s[0] / step_s)) if clock else itrs_positions(elements, start_jd, float(t_s[0]))
    topology = fleet_topology(shells, n, model, r0)
    rtt = np.full((len(pairs), m), np.inf)
    hops = np.zeros((len(pairs), m), dtype=np.int32)
    paths: list[list[list[int]]] = [[] for _ in pairs]
    path_km: list[list[list[list[float]]]] = [[] for _ in pairs]
    lasers = np.zeros(m, dtype=np.int64)
    grounds = np.zeros(m, dtype=np.int64)
    for j, t in enumerate(t_s):
        if j == 0:
            r = r0
        else:
            r = clock.at(round(t / step_s)) if clock else itrs_positions(elements, start_jd, float(t))
        edges, lengths = live_links(topology.edges_at(r, model), r, model)
        top_km = float(np.nanmax(np.linalg.norm(r, axis=1))) - EARTH_RADIUS_KM
        slant = max_slant_range_km(top_km, min_elevation_deg)
        s_idx, sat_idx, slant_km = ground_links(site_xyz, here.latitude_deg, here.longitude_deg, r,
                                                min_elevation_deg, slant)
        graph = build_graph(n, edges, lengths, s_idx, sat_idx, slant_km, len(here), ground_relays)
        lasers[j], grounds[j] = graph.laser_links, graph.ground_links
        positions = np.vstack([r, site_xyz])
        routes = route_bounded(graph, local_pairs, positions, EARTH_RADIUS_KM)
        rtt[:, j], hops[:, j] = 2.0 * routes.one_way_ms, routes.hops
        # sites are stored by their index in the caller's list, after the satellites
        nodes = routes.nodes
        stored = np.where(nodes < n, nodes, n + site_of[np.maximum(nodes - n, 0)]).tolist()
        xyz = positions[nodes].tolist()
        for k in range(len(local_pairs)):
            lo, hi = int(routes.offsets[k]), int(routes.offsets[k + 1])
            paths[k].append(stored[lo:hi])
            path_km[k].append(xyz[lo:hi])
        if progress is not None:
            progress(1)
    return LatencySeries(pairs=list(pairs), time=timestamps(start_jd, np.asarray(t_s, dtype=float)), rtt_ms=rtt,
                         hops=hops, paths=paths, path_km=path_km, vacuum_rtt_ms=np.array(vacuum),
                         fibre_rtt_ms=np.array(fibre), laser_links=lasers, ground_links=grounds)


# ---------------------------------------------------------------------------------------------- from a scenario
def link_model(network: Network) -> LinkModel:
    """The scenario's laser links: its catalog terminal, terminal count and line-of-sight margin."""
    terminal = load_catalog().laser_terminals[network.laser_terminal]
    return LinkModel(max_range_km=terminal.max_range_km.value, rate_at_range_bps=terminal.rate_at_range_bps.value,
                     peak_rate_bps=terminal.peak_rate_bps.value,
                     terminals_per_satellite=network.terminals_per_satellite,
                     atmosphere_margin_km=network.atmosphere_margin_km)


def scenario_sites(network: Network) -> GroundSites:
    """The scenario's ground sites: its own list, or the shipped cities and stations."""
    return read_sites(network.sites_file) if network.sites_file else builtin_sites()
