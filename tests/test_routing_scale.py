"""Routing at scale: the compiled searches (``route_bounded``: A* per pair, or Dijkstra's per source with
many targets; ``route_whole``: Dijkstra's per source) return the whole-graph search's round trips and paths
(scipy's, ``route``), pairs without a path included, with ground relays and without; leodc's routes agree
with Hypatia's method (networkx's Floyd-Warshall over the satellites, then the ground hops) for every pair
without relays, and wherever a leodc path does not relay through a third city with them. Tolerances:
round trips equal to 1e-12 relative between two Dijkstra searches over the same graph (the same sums in
the same order; equal-length ties aside), 1e-9 against Floyd-Warshall (other sums)."""

from __future__ import annotations

import numpy as np
import pytest

from leodc.constants import EARTH_RADIUS_KM
from leodc.network.ground import GroundSites, builtin_sites, max_slant_range_km
from leodc.network.latency import itrs_positions
from leodc.network.links import LinkModel, grid_edges, live_links
from leodc.network.routing import (
    ASTAR_MAX_TARGETS,
    StepGraph,
    build_graph,
    ground_links,
    light_ms,
    route,
    route_bounded,
    route_whole,
)
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


def step(shell: Shell, sites: GroundSites, t_s: float, edges: np.ndarray, mask_deg: float = MASK_DEG,
         ground_relays: bool = True):
    """One step's graph and node positions, as ``pair_latencies`` makes them."""
    r = itrs_positions(fleet_elements([shell], START_JD), START_JD, t_s)
    xyz = sites.itrs_km()
    live, lengths = live_links(edges, r, LASER)
    top_km = float(np.max(np.linalg.norm(r, axis=1))) - EARTH_RADIUS_KM
    s_idx, sat_idx, slant = ground_links(xyz, sites.latitude_deg, sites.longitude_deg, r, mask_deg,
                                         max_slant_range_km(top_km, mask_deg))
    graph = build_graph(len(r), live, lengths, s_idx, sat_idx, slant, len(sites), ground_relays)
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
            p[-1] = graph.target_node(p[-1] - graph.n_sat)  # the node the path reaches in the graph
            assert np.asarray(graph.matrix[p[:-1], p[1:]]).sum() == pytest.approx(y.one_way_ms, rel=1e-12)
    return ties


def test_bounded_search_matches_the_whole_graph_over_steps():
    """A +Grid shell of 3,000 satellites over three steps, 30 random pairs of the shipped cities plus
    sites no satellite is seen from (the poles: the shell reaches 53 deg), two antipodal sites, a pair from
    a site to itself and a source with many targets (one Dijkstra search for them all): the A* search, with
    the Earth-aware and with the straight-line bound, and the compiled Dijkstra search give scipy's
    whole-graph round trips and paths, with ground relays and without."""
    shell = Shell(kind="walker-delta", satellites=3000, altitude_km=550.0, inclination_deg=53.0, planes=55,
                  phasing=1)
    sites = with_sites(("North Pole", 89.9, 0.0), ("South Pole", -89.9, 0.0), ("A", 10.0, 20.0), ("A'", -10.0, -160.0))
    north, south, a, antipode = range(len(sites) - 4, len(sites))
    rng = np.random.default_rng(5)
    pairs = [tuple(int(i) for i in rng.choice(100, 2, replace=False)) for _ in range(30)]
    pairs += [(north, 3), (7, south), (north, south), (a, antipode), (12, 12), pairs[0]]
    pairs += [(40, b) for b in range(50, 51 + ASTAR_MAX_TARGETS)]
    edges = grid_edges(shell, 0)
    ties = 0
    for t_s, relays in ((0.0, True), (700.0, True), (1400.0, False)):
        graph, positions, _ = step(shell, sites, t_s, edges, ground_relays=relays)
        ref = route(graph, pairs)
        assert sum(np.isfinite(r.one_way_ms) for r in ref) >= 30  # the cities' pairs are connected
        for clear_km in (EARTH_RADIUS_KM, 0.0):
            ties += assert_same(route_bounded(graph, pairs, positions, clear_km), ref, graph)
        ties += assert_same(route_whole(graph, pairs), ref, graph)
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
    assert_same(route_bounded(graph, pairs, positions, EARTH_RADIUS_KM), ref, graph)
    assert_same(route_whole(graph, pairs), ref, graph)


def test_bounded_search_checks_its_positions():
    shell = Shell(kind="walker-delta", satellites=200, altitude_km=550.0, inclination_deg=53.0, planes=10, phasing=1)
    graph, positions, _ = step(shell, with_sites(), 0.0, grid_edges(shell, 0))
    with pytest.raises(ValueError, match="one row per node"):
        route_bounded(graph, [(0, 1)], positions[:-1])
    assert route_bounded(graph, [], positions) == []


