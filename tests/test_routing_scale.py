"""Routing at scale: the bounded search (``route_bounded``) returns the whole-graph search's round trips
and paths, pairs without a path included, and leodc's routes agree with Hypatia's method (networkx's
Floyd-Warshall over the satellites, then the ground hops) wherever a leodc path does not relay through a
third city. Tolerances: round trips equal to 1e-12 relative between two Dijkstra searches over the same
graph (the same sums in the same order; equal-length ties aside), 1e-9 against Floyd-Warshall (other
sums)."""

from __future__ import annotations

import numpy as np
import pytest

from leodc.constants import EARTH_RADIUS_KM
from leodc.network.ground import GroundSites, builtin_sites, max_slant_range_km
from leodc.network.latency import itrs_positions
from leodc.network.links import LinkModel, grid_edges, live_links
from leodc.network.routing import build_graph, ground_links, light_ms, route, route_bounded, route_whole
from leodc.orbits.epochs import julian_date
from leodc.orbits.shells import fleet_elements
from leodc.scenario import Shell

START_JD = julian_date("2026-03-20T00:00:00")
LASER = LinkModel(max_range_km=5400.0, rate_at_range_bps=100e9, peak_rate_bps=100e9, terminals_per_satellite=4,
                  atmosphere_margin_km=80.0)
MASK_DEG = 25.0


def with_sites(*rows: tuple[str, float, float]) -> GroundSites:
    """The shipped cities and some extra sites."""
    cities = builtin_sites().with_role("user")
    n = len(rows)
    extra = GroundSites(np.array([r[0] for r in rows], dtype=object), np.array([r[1] for r in rows]),
                        np.array([r[2] for r in rows]), np.zeros(n), np.array(["user"] * n, dtype=object), np.zeros(n))
    return GroundSites.concatenate([cities, extra])


def step(shell: Shell, sites: GroundSites, t_s: float, edges: np.ndarray, mask_deg: float = MASK_DEG):
    """One step's graph and node positions, as ``pair_latencies`` makes them."""
    r = itrs_positions(fleet_elements([shell], START_JD), START_JD, t_s)
    xyz = sites.itrs_km()
    live, lengths = live_links(edges, r, LASER)
    top_km = float(np.max(np.linalg.norm(r, axis=1))) - EARTH_RADIUS_KM
    s_idx, sat_idx, slant = ground_links(xyz, sites.latitude_deg, sites.longitude_deg, r, mask_deg,
                                         max_slant_range_km(top_km, mask_deg))
    graph = build_graph(len(r), live, lengths, s_idx, sat_idx, slant, len(sites))
    return graph, np.vstack([r, xyz]), (live, lengths, s_idx, sat_idx, slant)


def assert_same(got, ref, graph):
    """Equal one-way times (both inf without a path, with an empty path); equal paths, or for an
    equal-length tie a valid path of that length."""
    assert len(got) == len(ref)
    ties = 0
    for x, y in zip(got, ref, strict=True):
        if not np.isfinite(y.one_way_ms):
            assert x.one_way_ms == np.inf and x.path == [] and x.hops == 0
            continue
        assert x.one_way_ms == pytest.approx(y.one_way_ms, rel=1e-12, abs=0.0)
        assert x.hops == len(x.path) - 1
        if x.path != y.path:
            ties += 1
            assert x.path[0] == y.path[0] and x.path[-1] == y.path[-1]
            p = np.array(x.path)
            assert np.asarray(graph.matrix[p[:-1], p[1:]]).sum() == pytest.approx(y.one_way_ms, rel=1e-12)
    return ties


def test_bounded_search_matches_the_whole_graph_over_steps():
    """A +Grid shell of 3,000 satellites over three steps, 30 random pairs of the shipped cities plus
    sites no satellite is seen from (the poles: the shell reaches 53 deg), two antipodal sites (no
    great circle joins them: the search without a corridor) and a pair from a site to itself: the
    forced bounded search, with the Earth-aware and with the straight-line bound, gives the whole-graph
    search's round trips and paths."""
    shell = Shell(kind="walker-delta", satellites=3000, altitude_km=550.0, inclination_deg=53.0, planes=55,
                  phasing=1)
    sites = with_sites(("North Pole", 89.9, 0.0), ("South Pole", -89.9, 0.0), ("A", 10.0, 20.0), ("A'", -10.0, -160.0))
    north, south, a, antipode = range(len(sites) - 4, len(sites))
    rng = np.random.default_rng(5)
    pairs = [tuple(int(i) for i in rng.choice(100, 2, replace=False)) for _ in range(30)]
    pairs += [(north, 3), (7, south), (north, south), (a, antipode), (12, 12), pairs[0]]
    edges = grid_edges(shell, 0)
    ties = 0
    for t_s in (0.0, 700.0, 1400.0):
        graph, positions, _ = step(shell, sites, t_s, edges)
        ref = route(graph, pairs)
        assert sum(np.isfinite(r.one_way_ms) for r in ref) >= 30  # the cities' pairs are connected
        for clear_km in (EARTH_RADIUS_KM, 0.0):
            ties += assert_same(route_bounded(graph, pairs, positions, clear_km, min_nodes=0), ref, graph)
        assert route_whole(graph, pairs) == ref
    assert ties <= 2


