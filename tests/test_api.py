"""The Python API: the README's session runs as written, runs read back as stored, `import leodc` stays cheap."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import leodc
from conftest import WORKLOAD_TINY_FIELDS
from leodc import api
from leodc.design import Design
from leodc.errors import InputError, LeodcError
from leodc.runs.layout import DesignStage, EconomicsStage, RunLayout, SimulateStage
from leodc.runs.store import HOME_ENV, RunStore
from leodc.scenario import with_overrides
from leodc.simulate.output import SimulationResult

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SATELLITES = 20
DAYS = 0.05
TINY = {"fleet.target_satellites": SATELLITES, **WORKLOAD_TINY_FIELDS}
SUBPROCESS_TIMEOUT_S = 300
HEAVY_MODULES = ("dask", "distributed", "duckdb", "numba", "leodc.api", "leodc.runs", "leodc.simulate.engine")


def readme_python_session() -> str:
    """The ```python block of the README's "Python" subsection, exactly as written."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n### Python\n"):]
    return re.search(r"^```python\n(.*?)^```$", section, re.S | re.M).group(1)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def scenario():
    return api.load_scenario("builtin:default", TINY)


@pytest.fixture(scope="module")
def stored(scenario, home) -> api.Run:
    return api.run(scenario, home=home, days=DAYS)


# ---------------------------------------------------------------------------------------------- the README
def test_readme_python_session_runs_as_written(tmp_path):
    runs_home = tmp_path / "home"
    env = dict(os.environ, **{HOME_ENV: str(runs_home)})
    done = subprocess.run([sys.executable, "-c", readme_python_session()], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    records = RunStore(runs_home).list()
    assert [r.status for r in records] == ["complete"]
    assert records[0].id in done.stdout
    assert (runs_home / records[0].id / "report.html").is_file()
    assert not (tmp_path / "runs").exists()  # LEODC_HOME decides where runs go


# ---------------------------------------------------------------------------------------------- import leodc
def test_import_leodc_loads_neither_the_api_nor_its_dependencies():
    code = ("import json, sys, leodc; "
            f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_leodc_serves_the_api_names_lazily():
    assert set(api.__all__) <= set(dir(leodc)) and set(api.__all__) <= set(leodc.__all__)
    assert leodc.run is api.run and leodc.open_run is api.open_run and leodc.Run is api.Run
    assert leodc.load_scenario is api.load_scenario
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = leodc.nothing


def test_design_and_simulate_stay_packages_and_design_is_callable(scenario):
    import leodc.design as design_package
    import leodc.simulate as simulate_package

    assert leodc.design is design_package and leodc.simulate is simulate_package
    assert design_package.Design is Design  # still the package: its names and dotted paths work
    assert leodc.design(scenario) == api.design(scenario) == design_package.design(scenario)


# ---------------------------------------------------------------------------------------------- load, design, simulate
def test_load_scenario_takes_a_mapping_or_set_strings():
    from_mapping = api.load_scenario("builtin:default", {"fleet.target_satellites": 7, "orbit.altitude_km": 700.0})
    from_strings = api.load_scenario("builtin:default", ["fleet.target_satellites=7", "orbit.altitude_km=700"])
    assert from_mapping == from_strings
    assert from_mapping.fleet.target_satellites == 7 and from_mapping.fleet.target_it_power_w is None
    with pytest.raises(InputError, match=r"orbit\.altitude_km"):
        api.load_scenario("builtin:default", {"orbit.altitude_km": -1.0})


def test_design_takes_a_scenario_or_a_path(scenario):
    sized = api.design(scenario)
    assert isinstance(sized, Design) and sized.fleet.satellites == SATELLITES
    assert api.design("builtin:default") == api.design(api.load_scenario("builtin:default"))


def test_simulate_writes_the_engine_directory(scenario, tmp_path):
    out = tmp_path / "sim"
    result = api.simulate(scenario, out, models=())
    assert isinstance(result, SimulationResult) and result.satellites == SATELLITES
    assert SimulationResult.read(out) == result


# ---------------------------------------------------------------------------------------------- runs
def test_run_stores_a_complete_run_with_its_report(stored, scenario, home):
    assert stored.record.status == "complete" and stored.layout.root == home / stored.id
    assert stored.metrics["satellites"] == SATELLITES
    assert stored.report_path == stored.layout.report and stored.report_path.is_file()
    # the report is a stage of the run: written before the run is marked complete, and timed
    assert list(stored.record.timings) == ["design", "simulate", "network", "workload", "economics", "report"]
    assert not list(stored.layout.root.rglob("*.tmp")) and stored.layout.missing() == []
    assert stored.design.inputs == with_overrides(scenario, {"simulation.days": DAYS}).model_dump(mode="json")
    assert stored.simulation.simulation.satellites == SATELLITES and stored.simulation.simulation.days == DAYS
    assert stored.economics.assessment["fleet"]["satellites"] == SATELLITES
    # the network and workload stages read back; the economics took the delivered tokens from the workload
    assert stored.network.summary["pairs"] and stored.network.latency.num_rows > 0
    inference = stored.workload.summary["inference"]
    assert inference["requests"] > 0 and stored.workload.requests.num_rows > 0
    assert stored.economics.assessment["economics"]["usd_per_million_tokens"] > 0
    assert stored.metrics["latency_ms_p50"] == inference["latency_ms_p50"]
    assert repr(stored) == f"Run({stored.id!r}, status='complete', scenario={scenario.name!r})"


def test_open_run_reads_back_what_run_returned(stored, home):
    again = api.open_run(stored.id, home=home)
    assert again == stored
    assert again.record == stored.record and again.layout == stored.layout
    assert again.design == stored.design and again.economics == stored.economics
    assert again.simulation.simulation == stored.simulation.simulation
    assert again.simulation.orbits.equals(stored.simulation.orbits)


def test_open_run_finds_the_home_through_the_environment(stored, home, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(home))
    assert api.open_run(stored.id) == stored


def test_unknown_run_id_is_a_user_facing_error(stored, home, tmp_path):
    with pytest.raises(LeodcError, match="no run 'nope'"):
        api.open_run("nope", home=home)
    with pytest.raises(LeodcError, match="no run 'nope'"):
        api.open_run("nope", home=tmp_path / "empty")  # no catalog yet


def test_run_without_report_and_bad_days(scenario, tmp_path):
    quiet = api.run(scenario, home=tmp_path, days=DAYS, report=False)
    assert quiet.report_path is None
    assert quiet.write_report() == quiet.layout.report and quiet.report_path == quiet.layout.report
    with pytest.raises(InputError, match=r"simulation\.days"):
        api.run(scenario, home=tmp_path, days=-1.0)
    assert [r.id for r in RunStore(tmp_path).list()] == [quiet.id]  # a rejected input stores no run


# ---------------------------------------------------------------------------------------------- tables
def test_tables_as_numpy_columns_or_arrow(stored):
    satellites = stored.satellites()
    assert all(isinstance(column, np.ndarray) for column in satellites.values())
    assert len(satellites["sat_id"]) == SATELLITES
    assert np.all((satellites["sunlit_fraction"] >= 0.0) & (satellites["sunlit_fraction"] <= 1.0))
    table = stored.satellites(arrow=True)
    assert isinstance(table, pa.Table) and table.column_names == list(satellites)
    assert np.array_equal(table.column("sunlit_fraction").to_numpy(), satellites["sunlit_fraction"])
    assert list(stored.satellites(["sat_id", "min_soc"])) == ["sat_id", "min_soc"]
    assert np.issubdtype(stored.fleet()["time"].dtype, np.datetime64)
    orbits = stored.orbits()
    assert set(np.unique(orbits["sat_id"])) <= set(satellites["sat_id"])
    assert stored.orbits(arrow=True).equals(stored.simulation.orbits)
    assert len(stored.elements()["a_km"]) == SATELLITES
    assert stored.timeseries(["sat_id"])["sat_id"].size > 0
    assert sum(stored.reentries()["satellites_launched"]) >= SATELLITES


def test_table_errors_name_the_file(stored, tmp_path):
    with pytest.raises(InputError, match="no column 'nope'"):
        stored.satellites(["sat_id", "nope"])
    empty = api.Run(stored.record, RunLayout(tmp_path))
    with pytest.raises(LeodcError, match=r"no satellites\.parquet"):
        empty.satellites()


# ------------------------------------------------------------------------------------ the layout's result types
def test_stage_results_read_back_what_was_written(stored, tmp_path):
    layout = RunLayout(tmp_path / "copy")
    layout.simulation.root.mkdir(parents=True)  # the engine makes its directory; SimulationResult writes in it
    designed, costed, flown = stored.design, stored.economics, stored.simulation
    designed.write(layout)
    costed.write(layout)
    flown.simulation.write(layout.simulation.root)
    flown.write(layout)
    assert DesignStage.read(layout) == designed
    assert EconomicsStage.read(layout) == costed
    assert SimulationResult.read(layout.simulation.root) == flown.simulation
    read = SimulateStage.read(layout)
    assert read.simulation == flown.simulation
    assert read.orbits.equals(flown.orbits) and read.elements.equals(flown.elements)


def test_simulation_result_round_trip_keeps_every_field(tmp_path):
    result = SimulationResult(
        out_dir=str(tmp_path), satellites=3, steps=10, step_s=60.0, days=0.5, propagator="fast",
        shadow="conical", executor="local", wall_s=1.25, sat_steps_per_s=24.0, fleet_sunlit_fraction=0.75,
        fleet_min_soc=0.4, fleet_throttled_hours=0.0, fleet_max_chip_temp_k=350.0,
        fleet_max_radiator_temp_k=320.0, fleet_compute_fraction=0.99, files={"satellites": "satellites.parquet"},
        reentries_after_horizon=1.5, sgp4_error_steps={"1": 2}, sgp4_error_satellites=1, scenario="s",
        scenario_digest="abc", start_utc="2026-03-20T00:00:00", leodc_version=leodc.__version__)
    result.write(tmp_path)
    assert asdict(SimulationResult.read(tmp_path)) == asdict(result)
