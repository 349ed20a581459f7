"""The network stage's steps through the shared executor: blocks of steps in this process (any block
size), on a local Dask cluster of processes, or refused at once for a Dask scheduler that does not
answer. Whatever the block size and executor, the round trips, hops, paths and links are the same bits
(inf where no path) and the summaries are equal."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

from conftest import one_line
from leodc.constants import SECONDS_PER_HOUR
from leodc.design import design
from leodc.network.figures import fleet_shells, network_figures
from leodc.network.latency import BLOCK_STEPS, LatencySeries, link_model, pair_latencies, scenario_sites
from leodc.orbits.epochs import julian_date
from leodc.scenario import load_scenario
from leodc.simulate.executors import CONNECT_TIMEOUT_S
from leodc.simulate.fleet import fleet_of

# a small Walker shell (300 satellites, 550 km, 53 deg) over 30 one-minute steps: some steps of some
# pairs have no path (inf), and oversight is one issue followed for 6 minutes
SMALL = ["orbit.kind=inclined", "orbit.altitude_km=550", "orbit.inclination_deg=53", "fleet.target_satellites=300",
         "network.hours=0.5", "network.step_s=60", "network.oversight_every_h=24", "network.oversight_horizon_h=0.1"]
STEPS = 30
ODD_BLOCK_STEPS = 7  # does not divide STEPS: the last block is short
# a port nothing listens on, and how long a refusal may take (the executor's 10 s connect timeout, and
# the CLI's start and this small scenario's set-up)
SILENT_SCHEDULER = "tcp://127.0.0.1:1"
REFUSAL_WITHIN_S = CONNECT_TIMEOUT_S + 5.0


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("builtin:default", SMALL)


@pytest.fixture(scope="module")
def local_figures(scenario):
    return network_figures(scenario, design(scenario))


def latencies(sc, **kw) -> LatencySeries:
    """``pair_latencies`` on the scenario's fleet, as ``network_figures`` calls it."""
    net, d = sc.network, design(sc)
    start = julian_date(sc.simulation.start_utc)
    elements, _ = fleet_of(sc, d, start)
    t_s = np.arange(0.0, net.hours * SECONDS_PER_HOUR, net.step_s)
    return pair_latencies(elements, fleet_shells(sc, d), scenario_sites(net), net.site_pairs(), start, t_s,
                          link_model(net), net.min_elevation_deg, ground_relays=net.ground_relays, **kw)


def assert_identical(a: LatencySeries, b: LatencySeries) -> None:
    for name in ("time", "rtt_ms", "hops", "laser_links", "ground_links", "vacuum_rtt_ms", "fibre_rtt_ms"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name  # inf where no path, in the same places
    assert a.pairs == b.pairs and a.paths == b.paths and a.path_km == b.path_km
    assert a.summary() == b.summary()


def test_block_size_changes_nothing(scenario, local_figures):
    """Blocks of 1, 7 and ``BLOCK_STEPS`` steps in this process: the same bits; the caller's progress
    advances step by step, and every block comes back once, in order."""
    reference = local_figures.latency
    assert reference.rtt_ms.shape == (3, STEPS) and STEPS > BLOCK_STEPS
    assert np.isinf(reference.rtt_ms).any() and np.isfinite(reference.rtt_ms).any()
    steps, blocks = [], []
    series = latencies(scenario, block_steps=ODD_BLOCK_STEPS, progress=steps.append, on_result=blocks.append)
    assert_identical(series, reference)
    assert steps == [1] * STEPS
    assert [b.index for b in blocks] == list(range(math.ceil(STEPS / ODD_BLOCK_STEPS)))
    assert [b.work for b in blocks] == [ODD_BLOCK_STEPS] * (STEPS // ODD_BLOCK_STEPS) + [STEPS % ODD_BLOCK_STEPS]
    assert_identical(latencies(scenario, block_steps=1), reference)
    assert_identical(latencies(scenario), reference)


def test_a_local_dask_cluster_gives_the_same_figures(scenario, local_figures):
    """``workers=2``: the blocks run on a LocalCluster of two processes, and the figures are the ones this
    process finds; the caller's progress advances by a block as each comes back."""
    steps = []
    figures = network_figures(scenario, design(scenario), progress=steps.append, workers=2)
    assert_identical(figures.latency, local_figures.latency)
    assert figures.summary == local_figures.summary
    assert sum(steps) == STEPS and steps.count(BLOCK_STEPS) == STEPS // BLOCK_STEPS


def test_network_refuses_a_scheduler_that_does_not_answer(leodc_cli):
    """``--cluster`` with nothing listening: one line and exit 2, within the connect timeout; ``--workers``
    with ``--cluster``: one line."""
    t0 = time.perf_counter()
    out = leodc_cli("network", "builtin:default", *[a for s in SMALL for a in ("--set", s)],
                    "--cluster", SILENT_SCHEDULER)
    assert time.perf_counter() - t0 < REFUSAL_WITHIN_S
    one_line(out, "--cluster", None, SILENT_SCHEDULER)
    one_line(leodc_cli("network", "builtin:default", "--workers", "2", "--cluster", SILENT_SCHEDULER),
             "--workers", None, "not both")


def test_network_json_names_its_executor(leodc_cli):
    out = leodc_cli("network", "builtin:default", *[a for s in SMALL for a in ("--set", s)], "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["executor"] == "local" and summary["steps"] == STEPS
