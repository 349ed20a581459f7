"""Shortest paths by light time over the fleet and the ground, one time step at a time.

Each step builds a sparse graph (``scipy.sparse`` CSR; never an N x N matrix): nodes are the
satellites then the ground sites; edges are the laser links alive at that instant and the
ground-to-satellite links of every site to every satellite above its elevation mask; weights are
one-way light times in milliseconds. Paths come from Dijkstra's search (``scipy.sparse.csgraph``)
from the sources of the requested pairs, with predecessors for the path itself.

The topology of a designed fleet (+Grid, formation neighbours) is fixed: only its link lengths and
the links the Earth blocks change from step to step. The ground links are found with a k-d tree over
the satellites (those within the longest slant range at the mask), so a step costs O(N log N) in the
fleet and not O(N x sites).

At a large fleet, :func:`route_bounded` gives the same paths without a whole-graph search per source:
per pair, a first path through a corridor along the great circle bounds the answer's length L, and an A*
search (Dijkstra's, on edge costs reduced by a light-time bound to the destination, with ``limit=L``)
runs over the nodes of the ellipsoid that every path no longer than L lies in, nodes kept in spatial
cells so that a region's subgraph is a set of contiguous blocks. Below ``BOUNDED_MIN_NODES`` nodes it
searches the whole graph, which is faster there.

Bounds reported beside each path: the vacuum bound, the great-circle distance along the Earth's
surface at the speed of light (no path outside the Earth is shorter), and the fibre bound, the same
distance at 2/3 of the speed of light.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra

from leodc.constants import FIBRE_SPEED_FRACTION, SPEED_OF_LIGHT_KM_PER_S
from leodc.network.ground import up_vectors
from leodc.network.links import great_circle_km

MS_PER_S = 1000.0


def light_ms(distance_km):
    """One-way light time (ms) over ``distance_km`` in vacuum."""
    return np.asarray(distance_km, dtype=float) / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S


@dataclass(frozen=True)
class StepGraph:
    """One step's graph: satellites ``0..n_sat-1``, then the sites."""

    n_sat: int
    n_sites: int
    matrix: object  # scipy.sparse CSR, one-way light time (ms) per edge, both directions
    ground_links: int
    laser_links: int


