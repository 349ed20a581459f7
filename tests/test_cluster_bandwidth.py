"""Cluster bandwidth against hand arithmetic (the ring all-reduce formula of Patarasuk & Yuan 2009, a
line's bisection) and the comparison the workload stage rests on: Suncatcher's 81-satellite formation
(within 1 km) against 81 satellites spread along a Walker shell."""

from __future__ import annotations

import numpy as np
import pytest

from leodc.catalog import load_catalog
from leodc.network.cluster import bisection_bps, group_bandwidth, ring_all_reduce_s
from leodc.network.latency import fleet_topology, itrs_positions
from leodc.network.links import LinkModel
from leodc.orbits.epochs import julian_date
from leodc.orbits.shells import fleet_elements
from leodc.scenario import Shell

START_JD = julian_date("2026-03-20T00:00:00")
GRADIENT_BYTES = 2 * 70e9  # a 70-billion-parameter model's gradient in bf16


def terminal(name: str, terminals: int) -> LinkModel:
    t = load_catalog().laser_terminals[name]
    return LinkModel(t.max_range_km.value, t.rate_at_range_bps.value, t.peak_rate_bps.value, terminals, 80.0)


def test_ring_all_reduce_formula():
    # 8 members, 1 GB, 100 Gbit/s, 1 ms a hop: 2 * 7/8 * 8e9 / 1e11 + 14 * 1e-3
    assert ring_all_reduce_s(8, 1e9, 100e9, 1e-3) == pytest.approx(0.14 + 0.014, rel=1e-12)
    assert ring_all_reduce_s(1, 1e9, 100e9, 1e-3) == 0.0
    assert ring_all_reduce_s(8, 1e9, 0.0, 1e-3) == float("inf")


def test_bisection_of_a_line_is_one_link():
    positions = np.array([[0.0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]])
    edges = np.array([[0, 1], [1, 2], [2, 3]])
    assert bisection_bps(positions, edges, np.array([1.0, 5.0, 2.0])) == 5.0


def test_a_formation_carries_far_more_than_a_spread_shell():
    """81 satellites within 1 km with Suncatcher's links against 81 along a 550 km Walker shell with
    Starlink's: the formation's all-reduce is orders of magnitude faster."""
    cluster = Shell(kind="cluster", satellites=81, altitude_km=650.0, radius_m=1000.0)
    spread = Shell(kind="walker-delta", satellites=81, altitude_km=550.0, inclination_deg=53.0, planes=9, phasing=1)
    results = {}
    for shell, name in ((cluster, "suncatcher-dwdm"), (spread, "starlink-laser")):
        model = terminal(name, 4 if shell.kind != "cluster" else 6)
        elements = fleet_elements([shell], START_JD)
        r = itrs_positions(elements, START_JD, 0.0)
        edges = fleet_topology([shell], len(elements), model, r).fixed
        results[shell.kind] = group_bandwidth(r, edges, model, GRADIENT_BYTES, 0.0)
    near, far = results["cluster"], results["walker-delta"]
    assert near.link_km_max < 1.0 and far.link_km_max > 1000.0
    # six terminals in the lattice, four in the +Grid (fewer where a link is out of range or behind the Earth)
    assert 4.0 < near.links_per_satellite <= 6.0 and 3.5 < far.links_per_satellite <= 4.0
    assert near.link_bps_min >= 1e12 and far.link_bps_min == 100e9
    assert near.all_reduce_s * 50 < far.all_reduce_s
    assert near.bisection_bps > 10 * far.bisection_bps
