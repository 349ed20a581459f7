"""Bandwidth inside a group of satellites that trains one model: links per satellite, bisection
bandwidth, and the time of a ring all-reduce of a gradient (what the workload stage needs).

- Links per satellite: the group's live laser links (``network.links``) counted at both ends.
- Bisection bandwidth: the capacity of the links that cross a cut of the group into two halves. The
  minimum over all balanced cuts is NP-hard in general; leodc takes the smallest of the three median
  cuts across the group's principal axes (for the planar hexagonal lattice of a formation, or a ring,
  one of these is the narrowest cut), so the figure is an upper bound on the true bisection.
- Ring all-reduce (Patarasuk & Yuan 2009; the bandwidth-optimal algorithm NCCL uses): every member
  sends and receives 2 (n - 1) / n of the gradient, so it takes
  ``2 (n - 1) / n x gradient_bits / ring_bps + 2 (n - 1) x (hop light time + per-hop delay)``,
  with the ring's rate that of its slowest link and its hop time that of its longest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leodc.constants import SPEED_OF_LIGHT_KM_PER_S
from leodc.network.links import LinkModel, live_links

BITS_PER_BYTE = 8.0
MS_PER_S = 1000.0


@dataclass(frozen=True)
class GroupBandwidth:
    satellites: int
    links: int
    links_per_satellite: float
    link_km_max: float
    link_bps_min: float  # the slowest link: a ring's rate
    bisection_bps: float  # smallest of the principal-axis median cuts (an upper bound on the minimum)
    all_reduce_s: float  # ring all-reduce of the gradient


def bisection_bps(positions_km: np.ndarray, edges: np.ndarray, capacity_bps: np.ndarray) -> float:
    """Capacity across the narrowest of the three median cuts along the group's principal axes."""
    if len(positions_km) < 2 or edges.size == 0:
        return 0.0
    centred = positions_km - positions_km.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    best = np.inf
    for axis in axes:
        coord = centred @ axis
        side = coord > np.median(coord)
        if side.all() or not side.any():  # no spread along this axis: no cut
            continue
        crossing = side[edges[:, 0]] != side[edges[:, 1]]
        best = min(best, float(capacity_bps[crossing].sum()))
    return best if np.isfinite(best) else 0.0


def ring_all_reduce_s(n: int, gradient_bytes: float, ring_bps: float, hop_s: float) -> float:
    """Ring all-reduce time (s): ``2 (n - 1) / n`` of the gradient over the ring's rate, plus ``2 (n - 1)``
    hop latencies."""
    if n < 2:
        return 0.0
    if ring_bps <= 0.0:
        return float("inf")
    return 2.0 * (n - 1) / n * gradient_bytes * BITS_PER_BYTE / ring_bps + 2.0 * (n - 1) * hop_s


def group_bandwidth(positions_km: np.ndarray, edges: np.ndarray, model: LinkModel, gradient_bytes: float,
                    per_hop_delay_ms: float) -> GroupBandwidth:
    """Bandwidth figures of one group at one instant: ``edges`` its topology (indices into
    ``positions_km``), alive where in range and clear of the Earth."""
    live, length_km = live_links(edges, positions_km, model)
    n = len(positions_km)
    capacity = model.capacity_bps(length_km)
    slowest = float(capacity.min()) if capacity.size else 0.0
    longest = float(length_km.max()) if length_km.size else float("inf")
    hop_s = longest / SPEED_OF_LIGHT_KM_PER_S + per_hop_delay_ms / MS_PER_S
    return GroupBandwidth(
        satellites=n, links=len(live), links_per_satellite=2.0 * len(live) / n if n else 0.0,
        link_km_max=longest, link_bps_min=slowest, bisection_bps=bisection_bps(positions_km, live, capacity),
        all_reduce_s=ring_all_reduce_s(n, gradient_bytes, slowest, hop_s))
