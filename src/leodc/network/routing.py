"""Shortest paths by light time over the fleet and the ground, one time step at a time.

Each step builds a sparse graph (``scipy.sparse`` CSR; never an N x N matrix): nodes are the
satellites then the ground sites; edges are the laser links alive at that instant and the
ground-to-satellite links of every site to every satellite above its elevation mask; weights are
one-way light times in milliseconds. With ``ground_relays`` off, each site is two nodes: one that only
sends (its links up) and one that only receives (its links down), so that no path passes through a
third site (Hypatia's rule); paths still name each site by its one index.

The topology of a designed fleet (+Grid, formation neighbours) is fixed: only its link lengths and
the links the Earth blocks change from step to step. The ground links are found with a k-d tree over
the satellites (those within the longest slant range at the mask), so a step costs O(N log N) in the
fleet and not O(N x sites).

The search (:func:`route_bounded`, :func:`route_whole`) is compiled (numba) and runs over the step's
whole graph without copying any part of it: a source with many targets gets one Dijkstra search that
stops once all of them are settled; a source with few targets gets, per target, an A* search whose
bound is the light time of the shortest way between two points that keeps clear of the Earth, so
that it only visits the nodes that a path no longer than the answer can pass through. Both return
the same round trips as scipy's Dijkstra over the whole graph (:func:`route`, the reference).

Bounds reported beside each path: the vacuum bound, the great-circle distance along the Earth's
surface at the speed of light (no path outside the Earth is shorter), and the fibre bound, the same
distance at 2/3 of the speed of light.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from leodc.constants import FIBRE_SPEED_FRACTION, SPEED_OF_LIGHT_KM_PER_S
from leodc.network.ground import up_vectors
from leodc.network.links import great_circle_km

MS_PER_S = 1000.0
KM_PER_MS = SPEED_OF_LIGHT_KM_PER_S / MS_PER_S
# the satellites' k-d tree for the ground links: built unbalanced, with large leaves (a third of the
# time of scipy's defaults at 10^6 satellites, the same answers)
_TREE_LEAF_SIZE = 64
_FAR_KM = 1e12  # a satellite without a position, for the k-d tree: farther than any slant range


def light_ms(distance_km):
    """One-way light time (ms) over ``distance_km`` in vacuum."""
    return np.asarray(distance_km, dtype=float) / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S


@dataclass(frozen=True)
class StepGraph:
    """One step's graph: satellites ``0..n_sat-1``, then the sites (``n_sat + i``); with ``ground_relays``
    off, the sites' receiving nodes after them (``n_sat + n_sites + i``)."""

    n_sat: int
    n_sites: int
    matrix: object  # scipy.sparse CSR, one-way light time (ms) per edge, both directions
    ground_links: int
    laser_links: int
    ground_relays: bool = True  # False: a site's links up leave node n_sat + i, its links down reach another

    def source_node(self, site):
        """The node a path from ``site`` (an index, or an array of them) leaves."""
        return self.n_sat + np.asarray(site)

    def target_node(self, site):
        """The node a path to ``site`` (an index, or an array of them) reaches."""
        return self.n_sat + np.asarray(site) + (0 if self.ground_relays else self.n_sites)


