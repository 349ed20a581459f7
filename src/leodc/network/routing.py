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

Bounds reported beside each path: the vacuum bound, the great-circle distance along the Earth's
surface at the speed of light (no path outside the Earth is shorter), and the fibre bound, the same
distance at 2/3 of the speed of light.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
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