def test_bounded_search_finds_no_path_between_components():
    """A sparse shell with in-plane links only and a 50 deg mask: every plane is a ring of its own, joined to
    another only through a city that sees both, so many pairs of cities that each see a satellite have no
    path, and some have one. The bounded search agrees on both, as inf and an empty path where there is
    none."""
    shell = Shell(kind="walker-delta", satellites=400, altitude_km=550.0, inclination_deg=53.0, planes=20,
                  phasing=1)
    sites = with_sites()
    edges = grid_edges(shell, 0)
    plane = np.repeat(np.arange(20), 20)
    in_plane = edges[plane[edges[:, 0]] == plane[edges[:, 1]]]
    graph, positions, (_, _, s_idx, _, _) = step(shell, sites, 300.0, in_plane, mask_deg=50.0)
    seen = np.unique(s_idx)
    rng = np.random.default_rng(9)
    pairs = [tuple(int(i) for i in rng.choice(seen, 2, replace=False)) for _ in range(24)]
    ref = route(graph, pairs)
    assert sum(not np.isfinite(r.one_way_ms) for r in ref) >= 5
    assert sum(np.isfinite(r.one_way_ms) for r in ref) >= 1
    assert_same(route_bounded(graph, pairs, positions, EARTH_RADIUS_KM, min_nodes=0), ref, graph)


def test_bounded_search_checks_its_positions():
    shell = Shell(kind="walker-delta", satellites=200, altitude_km=550.0, inclination_deg=53.0, planes=10, phasing=1)
    graph, positions, _ = step(shell, with_sites(), 0.0, grid_edges(shell, 0))
    with pytest.raises(ValueError, match="one row per node"):
        route_bounded(graph, [(0, 1)], positions[:-1])
    assert route_bounded(graph, [], positions) == []


def test_round_trips_agree_with_hypatias_floyd_warshall():
    """Hypatia's method on a 324-satellite shell: networkx's Floyd-Warshall over the satellites' live links
    (light-time weights), then per city pair the least of up + satellite-to-satellite + down over the
    satellites each city sees. leodc's round trip is the same for every pair whose path does not relay
    through a third city, and shorter for those that do (Hypatia's method has no relays)."""
    nx = pytest.importorskip("networkx")
    shell = Shell(kind="walker-delta", satellites=324, altitude_km=1150.0, inclination_deg=53.0, planes=18,
                  phasing=1)
    sites = builtin_sites().with_role("user").take(np.arange(30))
    graph, positions, (live, lengths, s_idx, sat_idx, slant) = step(shell, sites, 0.0, grid_edges(shell, 0))
    n, m = shell.satellites, len(sites)
    pairs = [(a, b) for a in range(m) for b in range(a + 1, m)]
    ours = route_bounded(graph, pairs, positions, EARTH_RADIUS_KM)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(live[:, 0].tolist(), live[:, 1].tolist(), light_ms(lengths).tolist(), strict=True))
    sat_ms = nx.floyd_warshall_numpy(g, nodelist=list(range(n)), weight="weight")
    up = light_ms(slant)
    relayed = compared = 0
    for (a, b), result in zip(pairs, ours, strict=True):
        sa, sb = s_idx == a, s_idx == b
        if not (sa.any() and sb.any()):
            assert result.one_way_ms == np.inf
            continue
        theirs = float((up[sa][:, None] + sat_ms[np.ix_(sat_idx[sa], sat_idx[sb])] + up[sb][None, :]).min())
        if any(node >= n for node in result.path[1:-1]):
            relayed += 1
            assert result.one_way_ms < theirs
        else:
            compared += 1
            assert result.one_way_ms == pytest.approx(theirs, rel=1e-9)
    assert compared >= 300


def test_pair_latencies_searches_bounded_above_the_threshold(monkeypatch):
    """``pair_latencies`` on a fleet above the bounded search's threshold: at every step, what it gets
    from the bounded search (with the nodes' positions it passes) is the whole-graph search's result."""
    from leodc.network import latency
    from leodc.network.routing import BOUNDED_MIN_NODES

    calls = []

    def checked(graph, pairs, positions_km, clear_radius_km=0.0, **kw):
        assert graph.n_sat + graph.n_sites >= BOUNDED_MIN_NODES
        got = route_bounded(graph, pairs, positions_km, clear_radius_km, **kw)
        assert_same(got, route(graph, pairs), graph)
        calls.append(len(pairs))
        return got

    monkeypatch.setattr(latency, "route_bounded", checked)
    shell = Shell(kind="walker-delta", satellites=BOUNDED_MIN_NODES, altitude_km=550.0, inclination_deg=53.0,
                  planes=120, phasing=1)
    elements = fleet_elements([shell], START_JD)
    pairs = [("London", "New York-Newark"), ("Manila", "Dalian"), ("São Paulo", "Lagos")]
    series = latency.pair_latencies(elements, [shell], builtin_sites(), pairs, START_JD, np.array([0.0, 600.0]),
                                    LASER, MASK_DEG)
    assert calls == [3, 3] and np.all(np.isfinite(series.rtt_ms))
