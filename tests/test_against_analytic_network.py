"""The network stage against analytic geometry: light time straight up, the great-circle bound no
path outside the Earth can beat, +Grid hop counts from plane/slot arithmetic, and no link through the
Earth. Tolerances: 1e-9 relative where the answer is exact arithmetic (floating point only)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import shortest_path

from leodc.constants import EARTH_RADIUS_KM, SPEED_OF_LIGHT_KM_PER_S
from leodc.network.ground import GroundSites, geodetic_to_itrs_km, max_slant_range_km
from leodc.network.latency import pair_latencies
from leodc.network.links import LinkModel, clears_earth, grid_edges, grid_hops, live_links
from leodc.network.routing import build_graph, ground_links, route
from leodc.orbits.epochs import julian_date
from leodc.orbits.shells import fleet_elements
from leodc.scenario import Shell

MS_PER_S = 1000.0
START_JD = julian_date("2026-03-20T00:00:00")
LASER = LinkModel(max_range_km=5400.0, rate_at_range_bps=100e9, peak_rate_bps=100e9, terminals_per_satellite=4,
                  atmosphere_margin_km=80.0)
# Hypatia's Starlink shell 1 (Kassing et al. 2020): 72 planes x 22 satellites at 550 km, 53 deg
STARLINK_1 = Shell(kind="walker-delta", satellites=1584, altitude_km=550.0, inclination_deg=53.0, planes=72,
                   phasing=1)


def sites(*rows: tuple[str, float, float]) -> GroundSites:
    n = len(rows)
    return GroundSites(np.array([r[0] for r in rows], dtype=object), np.array([r[1] for r in rows]),
                       np.array([r[2] for r in rows]), np.zeros(n), np.array(["user"] * n, dtype=object), np.zeros(n))


def test_a_satellite_at_zenith_is_2h_over_c_away_and_back():
    """A satellite straight above a site on the equator at altitude h: the site's round trip to it is
    2h/c; between two sites under it (both at the sub-satellite point) the path's round trip is 4h/c."""
    h_km = 550.0
    site = sites(("A", 0.0, 0.0), ("B", 0.0, 0.0))
    sat = np.array([[EARTH_RADIUS_KM + h_km, 0.0, 0.0]])
    s_idx, sat_idx, slant = ground_links(site.itrs_km(), site.latitude_deg, site.longitude_deg, sat, 25.0,
                                         max_slant_range_km(h_km, 25.0))
    assert list(sat_idx) == [0, 0] and np.allclose(slant, h_km, rtol=1e-12)
    graph = build_graph(1, np.zeros((0, 2), dtype=np.int64), np.zeros(0), s_idx, sat_idx, slant, 2)
    (result,) = route(graph, [(0, 1)])
    assert result.hops == 2 and result.path == [1, 0, 2]
    assert 2 * result.one_way_ms == pytest.approx(4 * h_km / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S, rel=1e-9)
    up_and_back_ms = 2 * float(graph.matrix[1, 0])
    assert up_and_back_ms == pytest.approx(2 * h_km / SPEED_OF_LIGHT_KM_PER_S * MS_PER_S, rel=1e-9)


def test_the_mask_keeps_low_satellites_out():
    """A satellite seen at 20 deg elevation is not linked under a 25 deg mask, and is under 15 deg."""
    h_km = 550.0
    site = sites(("A", 0.0, 0.0))
    # place the satellite at 20 deg elevation east of the site: the Earth-central angle is
    # 90 - el - asin(R cos(el) / (R + h))
    el = np.radians(20.0)
    central = np.pi / 2 - el - np.arcsin(EARTH_RADIUS_KM * np.cos(el) / (EARTH_RADIUS_KM + h_km))
    sat = (EARTH_RADIUS_KM + h_km) * np.array([[np.cos(central), np.sin(central), 0.0]])
    for mask, expected in ((25.0, 0), (15.0, 1)):
        _, sat_idx, _ = ground_links(site.itrs_km(), site.latitude_deg, site.longitude_deg, sat, mask,
                                     max_slant_range_km(h_km, mask))
        assert sat_idx.size == expected, mask