def test_round_trips_agree_with_hypatias_floyd_warshall():
    """Hypatia's method on a 324-satellite shell: networkx's Floyd-Warshall over the satellites' live links
    (light-time weights), then per city pair the least of up + satellite-to-satellite + down over the
    satellites each city sees. With ``ground_relays`` off, leodc's round trip is the same for every pair
    and no path passes through a third city; with them on, the same for every pair whose path does not
    relay through a third city, and shorter for those that do (Hypatia's method has no relays)."""
    nx = pytest.importorskip("networkx")
    shell = Shell(kind="walker-delta", satellites=324, altitude_km=1150.0, inclination_deg=53.0, planes=18,
                  phasing=1)
    sites = builtin_sites().with_role("user").take(np.arange(30))
    graph, positions, (live, lengths, s_idx, sat_idx, slant) = step(shell, sites, 0.0, grid_edges(shell, 0))
    split, _, _ = step(shell, sites, 0.0, grid_edges(shell, 0), ground_relays=False)
    n, m = shell.satellites, len(sites)
    pairs = [(a, b) for a in range(m) for b in range(a + 1, m)]
    ours = route_bounded(graph, pairs, positions, EARTH_RADIUS_KM)
    no_relays = route_bounded(split, pairs, positions, EARTH_RADIUS_KM)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(live[:, 0].tolist(), live[:, 1].tolist(), light_ms(lengths).tolist(), strict=True))
    sat_ms = nx.floyd_warshall_numpy(g, nodelist=list(range(n)), weight="weight")
    up = light_ms(slant)
    relayed = compared = 0
    for (a, b), result, alone in zip(pairs, ours, no_relays, strict=True):
        sa, sb = s_idx == a, s_idx == b
        if not (sa.any() and sb.any()):
            assert result.one_way_ms == alone.one_way_ms == np.inf and alone.path == []
            continue
        theirs = float((up[sa][:, None] + sat_ms[np.ix_(sat_idx[sa], sat_idx[sb])] + up[sb][None, :]).min())
        assert alone.one_way_ms == pytest.approx(theirs, rel=1e-9)
        assert alone.path[0] == n + a and alone.path[-1] == n + b and all(x < n for x in alone.path[1:-1])
        assert alone.hops == len(alone.path) - 1
        if any(node >= n for node in result.path[1:-1]):
            relayed += 1
            assert result.one_way_ms < theirs
        else:
            compared += 1
            assert result.one_way_ms == pytest.approx(theirs, rel=1e-9)
    assert compared >= 300 and relayed >= 1


def test_the_search_grows_its_queue_and_falls_back_without_light_times():
    """A ring of 6,000 satellites and a site that sees them all (more links than the search's queue first
    holds) and one that sees one: the queue grows and the answer is scipy's. The same graph with positions
    ten times too far apart (weights shorter than the light-time bound: not light times over these
    positions) sends the A* search to Dijkstra's, with the same answer."""
    n = 6000
    angle = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    ring_km = 7000.0 * np.stack([np.cos(angle), np.sin(angle), np.zeros(n)], axis=1)
    sites_km = np.array([[0.0, 0.0, 6400.0], [6400.0, 0.0, 0.0]])
    laser = np.stack([np.arange(n), (np.arange(n) + 1) % n], axis=1)
    site_idx = np.r_[np.zeros(n, np.int64), 1]
    sat_idx = np.r_[np.arange(n), 0]
    nodes_km = np.vstack([ring_km, sites_km])
    laser_km = np.linalg.norm(ring_km[laser[:, 0]] - ring_km[laser[:, 1]], axis=1)
    slant_km = np.linalg.norm(ring_km[sat_idx] - sites_km[site_idx], axis=1)
    for relays in (True, False):
        graph = build_graph(n, laser, laser_km, site_idx, sat_idx, slant_km, 2, relays)
        assert isinstance(graph, StepGraph)
        pairs = [(0, 1), (1, 0)]
        ref = route(graph, pairs)
        assert all(np.isfinite(r.one_way_ms) for r in ref)
        assert_same(route_whole(graph, pairs), ref, graph)
        assert_same(route_bounded(graph, pairs, nodes_km, EARTH_RADIUS_KM), ref, graph)
        assert_same(route_bounded(graph, pairs, 10.0 * nodes_km), ref, graph)


def test_pair_latencies_searches_bounded_with_and_without_relays(monkeypatch):
    """``pair_latencies`` on a +Grid shell: at every step, what it gets from the bounded search (with the
    nodes' positions it passes) is the whole-graph search's result; with ``ground_relays`` off no stored
    path passes through a site other than its two ends."""
    from leodc.network import latency

    calls = []

    def checked(graph, pairs, positions_km, clear_radius_km=0.0, **kw):
        got = route_bounded(graph, pairs, positions_km, clear_radius_km, **kw)
        assert_same(got, route(graph, pairs), graph)
        calls.append((len(pairs), graph.ground_relays))
        return got

    monkeypatch.setattr(latency, "route_bounded", checked)
    shell = Shell(kind="walker-delta", satellites=2000, altitude_km=550.0, inclination_deg=53.0, planes=40,
                  phasing=1)
    elements = fleet_elements([shell], START_JD)
    pairs = [("London", "New York-Newark"), ("Manila", "Dalian"), ("São Paulo", "Lagos")]
    for relays in (True, False):
        series = latency.pair_latencies(elements, [shell], builtin_sites(), pairs, START_JD,
                                        np.array([0.0, 600.0]), LASER, MASK_DEG, ground_relays=relays)
        assert np.all(np.isfinite(series.rtt_ms))
        if not relays:
            assert all(all(x < shell.satellites for x in path[1:-1]) for pair in series.paths for path in pair)
    assert calls == [(3, True), (3, True), (3, False), (3, False)]
