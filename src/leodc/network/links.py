"""Laser links between satellites: which pairs are linked (the topology), whether a link can exist
at a moment (line of sight, range), and what it carries (capacity by distance).

Topologies:

- **+Grid** within a Walker or sun-synchronous shell: each satellite links to the next and the
  previous satellite of its plane and to the satellites of the same slot in the two adjacent planes
  (four terminals). A Walker star shell has a seam between its last and first planes, where the
  planes counter-rotate: no cross-plane links there. Planes with fewer satellites (when the shell's
  count is not a multiple of its planes) link to the nearest slot below.
- **Formation clusters**: each member links to its nearest neighbours in the cluster, up to the
  terminals it carries, from the members' positions at the start (a formation keeps its shape).
- **Real fleets** (TLE/OMM) and links between shells: nearest neighbours at each step (a k-d tree
  over positions), up to the terminals per satellite.

A link exists only while the segment between the two satellites stays above the Earth plus an
atmosphere margin (refraction and absorption in the lower atmosphere; 80 km by default) and within
the terminal's range. Capacity by distance: ``min(peak, rate_at_range x (range / d)^2)``, the
received power falling as 1/d^2, so that close formation links carry far more than a terminal's rate
at its full range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from leodc.constants import EARTH_RADIUS_KM
from leodc.scenario import Shell

GRID_SHELLS = ("walker-delta", "walker-star", "sun-synchronous")
GRID_TERMINALS = 4


@dataclass(frozen=True)
class LinkModel:
    """What a laser terminal can do; figures from the catalog's ``laser_terminals``."""

    max_range_km: float
    rate_at_range_bps: float  # the rate a link carries at its full range
    peak_rate_bps: float  # the most a link carries, however close
    terminals_per_satellite: int
    atmosphere_margin_km: float  # the link's line of sight must clear the Earth by this much

    def capacity_bps(self, distance_km: np.ndarray) -> np.ndarray:
        d = np.maximum(np.asarray(distance_km, dtype=float), 1e-6)
        return np.minimum(self.peak_rate_bps, self.rate_at_range_bps * (self.max_range_km / d) ** 2)


