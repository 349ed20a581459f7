"""The fast propagator (``leodc.orbits.secular``) against its authority, SGP4.

SGP4 (python-sgp4, WGS72; itself checked against Vallado's verification output in
``test_against_vallado_sgp4_reader.py``) is the reference: the fast path claims to be SGP4's near-Earth formula
without drag and without the deep-space terms. Every comparison runs both over the same time grid;
the SGP4 times are passed as a whole Julian day plus a fraction so that the grid is exact (a single
float64 Julian date rounds to ~20 µs, 0.15 m along-track).

What was measured (one day at 60 s; velocities are magnitudes of the vector difference):

* designed drag-free shells (Walker 550 km 53°, sun-synchronous 650 km, Walker 1200 km 30°):
  13.87 m, 14.07 m and 15.15 m, 7.6 mm/s. That is all SGP4's eccentricity floor: SGP4 raises a mean
  eccentricity below 1e-6 to 1e-6 (``if em < 1e-6: em = 1e-6`` in ``sgp4``), which puts a designed
  circular orbit on an ellipse whose along-track swing is 2 a e = 13.86, 14.06 and 15.16 m. With
  e = 1e-6 given to both, they agree to 3.3 mm and 1.6 µm/s.
* real TLEs with B* set to zero: 0.15 m and 0.18 mm/s, the same for all 29 satellites including the
  eccentric FREGAT DEB (e = 0.095): ``FleetElements.epoch_jd`` keeps each epoch as one float64, which
  rounds it by up to ~20 µs.
* real TLEs as published: the error is SGP4's drag displacement (SGP4 with B* against SGP4 without),
  to 0.15 m at every step. Over the day after the newest epoch: ISS 4.6 km; median 73 km; largest
  9,462 km (HSKSAT, a CubeSat decaying from ~190 km whose elements are 1.4 days older than the start).
* the stepped circular path (the engine kernel's, no trigonometric call per step) against
  ``state_at``: positions within 7.5e-8 km over a 240-step window; velocities within 0.0158 km/s
  (0.22 % of the orbital speed), since the stepped velocity is the circular speed along the in-plane
  normal without SGP4's short-period velocity terms.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from leodc.constants import SECONDS_PER_DAY
from leodc.orbits.elements import SGP4_EPOCH_ORIGIN_JD, from_satrecs, satrec_for
from leodc.orbits.propagate import propagate_sgp4
from leodc.orbits.secular import (
    ECC,
    REL_RATE,
    circular_angles,
    circular_constants,
    circular_position,
    is_circular,
    pack,
    propagate_fast,
    state_at,
)
from leodc.orbits.shells import fleet_elements
from leodc.orbits.tle import read_fleet
from leodc.scenario import Shell

DATA = Path(__file__).resolve().parent / "data"
STATIONS_TLE = DATA / "celestrak-stations-2023-07-07.tle"
EPOCH_JD = 2461119.5  # 2026-03-20 00:00 UTC
START_JD = EPOCH_JD + 0.25
DAY_AT_60_S = np.arange(0.0, SECONDS_PER_DAY + 60.0, 60.0)
SGP4_ECCENTRICITY_FLOOR = 1e-6  # sgp4(): em < 1e-6 is raised to 1e-6
M_PER_KM = 1000.0

SHELLS = [
    Shell(kind="walker-delta", satellites=120, altitude_km=550.0, inclination_deg=53.0, planes=12, phasing=1),
    Shell(kind="sun-synchronous", satellites=80, altitude_km=650.0, planes=8, ltan_h=10.5, ltan_spread_h=3.0),
    Shell(kind="walker-delta", satellites=60, altitude_km=1200.0, inclination_deg=30.0, planes=6, phasing=2),
]


def sgp4_states(satrecs, start_jd: float, t_s: np.ndarray):
    """SGP4 at start_jd + t_s, the time grid kept exact as whole day + fraction."""
    whole = math.floor(start_jd)
    return propagate_sgp4(satrecs, np.full(t_s.size, float(whole)), (start_jd - whole) + t_s / SECONDS_PER_DAY)


def errors_m(r_km, v_km_s, r_ref_km, v_ref_km_s):
    """Position (m) and velocity (m/s) differences, shape (n_sat, n_t)."""
    return (np.linalg.norm(r_km - r_ref_km, axis=-1) * M_PER_KM,
            np.linalg.norm(v_km_s - v_ref_km_s, axis=-1) * M_PER_KM)


@pytest.fixture(scope="module")
def designed():
    elements = fleet_elements(SHELLS, EPOCH_JD)
    satrecs = [satrec_for(elements, i) for i in range(len(elements))]
    r_ref, v_ref, err = sgp4_states(satrecs, START_JD, DAY_AT_60_S)
    assert not err.any()
    return elements, r_ref, v_ref


def test_designed_shells_differ_from_sgp4_by_its_eccentricity_floor_only(designed):
    """Designed shells are circular (e = 0); SGP4 flies them at e = 1e-6, an along-track swing of
    2 a e (13.9 m at 550 km, 15.2 m at 1200 km). Bound: 2 a e + 0.5 m per satellite (the rest,
    measured, is millimetres) and 0.01 m/s (measured 7.6 mm/s; the floor's v e is 7.6 mm/s)."""
    elements, r_ref, v_ref = designed
    r, v = propagate_fast(elements, START_JD, DAY_AT_60_S)
    dr_m, dv_m_s = errors_m(r, v, r_ref, v_ref)
    swing_m = 2.0 * elements.a_km * SGP4_ECCENTRICITY_FLOOR * M_PER_KM
    assert np.all(dr_m.max(axis=1) <= swing_m + 0.5)
    assert dv_m_s.max() < 0.01
    # and it is the floor: every shell's error reaches its swing (to within 1 m)
    for k in range(len(SHELLS)):
        in_shell = elements.shell == k
        assert dr_m[in_shell].max() == pytest.approx(swing_m[in_shell][0], abs=1.0)


def test_designed_shells_at_the_floor_eccentricity_match_sgp4_to_millimetres(designed):
    """Given SGP4's own floor eccentricity, the fast path is SGP4: measured 3.3 mm and 1.6 µm/s
    over the day; bound 1 cm and 5 µm/s."""
    elements, r_ref, v_ref = designed
    at_floor = dataclasses.replace(elements, ecc=np.full(len(elements), SGP4_ECCENTRICITY_FLOOR))
    r, v = propagate_fast(at_floor, START_JD, DAY_AT_60_S)
    dr_m, dv_m_s = errors_m(r, v, r_ref, v_ref)
    assert dr_m.max() < 0.01
    assert dv_m_s.max() < 5e-6


@pytest.fixture(scope="module")
def stations():
    fleet = read_fleet(STATIONS_TLE)
    assert len(fleet) == 29
    start_jd = float(fleet.epoch_jd.max())  # the ISS epoch, 2023-07-07 12:23:56 UTC
    r_ref, v_ref, err = sgp4_states(fleet, start_jd, DAY_AT_60_S)
    # no satellite is skipped: SGP4 propagates every one of them over the day without an error code
    failing = np.flatnonzero(err.any(axis=1))
    assert failing.size == 0, f"SGP4 reports errors for {fleet.norad_ids[failing]}"
    return fleet, start_jd, r_ref, v_ref


def drag_free(satrec: Satrec) -> Satrec:
    """The same mean elements, with B* and the mean-motion derivatives set to zero."""
    out = Satrec()
    out.sgp4init(WGS72, "i", satrec.satnum, satrec.jdsatepoch + satrec.jdsatepochF - SGP4_EPOCH_ORIGIN_JD,
                 0.0, 0.0, 0.0, satrec.ecco, satrec.argpo, satrec.inclo, satrec.mo, satrec.no_kozai, satrec.nodeo)
    return out


def test_real_fleet_without_drag_matches_sgp4(stations):
    """Real element sets (e up to 0.095) with B* = 0: measured 0.154 m and 0.18 mm/s for every
    satellite, which is the ~20 µs rounding of each epoch held as one float64 Julian date
    (7.7 km/s x 20 µs = 0.15 m). Bound 0.5 m and 1 mm/s."""
    fleet, start_jd, _, _ = stations
    satrecs = [drag_free(s) for s in fleet.satrecs]
    r_ref, v_ref, err = sgp4_states(satrecs, start_jd, DAY_AT_60_S)
    assert not err.any()
    r, v = propagate_fast(from_satrecs(satrecs), start_jd, DAY_AT_60_S)
    dr_m, dv_m_s = errors_m(r, v, r_ref, v_ref)
    assert dr_m.max() < 0.5
    assert dv_m_s.max() < 1e-3


def test_real_fleet_error_is_the_drag_the_fast_path_leaves_out(stations):
    """Fast against SGP4 on the published elements: the error is SGP4's drag displacement (SGP4
    with B* against SGP4 with B* = 0), which grows with |B*| and as the square of the time since
    the epoch. Per satellite and step the two agree to 0.5 m (measured 0.15 m, the epoch rounding
    above). The sizes, over the day after the newest epoch: ISS 4.58 km (B* 1.9e-4, elements of
    the start); median over the 29 satellites 72.7 km; largest 9,462 km (HSKSAT, ~190 km high)."""
    fleet, start_jd, r_ref, v_ref = stations
    elements = from_satrecs(fleet.satrecs, fleet.norad_ids)
    r, v = propagate_fast(elements, start_jd, DAY_AT_60_S)
    dr_m, _ = errors_m(r, v, r_ref, v_ref)
    r_free, v_free, err = sgp4_states([drag_free(s) for s in fleet.satrecs], start_jd, DAY_AT_60_S)
    assert not err.any()
    drag_m, _ = errors_m(r_free, v_free, r_ref, v_ref)
    assert np.abs(dr_m - drag_m).max() < 0.5
    worst_m = dr_m.max(axis=1)
    iss = int(np.flatnonzero(fleet.norad_ids == 25544)[0])
    assert worst_m[iss] == pytest.approx(4580.0, rel=0.01)
    assert np.median(worst_m) == pytest.approx(72.7e3, rel=0.01)
    assert worst_m.max() == pytest.approx(9462e3, rel=0.01)
    assert fleet.norad_ids[worst_m.argmax()] == 55182  # HSKSAT
    # B* sets the scale: the four satellites with the smallest |B*| (5.9e-6, elements 16 days old)
    # drift less than the ISS modules with 48x the B* and the same age
    bstar = np.abs([s.bstar for s in fleet.satrecs])
    age_d = start_jd - fleet.epoch_jd
    old = age_d > 15.0
    low = old & (bstar < 1e-5)
    assert low.sum() == 5 and (old & ~low).sum() == 5
    assert worst_m[low].max() < worst_m[old & ~low].min() / 10.0


def test_stepped_circular_path_equals_state_at():
    """The kernel's path for circular satellites steps sin/cos of the mean argument of latitude and
    of the node by rotation and expands the small corrections as series. Over a 240-step window
    at 60 s (the start of the day and its last window), against ``state_at``: positions within
    1e-6 km (measured 7.5e-8 km); velocities within 0.4 % of the speed (measured 0.22 %, 0.0158
    km/s): the stepped velocity leaves out SGP4's short-period velocity terms (the engine uses
    the velocity only to time shadow crossings within a step)."""
    elements = fleet_elements(SHELLS, EPOCH_JD)
    el = pack(elements, START_JD)
    step_s, n_steps = 60.0, 240
    worst_r_km = worst_v_rel = 0.0
    for i in range(0, el.shape[0], 4):
        assert is_circular(el, i)
        consts = circular_constants(el, i)
        for t0_s in (0.0, SECONDS_PER_DAY - n_steps * step_s):
            u0, node0, u_rate, node_rate = circular_angles(el, i, t0_s)
            su, cu, sn, cn = math.sin(u0), math.cos(u0), math.sin(node0), math.cos(node0)
            sdu, cdu = math.sin(u_rate * step_s), math.cos(u_rate * step_s)
            sdn, cdn = math.sin(node_rate * step_s), math.cos(node_rate * step_s)
            for k in range(n_steps):
                stepped = np.array(circular_position(consts, su, cu, sn, cn))
                exact = np.array(state_at(el, i, t0_s + k * step_s))
                worst_r_km = max(worst_r_km, float(np.linalg.norm(stepped[:3] - exact[:3])))
                worst_v_rel = max(worst_v_rel,
                                  float(np.linalg.norm(stepped[3:] - exact[3:]) / np.linalg.norm(exact[3:])))
                su, cu = su * cdu + cu * sdu, cu * cdu - su * sdu
                sn, cn = sn * cdn + cn * sdn, cn * cdn - sn * sdn
    assert worst_r_km < 1e-6
    assert worst_v_rel < 4e-3


def test_formation_members_are_not_stepped():
    """Satellites with a relative orbit or e > 0 take ``state_at`` in the kernel."""
    cluster = Shell(kind="cluster", satellites=7, altitude_km=650.0, radius_m=200.0)
    el = pack(fleet_elements([cluster], EPOCH_JD), EPOCH_JD)
    assert not is_circular(el, 1)
    el[1, ECC] = 1e-3
    el[1, REL_RATE] = 0.0
    assert not is_circular(el, 1)


def test_deep_space_satellites_are_refused_by_the_fast_path(tmp_path, leodc_cli):
    """SGP4's verification set includes 12-hour and Molniya orbits (periods >= 225 min): the fast
    path has no deep-space terms, so it refuses them with one line; SGP4 takes them."""
    import sgp4 as sgp4_package

    lines = [ln[:69] for ln in (Path(sgp4_package.__file__).parent / "SGP4-VER.TLE").read_text().splitlines()
             if ln.startswith(("1 08195", "2 08195"))]
    tle = tmp_path / "molniya.tle"
    tle.write_text("MOLNIYA 2-14\n" + "\n".join(lines) + "\n")
    out = leodc_cli("propagate", tle, "--start", "1975-06-01T00:00:00", "--hours", "1", "--out",
                    tmp_path / "e.parquet", "--propagator", "fast")
    assert out.returncode == 2 and "8195" in out.stderr and "sgp4" in out.stderr
    ok = leodc_cli("propagate", tle, "--start", "1975-06-01T00:00:00", "--hours", "1", "--out",
                   tmp_path / "e.parquet", "--propagator", "sgp4")
    assert ok.returncode == 0, ok.stderr