def ground_links(sites_itrs_km: np.ndarray, site_lat_deg: np.ndarray, site_lon_deg: np.ndarray,
                 sat_itrs_km: np.ndarray, min_elevation_deg: float, max_slant_km: float,
                 tree=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (site, satellite) pair with the satellite above the site's mask: site indices, satellite
    indices and slant ranges (km)."""
    from scipy.spatial import cKDTree

    if tree is None:
        finite = np.isfinite(sat_itrs_km).all()
        tree = cKDTree(sat_itrs_km if finite else np.nan_to_num(sat_itrs_km, nan=_FAR_KM),
                       leafsize=_TREE_LEAF_SIZE, balanced_tree=False, compact_nodes=False)
    near = tree.query_ball_point(sites_itrs_km, max_slant_km)
    site_idx = np.repeat(np.arange(len(near), dtype=np.int64), [len(n) for n in near])
    sat_idx = np.concatenate([np.asarray(n, dtype=np.int64) for n in near]) if len(near) else np.zeros(0, np.int64)
    if sat_idx.size == 0:
        return site_idx, sat_idx, np.zeros(0)
    los = sat_itrs_km[sat_idx] - sites_itrs_km[site_idx]
    dist = np.linalg.norm(los, axis=1)
    up = up_vectors(site_lat_deg, site_lon_deg)[site_idx]
    sin_el = np.einsum("nk,nk->n", los, up) / np.maximum(dist, 1e-9)
    ok = sin_el >= np.sin(np.radians(min_elevation_deg))
    return site_idx[ok], sat_idx[ok], dist[ok]


def build_graph(n_sat: int, laser_edges: np.ndarray, laser_km: np.ndarray, site_idx: np.ndarray,
                sat_idx: np.ndarray, slant_km: np.ndarray, n_sites: int, ground_relays: bool = True) -> StepGraph:
    """The step's sparse graph from its live laser links and ground links. ``ground_relays`` False: each
    site's links down reach a node of its own (``n_sat + n_sites + i``) that has no links out, so that
    paths cannot come down to a site and go up again."""
    down = n_sat + site_idx + (0 if ground_relays else n_sites)
    rows = np.concatenate([laser_edges[:, 0], laser_edges[:, 1], n_sat + site_idx, sat_idx])
    cols = np.concatenate([laser_edges[:, 1], laser_edges[:, 0], sat_idx, down])
    weight = light_ms(np.concatenate([laser_km, laser_km, slant_km, slant_km]))
    n = n_sat + n_sites * (1 if ground_relays else 2)
    matrix = coo_matrix((weight, (rows, cols)), shape=(n, n)).tocsr()
    return StepGraph(n_sat, n_sites, matrix, int(site_idx.size), int(laser_edges.shape[0]), ground_relays)


@dataclass(frozen=True)
class PathResult:
    """One pair at one step."""

    one_way_ms: float  # inf when no path exists
    path: list[int]  # node indices, source site first (sites numbered after the satellites)
    hops: int  # links on the path, ground links included (0 without a path)


class Routes(Sequence):
    """The paths of many pairs at one step, as arrays: per pair the one-way time (ms; inf without a path)
    and the hops, and every path end to end in ``nodes`` (pair ``k``'s is ``nodes[offsets[k]:offsets[k +
    1]]``, source site first; sites numbered ``n_sat + i``). Indexing gives a :class:`PathResult`."""

    def __init__(self, one_way_ms: np.ndarray, hops: np.ndarray, nodes: np.ndarray, offsets: np.ndarray):
        self.one_way_ms, self.hops, self.nodes, self.offsets = one_way_ms, hops, nodes, offsets

    def __len__(self) -> int:
        return int(self.one_way_ms.size)

    def path(self, k: int) -> np.ndarray:
        return self.nodes[self.offsets[k]:self.offsets[k + 1]]

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = range(len(self))[k]
        return PathResult(float(self.one_way_ms[k]), self.path(k).tolist(), int(self.hops[k]))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None


def route(graph: StepGraph, pairs: list[tuple[int, int]]) -> list[PathResult]:
    """Shortest paths for ``(source site, destination site)`` pairs (site indices): scipy's Dijkstra over
    the whole graph from every source, the reference the other searches are checked against."""
    sources = sorted({a for a, _ in pairs})
    row_of = {s: i for i, s in enumerate(sources)}
    dist, pred = dijkstra(graph.matrix, directed=True, indices=graph.source_node(sources),
                          return_predecessors=True)
    out = []
    for a, b in pairs:
        i, start, target = row_of[a], int(graph.source_node(a)), int(graph.target_node(b))
        if a == b:
            out.append(PathResult(0.0, [start], 0))
            continue
        d = float(dist[i, target])
        if not np.isfinite(d):
            out.append(PathResult(float("inf"), [], 0))
            continue
        path = [target]
        while path[-1] != start:
            path.append(int(pred[i, path[-1]]))
        path.reverse()
        path[-1] = graph.n_sat + b
        out.append(PathResult(d, path, len(path) - 1))
    return out


def surface_bounds_ms(site_a_itrs_km: np.ndarray, site_b_itrs_km: np.ndarray) -> tuple[float, float]:
    """Round-trip bounds (ms) between two sites: the great-circle distance at the speed of light in
    vacuum, and in fibre."""
    gc = float(great_circle_km(site_a_itrs_km, site_b_itrs_km))
    vacuum = 2.0 * gc / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S
    return vacuum, vacuum / FIBRE_SPEED_FRACTION


# ---------------------------------------------------------------------------------------------- the search
# a source with more distinct targets than this: one Dijkstra search until all are settled, not an A*
# search per target (only the time depends on it; benchmarks/routing_rate.py times both)
ASTAR_MAX_TARGETS = 8
# the search's queue: buckets of this share of the median edge weight, at most this many buckets (a
# ring); entries in one bucket are taken last in, first out and a node is searched again if its time
# improves, so the width sets only the time, never the answer
_BUCKET_SHARE = 0.25
_MAX_BUCKETS = 1 << 16
_WIDTH_SAMPLE = 10_000  # edges sampled for the median weight
_FIRST_ENTRIES = 1 << 12  # the first size of the paths' array, and the least of the queue's (each doubles when full)
_CLEAR_SHARE = 0.999  # the ball no link enters is kept under this share of the lowest node's radius
_CONSISTENCY_MS = 1e-9  # a reduced edge cost below minus this: the weights are not light times over the positions
_GEO = 8  # per node: unit vector (3), radius, tangent length, tangent angle, has a position, padding


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``arange(s, s + n)`` for each start and length, without a Python loop."""
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if ends.size else 0) + np.repeat(starts - (ends - lengths), lengths)


