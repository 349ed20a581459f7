"""The network stage's figures for one scenario: round trips per pair of ground sites, the time a halt
command takes to reach the fleet, and the bandwidth inside each shell or formation.

What ``leodc network`` prints and ``leodc run`` stores (``network/summary.json`` beside the per-step
``network/latency.parquet``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from leodc.catalog import load_catalog
from leodc.constants import SECONDS_PER_HOUR
from leodc.design import Design
from leodc.network.cluster import group_bandwidth
from leodc.network.ingest import FeederModel, ingest_series
from leodc.network.latency import (
    LatencyBlockResult,
    LatencySeries,
    fleet_topology,
    itrs_positions,
    link_model,
    pair_latencies,
    scenario_sites,
)
from leodc.network.oversight import halt_arrivals
from leodc.orbits.elements import FleetElements
from leodc.orbits.epochs import julian_date
from leodc.scenario import Scenario, Shell
from leodc.simulate.fleet import default_shell, fleet_of


@dataclass
class NetworkFigures:
    latency: LatencySeries
    summary: dict  # JSON-ready: pairs, oversight, groups, settings


def fleet_shells(scenario: Scenario, d: Design) -> list[Shell] | None:
    """The designed shells the fleet was laid out from, or None for a real fleet (TLE/OMM)."""
    c = scenario.constellation
    return None if c.tle_file else (c.shells or [default_shell(scenario, d)])


def group_figures(scenario: Scenario, elements: FleetElements, shells: list[Shell] | None, start_jd: float) -> list:
    """Bandwidth inside each shell (or formation cluster) at the start: links per satellite, bisection,
    ring all-reduce of ``network.gradient_bytes``."""
    if not shells:
        return []
    net = scenario.network
    model = link_model(net)
    r = itrs_positions(elements, start_jd, 0.0)
    out, first = [], 0
    for k, shell in enumerate(shells):
        members = slice(first, first + shell.satellites)
        local = fleet_topology([shell], shell.satellites, model, r[members]).fixed
        figures = group_bandwidth(r[members], local, model, net.gradient_bytes, net.per_hop_delay_ms)
        out.append({"shell": k, "kind": shell.kind} | asdict(figures))
        first += shell.satellites
    return out


def ingest_figures(scenario: Scenario, elements: FleetElements, sites, start_jd: float) -> list[dict]:
    """The ingest of each site the scenario names (``network.ingest``) over the network span."""
    net = scenario.network
    if not net.ingest:
        return []
    link = load_catalog().feeder_links[net.feeder_link]
    feeder = FeederModel(link.rate_bps.value, link.weather_availability.value,
                         net.feeder_antennas_per_site or int(link.antennas_per_site.value))
    senders = sites.take(np.array([sites.index(i.site, "network.ingest") for i in net.ingest]))
    demand = np.array([i.bytes_per_day for i in net.ingest])
    n_steps = max(1, int(np.ceil(net.hours * SECONDS_PER_HOUR / net.step_s)))
    series = ingest_series(elements, senders, demand, feeder, net.min_elevation_deg, start_jd, net.step_s, n_steps)
    return [row | {"source": i.source} for row, i in zip(series.summary(net.dataset_bytes), net.ingest, strict=True)]


def latency_steps(net) -> np.ndarray:
    """The steps (s from the start) at which the latency of ``network.pairs`` is computed: ``network.hours``
    at ``network.step_s``."""
    return np.arange(0.0, net.hours * SECONDS_PER_HOUR, net.step_s)


def network_figures(scenario: Scenario, d: Design, progress: Callable[[int], None] | None = None, *,
                    workers: int | None = None, cluster: str | None = None,
                    on_result: Callable[[LatencyBlockResult], None] | None = None) -> NetworkFigures:
    """Latency per pair over ``network.hours``, oversight over a day, and bandwidth per shell.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its ``network`` table).
    d : Design
        Its design (the fleet's size and shells).
    progress : callable, optional
        Called with the number of latency steps done as they complete (``pair_latencies``).
    workers, cluster : int or str, optional
        Run the latency steps' blocks on a local Dask cluster of ``workers`` processes, or on the
        scheduler at ``cluster`` (``tcp://HOST:PORT``); neither: in this process. Oversight and
        bandwidth run in this process. The figures are the same whichever.
    on_result : callable, optional
        Called with each block of latency steps as it arrives (``pair_latencies``).

    Returns
    -------
    NetworkFigures
    """
    net = scenario.network
    start = julian_date(scenario.simulation.start_utc)
    elements, _ = fleet_of(scenario, d, start)
    shells = fleet_shells(scenario, d)
    sites = scenario_sites(net)
    model = link_model(net)
    t_s = latency_steps(net)
    latency = pair_latencies(elements, shells, sites, net.site_pairs(), start, t_s, model, net.min_elevation_deg,
                             progress, ground_relays=net.ground_relays, workers=workers, cluster=cluster,
                             on_result=on_result)
    control = sites.with_role("control")
    oversight = None
    if len(control):
        topology = fleet_topology(shells, len(elements), model, itrs_positions(elements, start, 0.0))
        issues = np.arange(0.0, 24.0 * SECONDS_PER_HOUR, net.oversight_every_h * SECONDS_PER_HOUR)
        result = halt_arrivals(elements, topology, control, model, net.min_elevation_deg, net.per_hop_delay_ms, start,
                               issues, net.step_s, net.oversight_horizon_h * SECONDS_PER_HOUR)
        oversight = result.summary() | {"control_stations": [str(n) for n in control.name]}
    summary = {
        "pairs": latency.summary(), "oversight": oversight,
        "groups": group_figures(scenario, elements, shells, start),
        "ingest": ingest_figures(scenario, elements, sites, start), "feeder_link": net.feeder_link,
        "laser_terminal": net.laser_terminal, "terminals_per_satellite": net.terminals_per_satellite,
        "min_elevation_deg": net.min_elevation_deg, "ground_relays": net.ground_relays, "hours": net.hours,
        "step_s": net.step_s,
        "steps": int(latency.time.size),
        "laser_links_mean": float(latency.laser_links.mean()) if latency.laser_links.size else 0.0,
        "ground_links_mean": float(latency.ground_links.mean()) if latency.ground_links.size else 0.0,
    }
    return NetworkFigures(latency, summary)
