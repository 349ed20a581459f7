"""Frames and shadows against Skyfield (Rhodes), with JPL DE421 for the Sun of the shadow test.

(a) Frames. Satellites from Vallado's verification set (``SGP4-VER.TLE``, shipped with sgp4) are
propagated to TEME with ``sgp4.api.Satrec`` and taken to GCRS and ITRS by ``leodc.orbits.frames``
and by Skyfield (``EarthSatellite.at(t)`` for GCRS, ``.frame_xyz_and_velocity(itrs)`` for ITRS).
Measured, over three days from each epoch:

* GCRS: the two differ by a rotation of 1.18e-7 rad (0.024"): 0.8 m at LEO radius, 5 m at
  Molniya apogee. Skyfield applies the 23 mas J2000-to-GCRS frame bias and the IAU-2000A nutation;
  we neglect the bias and use IAU-1980 (truncated). Tolerance 2.5e-7 rad of the radius (0.05",
  1.7 m at 7000 km), and the same fraction of the speed.
* ITRS, given Skyfield's UT1 - UTC: 3e-9 rad (2 cm at LEO), the rounding of float64 Julian dates;
  both use IAU-82 GMST and no polar motion. Tolerance 2e-8 rad (0.14 m at 7000 km) and 0.1 mm/s
  (Skyfield's rotation rate comes from the GMST polynomial, ours is the nominal 7.2921151467e-5
  rad/s: 5e-8 km/s apart at LEO).
* ITRS with UT1 - UTC neglected (our default): the Earth angle is off by (UT1 - UTC) ω, 0.2 s in
  2000-2006, 100 m at LEO radius (measured); we check the error is that rotation to 1 m.

(b) Shadow. For DELTA 1 DEB (06251, 58°, perigee 377 km) over one day at 30 s steps, our chain
(sgp4 TEME -> ``sun_position_km`` -> ``illumination_cylindrical``) against an independent one
(Skyfield GCRS position, DE421 geocentric Sun in the ICRF, and a line-of-sight test against the
Earth's sphere with ``skyfield.geometry.intersect_line_and_sphere``). They must agree at every
step except within one step of a shadow boundary: the two Sun models and frames differ by
arcseconds, the line of sight starts at the satellite rather than the Earth's centre (10"
parallax), so a boundary may move by up to a second and flip a sample that falls on it. The
conical model must be 1 when lit away from boundaries, 0 deep in the umbra, and partial only
near boundaries: the penumbra takes ~10 s to cross in LEO.

No test here touches the network: the builtin timescale and DE421 (a Python package of arrays)
are local, and a fixture makes any socket connection fail.
"""

from __future__ import annotations

import socket
from pathlib import Path

import de421  # test oracle (dev extra), never imported by leodc
import numpy as np
import pytest
import sgp4
from jplephem import Ephemeris
from sgp4.api import Satrec
from skyfield.api import EarthSatellite, load
from skyfield.framelib import itrs
from skyfield.geometry import intersect_line_and_sphere

from leodc.constants import EARTH_RADIUS_KM, EARTH_ROTATION_RAD_PER_S, SECONDS_PER_DAY
from leodc.environment.eclipse import eclipse_events, illumination_conical, illumination_cylindrical
from leodc.orbits.frames import teme_to_gcrs, teme_to_itrs
from leodc.orbits.sun import sun_position_km

VERIFICATION_TLE = Path(sgp4.__file__).parent / "SGP4-VER.TLE"
# near-Earth (00005 eccentric, 06251 LEO, 28057 sun-synchronous LEO) and deep-space (08195 Molniya,
# 22674 12-hour eccentric)
SATELLITES = ["00005", "06251", "28057", "08195", "22674"]
GCRS_TOLERANCE_RAD = 2.5e-7
ITRS_TOLERANCE_RAD = 2e-8
ITRS_VELOCITY_TOLERANCE_KM_S = 1e-7
STEP_S = 30.0


@pytest.fixture(scope="module", autouse=True)
def no_network():
    """Fail loudly if Skyfield (or anything else) tries to download during these tests."""

    def refuse(*args, **kwargs):
        raise RuntimeError("a test tried to open a network connection")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        yield


@pytest.fixture(scope="module")
def ts(no_network):
    return load.timescale(builtin=True)