@numba.njit(cache=True)
def _lowest_radius_km(positions_km):
    low = np.inf
    for i in range(positions_km.shape[0]):
        r = np.sqrt(positions_km[i, 0] ** 2 + positions_km[i, 1] ** 2 + positions_km[i, 2] ** 2)
        if np.isfinite(r) and 0.0 < r < low:
            low = r
    return low


@numba.njit(cache=True)
def _geometry(positions_km, rho_km):
    """Per node what the bound needs (see ``_GEO``); a node without a finite position gets none (its
    bound to anything is 0)."""
    geo = np.zeros((positions_km.shape[0], _GEO))
    for i in range(positions_km.shape[0]):
        r = np.sqrt(positions_km[i, 0] ** 2 + positions_km[i, 1] ** 2 + positions_km[i, 2] ** 2)
        if not (np.isfinite(r) and r > 0.0):
            continue
        for k in range(3):
            geo[i, k] = positions_km[i, k] / r
        geo[i, 3] = r
        geo[i, 4] = np.sqrt(max(r * r - rho_km * rho_km, 0.0))
        geo[i, 5] = np.arccos(min(rho_km / r, 1.0)) if rho_km > 0.0 else 0.0
        geo[i, 6] = 1.0
    return geo


@numba.njit(cache=True, inline="always")
def _bound_ms(geo, rho_km, p, q):
    """A lower bound of the light time (ms) of any path from node ``p`` to node ``q`` whose segments keep
    out of the ball of radius ``rho_km``: the chord while it clears the ball, else the two tangent
    segments and the arc between them (stable for nearby points: from the unit vectors' difference)."""
    if geo[p, 6] == 0.0 or geo[q, 6] == 0.0:
        return 0.0
    d0, d1, d2 = geo[p, 0] - geo[q, 0], geo[p, 1] - geo[q, 1], geo[p, 2] - geo[q, 2]
    s2 = d0 * d0 + d1 * d1 + d2 * d2
    angle = 2.0 * np.arcsin(min(0.5 * np.sqrt(s2), 1.0))
    reach = geo[p, 5] + geo[q, 5]
    if rho_km > 0.0 and angle > reach:
        return (geo[p, 4] + geo[q, 4] + rho_km * (angle - reach)) / KM_PER_MS
    dr = geo[p, 3] - geo[q, 3]
    return np.sqrt(dr * dr + geo[p, 3] * geo[q, 3] * s2) / KM_PER_MS


_FOUND, _BOUND_FAILED, _QUEUE_FULL = 0, 1, 2  # how one search ended


