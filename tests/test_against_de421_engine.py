"""The engine's sunlit/shadow for a real satellite against an independent ephemeris chain.

The ISS from the real CelesTrak sample (tests/data) is flown by the engine (SGP4, cylindrical
shadow, 30 s steps, half a day from its TLE epoch). The oracle: Skyfield's position of the same TLE
in GCRS, JPL DE421's geocentric Sun (the ``de421`` package through jplephem), and a line-of-sight
test against the Earth's sphere. The engine reports the share of each step in sunlight; it must say
"sunlit" (>= 0.5) exactly when the oracle does, except within one step of a boundary, where the
Sun models (VSOP87 abridged vs DE421) and frames (TEME vs GCRS) may move a boundary by a second.
Test oracles only (dev extras); no network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import de421
import numpy as np
import pyarrow.parquet as pq
from jplephem import Ephemeris
from skyfield.api import EarthSatellite, load
from skyfield.geometry import intersect_line_and_sphere

from leodc.constants import EARTH_RADIUS_KM, SECONDS_PER_DAY
from leodc.orbits.tle import read_fleet
from leodc.scenario import load_scenario
from leodc.simulate.engine import simulate

TLE = Path(__file__).parent / "data" / "celestrak-stations-2023-07-07.tle"
ISS = 25544
STEP_S = 30.0
DAYS = 0.5


def test_iss_shadow_matches_de421(tmp_path):
    fleet = read_fleet(TLE)
    k = list(fleet.norad_ids).index(ISS)
    sat = fleet.satrecs[k]
    ts = load.timescale(builtin=True)
    # start on a whole second after the epoch so that both chains sample the same instants
    epoch_s = round((sat.jdsatepoch + sat.jdsatepochF - 2440587.5) * SECONDS_PER_DAY) + 1
    start = np.datetime64(epoch_s, "s")
    scenario = tmp_path / "iss.toml"
    scenario.write_text(
        f'[constellation]\ntle_file = "{TLE}"\n[simulation]\nstart_utc = "{start}"\ndays = {DAYS}\n'
        f'step_s = {STEP_S}\npropagator = "sgp4"\nshadow = "cylindrical"\n', encoding="utf-8")
    simulate(load_scenario(scenario), tmp_path / "run", timeseries=True)
    rows = pq.read_table(tmp_path / "run" / "timeseries").to_pydict()
    mine = np.array([lit for sid, lit in zip(rows["sat_id"], rows["sunlit"], strict=True) if sid == ISS]) >= 0.5

    lines = [ln.rstrip() for ln in TLE.read_text().splitlines()]
    i = next(j for j, ln in enumerate(lines) if ln.startswith("1 25544"))
    iss = EarthSatellite(lines[i], lines[i + 1], ts=ts)
    n = round(DAYS * SECONDS_PER_DAY / STEP_S)
    # one sample more than the run: a boundary just after the last step still shows as a boundary
    # (from the calendar date of the start: seconds counted from 1970 would cross 27 leap seconds)
    when = datetime.fromtimestamp(epoch_s, UTC)
    t = ts.utc(when.year, when.month, when.day, when.hour, when.minute, when.second + np.arange(n + 1) * STEP_S)
    eph = Ephemeris(de421)
    earth_km = eph.position("earthmoon", t.tdb) - eph.position("moon", t.tdb) / (1.0 + eph.EMRAT)
    sat_km = iss.at(t).position.km
    to_sun = eph.position("sun", t.tdb) - earth_km - sat_km
    near, _ = intersect_line_and_sphere(to_sun, -sat_km, EARTH_RADIUS_KM)
    oracle = ~(np.isfinite(near) & (near > 0.0) & (near < np.linalg.norm(to_sun, axis=0)))

    assert mine.size == n and oracle.size == n + 1
    assert 0.25 < 1.0 - oracle.mean() < 0.45  # the ISS does see eclipses
    boundary = np.zeros(n + 1, dtype=bool)
    for j in np.nonzero(np.diff(oracle.astype(int)))[0]:
        boundary[max(j - 1, 0):j + 3] = True
    boundary, oracle = boundary[:n], oracle[:n]
    assert np.count_nonzero(np.diff(oracle.astype(int))) >= 14  # ~7.7 eclipses in half a day
    disagree = mine != oracle
    assert not np.any(disagree & ~boundary), np.nonzero(disagree & ~boundary)[0]
    assert np.count_nonzero(disagree) <= 4  # boundaries agree to within a step