def verification_tle(catalog_number: str) -> tuple[str, str]:
    """The two lines of one satellite from SGP4-VER.TLE (line 2 carries start/stop/step after col 69)."""
    lines = VERIFICATION_TLE.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"1 {catalog_number}"):
            return line[:69], lines[i + 1][:69]
    raise KeyError(catalog_number)


def propagate_teme(line1, line2, t):
    """Our chain's input: sgp4 TEME at the UTC Julian dates of Skyfield times ``t``."""
    jd, fraction = t.whole, t.tai_fraction - t._leap_seconds() / SECONDS_PER_DAY
    error, r_km, v_km_s = Satrec.twoline2rv(line1, line2).sgp4_array(jd, fraction)
    assert not error.any()
    return r_km, v_km_s, jd + fraction


@pytest.mark.parametrize("catalog_number", SATELLITES)
def test_frames_against_skyfield(ts, catalog_number):
    line1, line2 = verification_tle(catalog_number)
    satellite = EarthSatellite(line1, line2, ts=ts)
    t = satellite.epoch + np.linspace(0.0, 3.0, 200)
    r_teme, v_teme, jd_utc = propagate_teme(line1, line2, t)
    radius_km = np.linalg.norm(r_teme, axis=-1)
    speed_km_s = np.linalg.norm(v_teme, axis=-1)
    skyfield_gcrs = satellite.at(t)

    r_gcrs, v_gcrs = teme_to_gcrs(r_teme, v_teme, jd_utc)
    dr = np.linalg.norm(r_gcrs - skyfield_gcrs.position.km.T, axis=-1)
    dv = np.linalg.norm(v_gcrs - skyfield_gcrs.velocity.km_per_s.T, axis=-1)
    assert np.all(dr < GCRS_TOLERANCE_RAD * radius_km), f"GCRS {(dr / radius_km).max():.2e} rad"
    assert np.all(dv < GCRS_TOLERANCE_RAD * speed_km_s), f"GCRS velocity {(dv / speed_km_s).max():.2e}"

    r_sky, v_sky = skyfield_gcrs.frame_xyz_and_velocity(itrs)
    r_itrs, v_itrs = teme_to_itrs(r_teme, v_teme, jd_utc, ut1_minus_utc_s=t.dut1)
    dr = np.linalg.norm(r_itrs - r_sky.km.T, axis=-1)
    dv = np.linalg.norm(v_itrs - v_sky.km_per_s.T, axis=-1)
    assert np.all(dr < ITRS_TOLERANCE_RAD * radius_km), f"ITRS {(dr / radius_km).max():.2e} rad"
    assert np.all(dv < ITRS_VELOCITY_TOLERANCE_KM_S), f"ITRS velocity {dv.max():.2e} km/s"

    # Neglecting UT1 - UTC turns the Earth by (UT1 - UTC) ω about the pole, and that is all.
    r_itrs_utc, _ = teme_to_itrs(r_teme, v_teme, jd_utc)
    dr = np.linalg.norm(r_itrs_utc - r_sky.km.T, axis=-1)
    equatorial_km = np.hypot(r_teme[:, 0], r_teme[:, 1])
    expected_km = np.abs(t.dut1) * EARTH_ROTATION_RAD_PER_S * equatorial_km
    assert np.all(np.abs(dr - expected_km) < 1e-3), f"{np.abs(dr - expected_km).max() * 1e3:.2f} m"