@numba.njit(cache=True)
def _one_search(indptr, indices, data, geo, rho_km, width_ms, s, targets, use_bound, gh, pred, touched, is_target,
                head, node, time, nxt):
    """One search from node ``s`` to ``targets`` (marked in ``is_target``): A* towards ``targets[0]``, its
    only one, with ``use_bound``, else Dijkstra's until all are settled.

    One label-correcting search: an entry's key is its time from ``s`` plus the bound to the target (0
    for Dijkstra's), queued in a ring of buckets ``width_ms`` wide (``head``; entries in ``node``,
    ``time``, ``nxt``), last in first out within a bucket; a node whose time improves is queued again;
    the search stops at the first bucket whose keys cannot improve a target. Times and bounds are kept
    in ``gh`` (inf and -1 where untouched), the nodes given one in ``touched``. Returns how it ended and
    the number of nodes touched (the caller resets them and ``head``)."""
    ring = head.size - 1
    per_ms = 1.0 / width_ms
    t = targets[0] if use_bound else -1
    gh[s, 0] = 0.0
    gh[s, 1] = _bound_ms(geo, rho_km, s, t) if use_bound else 0.0
    touched[0] = s
    n_touched = 1
    first_ms = gh[s, 1]
    node[0], time[0], nxt[0] = s, 0.0, -1
    head[0] = 0
    used, live, remaining = 1, 1, targets.size
    stop_ms = np.inf  # no key at or above this can improve a target
    cur = 0
    while live > 0:
        floor_ms = first_ms + cur * width_ms
        if floor_ms >= stop_ms:
            break
        slot = cur & ring
        while head[slot] >= 0:
            e = head[slot]
            head[slot] = nxt[e]
            live -= 1
            x = node[e]
            gx = gh[x, 0]
            if gx < time[e]:  # queued again since, with a better time
                continue
            hx = gh[x, 1]
            if used + indptr[x + 1] - indptr[x] > node.size:
                return _QUEUE_FULL, n_touched
            for i in range(indptr[x], indptr[x + 1]):
                y = indices[i]
                w = data[i]
                hy = gh[y, 1]
                if hy < 0.0:
                    hy = _bound_ms(geo, rho_km, y, t) if use_bound else 0.0
                    gh[y, 1] = hy
                    touched[n_touched] = y
                    n_touched += 1
                if w + hy - hx < -_CONSISTENCY_MS:
                    return _BOUND_FAILED, n_touched
                gy = gx + w
                if gy >= gh[y, 0] or gy + hy >= stop_ms:
                    continue
                if is_target[y] and gh[y, 0] == np.inf:
                    remaining -= 1
                gh[y, 0] = gy
                pred[y] = x
                if use_bound and y == t:  # the one target: not searched from
                    stop_ms = gy
                    continue
                b = (cur + int(min(max((gy + hy - floor_ms) * per_ms, 0.0), ring))) & ring
                node[used], time[used], nxt[used] = y, gy, head[b]
                head[b] = used
                used += 1
                live += 1
        cur += 1
        if remaining == 0 and not use_bound:  # all found: none can improve past the farthest
            stop_ms = 0.0
            for j in range(targets.size):
                stop_ms = max(stop_ms, gh[targets[j], 0])
    return _FOUND, n_touched


@numba.njit(cache=True)
def _forget(gh, touched, n_touched):
    for i in range(n_touched):
        gh[touched[i], 0] = np.inf
        gh[touched[i], 1] = -1.0


