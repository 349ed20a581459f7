"""Ingest against hand arithmetic: a site that always sees more satellites than it has antennas carries
antennas x rate x weather availability; below that its demand goes up whole, above it the backlog grows
by the difference every second; a site that never sees the fleet carries nothing."""

from __future__ import annotations

import numpy as np
import pytest

from leodc.constants import SECONDS_PER_DAY
from leodc.network.ground import builtin_sites
from leodc.network.ingest import FeederModel, ingest_series
from leodc.orbits.epochs import julian_date
from leodc.orbits.shells import fleet_elements
from leodc.scenario import Shell

START_JD = julian_date("2026-03-20T00:00:00")
SHELL = Shell(kind="walker-delta", satellites=1584, altitude_km=550.0, inclination_deg=53.0, planes=72, phasing=1)
FEEDER = FeederModel(rate_bps=20e9, weather_availability=0.995, antennas_per_site=8)
STEP_S, STEPS = 60.0, 30


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
