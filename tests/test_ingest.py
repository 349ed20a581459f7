"""Ingest against hand arithmetic: a site that always sees more satellites than it has antennas carries
antennas x rate x weather availability; below that its demand goes up whole, above it the backlog grows
by the difference every second; a site that never sees the fleet carries nothing; a site with its own
weather availability carries that share instead of the catalog's, and a share outside 0..1 is one line
naming the file and the field (exit 2 from the command line)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from leodc.constants import SECONDS_PER_DAY
from leodc.errors import EXIT_BAD_INPUT, InputError
from leodc.network.ground import builtin_sites, read_sites
from leodc.network.ingest import FeederModel, ingest_series
from leodc.orbits.epochs import julian_date
from leodc.orbits.shells import fleet_elements
from leodc.scenario import Shell

START_JD = julian_date("2026-03-20T00:00:00")
SHELL = Shell(kind="walker-delta", satellites=1584, altitude_km=550.0, inclination_deg=53.0, planes=72, phasing=1)
FEEDER = FeederModel(rate_bps=20e9, weather_availability=0.995, antennas_per_site=8)
STEP_S, STEPS = 60.0, 30
TOKYO_LAT_DEG, TOKYO_LON_DEG = 35.6895, 139.6917
CLI_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def elements():
    return fleet_elements([SHELL], START_JD)


def test_capacity_is_antennas_times_rate_and_the_backlog_grows_by_the_excess(elements):
    sites = builtin_sites()
    tokyo = sites.take(np.array([sites.index("Tokyo")] * 2))
    capacity_bytes_per_day = 8 * 20e9 * 0.995 / 8 * SECONDS_PER_DAY  # 1.719 PB a day
    demand = np.array([0.5 * capacity_bytes_per_day, 2.0 * capacity_bytes_per_day])
    series = ingest_series(elements, tokyo, demand, FEEDER, 25.0, START_JD, STEP_S, STEPS)
    assert np.all(series.links == 8)  # a 1,584-satellite shell always shows Tokyo more than 8 satellites
    low, high = series.summary(1e15)
    assert low["capacity_bytes_per_day_mean"] == pytest.approx(capacity_bytes_per_day, rel=1e-12)
    assert low["carried_fraction"] == pytest.approx(1.0) and low["backlog_bytes_max"] == 0.0
    excess_per_s = (demand[1] - capacity_bytes_per_day) / SECONDS_PER_DAY
    assert high["backlog_bytes_final"] == pytest.approx(excess_per_s * STEP_S * STEPS, rel=1e-9)
    assert high["carried_fraction"] == pytest.approx(0.5, rel=1e-9)
    assert low["dataset_upload_days"] == pytest.approx(1e15 / capacity_bytes_per_day, rel=1e-12)


def test_a_site_the_fleet_never_overflies_carries_nothing(elements):
    sites = builtin_sites()
    svalbard = sites.take(np.array([sites.index("KSAT SvalSat (Svalbard)")]))
    (row,) = ingest_series(elements, svalbard, np.array([1e12]), FEEDER, 25.0, START_JD, STEP_S, STEPS).summary(1e15)
    assert row["links_mean"] == 0.0 and row["carried_fraction"] == 0.0 and row["dataset_upload_days"] is None
    assert row["backlog_bytes_final"] == pytest.approx(1e12 * STEP_S * STEPS / SECONDS_PER_DAY, rel=1e-12)


def _sites_file(path: Path, weather: str) -> Path:
    """Tokyo twice under two names, the second with its own weather availability (``weather``)."""
    path.write_text("name,latitude_deg,longitude_deg,altitude_m,role,weather_availability\n"
                    f"Tokyo,{TOKYO_LAT_DEG},{TOKYO_LON_DEG},0,gateway,\n"
                    f"Tokyo clear,{TOKYO_LAT_DEG},{TOKYO_LON_DEG},0,gateway,{weather}\n", encoding="utf-8")
    return path


def test_a_site_with_its_own_weather_availability_carries_that_share(elements, tmp_path: Path):
    own = 0.6
    sites = read_sites(_sites_file(tmp_path / "sites.csv", str(own)))
    assert np.isnan(sites.weather_availability[0]) and sites.weather_availability[1] == own
    demand = np.array([1e18, 1e18])  # more than either carries: capacity decides
    catalog, site = ingest_series(elements, sites, demand, FEEDER, 25.0, START_JD, STEP_S, STEPS).summary(1e15)
    assert catalog["weather_availability"] == FEEDER.weather_availability and site["weather_availability"] == own
    # the same place sees the same satellites: only the weather differs, by exactly the ratio
    assert site["links_mean"] == catalog["links_mean"] > 0
    ratio = site["capacity_bytes_per_day_mean"] / catalog["capacity_bytes_per_day_mean"]
    assert ratio == pytest.approx(own / FEEDER.weather_availability, rel=1e-12)
    # in a TOML list too, and every site of the shipped list keeps the catalog's figure
    toml = tmp_path / "sites.toml"
    toml.write_text(f'[[sites]]\nname = "Tokyo clear"\nlatitude_deg = {TOKYO_LAT_DEG}\nlongitude_deg = '
                    f'{TOKYO_LON_DEG}\naltitude_m = 0\nweather_availability = {own}\n', encoding="utf-8")
    assert read_sites(toml).weather_availability.tolist() == [own]
    assert np.all(np.isnan(builtin_sites().weather_availability))


@pytest.mark.parametrize("bad", ["1.2", "-0.1", "nan", "sunny"])
def test_a_weather_availability_outside_0_to_1_is_one_line_naming_file_and_field(tmp_path: Path, bad: str):
    path = _sites_file(tmp_path / "sites.csv", bad)
    with pytest.raises(InputError) as err:
        read_sites(path)
    message = str(err.value)
    assert message.startswith(f"{path}: row 2: weather_availability: expected a share of time from 0 to 1")
    assert "\n" not in message
    out = subprocess.run([sys.executable, "-m", "leodc", "network", "builtin:default", "--list-sites",
                          "--set", f"network.sites_file={json.dumps(str(path))}"],
                         capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    assert out.returncode == EXIT_BAD_INPUT, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "weather_availability: expected a share of time from 0 to 1" in lines[0], out.stderr
