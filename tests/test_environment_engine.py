"""The space environment inside the engine and the CLI: per-satellite dose, upsets, decay and FCC
columns, yearly re-entries, `leodc environment`, and economics fed by a run (`--run`)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from leodc.assessment import assess
from leodc.design import design
from leodc.economics.costs import measured_from_run
from leodc.environment.radiation import orbit_average_dose_rad_per_year
from leodc.scenario import load_scenario
from leodc.simulate.engine import simulate

SHELL = ["orbit.kind=inclined", "orbit.altitude_km=550", "orbit.inclination_deg=53", "fleet.target_satellites=400",
         "simulation.chunk_satellites=150"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("env") / "run"
    sc = load_scenario("builtin:default", [*SHELL, "simulation.days=1"])
    result = simulate(sc, out)
    return sc, out, result


def test_dose_along_the_tracks_matches_the_orbit_average(run):
    """400 satellites over a day (144 samples each): the fleet mean lands within 10 % of the shell's
    orbit average from the same grid (nodes and phases spread the tracks; the rest is sampling)."""
    sc, out, _ = run
    sats = pq.read_table(out / "satellites.parquet").to_pydict()
    d = design(sc)
    expected = orbit_average_dose_rad_per_year(550.0, 53.0, d.satellite.shielding_thickness_mm)
    dose = np.array(sats["dose_rad_per_year"])
    assert dose.mean() == pytest.approx(expected, rel=0.10)
    assert np.all(dose > 0)


def test_upsets_decay_and_fcc_columns(run):
    sc, out, _ = run
    sats = pq.read_table(out / "satellites.parquet").to_pydict()
    chips = sc.compute.accelerators_per_satellite
    dose_per_day = np.array(sats["dose_rad_per_year"]) / 365.25
    assert np.allclose(sats["sdc_per_day"], dose_per_day / 17.2 * chips)
    assert np.allclose(sats["uecc_per_day"], dose_per_day / 44.0 * chips)
    assert np.all(np.array(sats["seu_per_day"]) > np.array(sats["sdc_per_day"]) + np.array(sats["uecc_per_day"]))
    decay = np.array(sats["decay_years"])
    assert np.allclose(decay, decay[0], rtol=1e-6) and 0.1 < decay[0] < 20.0  # one shell, one altitude
    assert all(sats["fcc_compliant"])
    assert np.all(np.array(sats["disposal_years"]) <= decay)


def test_yearly_reentries_follow_the_replacement_cycle(run):
    sc, out, result = run
    years = pq.read_table(out / "reentries.parquet").to_pydict()
    d = design(sc)
    assert years["year"] == list(range(10))
    life = d.satellite.mission_life_years
    # every satellite is launched once per mission life inside the horizon, re-enters a disposal
    # time after its end of mission
    assert sum(years["satellites_launched"]) == pytest.approx(400 * 10 / life, abs=400)
    assert sum(years["satellites_reentering"][: int(life)]) == 0
    assert sum(years["satellites_reentering"]) + result.reentries_after_horizon == sum(years["satellites_launched"])


def test_runs_without_the_environment_models(tmp_path):
    sc = load_scenario("builtin:default", [*SHELL, "simulation.days=0.05"])
    simulate(sc, tmp_path / "bare", models=())
    cols = pq.read_table(tmp_path / "bare" / "satellites.parquet").column_names
    assert "dose_rad_per_year" not in cols and "sunlit_fraction" in cols
    assert not (tmp_path / "bare" / "reentries.parquet").exists()


def test_economics_takes_the_run(run):
    sc, out, _ = run
    measured = measured_from_run(out)
    assert measured.compute_fraction == pytest.approx(1.0, abs=1e-9)
    closed = assess(sc)
    fed = assess(sc, measured)
    assert fed.economics.life_basis.startswith("simulation run")
    assert closed.economics.life_basis == "design"
    # at ~100 rad/yr the 15 krad tolerance allows decades: the 5-year design life still rules
    assert fed.economics.mission_life_years == closed.economics.mission_life_years
    # a run with a much harsher dose caps the life
    harsh = type(measured)(measured.compute_fraction, 15000.0 / 2.0, "harsh")
    assert assess(sc, harsh).economics.mission_life_years == pytest.approx(2.0)


def test_environment_cli(tmp_path, leodc_cli):
    out = leodc_cli("environment", "builtin:default", "--set", "orbit.altitude_km=800", "--json",
                    "--dose-map", tmp_path / "map.html")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["fcc_compliant_without_propulsion"] is False and data["fcc_compliant_with_propulsion"] is True
    assert data["decay_years_low"] > data["decay_years_mean"] > data["decay_years_high"] > 5.0
    assert data["disposal_delta_v_m_s"] == pytest.approx(121.6, abs=0.5)
    page = (tmp_path / "map.html").read_text()
    assert page.startswith("<!doctype html>") and "<script" not in page and "http" not in page
    assert "Hottest cell" in page
    table = leodc_cli("environment", "examples/published/suncatcher-2025.toml")
    assert table.returncode == 0 and "dose_rad_per_year" in table.stdout


def test_satellites_above_the_density_table_never_decay():
    """A real fleet may fly above the NRLMSIS table's top (2,000 km): drag there is negligible for
    centuries, so decay (and disposal, which the table cannot follow) is infinite and the FCC verdict fails
    without propulsion,
    while a satellite at 550 km beside it keeps its finite decay."""
    from leodc.constants import EARTH_RADIUS_KM
    from leodc.simulate.space_environment import environment

    context = {"chips_per_satellite": 8, "rad_per_sdc": 20.0, "rad_per_uecc": 44.0, "rad_per_crash": 5000.0,
               "rad_per_host_cpu_event": 450.0, "rad_per_host_ram_event": 400.0,
               "ballistic_coefficient_kg_per_m2": 20.0, "solar_activity": "mean", "propulsive_disposal": True}
    summary = {"radiation.dose_rad": np.array([1.0, 1.0])}
    out = environment(summary, context, np.array([550.0, 2500.0]) + EARTH_RADIUS_KM, 86400.0)
    assert np.isfinite(out["=decay_years"][0]) and out["=decay_years"][1] == np.inf
    assert np.isfinite(out["=disposal_years"][0]) and out["=disposal_years"][1] == np.inf
    without = environment(summary, context | {"propulsive_disposal": False},
                          np.array([550.0, 2500.0]) + EARTH_RADIUS_KM, 86400.0)
    assert list(without["=fcc_compliant"]) == [True, False]