@numba.njit(cache=True)
def _search(indptr, indices, data, geo, rho_km, width_ms, task_source, task_lo, task_hi, task_astar, targets, gh,
            pred, touched, is_target, head):
    """Shortest paths for tasks: task ``k`` searches from node ``task_source[k]`` to the nodes
    ``targets[task_lo[k]:task_hi[k]]`` (distinct, none the source), by A* towards its one target where
    ``task_astar[k]``, else by Dijkstra's until all its targets are settled (``_one_search``); an A* search
    that meets an edge shorter than its bound is run again as Dijkstra's. The state arrays (``gh``: inf
    and -1, ``pred``, ``touched``, ``is_target``: False, ``head``: -1) are left as they came. Returns per
    target its time (inf: none), and the start and length of its path (source first) in the returned
    flat array of nodes."""
    n_out = targets.size
    one_way = np.full(n_out, np.inf)
    start = np.zeros(n_out, np.int64)
    length = np.zeros(n_out, np.int64)
    flat = np.empty(_FIRST_ENTRIES, np.int32)
    n_flat = 0
    cap = max(_FIRST_ENTRIES, gh.shape[0])
    node, time, nxt = np.empty(cap, np.int32), np.empty(cap), np.empty(cap, np.int64)
    for k in range(task_source.size):
        s, lo, hi = task_source[k], task_lo[k], task_hi[k]
        use_bound = task_astar[k]
        for j in range(lo, hi):
            is_target[targets[j]] = True
        while True:
            ended, n_touched = _one_search(indptr, indices, data, geo, rho_km, width_ms, s, targets[lo:hi], use_bound,
                                           gh, pred, touched, is_target, head, node, time, nxt)
            head[:] = -1
            if ended == _FOUND:
                break
            _forget(gh, touched, n_touched)
            if ended == _BOUND_FAILED:
                use_bound = False
            else:
                cap *= 2
                node, time, nxt = np.empty(cap, np.int32), np.empty(cap), np.empty(cap, np.int64)
        for j in range(lo, hi):
            t = targets[j]
            is_target[t] = False
            if gh[t, 0] == np.inf:
                continue
            one_way[j] = gh[t, 0]
            count = 1
            y = t
            while y != s:
                y = pred[y]
                count += 1
            if n_flat + count > flat.size:
                flat2 = np.empty(max(2 * flat.size, n_flat + count), np.int32)
                flat2[:n_flat] = flat[:n_flat]
                flat = flat2
            y = t
            for i in range(n_flat + count - 1, n_flat - 1, -1):
                flat[i] = y
                y = pred[y]
            start[j], length[j] = n_flat, count
            n_flat += count
        _forget(gh, touched, n_touched)
    return one_way, start, length, flat[:n_flat]