def test_round_trips_never_beat_the_vacuum_great_circle_bound():
    """No path that stays outside the Earth is shorter than the great-circle arc between its ends."""
    elements = fleet_elements([STARLINK_1], START_JD)
    places = sites(("London", 51.5074, -0.1278), ("New York", 40.7128, -74.0060), ("Manila", 14.5995, 120.9842),
                   ("Dalian", 38.9140, 121.6147), ("Sydney", -33.8688, 151.2093), ("Lagos", 6.5244, 3.3792))
    pairs = [("London", "New York"), ("Manila", "Dalian"), ("Sydney", "Lagos"), ("New York", "Sydney")]
    series = pair_latencies(elements, [STARLINK_1], places, pairs, START_JD, np.arange(0.0, 1200.0, 120.0), LASER,
                            25.0)
    for k in range(len(pairs)):
        ok = np.isfinite(series.rtt_ms[k])
        assert ok.mean() > 0.9, pairs[k]
        assert np.all(series.rtt_ms[k][ok] >= series.vacuum_rtt_ms[k]), pairs[k]
        assert series.fibre_rtt_ms[k] == pytest.approx(1.5 * series.vacuum_rtt_ms[k], rel=1e-12)


def test_grid_hops_match_plane_and_slot_arithmetic():
    """Breadth-first hop counts over the +Grid links equal |d plane| + |d slot| on their rings."""
    from scipy.sparse import coo_matrix

    for shell in (Shell(kind="walker-delta", satellites=120, altitude_km=550.0, planes=12, phasing=1),
                  Shell(kind="walker-star", satellites=66, altitude_km=780.0, inclination_deg=86.4, planes=6),
                  STARLINK_1):
        edges = grid_edges(shell, 0)
        n = shell.satellites
        # a ring in every plane, and one cross-plane ring per slot (open at a star shell's seam)
        cross_planes = shell.planes - 1 if shell.kind == "walker-star" else shell.planes
        assert len(edges) == n + cross_planes * (n // shell.planes)
        graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
        rng = np.random.default_rng(7)
        a = rng.integers(0, n, 40)
        hops = shortest_path(graph, directed=False, unweighted=True, indices=a)
        for i, src in enumerate(a):
            for dst in rng.integers(0, n, 10):
                assert hops[i, dst] == grid_hops(shell, int(src), int(dst)), (shell.kind, src, dst)


def test_star_shell_has_a_seam():
    """A Walker star shell's first and last planes counter-rotate: no cross-plane link joins them."""
    shell = Shell(kind="walker-star", satellites=66, altitude_km=780.0, inclination_deg=86.4, planes=6)
    edges = grid_edges(shell, 0)
    plane = edges // 11
    assert not np.any((plane.min(axis=1) == 0) & (plane.max(axis=1) == 5))


def test_no_link_passes_through_the_earth():
    antipodes = np.array([[EARTH_RADIUS_KM + 550.0, 0.0, 0.0]]), np.array([[-(EARTH_RADIUS_KM + 550.0), 0.0, 0.0]])
    assert not clears_earth(*antipodes, 0.0)[0]
    # two satellites 550 km up, 30 deg apart: the chord's lowest point is R cos 15 deg below their radius
    r = EARTH_RADIUS_KM + 550.0
    a = np.array([[r, 0.0, 0.0]])
    b = np.array([[r * np.cos(np.radians(30.0)), r * np.sin(np.radians(30.0)), 0.0]])
    lowest_km = r * np.cos(np.radians(15.0)) - EARTH_RADIUS_KM
    assert clears_earth(a, b, lowest_km - 1.0)[0] and not clears_earth(a, b, lowest_km + 1.0)[0]
    # random pairs of satellite positions: every live link clears the Earth plus the margin
    rng = np.random.default_rng(3)
    u = rng.normal(size=(2000, 3))
    pos = (EARTH_RADIUS_KM + 550.0) * u / np.linalg.norm(u, axis=1, keepdims=True)
    edges = rng.integers(0, 2000, (5000, 2))
    live, lengths = live_links(edges, pos, LinkModel(20000.0, 1e9, 1e9, 4, 80.0))
    assert np.all(lengths <= 20000.0)
    assert 0 < len(live) < len(edges)
    t = np.linspace(0.0, 1.0, 201)[None, :, None]
    path = pos[live[:, 0]][:, None, :] + t * (pos[live[:, 1]] - pos[live[:, 0]])[:, None, :]
    assert np.linalg.norm(path, axis=2).min() > EARTH_RADIUS_KM + 80.0 - 1e-6


def test_geodetic_positions_on_the_ellipsoid():
    """The poles lie at the WGS84 polar radius, the equator at the equatorial radius."""
    from leodc.constants import WGS84_FLATTENING

    pole = geodetic_to_itrs_km(90.0, 0.0, 0.0)
    equator = geodetic_to_itrs_km(0.0, 90.0, 1.0)
    assert pole[2] == pytest.approx(EARTH_RADIUS_KM * (1 - WGS84_FLATTENING), rel=1e-12)
    assert equator[1] == pytest.approx(EARTH_RADIUS_KM + 1.0, rel=1e-12)