def walker_slots(shell: Shell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plane and slot of each satellite of a Walker-type shell, in the order ``orbits.shells`` lays
    them out, and the number of satellites in each plane."""
    counts = np.full(shell.planes, shell.satellites // shell.planes)
    counts[: shell.satellites % shell.planes] += 1
    plane = np.repeat(np.arange(shell.planes), counts)
    slot = np.concatenate([np.arange(c) for c in counts])
    return plane, slot, counts


def grid_edges(shell: Shell, first: int) -> np.ndarray:
    """+Grid links of one shell whose satellites are numbered from ``first``: ``[k, 2]`` index pairs,
    each link once."""
    plane, slot, counts = walker_slots(shell)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    index = start[plane] + slot
    edges = []
    # in-plane ring: slot s to s + 1 (a plane of two has one link, a plane of one none; duplicates and
    # self-links are dropped below)
    nxt = start[plane] + (slot + 1) % counts[plane]
    edges.append(np.stack([index, nxt], axis=1))
    # cross-plane: plane p to p + 1 at the same slot (the nearest slot of a shorter plane)
    if shell.planes > 1:
        last = shell.planes - 1
        wraps = shell.kind != "walker-star"
        cross = plane < last if not wraps else np.ones_like(plane, dtype=bool)
        other = (plane + 1) % shell.planes
        partner = start[other] + np.minimum(slot, counts[other] - 1)
        edges.append(np.stack([index[cross], partner[cross]], axis=1))
    out = np.concatenate(edges) + first
    return _unique_edges(out)


def nearest_edges(positions_km: np.ndarray, k: int, max_range_km: float, members: np.ndarray | None = None
                  ) -> np.ndarray:
    """Links to nearest neighbours within range, no satellite using more than its ``k`` terminals: the
    candidate pairs (each satellite's ``k`` nearest, from a k-d tree) are taken shortest first while
    both ends have a terminal free. ``members``: indices of the satellites considered (default all).
    ``[m, 2]`` index pairs, each link once."""
    from scipy.spatial import cKDTree

    idx = np.arange(len(positions_km)) if members is None else np.asarray(members)
    pts = np.asarray(positions_km)[idx]
    if len(idx) < 2 or k < 1:
        return np.zeros((0, 2), dtype=np.int64)
    finite = np.all(np.isfinite(pts), axis=1)
    idx, pts = idx[finite], pts[finite]
    kk = min(k + 1, len(idx))
    dist, nb = cKDTree(pts).query(pts, k=kk, distance_upper_bound=max_range_km)
    a = np.repeat(np.arange(len(idx)), kk - 1)
    b = nb[:, 1:].ravel()
    ok = np.isfinite(dist[:, 1:].ravel()) & (b < len(idx))
    candidates = _unique_edges(np.stack([a[ok], b[ok]], axis=1))
    if candidates.size == 0:
        return candidates
    length = np.linalg.norm(pts[candidates[:, 0]] - pts[candidates[:, 1]], axis=1)
    return idx[_degree_capped(candidates[np.argsort(length, kind="stable")], len(idx), k)]


def _degree_capped(edges: np.ndarray, n: int, k: int) -> np.ndarray:
    """The edges, in order, kept while both ends have fewer than ``k`` kept edges."""
    return edges[_keep_while_free(edges, n, k)]


@numba.njit(cache=True)
def _keep_while_free(edges, n, k):
    used = np.zeros(n, dtype=np.int64)
    keep = np.zeros(edges.shape[0], dtype=np.bool_)
    for i in range(edges.shape[0]):
        a, b = edges[i, 0], edges[i, 1]
        if used[a] < k and used[b] < k:
            used[a] += 1
            used[b] += 1
            keep[i] = True
    return keep


def _unique_edges(edges: np.ndarray) -> np.ndarray:
    if edges.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    e = np.sort(edges.astype(np.int64), axis=1)
    e = e[e[:, 0] != e[:, 1]]
    return np.unique(e, axis=0)


def clears_earth(r1_km: np.ndarray, r2_km: np.ndarray, margin_km: float) -> np.ndarray:
    """Whether the segment from r1 to r2 stays farther than Earth's radius plus ``margin_km`` from the
    Earth's centre (the closest point of the segment to the centre, clamped to the segment)."""
    d = r2_km - r1_km
    dd = np.einsum("...k,...k->...", d, d)
    t = np.clip(-np.einsum("...k,...k->...", r1_km, d) / np.maximum(dd, 1e-12), 0.0, 1.0)
    closest = r1_km + t[..., None] * d
    return np.linalg.norm(closest, axis=-1) > EARTH_RADIUS_KM + margin_km


def live_links(edges: np.ndarray, r_km: np.ndarray, model: LinkModel) -> tuple[np.ndarray, np.ndarray]:
    """The links that exist at one instant: within range and clear of the Earth. Returns the live
    edges ``[k, 2]`` and their lengths (km)."""
    if edges.size == 0:
        return edges, np.zeros(0)
    a, b = r_km[edges[:, 0]], r_km[edges[:, 1]]
    length = np.linalg.norm(b - a, axis=1)
    ok = np.isfinite(length) & (length <= model.max_range_km) & clears_earth(a, b, model.atmosphere_margin_km)
    return edges[ok], length[ok]


def great_circle_km(a_itrs_km: np.ndarray, b_itrs_km: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) on a sphere of the WGS84 equatorial radius between the directions
    of two Earth-fixed points."""
    ua = a_itrs_km / np.linalg.norm(a_itrs_km, axis=-1, keepdims=True)
    ub = b_itrs_km / np.linalg.norm(b_itrs_km, axis=-1, keepdims=True)
    cross = np.linalg.norm(np.cross(ua, ub), axis=-1)
    dot = np.einsum("...k,...k->...", ua, ub)
    return EARTH_RADIUS_KM * np.arctan2(cross, dot)


def grid_hops(shell: Shell, a: int, b: int) -> int:
    """The fewest +Grid hops between satellites ``a`` and ``b`` of one shell (indices within the shell),
    by plane/slot arithmetic: in-plane ring distance plus cross-plane ring distance (no wrap across a
    star shell's seam). Exact for shells whose planes hold equal numbers of satellites."""
    plane, slot, counts = walker_slots(shell)
    p = shell.planes
    dp = abs(int(plane[a]) - int(plane[b]))
    if shell.kind != "walker-star" and p > 2:
        dp = min(dp, p - dp)
    c = int(counts[0])
    ds = abs(int(slot[a]) - int(slot[b]))
    ds = min(ds, c - ds) if c > 2 else ds
    return dp + ds
