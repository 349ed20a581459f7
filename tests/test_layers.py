"""The architecture's contracts: layers imported downward only (import-linter, imports inside functions
counted), no import cycle in any package, plug-in models found through entry points, and SGP4's
failures counted per error code in the simulation's manifest (python-sgp4's error table)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sgp4.api import SGP4_ERRORS

from leodc.scenario import load_scenario
from leodc.simulate.engine import simulate
from leodc.simulate.models import PLUGIN_GROUP, REGISTRY, SUMMARY_REGISTRY, load_plugins
from leodc.simulate.output import SimulationFiles, SimulationResult

ROOT = Path(__file__).resolve().parents[1]
STATIONS_TLE = ROOT / "tests" / "data" / "celestrak-stations-2023-07-07.tle"


def test_import_contracts_are_kept():
    """pyproject's [tool.importlinter] contracts: the layers, acyclic siblings, the engine's plug-ins."""
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "3 kept, 0 broken" in out.stdout


def test_the_space_environment_is_a_plug_in():
    from importlib.metadata import entry_points

    names = {e.name: e.value for e in entry_points(group=PLUGIN_GROUP)}
    assert names.get("space-environment") == "leodc.simulate.space_environment"
    assert "space-environment" in load_plugins()
    assert "radiation" in REGISTRY and "environment" in SUMMARY_REGISTRY


@pytest.fixture(scope="module")
def stale_fleet(tmp_path_factory):
    """Real TLEs of 2023-07-07 flown from 2026: low, draggy objects have decayed by then, so SGP4
    returns error codes for them (6: decayed; 1: mean eccentricity out of range)."""
    out = tmp_path_factory.mktemp("sgp4") / "run"
    scenario = load_scenario("builtin:default", {"constellation.tle_file": str(STATIONS_TLE),
                                                 "simulation.start_utc": "2026-01-01T00:00:00",
                                                 "simulation.days": 0.05, "simulation.propagator": "sgp4"})
    return simulate(scenario, out), out


def test_sgp4_errors_are_counted_per_code(stale_fleet):
    result, _ = stale_fleet
    steps = result.sgp4_error_steps
    assert steps, "a fleet three years past its epochs must have SGP4 failures"
    for label, count in steps.items():
        code = int(label.split(":")[0])
        assert label == f"{code}: {SGP4_ERRORS[code]}" and count > 0
    assert sum(steps.values()) % result.steps == 0  # these satellites fail at every step of a short run
    assert 0 < result.sgp4_error_satellites < result.satellites
    assert result.sgp4_error_satellites == sum(steps.values()) // result.steps


def test_simulation_result_round_trips_through_its_manifest(stale_fleet):
    result, out = stale_fleet
    back = SimulationResult.read(out)
    assert back.sgp4_error_steps == result.sgp4_error_steps
    assert (back.satellites, back.steps, back.scenario_digest) == (result.satellites, result.steps,
                                                                    result.scenario_digest)
    sats = SimulationFiles(out).read("satellites", columns=["sat_id", "compute_fraction", "no_such_column"])
    assert set(sats) == {"sat_id", "compute_fraction"} and len(sats["sat_id"]) == result.satellites
