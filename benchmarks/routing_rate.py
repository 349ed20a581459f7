"""Routing per time step: leodc against Hypatia's method at Hypatia's scale, and leodc's bounded search
against scipy's whole-graph Dijkstra up to a million satellites.

In one run, on this machine, one step each:
- Hypatia's scale: Starlink shell 1 (72 x 22 = 1,584 satellites, 550 km, 53 deg, +Grid laser links) and
  the 100 shipped cities (25 deg mask), every unordered city pair (4,950). leodc: the step's graph
  (live laser links, ground links, sparse matrix) and ``route_bounded`` (at this size a Dijkstra search
  from each source until its targets are settled) with every pair's round trip, hops and path, with
  ``ground_relays`` off (Hypatia's rule: no path through a third city) and on (leodc's default).
  Hypatia's method: a networkx graph of the satellites' live links, ``nx.floyd_warshall_numpy`` over it
  (light-time weights), then per city pair the least of up + satellite-to-satellite + down over the
  satellites each city sees (round trips only). Their ratio, with relays off, and the round trips
  compared (1e-9 relative): all identical with relays off; with relays on, identical wherever leodc's
  path does not pass through a third city. networkx is an oracle here only; leodc never imports it.
- +Grid Walker shells of 10^3 to 10^6 satellites (planes ~ sqrt(N), 550 km, 53 deg), 100 city pairs
  (each city to a random other city, seeded): the graph update (live links, ground links, matrix),
  ``route_bounded`` (leodc's default), ``route_whole`` (the same compiled search as Dijkstra's per
  source) and ``route`` (scipy's whole-graph Dijkstra from the same 100 sources) beside them, with
  identical round trips asserted; peak resident memory after the bounded search and after the
  whole-graph one.

Targets (issue #10): at least 500x faster per step than Hypatia's method, ground hops and path
extraction included; one step of a 10^6-satellite fleet with 100 pairs in under 5 s (graph update and
routing; the satellites' positions come from the orbit engine, timed beside it) and under 4 GB.
Wall-clock seconds, with the process's CPU seconds beside them (the machine may be shared); up to 10^4
satellites the fastest of 9 runs, above it of 3 (the two Dijkstra searches once), and for leodc at
Hypatia's scale of 5, after a warm one. ``--write-docs`` rewrites the routing section of
docs/performance.md (between its markers; the rest of the file is simulate_rate.py's) from what was
measured.

    .venv/bin/python benchmarks/routing_rate.py --write-docs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from docs_section import write_section
from leodc.constants import EARTH_RADIUS_KM
from leodc.network.ground import builtin_sites, max_slant_range_km
from leodc.network.latency import itrs_positions, link_model
from leodc.network.links import grid_edges, live_links
from leodc.network.routing import (
    ASTAR_MAX_TARGETS,
    build_graph,
    ground_links,
    light_ms,
    route,
    route_bounded,
    route_whole,
)
from leodc.orbits.epochs import julian_date
from leodc.orbits.shells import fleet_elements
from leodc.scenario import Shell, load_scenario

DOCS = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
BEGIN, END = "<!-- routing_rate.py -->", "<!-- /routing_rate.py -->"
START_JD = julian_date("2026-03-20T00:00:00")
STARLINK_1 = Shell(kind="walker-delta", satellites=1584, altitude_km=550.0, inclination_deg=53.0, planes=72,
                   phasing=1)
SIZES = (1_000, 10_000, 100_000, 1_000_000)
N_PAIRS = 100
SEED = 10
TARGET_HYPATIA_RATIO = 500.0
TARGET_STEP_S = 5.0
TARGET_RSS_GB = 4.0
RTOL = 1e-9
LEODC_REPEATS = 5  # small and fast: the fastest of a few runs (the machine may be shared)
SMALL_FLEET, SMALL_REPEATS = 10_000, 9
LARGE_REPEATS = 3  # above SMALL_FLEET: the update and leodc's searches, the fastest of this many runs


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux: kB


class Clock:
    """Wall and CPU seconds of a call: the fastest of its runs (and the CPU seconds of that run)."""

    def __init__(self, fn=None, repeats: int = 1):
        self.wall = self.cpu = math.inf
        for _ in range(repeats if fn is not None else 0):
            self.run(fn)

    def run(self, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        self.result = fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if wall < self.wall:
            self.wall, self.cpu = wall, cpu
        return self


def race(fns: list, repeats: int) -> list[Clock]:
    """Each call run ``repeats`` times, the calls taking turns (a busy spell of a shared machine falls on
    all of them alike): a clock per call."""
    clocks = [Clock() for _ in fns]
    for _ in range(repeats):
        for clock, fn in zip(clocks, fns, strict=True):
            clock.run(fn)
    return clocks


def grid_shell(n: int) -> Shell:
    return Shell(kind="walker-delta", satellites=n, altitude_km=550.0, inclination_deg=53.0,
                 planes=max(1, round(math.sqrt(n))), phasing=1)


def step_graph(r, topology, model, mask_deg, site_xyz, sites, ground_relays: bool = True):
    """One step's graph from the satellites' positions: what ``pair_latencies`` does per step."""
    edges, lengths = live_links(topology, r, model)
    top_km = float(np.nanmax(np.linalg.norm(r, axis=1))) - EARTH_RADIUS_KM
    s_idx, sat_idx, slant_km = ground_links(site_xyz, sites.latitude_deg, sites.longitude_deg, r, mask_deg,
                                            max_slant_range_km(top_km, mask_deg))
    graph = build_graph(len(r), edges, lengths, s_idx, sat_idx, slant_km, len(sites), ground_relays)
    return graph, (edges, lengths, s_idx, sat_idx, slant_km)


def same_rtts(got, ref) -> int:
    """Asserts equal one-way times (1e-9 relative, both inf where no path); returns the paths that differ
    (equal-length ties)."""
    for x, y in zip(got, ref, strict=True):
        assert (x.one_way_ms == y.one_way_ms or abs(x.one_way_ms - y.one_way_ms) <= RTOL * y.one_way_ms), \
            (x.one_way_ms, y.one_way_ms)
    return sum(x.path != y.path for x, y in zip(got, ref, strict=True))


def valid_paths(routes, graph, pairs: np.ndarray) -> bool:
    """Every path found runs from its pair's source site to its destination through satellites only, its
    hops are its links, and its light time summed link by link is its one-way time (1e-9 relative)."""
    for k, (a, b) in enumerate(pairs.tolist()):
        if not np.isfinite(routes.one_way_ms[k]):
            continue
        p = routes.path(k).copy()
        if (p.size < 2 or p[0] != graph.n_sat + a or p[-1] != graph.n_sat + b or routes.hops[k] != p.size - 1
                or np.any(p[1:-1] >= graph.n_sat)):
            return False
        p[-1] = graph.target_node(b)  # the node the path reaches in the graph
        total_ms = float(np.sum(np.asarray(graph.matrix[p[:-1], p[1:]]).ravel()))
        if abs(total_ms - routes.one_way_ms[k]) > RTOL * routes.one_way_ms[k]:
            return False
    return True


def hypatia_scale(model, mask_deg) -> dict:
    import networkx as nx

    sites = builtin_sites().with_role("user")
    site_xyz = sites.itrs_km()
    elements = fleet_elements([STARLINK_1], START_JD)
    r = itrs_positions(elements, START_JD, 0.0)
    topology = grid_edges(STARLINK_1, 0)
    n, m = len(r), len(sites)
    pairs = np.array([(a, b) for a in range(m) for b in range(a + 1, m)])
    pair_list = [tuple(p) for p in pairs.tolist()]
    positions = np.vstack([r, site_xyz])

    def leodc_step(relays: bool):
        graph, parts = step_graph(r, topology, model, mask_deg, site_xyz, sites, relays)
        return graph, parts, route_bounded(graph, pairs, positions, EARTH_RADIUS_KM)

    def hypatia_step():
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_weighted_edges_from(zip(edges[:, 0].tolist(), edges[:, 1].tolist(), light_ms(lengths).tolist(),
                                      strict=True))
        sat_ms = nx.floyd_warshall_numpy(g, nodelist=list(range(n)), weight="weight")
        up_ms = light_ms(slant_km)
        seen = [(sat_idx[s_idx == s], up_ms[s_idx == s]) for s in range(m)]
        theirs = []
        for a, b in pair_list:
            (sa, ua), (sb, ub) = seen[a], seen[b]
            best = (ua[:, None] + sat_ms[np.ix_(sa, sb)] + ub[None, :]).min() if sa.size and sb.size else np.inf
            theirs.append(float(best))
        return theirs

    leodc_step(False), leodc_step(True)  # warm: imports, first calls
    leo, leo_relays = race([lambda: leodc_step(False), lambda: leodc_step(True)], LEODC_REPEATS)
    graph, (edges, lengths, s_idx, sat_idx, slant_km), ours = leo.result
    with_relays = leo_relays.result[2]
    nx.floyd_warshall_numpy(nx.path_graph(4))  # warm: networkx's imports
    hyp = Clock(hypatia_step)
    theirs_ms = np.array(hyp.result)
    fin = np.isfinite(theirs_ms)

    def same(ours_ms):
        both_inf = ~np.isfinite(ours_ms) & ~fin
        return both_inf | (np.abs(ours_ms - theirs_ms) <= RTOL * np.where(fin, theirs_ms, 0.0))

    # Hypatia's rule: every pair identical, every path from its city to the other through satellites only
    equal = same(ours.one_way_ms)
    assert np.all(equal), "leodc without relays and Hypatia's method disagree"
    assert valid_paths(ours, graph, pairs)
    # leodc's default: a third city may relay (down to it and up again); Hypatia's method has no relays
    relay_ms = with_relays.one_way_ms
    relayed = np.array([bool(np.any(with_relays.path(k)[1:-1] >= n)) for k in range(len(pairs))])
    equal_relays = same(relay_ms)
    assert np.all(equal_relays[~relayed]), "leodc and Hypatia's method disagree on a pair without a relay"
    assert np.all(relay_ms[relayed] < theirs_ms[relayed]), "a relay path should be the shorter one"
    return {"satellites": n, "cities": m, "pairs": len(pairs), "pairs_kind": "unordered (a < b)",
            "laser_links": graph.laser_links, "ground_links": graph.ground_links,
            "leodc_wall_s": round(leo.wall, 4), "leodc_cpu_s": round(leo.cpu, 4),
            "leodc_relays_wall_s": round(leo_relays.wall, 4), "leodc_relays_cpu_s": round(leo_relays.cpu, 4),
            "hypatia_method_wall_s": round(hyp.wall, 3), "hypatia_method_cpu_s": round(hyp.cpu, 3),
            "ratio_wall": round(hyp.wall / leo.wall, 1),
            "ratio_wall_relays": round(hyp.wall / leo_relays.wall, 1),
            "reachable_pairs": int(fin.sum()),
            "identical_rtts": int(np.sum(equal)),
            "hops_mean": round(float(np.mean(ours.hops[fin])), 2) if fin.any() else None,
            "relayed_pairs": int(relayed.sum()),
            "identical_with_relays": int(np.sum(equal_relays)),
            "relay_gain_ms_max": round(float(np.max(2 * (theirs_ms - relay_ms)[relayed], initial=0.0)), 3)}


def scale(n: int, model, mask_deg) -> dict:
    sites = builtin_sites().with_role("user")
    site_xyz = sites.itrs_km()
    shell = grid_shell(n)
    elements = fleet_elements([shell], START_JD)
    topology = grid_edges(shell, 0)
    rng = np.random.default_rng(SEED)
    m = len(sites)
    pairs = [(a, int((a + rng.integers(1, m)) % m)) for a in range(min(N_PAIRS, m))]
    small = n <= SMALL_FLEET
    repeats = SMALL_REPEATS if small else LARGE_REPEATS
    prop = Clock(lambda: itrs_positions(elements, START_JD, 0.0), repeats)
    r = prop.result
    positions = np.vstack([r, site_xyz])
    update = Clock(lambda: step_graph(r, topology, model, mask_deg, site_xyz, sites)[0], repeats)
    graph = update.result
    searches = {"bounded": lambda: route_bounded(graph, pairs, positions, EARTH_RADIUS_KM)}
    if small:  # small and fast: the Dijkstra searches take turns with them
        searches |= {"dijkstra": lambda: route_whole(graph, pairs), "whole": lambda: route(graph, pairs)}
    clocks = dict(zip(searches, race(list(searches.values()), repeats), strict=True))
    bounded = clocks["bounded"]
    got = bounded.result
    rss_bounded = peak_rss_gb()
    row = {"satellites": n, "planes": shell.planes, "repeats": repeats, "nodes": n + m,
           "laser_links": graph.laser_links, "ground_links": graph.ground_links, "pairs": len(pairs),
           "sources": len({a for a, _ in pairs}),
           "propagation_s": round(prop.wall, 3), "graph_update_s": round(update.wall, 3),
           "graph_update_cpu_s": round(update.cpu, 3),
           "route_bounded_s": round(bounded.wall, 3), "route_bounded_cpu_s": round(bounded.cpu, 3),
           "step_s": round(update.wall + bounded.wall, 3),
           "peak_rss_gb_after_bounded": round(rss_bounded, 3),
           "reachable_pairs": int(np.isfinite(got.one_way_ms).sum())}
    # large: the Dijkstra searches once each, after the bounded search's memory is read
    dijkstra = clocks["dijkstra"] if small else Clock(lambda: route_whole(graph, pairs))
    whole = clocks["whole"] if small else Clock(lambda: route(graph, pairs))
    ref = whole.result
    return row | {"route_whole_s": round(dijkstra.wall, 3), "route_whole_cpu_s": round(dijkstra.cpu, 3),
                  "whole_graph_dijkstra_s": round(whole.wall, 3), "whole_graph_dijkstra_cpu_s": round(whole.cpu, 3),
                  "peak_rss_gb_after_whole": round(peak_rss_gb(), 3),
                  "speedup_bounded_vs_whole": round(whole.wall / bounded.wall, 2),
                  "paths_differing_by_ties": same_rtts(got, ref) + same_rtts(dijkstra.result, ref)}


def main() -> None:
    parser = argparse.ArgumentParser(description="Routing per step: leodc against Hypatia's method and scipy's "
                                                 "whole-graph Dijkstra.")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--skip-hypatia", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    scenario = load_scenario("builtin:default")
    model, mask_deg = link_model(scenario.network), scenario.network.min_elevation_deg
    itrs_positions(fleet_elements([grid_shell(16)], START_JD), START_JD, 0.0)  # compile the propagator first
    out = {"when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "laser_range_km": model.max_range_km, "atmosphere_margin_km": model.atmosphere_margin_km,
           "min_elevation_deg": mask_deg, "astar_max_targets": ASTAR_MAX_TARGETS}
    if not args.skip_hypatia:
        out["hypatia_scale"] = hypatia_scale(model, mask_deg)
    out["scales"] = [scale(n, model, mask_deg) for n in sorted(args.sizes)]
    out["targets"] = {"hypatia_ratio_at_least": TARGET_HYPATIA_RATIO, "million_step_s_under": TARGET_STEP_S,
                      "peak_rss_gb_under": TARGET_RSS_GB}
    print(json.dumps(out, indent=2))
    if args.write_docs:
        write_docs(out)


def section(m: dict) -> list[str]:
    lines = ["## Routing", "",
             "Regenerated by `benchmarks/routing_rate.py --write-docs`; do not edit by hand.", "",
             f"Measured {m['when_utc']} on {m['machine']}; one step each. Seconds are wall-clock, CPU "
             "seconds in brackets (the machine may be shared); up to 10,000 satellites the fastest of "
             f"{SMALL_REPEATS} runs (the searches taking turns), above it of {LARGE_REPEATS} (the two Dijkstra "
             f"searches once), for leodc at Hypatia's scale of {LEODC_REPEATS}.", ""]
    h = m.get("hypatia_scale")
    if h:
        met = h["ratio_wall"] >= TARGET_HYPATIA_RATIO
        lines += [
            f"Hypatia's scale: Starlink shell 1 ({h['satellites']:,} satellites, {h['laser_links']:,} live +Grid "
            f"links), the {h['cities']} shipped cities at a {m['min_elevation_deg']:g} deg mask "
            f"({h['ground_links']:,} ground links), every {h['pairs_kind']} city pair ({h['pairs']:,}). leodc "
            "with `ground_relays` off (Hypatia's rule: no path through a third city) gives every pair's round "
            "trip, hops and path (each checked: city to city through satellites only, its links' light times "
            "summing to its round trip); Hypatia's method gives the round trips.", "",
            "| measure | value |", "|---|---|",
            f"| leodc, `ground_relays` off: graph, ground links, Dijkstra from each source, paths | "
            f"{h['leodc_wall_s']} s ({h['leodc_cpu_s']} s) |",
            f"| leodc, `ground_relays` on (its default) | {h['leodc_relays_wall_s']} s ({h['leodc_relays_cpu_s']} s) |",
            f"| Hypatia's method: networkx graph, `floyd_warshall_numpy`, ground hops per pair | "
            f"{h['hypatia_method_wall_s']} s ({h['hypatia_method_cpu_s']} s) |",
            f"| ratio, relays off | {h['ratio_wall']:,}x (target >= {TARGET_HYPATIA_RATIO:g}x: "
            f"{'met' if met else 'not met'}); relays on: {h['ratio_wall_relays']:,}x |",
            f"| round trips, relays off | {h['identical_rtts']:,} of {h['pairs']:,} identical (1e-9 relative; "
            f"{h['reachable_pairs']:,} pairs reachable; {h['hops_mean']} hops on average) |",
            f"| relays on: pairs leodc routes through a third city | {h['relayed_pairs']} (shorter by up to "
            f"{h['relay_gain_ms_max']} ms RTT; the other {h['identical_with_relays']:,} identical) |",
            ""]
    lines += [
        f"+Grid Walker shells (550 km, 53 deg, planes ~ sqrt(N)), {N_PAIRS} city pairs (each city to a random "
        "other city), the shipped cities as ground sites. Graph update: live laser links, ground links, "
        "the sparse matrix. `route_bounded` is leodc's default: an A* search per pair over the whole graph "
        f"(a source with over {m['astar_max_targets']} targets gets one Dijkstra search instead), compiled, on "
        "one thread; beside it `route_whole`, the same compiled search as Dijkstra's from each source until its "
        "targets are settled, and scipy's whole-graph Dijkstra from the same sources (`route`). The round trips "
        "are identical.", "",
        "| satellites | positions (orbit engine) | graph update | route_bounded | route_whole (compiled "
        "Dijkstra) | scipy whole-graph Dijkstra | bounded vs whole | step (update + route_bounded) | peak memory "
        "after bounded / whole |",
        "|---|---|---|---|---|---|---|---|---|"]
    for s in m["scales"]:
        lines.append(
            f"| {s['satellites']:,} | {s['propagation_s']} s | {s['graph_update_s']} s ({s['graph_update_cpu_s']}) | "
            f"{s['route_bounded_s']} s ({s['route_bounded_cpu_s']}) | "
            f"{s['route_whole_s']} s ({s['route_whole_cpu_s']}) | {s['whole_graph_dijkstra_s']} s "
            f"({s['whole_graph_dijkstra_cpu_s']}) | {s['speedup_bounded_vs_whole']}x | {s['step_s']} s | "
            f"{s['peak_rss_gb_after_bounded']} / {s['peak_rss_gb_after_whole']} GB |")
    big = next((s for s in m["scales"] if s["satellites"] == 1_000_000), None)
    if big:
        met = big["step_s"] < TARGET_STEP_S and big["peak_rss_gb_after_bounded"] < TARGET_RSS_GB
        lines += ["", f"Target for 1,000,000 satellites and {N_PAIRS} pairs: one step under {TARGET_STEP_S:g} s "
                  f"and {TARGET_RSS_GB:g} GB: {big['step_s']} s, {big['peak_rss_gb_after_bounded']} GB, "
                  f"{'met' if met else 'not met'}."]
    return [*lines, ""]


def write_docs(m: dict) -> None:
    """Replaces the text between the markers (appending them the first time), leaving the rest as it is."""
    write_section(DOCS, BEGIN, END, section(m))


if __name__ == "__main__":
    main()
