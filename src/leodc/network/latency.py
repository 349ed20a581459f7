"""Latency between ground sites through the fleet, step by step: the network stage's core.

For each time step: the fleet's Earth-fixed positions (the engine's fast propagator, TEME to ITRS),
the laser links alive at that instant (the fleet's topology, see ``network.links``), the ground
links above each site's mask, then the shortest path by light time for every requested pair
(``network.routing``). Per pair and step: round-trip time, hops and the path; per pair over the
span: percentiles, extremes, how often the path changed, and the vacuum and fibre bounds.

The steps run in blocks of ``BLOCK_STEPS`` consecutive steps (:class:`LatencyBlock`, run by
:func:`run_block`), through the shared executor (``simulate.executors.run_tasks``: in this process, on
a local Dask cluster or on an existing one). Nothing is carried from one step to the next (positions
are computed per satellite and instant, the topology once for the whole span), so the blocks'
results, put back in step order, are the same bits whatever the block size and wherever they ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

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
from leodc.simulate.executors import run_tasks

PERCENTILES = (50, 90, 99)
# steps per block, the unit of work an executor runs: the default span (two hours at 60 s) makes 8
# blocks, enough to share among a few Dask workers, while a block's routing (16 graphs and searches)
# still outweighs what the block costs to ship (the fleet's elements and topology) and to propagate
# (one call for its steps). Only the time depends on it, never the results.
BLOCK_STEPS = 16


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
    block of steps at a time; memory stays under ``POSITION_BLOCK_POINTS`` positions. ``max_steps``
    caps a block for a caller that needs only that many steps. Each position depends only on its
    satellite and step, not on the block it was propagated in."""

    def __init__(self, elements: FleetElements, start_jd: float, step_s: float, max_steps: int | None = None):
        self.elements, self.start_jd, self.step_s = elements, start_jd, step_s
        self.block = int(min(MAX_BLOCK_STEPS, max(1, POSITION_BLOCK_POINTS // max(len(elements), 1))))
        if max_steps is not None:
            self.block = max(1, min(self.block, int(max_steps)))
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


@dataclass(frozen=True)
class LatencyBlock:
    """A block of consecutive steps of :func:`pair_latencies`, with everything its steps need (it
    travels to Dask workers)."""

    index: int  # the block's position among the span's blocks
    elements: FleetElements
    topology: Topology  # the whole span's (formation neighbours from the span's first step)
    sites: GroundSites  # the sites the pairs use, in the order ``pairs`` indexes them
    site_of: np.ndarray  # the caller's index of each of ``sites``
    pairs: tuple[tuple[int, int], ...]  # indices into ``sites``, source and destination
    start_jd: float  # UTC Julian date of the span's start
    t_s: np.ndarray  # the block's steps (s from ``start_jd``)
    step_s: float | None  # steps on a uniform grid of this step (s): positions by FleetPositions; None: each alone
    model: LinkModel
    min_elevation_deg: float
    ground_relays: bool


@dataclass(frozen=True)
class BlockSteps:
    """On a Dask cluster, what a block's task carries: its position and its steps; the rest of
    :class:`LatencyBlock`, alike for every block, goes to each worker once (``run_tasks(shared=...)``)."""

    index: int
    t_s: np.ndarray


def run_shared_block(steps: BlockSteps, progress: Callable[[int], None] | None = None, *,
                     shared: LatencyBlock) -> LatencyBlockResult:
    """:func:`run_block` for a block's steps and what every block shares (a block with its own steps)."""
    return run_block(replace(shared, index=steps.index, t_s=steps.t_s), progress)


@dataclass
class LatencyBlockResult:
    """A block's steps: per pair and step of the block, as :class:`LatencySeries` holds them."""

    index: int
    work: int  # steps done (the executor's unit of progress)
    rtt_ms: np.ndarray  # [n_pairs, n_block_steps]
    hops: np.ndarray  # [n_pairs, n_block_steps]
    paths: list[list[list[int]]]  # [pair][step]
    path_km: list[list[list[list[float]]]]  # [pair][step]
    laser_links: np.ndarray  # [n_block_steps]
    ground_links: np.ndarray  # [n_block_steps]


def _positions(task: LatencyBlock, clock: FleetPositions | None, t_s: float) -> np.ndarray:
    """The fleet's Earth-fixed positions (km) at ``t_s``: on the uniform grid's step, or alone."""
    if clock is not None:
        return clock.at(round(t_s / task.step_s))
    return itrs_positions(task.elements, task.start_jd, float(t_s))


def run_block(task: LatencyBlock, progress: Callable[[int], None] | None = None) -> LatencyBlockResult:
    """Round trips of every pair at each of the block's steps (the executor's task function).

    Parameters
    ----------
    task : LatencyBlock
        The block's steps and what they need.
    progress : callable, optional
        Called with 1 after each step.

    Returns
    -------
    LatencyBlockResult
    """
    n, m, n_pairs = len(task.elements), len(task.t_s), len(task.pairs)
    here, pairs, site_of = task.sites, list(task.pairs), task.site_of
    site_xyz = here.itrs_km()
    clock = FleetPositions(task.elements, task.start_jd, task.step_s, max_steps=m) if task.step_s else None
    rtt = np.full((n_pairs, m), np.inf)
    hops = np.zeros((n_pairs, m), dtype=np.int32)
    paths: list[list[list[int]]] = [[] for _ in pairs]
    path_km: list[list[list[list[float]]]] = [[] for _ in pairs]
    lasers = np.zeros(m, dtype=np.int64)
    grounds = np.zeros(m, dtype=np.int64)
    for j, t in enumerate(task.t_s):
        r = _positions(task, clock, t)
        edges, lengths = live_links(task.topology.edges_at(r, task.model), r, task.model)
        top_km = float(np.nanmax(np.linalg.norm(r, axis=1))) - EARTH_RADIUS_KM
        slant = max_slant_range_km(top_km, task.min_elevation_deg)
        s_idx, sat_idx, slant_km = ground_links(site_xyz, here.latitude_deg, here.longitude_deg, r,
                                                task.min_elevation_deg, slant)
        graph = build_graph(n, edges, lengths, s_idx, sat_idx, slant_km, len(here), task.ground_relays)
        lasers[j], grounds[j] = graph.laser_links, graph.ground_links
        positions = np.vstack([r, site_xyz])
        routes = route_bounded(graph, pairs, positions, EARTH_RADIUS_KM)
        rtt[:, j], hops[:, j] = 2.0 * routes.one_way_ms, routes.hops
        # sites are stored by their index in the caller's list, after the satellites
        nodes = routes.nodes
        stored = np.where(nodes < n, nodes, n + site_of[np.maximum(nodes - n, 0)]).tolist()
        xyz = positions[nodes].tolist()
        for k in range(n_pairs):
            lo, hi = int(routes.offsets[k]), int(routes.offsets[k + 1])
            paths[k].append(stored[lo:hi])
            path_km[k].append(xyz[lo:hi])
        if progress is not None:
            progress(1)
    return LatencyBlockResult(task.index, m, rtt, hops, paths, path_km, lasers, grounds)


def _run_reporting(task: LatencyBlock, progress: Callable[[int], None] | None = None, *,
                   report: Callable[[int], None]) -> LatencyBlockResult:
    """:func:`run_block` in this process, telling both the executor and the caller of each step."""

    def step_done(steps: int) -> None:
        if progress is not None:
            progress(steps)
        report(steps)

    return run_block(task, progress=step_done)


def pair_latencies(elements: FleetElements, shells: list[Shell] | None, sites: GroundSites,
                   pairs: list[tuple[str, str]], start_jd: float, t_s: np.ndarray, model: LinkModel,
                   min_elevation_deg: float, progress: Callable[[int], None] | None = None,
                   ground_relays: bool = True, *, workers: int | None = None, cluster: str | None = None,
                   on_result: Callable[[LatencyBlockResult], None] | None = None,
                   block_steps: int = BLOCK_STEPS) -> LatencySeries:
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
        Called with the number of steps done: with 1 after each step in this process, with a block's
        steps as each block comes back from Dask.
    ground_relays : bool
        Whether a path may come down to another site and go up again (``network.ground_relays``); False
        is Hypatia's rule, every site only sends and receives.
    workers, cluster : int or str, optional
        Run the blocks on a local Dask cluster of ``workers`` processes, or on the scheduler at
        ``cluster`` (``tcp://HOST:PORT``); neither: in this process.
    on_result : callable, optional
        Called with each block's :class:`LatencyBlockResult` as it arrives.
    block_steps : int
        Steps per block (``BLOCK_STEPS``); the results do not depend on it.

    Returns
    -------
    LatencySeries
    """
    index = [(sites.index(a), sites.index(b)) for a, b in pairs]
    used = sorted({i for p in index for i in p})
    local = {s: k for k, s in enumerate(used)}
    here = sites.take(np.array(used, dtype=np.int64))
    site_xyz = here.itrs_km()
    local_pairs = tuple((local[a], local[b]) for a, b in index)
    site_of = np.asarray(used, dtype=np.int64)  # the caller's index of each site used
    vacuum, fibre = zip(*(surface_bounds_ms(site_xyz[a], site_xyz[b]) for a, b in local_pairs), strict=True)
    n, m = len(elements), len(t_s)
    t_s = np.asarray(t_s, dtype=float)
    step_s = float(t_s[1] - t_s[0]) if t_s.size > 1 else 1.0
    uniform = t_s.size > 1 and np.allclose(np.diff(t_s), step_s) and np.isclose(t_s[0] % step_s, 0.0)
    rtt = np.full((len(pairs), m), np.inf)
    hops = np.zeros((len(pairs), m), dtype=np.int32)
    paths: list[list[list[int]]] = [[] for _ in pairs]
    path_km: list[list[list[list[float]]]] = [[] for _ in pairs]
    lasers = np.zeros(m, dtype=np.int64)
    grounds = np.zeros(m, dtype=np.int64)
    if m:
        # the topology once for the span (formation neighbours from its first step's positions)
        first = FleetPositions(elements, start_jd, step_s, max_steps=1) if uniform else None
        r0 = first.at(round(t_s[0] / step_s)) if first else itrs_positions(elements, start_jd, float(t_s[0]))
        topology = fleet_topology(shells, n, model, r0)
        block = max(1, int(block_steps))
        tasks = [LatencyBlock(i, elements, topology, here, site_of, local_pairs, start_jd, t_s[lo:lo + block],
                              step_s if uniform else None, model, min_elevation_deg, ground_relays)
                 for i, lo in enumerate(range(0, m, block))]
        dask = bool(workers or cluster)
        run = run_block if dask or progress is None else partial(_run_reporting, report=progress)
        shared = None
        if dask:  # the fleet and its topology go to each worker once, not with each block
            shared = replace(tasks[0], index=-1, t_s=np.zeros(0))
            run, tasks = run_shared_block, [BlockSteps(t.index, t.t_s) for t in tasks]

        def arrived(result: LatencyBlockResult) -> None:
            if dask and progress is not None:  # on Dask, steps are known done when their block returns
                progress(result.work)
            if on_result is not None:
                on_result(result)

        for result in run_tasks(run, tasks, workers=workers, cluster=cluster, total=m, label="network",
                                unit="steps", on_result=arrived, shared=shared):
            lo = result.index * block
            hi = lo + result.work
            rtt[:, lo:hi], hops[:, lo:hi] = result.rtt_ms, result.hops
            lasers[lo:hi], grounds[lo:hi] = result.laser_links, result.ground_links
            for k in range(len(pairs)):
                paths[k].extend(result.paths[k])
                path_km[k].extend(result.path_km[k])
    return LatencySeries(pairs=list(pairs), time=timestamps(start_jd, t_s), rtt_ms=rtt, hops=hops, paths=paths,
                         path_km=path_km, vacuum_rtt_ms=np.array(vacuum), fibre_rtt_ms=np.array(fibre),
                         laser_links=lasers, ground_links=grounds)


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