def _queue_width(data: np.ndarray) -> tuple[float, int]:
    """The buckets' width (ms) and count (a power of two): keys in the queue span at most twice the
    longest edge, which the ring must hold."""
    positive = data[data > 0.0] if data.size else data
    if positive.size == 0:  # no edge has a length: any width will do
        return 1.0, 2
    sample = positive[:: max(1, positive.size // _WIDTH_SAMPLE)]
    longest = float(positive.max())
    width = max(_BUCKET_SHARE * float(np.median(sample)), 2.0 * longest / (_MAX_BUCKETS - 2))
    return width, 1 << int(np.ceil(np.log2(2.0 * longest / width + 2.0)))


def _route(graph: StepGraph, pairs, positions_km: np.ndarray | None, clear_radius_km: float) -> Routes:
    """The pairs' paths by ``_search``: A* for sources with few targets where ``positions_km`` is given,
    else Dijkstra's per source."""
    m = graph.matrix
    n = m.shape[0]
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if p.size and (p.min() < 0 or p.max() >= graph.n_sites):
        raise ValueError(f"pairs: site indices must be 0 to {graph.n_sites - 1}")
    if m.data.size and m.data.min() < 0.0:
        raise ValueError("graph: edge weights must be light times, none negative")
    src, dst = graph.source_node(p[:, 0]), graph.target_node(p[:, 1])
    same = p[:, 0] == p[:, 1]
    key, inverse = np.unique(src[~same] * n + dst[~same], return_inverse=True)
    u_src, u_dst = key // n, key % n
    # tasks: a Dijkstra search per source with many targets, an A* search per target of the others
    first = np.flatnonzero(np.r_[True, u_src[1:] != u_src[:-1]]) if key.size else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[first, key.size])
    astar = np.repeat((sizes <= ASTAR_MAX_TARGETS) & (positions_km is not None), sizes)
    lead = np.zeros(key.size, bool)
    lead[first] = True
    task_lo = np.flatnonzero(astar | lead)
    task_hi = np.r_[task_lo[1:], key.size].astype(np.int64)
    geo, rho_km = np.zeros((1, _GEO)), 0.0
    if positions_km is not None and astar.any():
        if not graph.ground_relays:  # the receiving nodes sit where their sites are
            positions_km = np.vstack([positions_km, positions_km[graph.n_sat:]])
        low_km = _lowest_radius_km(positions_km)
        rho_km = min(float(clear_radius_km), _CLEAR_SHARE * low_km) if clear_radius_km > 0.0 else 0.0
        geo = _geometry(positions_km, rho_km)
    width_ms, n_buckets = _queue_width(m.data)
    indptr, indices = m.indptr.astype(np.int64, copy=False), m.indices.astype(np.int32, copy=False)
    data = m.data.astype(float, copy=False)
    gh = np.empty((n, 2))
    gh[:, 0], gh[:, 1] = np.inf, -1.0  # time from the source, bound to the target: none yet
    one_way, begin, count, flat = _search(indptr, indices, data, geo, rho_km, width_ms, u_src[task_lo], task_lo,
                                          task_hi, astar[task_lo], u_dst.astype(np.int64), gh, np.empty(n, np.int32),
                                          np.empty(n, np.int32), np.zeros(n, np.bool_),
                                          np.full(n_buckets, -1, np.int64))
    # per pair in the caller's order; a pair from a site to itself: that site alone
    pool_nodes = np.concatenate([flat, src[same].astype(np.int32)])
    pair_begin = np.empty(len(p), np.int64)
    pair_count = np.empty(len(p), np.int64)
    pair_ms = np.empty(len(p))
    pair_begin[~same], pair_count[~same], pair_ms[~same] = begin[inverse], count[inverse], one_way[inverse]
    pair_begin[same], pair_count[same], pair_ms[same] = flat.size + np.arange(int(same.sum())), 1, 0.0
    nodes = pool_nodes[_ranges(pair_begin, pair_count)].astype(np.int64)
    if not graph.ground_relays:
        nodes[nodes >= graph.n_sat + graph.n_sites] -= graph.n_sites
    offsets = np.zeros(len(p) + 1, np.int64)
    np.cumsum(pair_count, out=offsets[1:])
    return Routes(pair_ms, np.maximum(pair_count - 1, 0), nodes, offsets)


def route_whole(graph: StepGraph, pairs: list[tuple[int, int]]) -> Routes:
    """:func:`route`'s round trips and paths by a compiled Dijkstra search from every source, each stopped
    once all its targets are settled, and the paths walked back in the same compiled loop.

    Parameters
    ----------
    graph : StepGraph
        The step's graph (:func:`build_graph`); weights non-negative.
    pairs : list of (int, int)
        Site indices, source and destination.

    Returns
    -------
    Routes
        Per pair the one-way time, hops and path (any of equal-length paths).
    """
    return _route(graph, pairs, None, 0.0)


def route_bounded(graph: StepGraph, pairs: list[tuple[int, int]], positions_km: np.ndarray,
                  clear_radius_km: float = 0.0) -> Routes:
    """Shortest paths for ``(source site, destination site)`` pairs, as :func:`route` finds them, by
    searches that visit only the nodes a shortest path can pass through.

    Every edge's weight is the light time over the straight segment between its ends, so no path from
    x to the target t is shorter than the bound of x and t: the chord, or with ``clear_radius_km`` > 0
    the shortest way around a ball of that radius (every link must clear it; leodc's laser links clear
    the Earth plus a margin, and ground links rise above a non-negative elevation mask), much tighter than
    the chord for distant pairs. A source with at most ``ASTAR_MAX_TARGETS`` targets gets an A* search
    per target on that bound: it visits only nodes x with time(a, x) + bound(x, t) below the answer, an
    ellipsoid about the great circle; an edge found shorter than its bound (weights that are not light
    times over these positions) sends that pair to Dijkstra's search. A source with more targets gets
    one Dijkstra search that stops once all are settled. The search runs over the whole graph in place
    (compiled, no subgraph is built), one thread.

    Parameters
    ----------
    graph : StepGraph
        The step's graph (:func:`build_graph`).
    pairs : list of (int, int)
        Site indices, source and destination.
    positions_km : ndarray
        ``[n_sat + n_sites, 3]`` Earth-fixed positions of the graph's nodes (km): the satellites', then
        the sites', the same the links were measured from. Nodes without a finite position have no
        links.
    clear_radius_km : float
        A radius about the Earth's centre that no link's segment enters (0: none assumed).

    Returns
    -------
    Routes
        The same one-way times and paths as :func:`route` (any of equal-length paths).
    """
    n = graph.n_sat + graph.n_sites
    positions = np.asarray(positions_km, dtype=float)
    if positions.shape != (n, 3):
        raise ValueError(f"positions_km: expected shape ({n}, 3), one row per node; got {positions.shape}")
    if not np.isfinite(positions).all(axis=1).any():
        return route_whole(graph, pairs)
    return _route(graph, pairs, positions, clear_radius_km)