def ground_links(sites_itrs_km: np.ndarray, site_lat_deg: np.ndarray, site_lon_deg: np.ndarray,
                 sat_itrs_km: np.ndarray, min_elevation_deg: float, max_slant_km: float,
                 tree=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (site, satellite) pair with the satellite above the site's mask: site indices, satellite
    indices and slant ranges (km)."""
    from scipy.spatial import cKDTree

    tree = tree or cKDTree(np.nan_to_num(sat_itrs_km, nan=1e12))
    near = tree.query_ball_point(sites_itrs_km, max_slant_km)
    site_idx = np.concatenate([np.full(len(n), i) for i, n in enumerate(near)]).astype(np.int64)
    sat_idx = np.concatenate([np.asarray(n, dtype=np.int64) for n in near]) if len(near) else np.zeros(0, np.int64)
    if sat_idx.size == 0:
        return site_idx, sat_idx, np.zeros(0)
    los = sat_itrs_km[sat_idx] - sites_itrs_km[site_idx]
    dist = np.linalg.norm(los, axis=1)
    up = up_vectors(site_lat_deg[site_idx], site_lon_deg[site_idx])
    sin_el = np.einsum("nk,nk->n", los, up) / np.maximum(dist, 1e-9)
    ok = sin_el >= np.sin(np.radians(min_elevation_deg))
    return site_idx[ok], sat_idx[ok], dist[ok]


def build_graph(n_sat: int, laser_edges: np.ndarray, laser_km: np.ndarray, site_idx: np.ndarray,
                sat_idx: np.ndarray, slant_km: np.ndarray, n_sites: int) -> StepGraph:
    """The step's sparse graph from its live laser links and ground links."""
    rows = np.concatenate([laser_edges[:, 0], laser_edges[:, 1], n_sat + site_idx, sat_idx])
    cols = np.concatenate([laser_edges[:, 1], laser_edges[:, 0], sat_idx, n_sat + site_idx])
    weight = light_ms(np.concatenate([laser_km, laser_km, slant_km, slant_km]))
    n = n_sat + n_sites
    matrix = coo_matrix((weight, (rows, cols)), shape=(n, n)).tocsr()
    return StepGraph(n_sat, n_sites, matrix, int(site_idx.size), int(laser_edges.shape[0]))


@dataclass(frozen=True)
class PathResult:
    """One pair at one step."""

    one_way_ms: float  # inf when no path exists
    path: list[int]  # node indices, source site first (sites numbered after the satellites)
    hops: int  # links on the path, ground links included (0 without a path)


def route(graph: StepGraph, pairs: list[tuple[int, int]]) -> list[PathResult]:
    """Shortest paths for ``(source site, destination site)`` pairs (site indices)."""
    sources = sorted({a for a, _ in pairs})
    row_of = {s: i for i, s in enumerate(sources)}
    dist, pred = dijkstra(graph.matrix, directed=True, indices=[graph.n_sat + s for s in sources],
                          return_predecessors=True)
    out = []
    for a, b in pairs:
        i, target = row_of[a], graph.n_sat + b
        d = float(dist[i, target])
        if not np.isfinite(d):
            out.append(PathResult(float("inf"), [], 0))
            continue
        path = [target]
        while path[-1] != graph.n_sat + a:
            path.append(int(pred[i, path[-1]]))
        path.reverse()
        out.append(PathResult(d, path, len(path) - 1))
    return out


def surface_bounds_ms(site_a_itrs_km: np.ndarray, site_b_itrs_km: np.ndarray) -> tuple[float, float]:
    """Round-trip bounds (ms) between two sites: the great-circle distance at the speed of light in
    vacuum, and in fibre."""
    gc = float(great_circle_km(site_a_itrs_km, site_b_itrs_km))
    vacuum = 2.0 * gc / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S
    return vacuum, vacuum / FIBRE_SPEED_FRACTION


# ---------------------------------------------------------------------------------------------- bounded search
KM_PER_MS = SPEED_OF_LIGHT_KM_PER_S / MS_PER_S
# below this many nodes the whole-graph search is the faster one (benchmarks/routing_rate.py)
BOUNDED_MIN_NODES = 15_000
_NODES_PER_CELL = 64  # spatial cells: about this many nodes each
_BAND_KM = 20.0  # cells are also split by radius, in bands this deep
_CORRIDOR_LINKS = 5.0  # the first search's corridor: this many typical link lengths either side
_MIN_CORRIDOR_KM = 100.0
_FIRST_GUESS = 1.25  # without a corridor path: the first bound, times the lower bound
_GROWTH = 1.2  # and its growth after each search that finds no path within it
_WHOLE_GRAPH_SHARE = 0.75  # a region holding more of the graph than this: search the whole graph, limited
_REL_TOL = 1e-6  # regions and limits are widened by this much (and _ABS_TOL_KM): never narrowed
_ABS_TOL_KM = 1e-3
_CONSISTENCY_MS = 1e-9  # a reduced edge cost below minus this: the graph's weights are not light times


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``arange(s, s + n)`` for each start and length, without a Python loop."""
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if ends.size else 0) + np.repeat(starts - (ends - lengths), lengths)


def _around_km(rho: float, chord_km, angle, tan_p, beta_p, tan_q, beta_q):
    """Shortest distance between two points outside the ball of radius ``rho`` about the Earth's centre:
    the chord while it clears the ball, else the two tangent segments and the arc between them.
    ``angle`` is the angle between the points at the centre, ``tan`` their tangent lengths and
    ``beta`` the angles from each point to its tangent point."""
    if rho <= 0.0:
        return chord_km
    reach = beta_p + beta_q
    return np.where(angle <= reach, chord_km, tan_p + tan_q + rho * (angle - reach))


class _Cells:
    """One step's nodes sorted into spatial cells (direction on a voxel grid, and radius band), the
    graph renumbered in that order (each cell's nodes and rows contiguous), and per node and cell the
    geometry of the Earth-aware distance bound. Node ids here are the renumbered ones."""

    def __init__(self, graph: StepGraph, positions_km: np.ndarray, clear_radius_km: float):
        pos = np.asarray(positions_km, dtype=float)
        n = pos.shape[0]
        radius = np.linalg.norm(pos, axis=1)
        ok = np.isfinite(radius) & (radius > 0.0)
        idx = np.flatnonzero(ok)
        r, u = radius[idx], pos[idx] / radius[idx, None]
        # the obstacle no link passes through; kept just under the lowest node so the tangents exist
        rho = min(float(clear_radius_km), 0.999 * float(r.min())) if idx.size and clear_radius_km > 0 else 0.0
        self.rho = rho
        vox = max(4, int(np.sqrt(idx.size / (_NODES_PER_CELL * np.pi))))
        v = np.minimum(((u + 1.0) * (0.5 * vox)).astype(np.int64), vox - 1)
        band = ((r - r.min()) // _BAND_KM).astype(np.int64) if idx.size else np.zeros(0, np.int64)
        key = (v[:, 0] * vox + v[:, 1]) * vox + v[:, 2] + band * vox**3
        o = np.argsort(key, kind="stable")
        key = key[o]
        self.order = np.concatenate([idx[o], np.flatnonzero(~ok)])  # renumbered id -> graph id
        self.inv = np.empty(n, dtype=np.int64)
        self.inv[self.order] = np.arange(n)
        self.start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, np.int64)
        self.stop = np.r_[self.start[1:], key.size].astype(np.int64)
        n_cells = self.start.size
        self.cell_of = np.full(n, n_cells, dtype=np.int32)  # nodes without a position: no cell
        self.cell_of[:key.size] = np.repeat(np.arange(n_cells, dtype=np.int32), self.stop - self.start)
        self.r = np.full(n, np.nan)
        self.r[:key.size] = r[o]
        self.u = np.zeros((n, 3))
        self.u[:key.size] = u[o]
        self.tan = np.sqrt(np.maximum(self.r**2 - rho**2, 0.0))
        self.beta = np.arccos(np.minimum(rho / self.r, 1.0)) if rho > 0 else np.zeros(n)
        # per cell: mean direction, the widest angle of a member from it, and the members' radii
        us = self.u[:key.size]
        centre = np.add.reduceat(us, self.start, axis=0) if n_cells else np.zeros((0, 3))
        centre /= np.maximum(np.linalg.norm(centre, axis=1, keepdims=True), 1e-300)
        dots = np.einsum("ij,ij->i", us, centre[self.cell_of[:key.size]])
        self.centre = centre
        self.spread = np.arccos(np.clip(np.minimum.reduceat(dots, self.start), -1.0, 1.0)) + 1e-9 if n_cells \
            else np.zeros(0)
        self.r_lo = np.minimum.reduceat(self.r[:key.size], self.start) if n_cells else np.zeros(0)
        self.r_hi = np.maximum.reduceat(self.r[:key.size], self.start) if n_cells else np.zeros(0)
        self.tan_lo = np.sqrt(np.maximum(self.r_lo**2 - rho**2, 0.0))
        self.beta_lo = np.arccos(np.minimum(rho / self.r_lo, 1.0)) if rho > 0 else np.zeros(n_cells)
        # the graph renumbered: rows in cell order, columns renumbered, each edge's column cell
        m = graph.matrix
        degree = np.diff(m.indptr)[self.order]
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(degree, out=self.indptr[1:])
        edges = _ranges(m.indptr[self.order].astype(np.int64), degree)
        self.indices = self.inv[m.indices[edges]].astype(np.int32)
        self.data = m.data[edges]
        self.edge_cell = self.cell_of[self.indices]
        sample = m.data[:: max(1, m.data.size // 10_000)]
        self.link_km = float(np.median(sample)) * KM_PER_MS if sample.size else 0.0
        self.r_min = float(r.min())

    def node_km(self, p: int, nodes: np.ndarray) -> np.ndarray:
        """Earth-aware distance bound (km) from node ``p`` to each of ``nodes`` (numerically stable for
        nearby points: from the difference of the unit vectors, not their dot product)."""
        d = self.u[nodes] - self.u[p]
        s2 = np.einsum("ij,ij->i", d, d)
        r, rp = self.r[nodes], self.r[p]
        chord = np.sqrt((rp - r) ** 2 + rp * r * s2)
        angle = 2.0 * np.arcsin(np.minimum(0.5 * np.sqrt(s2), 1.0))
        return _around_km(self.rho, chord, angle, self.tan[p], self.beta[p], self.tan[nodes], self.beta[nodes])

    def _cell_km(self, p: int) -> np.ndarray:
        """A lower bound (km) of the distance bound from node ``p`` to any member of each cell."""
        angle = np.maximum(np.arccos(np.clip(self.centre @ self.u[p], -1.0, 1.0)) - self.spread, 0.0)
        rp = self.r[p]
        chord = np.sqrt(np.maximum(rp * rp + self.r_lo**2 - 2.0 * rp * self.r_lo * np.cos(angle), 0.0))
        # the bound grows with the angle; a member above r_lo is at most r - r_lo nearer
        return (_around_km(self.rho, chord, angle, self.tan[p], self.beta[p], self.tan_lo, self.beta_lo)
                - (self.r_hi - self.r_lo))

    def ellipsoid(self, a: int, b: int, length_km: float) -> np.ndarray:
        """Cells that may hold a node x with bound(a, x) + bound(x, b) <= ``length_km``: every node of
        every path from a to b no longer than that."""
        return self._cell_km(a) + self._cell_km(b) <= length_km * (1.0 + _REL_TOL) + _ABS_TOL_KM

    def corridor(self, a: int, b: int, half_width_km: float) -> np.ndarray | None:
        """Cells within ``half_width_km`` of the great-circle arc from a to b (None when a and b are in
        one direction from the centre or opposite)."""
        ua, ub = self.u[a], self.u[b]
        pole = np.cross(ua, ub)
        sin_ab = float(np.linalg.norm(pole))
        if sin_ab < 1e-6:
            return None
        pole /= sin_ab
        width = half_width_km / max(self.rho, self.r_min)
        off = np.arcsin(np.minimum(np.abs(self.centre @ pole), 1.0)) - self.spread
        along = np.arccos(np.clip(self.centre @ ua, -1, 1)) + np.arccos(np.clip(self.centre @ ub, -1, 1))
        return (off <= width) & (along - 2.0 * self.spread <= np.arctan2(sin_ab, ua @ ub) + 2.0 * width)

    def subgraph(self, cells: np.ndarray, target: int | None = None):
        """The graph on the nodes of ``cells`` (a mask), each edge leaving them sent to one extra node
        with no edges out. With ``target``: edge costs reduced by the distance bound to it (A*'s
        potential, as Dijkstra's costs), or None when an edge is shorter than its bound (weights
        that are not light times over the given positions). Returns the matrix, the nodes, the
        renumbering shift per cell and the potentials (ms)."""
        chosen = np.flatnonzero(cells)
        lo, hi = self.start[chosen], self.stop[chosen]
        sizes = hi - lo
        k = int(sizes.sum())
        nodes = _ranges(lo, sizes)
        shift = np.full(self.start.size + 1, -(1 << 40), dtype=np.int64)
        shift[chosen] = np.cumsum(sizes) - sizes - lo
        edges = _ranges(self.indptr[lo], self.indptr[hi] - self.indptr[lo])
        col = self.indices[edges] + shift[self.edge_cell[edges]]
        col[col < 0] = k
        weight = self.data[edges]
        indptr = np.empty(k + 2, dtype=np.int64)
        indptr[0] = 0
        np.cumsum(self.indptr[nodes + 1] - self.indptr[nodes], out=indptr[1:k + 1])
        indptr[k + 1] = indptr[k]
        potential = None
        if target is not None:
            potential = np.empty(k + 1)
            potential[:k] = self.node_km(target, nodes) / KM_PER_MS
            potential[k] = 1e30  # the extra node: never within a limit
            weight = weight + potential[col] - np.repeat(potential[:k], np.diff(indptr[:k + 1]))
            if weight.size and weight.min() < -_CONSISTENCY_MS:
                return None, nodes, shift, None
            np.maximum(weight, np.finfo(float).tiny, out=weight)  # rounding only; an explicit zero stays an edge
        matrix = csr_matrix((weight, col.astype(np.int32), indptr), shape=(k + 1, k + 1))
        return matrix, nodes, shift, potential


def _walk(pred: np.ndarray, source: int, target: int) -> list[int]:
    path = [target]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return path


def _path_result(matrix, path: list[int]) -> PathResult:
    """The path's one-way time summed from the source, link by link, as Dijkstra's search sums it."""
    p = np.asarray(path)
    weights = np.asarray(matrix[p[:-1], p[1:]]).ravel()
    return PathResult(float(np.cumsum(weights)[-1]), [int(x) for x in path], len(path) - 1)


def _no_path() -> PathResult:
    return PathResult(float("inf"), [], 0)


def route_whole(graph: StepGraph, pairs: list[tuple[int, int]]) -> list[PathResult]:
    """:func:`route`'s search (Dijkstra from every source over the whole graph) and results, with the
    paths walked back for all pairs at once: one vectorised step per hop, not per node."""
    if not pairs:
        return []
    sources = sorted({a for a, _ in pairs})
    row_of = {s: i for i, s in enumerate(sources)}
    dist, pred = dijkstra(graph.matrix, directed=True, indices=[graph.n_sat + s for s in sources],
                          return_predecessors=True)
    rows = np.array([row_of[a] for a, _ in pairs])
    start = graph.n_sat + np.array([a for a, _ in pairs])
    cur = graph.n_sat + np.array([b for _, b in pairs])
    one_way = dist[rows, cur]
    walking = np.isfinite(one_way) & (cur != start)
    steps = [cur]
    while walking.any():
        cur = np.where(walking, pred[rows, cur], cur)
        steps.append(cur)
        walking &= cur != start
    trail = np.stack(steps, axis=1)  # per pair: target back to source, then the source repeated
    reached = np.isfinite(one_way)
    hops = np.where(reached, np.argmax(trail == start[:, None], axis=1), -1)
    # every path source first, end to end in one array, then cut into lists
    length = hops + 1
    ends = np.cumsum(length)
    within = np.arange(ends[-1]) - np.repeat(ends - length, length)
    flat = trail[np.repeat(np.arange(len(pairs)), length), np.repeat(hops, length) - within].tolist()
    return [PathResult(d, flat[e - h - 1:e], h) if h >= 0 else _no_path()
            for d, e, h in zip(one_way.tolist(), ends.tolist(), hops.tolist(), strict=True)]


class _Bounded:
    """The bounded search of one step; see :func:`route_bounded`."""

    def __init__(self, graph: StepGraph, positions_km: np.ndarray, clear_radius_km: float):
        self.graph = graph
        self.cells = _Cells(graph, positions_km, clear_radius_km)
        self.in_degree = np.bincount(graph.matrix.indices, minlength=graph.matrix.shape[0])
        self._labels = None

    def connected(self, a: int, b: int) -> bool:
        if self._labels is None:
            from scipy.sparse.csgraph import connected_components

            self._labels = connected_components(self.graph.matrix, directed=True, connection="weak")[1]
        return bool(self._labels[a] == self._labels[b])

    def whole(self, a: int, b: int, limit_ms: float = np.inf) -> PathResult:
        """Dijkstra's search over the whole graph from ``a`` (graph ids), within ``limit_ms``."""
        dist, pred = dijkstra(self.graph.matrix, directed=True, indices=a, return_predecessors=True,
                              limit=limit_ms)
        if not np.isfinite(dist[b]):
            return _no_path()
        return _path_result(self.graph.matrix, _walk(pred, a, b))

    def within(self, a: int, b: int, cells: np.ndarray, limit_ms: float | None) -> PathResult | None:
        """The shortest path from ``a`` to ``b`` (renumbered ids) over the nodes of ``cells``: with
        ``limit_ms``, by A* (Dijkstra on costs reduced by the bound to b) over the paths no longer than
        it; without, by Dijkstra over them all. None when the weights fail the bound."""
        c = self.cells
        matrix, nodes, shift, potential = c.subgraph(cells, b if limit_ms is not None else None)
        if matrix is None:
            return None
        ia, ib = a + shift[c.cell_of[a]], b + shift[c.cell_of[b]]
        if ia < 0 or ib < 0:
            return _no_path()
        limit = np.inf if limit_ms is None else limit_ms * (1.0 + _REL_TOL) + _ABS_TOL_KM / KM_PER_MS - potential[ia]
        dist, pred = dijkstra(matrix, directed=True, indices=int(ia), return_predecessors=True, limit=limit)
        if not np.isfinite(dist[ib]):
            return _no_path()
        local = _walk(pred, int(ia), int(ib))
        return _path_result(self.graph.matrix, c.order[nodes[local]].tolist())

    def final(self, a: int, b: int, cells: np.ndarray, length_ms: float, ga: int, gb: int) -> PathResult | None:
        """The exact search once a path no longer than ``length_ms`` is known to exist, or to be
        tested: the region's A* search, or a limited whole-graph one when the region holds most of the
        graph."""
        c = self.cells
        if (c.stop[cells] - c.start[cells]).sum() > _WHOLE_GRAPH_SHARE * c.r.size:
            return self.whole(ga, gb, length_ms * (1.0 + _REL_TOL) + _ABS_TOL_KM / KM_PER_MS)
        return self.within(a, b, cells, length_ms)

    def pair(self, source: int, target: int) -> PathResult:
        g, c = self.graph, self.cells
        ga, gb = g.n_sat + source, g.n_sat + target
        if ga == gb:
            return PathResult(0.0, [ga], 0)
        if g.matrix.indptr[ga] == g.matrix.indptr[ga + 1] or self.in_degree[gb] == 0:
            return _no_path()
        a, b = int(c.inv[ga]), int(c.inv[gb])
        if not (np.isfinite(c.r[a]) and np.isfinite(c.r[b])):
            return self.whole(ga, gb)
        # a path, cheaply: Dijkstra over a corridor along the great circle
        corridor = c.corridor(a, b, max(_CORRIDOR_LINKS * c.link_km, _MIN_CORRIDOR_KM))
        if corridor is not None:
            found = self.within(a, b, corridor, None)
            if found is not None and np.isfinite(found.one_way_ms):
                exact = self.final(a, b, c.ellipsoid(a, b, found.one_way_ms * KM_PER_MS), found.one_way_ms, ga, gb)
                return exact if exact is not None and np.isfinite(exact.one_way_ms) else self.whole(ga, gb)
        # none: no path at all between different components; else bounds growing from the first hops'
        # lower bound until a path lies within one
        if not self.connected(ga, gb):
            return _no_path()
        length = _FIRST_GUESS * self.lower_bound_km(a, b)
        while True:
            cells = c.ellipsoid(a, b, length)
            if cells.all():
                return self.whole(ga, gb)
            found = self.final(a, b, cells, length / KM_PER_MS, ga, gb)
            if found is None:
                return self.whole(ga, gb)
            if np.isfinite(found.one_way_ms):
                return found
            length *= _GROWTH

    def lower_bound_km(self, a: int, b: int) -> float:
        """The first bound's starting point: no path from a to b is shorter than a's link plus the
        distance bound from its far end to b (and the same from b's side, in a symmetric graph). Only
        the searches' cost depends on it, never their result."""
        c = self.cells
        best = 0.0
        for p, q in ((a, b), (b, a)):  # b's links out: its links in, in leodc's symmetric graphs
            lo, hi = c.indptr[p], c.indptr[p + 1]
            if hi > lo:
                far = c.indices[lo:hi]
                best = max(best, float(np.min(c.data[lo:hi] * KM_PER_MS + c.node_km(q, far))))
        return max(best, _ABS_TOL_KM)


def route_bounded(graph: StepGraph, pairs: list[tuple[int, int]], positions_km: np.ndarray,
                  clear_radius_km: float = 0.0, min_nodes: int = BOUNDED_MIN_NODES) -> list[PathResult]:
    """Shortest paths for ``(source site, destination site)`` pairs, as :func:`route` finds them, by a
    search that does not explore the whole graph per pair.

    Every edge's weight is the light time over the straight segment between its ends, so no path is
    shorter than the straight-line bound, and a path no longer than L has every node x inside the
    ellipsoid bound(a, x) + bound(x, b) <= L. With ``clear_radius_km`` > 0 the bound is the shortest way
    around a ball of that radius (every link must clear it; leodc's laser links clear the Earth plus a
    margin, and ground links rise above a non-negative elevation mask), much tighter than the chord for
    distant pairs. Per pair: a first path through a corridor along the great circle (Dijkstra over the
    corridor's nodes) gives L; then A* (Dijkstra's search on costs reduced by the bound to b, with
    ``limit=L``) over the nodes of the spatial cells that meet the ellipsoid; when the ellipsoid holds
    most of the graph, a whole-graph Dijkstra limited to L. Without a corridor path, L grows from a
    lower bound until a path lies within it (pairs in different components: none). The nodes sit in
    cells of a voxel grid of directions and radius bands, with the graph renumbered cell by cell, so
    a region's subgraph is a set of contiguous row blocks.

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
    min_nodes : int
        Graphs with fewer nodes are searched whole (:func:`route_whole`), which is faster there.

    Returns
    -------
    list of PathResult
        The same one-way times and paths as :func:`route` (any of equal-length paths).
    """
    n = graph.n_sat + graph.n_sites
    positions = np.asarray(positions_km, dtype=float)
    if positions.shape != (n, 3):
        raise ValueError(f"positions_km: expected shape ({n}, 3), one row per node; got {positions.shape}")
    if n < min_nodes or not pairs or not np.isfinite(positions).all(axis=1).any():
        return route_whole(graph, pairs)
    search = _Bounded(graph, positions, clear_radius_km)
    done: dict[tuple[int, int], PathResult] = {}
    for pair in pairs:
        if pair not in done:
            done[pair] = search.pair(int(pair[0]), int(pair[1]))
    return [done[pair] for pair in pairs]