def test_frames_broadcast_over_satellites_and_time(ts):
    """r[n_sat, n_t, 3] with jd[n_t]: each satellite's row equals its own conversion."""
    t = ts.utc(2024, 3, 20, 0, 0, np.arange(0.0, 600.0, 60.0))
    jd_utc = t.whole + t.tai_fraction - t._leap_seconds() / SECONDS_PER_DAY
    rng = np.random.default_rng(1)
    r = rng.normal(size=(4, len(jd_utc), 3)) * 7000.0
    v = rng.normal(size=(4, len(jd_utc), 3)) * 7.5
    r_all, v_all = teme_to_gcrs(r, v, jd_utc)
    ri_all, vi_all = teme_to_itrs(r, v, jd_utc)
    for k in range(4):
        r_one, v_one = teme_to_gcrs(r[k], v[k], jd_utc)
        ri_one, vi_one = teme_to_itrs(r[k], v[k], jd_utc)
        assert np.array_equal(r_all[k], r_one) and np.array_equal(v_all[k], v_one)
        assert np.array_equal(ri_all[k], ri_one) and np.array_equal(vi_all[k], vi_one)
    # and a single vector at a single date
    r_single, _ = teme_to_gcrs(r[0, 3], v[0, 3], jd_utc[3])
    assert np.allclose(r_single, r_all[0, 3], rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def shadow_day(ts):
    """Both chains for 06251 over one day from its epoch at 30 s steps."""
    line1, line2 = verification_tle("06251")
    satellite = EarthSatellite(line1, line2, ts=ts)
    time_s = np.arange(0.0, SECONDS_PER_DAY + STEP_S, STEP_S)
    t = satellite.epoch + time_s / SECONDS_PER_DAY

    r_teme, _, jd_utc = propagate_teme(line1, line2, t)
    sun_km = sun_position_km(jd_utc)
    ours = illumination_cylindrical(r_teme, sun_km)

    eph = Ephemeris(de421)
    earth_km = eph.position("earthmoon", t.tdb) - eph.position("moon", t.tdb) / (1.0 + eph.EMRAT)
    sun_icrf_km = eph.position("sun", t.tdb) - earth_km  # [3, n]
    sat_gcrs_km = satellite.at(t).position.km  # [3, n]
    to_sun_km = sun_icrf_km - sat_gcrs_km
    near_km, _ = intersect_line_and_sphere(to_sun_km, -sat_gcrs_km, EARTH_RADIUS_KM)
    blocked = np.isfinite(near_km) & (near_km > 0.0) & (near_km < np.linalg.norm(to_sun_km, axis=0))
    independent = (~blocked).astype(float)
    return time_s, r_teme, sun_km, ours, independent


def near_boundary(lit: np.ndarray, steps: int) -> np.ndarray:
    """True within ``steps`` samples of a change of state."""
    change = np.zeros(lit.shape, dtype=bool)
    flips = np.nonzero(np.diff(lit))[0]
    for k in flips:
        change[max(k - steps + 1, 0):k + steps + 1] = True
    return change


def test_sunlit_agrees_with_independent_chain(shadow_day):
    time_s, _, _, ours, independent = shadow_day
    assert 0.2 < 1.0 - independent.mean() < 0.45  # this orbit does see eclipses on that day
    events = eclipse_events(time_s, independent)
    assert len(events.entry_s) >= 14  # ~15.6 revolutions a day
    disagree = ours != independent
    assert not np.any(disagree & ~near_boundary(independent, 1)), np.nonzero(disagree)[0]
    # and the boundaries themselves move by less than a step
    ours_events = eclipse_events(time_s, ours)
    assert np.allclose(ours_events.entry_s, events.entry_s, atol=STEP_S)
    assert np.allclose(ours_events.exit_s, events.exit_s, atol=STEP_S)


def test_conical_model_over_one_day(shadow_day):
    _time_s, r_teme, sun_km, cylindrical, _ = shadow_day
    fraction = illumination_conical(r_teme, sun_km)
    far = ~near_boundary(cylindrical, 2)  # more than a minute from any cylindrical boundary
    assert np.all(fraction[far & (cylindrical == 1.0)] == 1.0)
    assert np.all(fraction[far & (cylindrical == 0.0)] == 0.0)
    partial = (fraction > 0.0) & (fraction < 1.0)
    assert np.all(near_boundary(cylindrical, 1)[partial])


def test_penumbra_lasts_seconds(ts, shadow_day):
    """Around the first shadow entry, at 0.5 s steps: the penumbra lasts 5-30 s."""
    time_s, _, _, cylindrical, _ = shadow_day
    entry_s = eclipse_events(time_s, cylindrical).entry_s[0]
    line1, line2 = verification_tle("06251")
    satellite = EarthSatellite(line1, line2, ts=ts)
    fine_s = entry_s + np.arange(-120.0, 120.0, 0.5)
    t = satellite.epoch + fine_s / SECONDS_PER_DAY
    r_teme, _, jd_utc = propagate_teme(line1, line2, t)
    fraction = illumination_conical(r_teme, sun_position_km(jd_utc))
    assert fraction[0] == 1.0 and fraction[-1] == 0.0
    assert np.all(np.diff(fraction) <= 0.0)  # going into shadow, the visible disk only shrinks
    penumbra_s = 0.5 * np.count_nonzero((fraction > 0.0) & (fraction < 1.0))
    assert 5.0 < penumbra_s < 30.0, penumbra_s
    # the cylinder's boundary lies inside the penumbra
    half = eclipse_events(fine_s, fraction).entry_s[0]
    assert abs(half - entry_s) < 15.0
