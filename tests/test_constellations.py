"""Designed constellations (``leodc.orbits.shells``): Walker delta and star shells, sun-synchronous
shells, formation clusters; the scenario's shells and the engine's default shell.

Authorities: Walker's i:T/P/F definition (Walker 1984, JBIS 37, 559: P planes with nodes spaced
360°/P, or 180°/P for a star pattern; T/P satellites per plane; adjacent planes phased by F·360°/T);
SGP4 for the planes and nodal rates the elements produce (the osculating node from r x v at the
epoch; ``nodedot``); SGP4's own Greenwich mean sidereal time (``sgp4.propagation.gstime``) for the
mean Sun (its right ascension is GMST + 180° - 15°/h x UT, the definition of mean solar time);
the Hill-Clohessy-Wiltshire geometry the cluster docstring states, on positions from the fast
propagator (checked against SGP4 in ``test_fast_propagator.py``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sgp4.propagation import gstime

from leodc.constants import SECONDS_PER_DAY
from leodc.design import design
from leodc.design.orbit import sun_synchronous_inclination_deg
from leodc.orbits.elements import satrec_for
from leodc.orbits.propagate import propagate_sgp4
from leodc.orbits.secular import propagate_fast
from leodc.orbits.shells import cluster_relative_orbits, fleet_elements, walker
from leodc.scenario import InputError, Shell, load_scenario
from leodc.simulate.engine import default_shell, fleet_of, julian_date

EPOCH_JD = 2461119.5  # 2026-03-20 00:00 UTC
DEG = math.pi / 180.0
TROPICAL_YEAR_DAYS = 365.2421897
STATIONS_TLE = Path(__file__).resolve().parent / "data" / "celestrak-stations-2023-07-07.tle"


def wrap_deg(angle_deg):
    """An angle difference in (-180°, 180°]."""
    return (np.asarray(angle_deg) + 180.0) % 360.0 - 180.0


def osculating_node_deg(elements) -> np.ndarray:
    """Each satellite's ascending node from SGP4's r x v at the epoch (TEME)."""
    satrecs = [satrec_for(elements, i) for i in range(len(elements))]
    r, v, err = propagate_sgp4(satrecs, np.array([EPOCH_JD]), np.array([0.0]))
    assert not err.any()
    h = np.cross(r[:, 0], v[:, 0])
    return np.degrees(np.arctan2(h[:, 0], -h[:, 1])) % 360.0


# ---------------------------------------------------------------- Walker


@pytest.mark.parametrize("pattern, spread_deg", [("delta", 360.0), ("star", 180.0)])
def test_walker_node_spacing(pattern, spread_deg):
    total, planes = 24, 6
    raan, _ = walker(total, planes, 1, pattern)
    nodes = np.unique(np.round(np.degrees(raan), 9))
    assert nodes.size == planes
    assert np.allclose(np.diff(nodes), spread_deg / planes)
    assert nodes[0] == 0.0


def test_walker_phasing_between_adjacent_planes():
    """Satellite k of plane p+1 leads satellite k of plane p by F·360°/T (24/6/2: 30°)."""
    total, planes, phasing = 24, 6, 2
    _, m = walker(total, planes, phasing)
    m_deg = np.degrees(m).reshape(planes, total // planes)
    assert np.allclose(wrap_deg(m_deg[1:] - m_deg[:-1]), phasing * 360.0 / total)
    # within a plane, evenly spaced
    assert np.allclose(wrap_deg(np.diff(m_deg, axis=1)), 360.0 / (total // planes))


def test_walker_uneven_satellites_fill_the_first_planes():
    """26 satellites in 6 planes: 5, 5, 4, 4, 4, 4; each plane evenly spaced in itself."""
    raan, m = walker(26, 6, 1)
    plane = np.round(np.degrees(raan) / 60.0).astype(int)
    counts = np.bincount(plane)
    assert counts.tolist() == [5, 5, 4, 4, 4, 4]
    for p, count in enumerate(counts):
        m_deg = np.sort(np.degrees(m[plane == p]) % 360.0)
        gaps = np.diff(np.append(m_deg, m_deg[0] + 360.0))
        assert np.allclose(gaps, 360.0 / count)


def test_walker_rejects_more_planes_than_satellites():
    with pytest.raises(ValueError, match="planes <= satellites"):
        walker(4, 5, 0)


def test_walker_planes_as_sgp4_flies_them():
    """The osculating nodes SGP4 computes at the epoch sit on the designed planes: 360°/6 apart
    from raan0 = 10°, within 0.05° (measured 0.021°: J2's short-period node term)."""
    shell = Shell(kind="walker-delta", satellites=24, altitude_km=550.0, inclination_deg=53.0, planes=6,
                  phasing=2, raan0_deg=10.0)
    elements = fleet_elements([shell], EPOCH_JD)
    designed = 10.0 + np.repeat(np.arange(6), 4) * 60.0
    assert np.allclose(np.degrees(elements.raan_rad), designed)
    assert np.abs(wrap_deg(osculating_node_deg(elements) - designed)).max() < 0.05


# ---------------------------------------------------------------- sun-synchronous


def mean_sun_right_ascension_deg(jd_utc: float) -> float:
    """GMST + 180° - 15°/h x UT (UT1 = UTC here), with SGP4's GMST."""
    ut_h = ((jd_utc - 0.5) % 1.0) * 24.0
    return (math.degrees(gstime(jd_utc)) + 180.0 - 15.0 * ut_h) % 360.0


def test_sun_synchronous_inclination_and_sgp4_nodal_rate():
    """At the J2-only sun-synchronous inclination (97.986° at 650 km) SGP4's nodal rate (J2, J2² and
    J4 terms, WGS72) is 0.98262°/day against the mean Sun's 0.98565°/day: 0.31 % short, an LTAN drift
    of ~1.1°/year. The shell therefore takes the inclination at which SGP4's own rate matches the
    mean Sun (98.011°): the rate to 1e-7 relative (4e-5° of node a year), the inclination within 0.05°
    of the J2 value."""
    from leodc.orbits.elements import sgp4_rates

    j2_inc = sun_synchronous_inclination_deg(650.0)
    assert j2_inc == pytest.approx(97.986, abs=1e-3)
    a_km = elements_a = fleet_elements([Shell(kind="sun-synchronous", satellites=1, altitude_km=650.0)],
                                       EPOCH_JD).a_km[0]
    j2_rate = np.degrees(sgp4_rates(a_km, 0.0, np.radians(j2_inc), EPOCH_JD)[1]) * SECONDS_PER_DAY
    assert j2_rate == pytest.approx(0.98262, abs=1e-5)
    shell = Shell(kind="sun-synchronous", satellites=12, altitude_km=650.0, planes=3, ltan_h=6.0)
    elements = fleet_elements([shell], EPOCH_JD)
    assert elements_a == elements.a_km[0]
    inc = np.degrees(elements.inc_rad)
    assert np.allclose(inc, inc[0]) and inc[0] == pytest.approx(j2_inc, abs=0.05)
    rate_deg_per_day = np.degrees(elements.raan_rate_rad_per_s[0]) * SECONDS_PER_DAY
    assert rate_deg_per_day == pytest.approx(360.0 / TROPICAL_YEAR_DAYS, rel=1e-7)


@pytest.mark.parametrize("ltan_h", [6.0, 10.5, 13.5, 18.0])
def test_sun_synchronous_node_sits_at_its_ltan(ltan_h):
    """Node minus the mean Sun's right ascension = (LTAN - 12 h) x 15°/h, within 0.01° (measured
    0.0003°: the shell's mean-longitude series against SGP4's GMST), at a start that is not
    midnight."""
    epoch = EPOCH_JD + 0.3
    shell = Shell(kind="sun-synchronous", satellites=4, altitude_km=650.0, planes=1, ltan_h=ltan_h)
    elements = fleet_elements([shell], epoch)
    expected = (ltan_h - 12.0) * 15.0
    offset = wrap_deg(np.degrees(elements.raan_rad) - mean_sun_right_ascension_deg(epoch))
    assert np.abs(offset - expected).max() < 0.01


def test_sun_synchronous_osculating_node():
    """The osculating node SGP4 computes sits at the LTAN too, within 0.02° (measured 0.005°)."""
    shell = Shell(kind="sun-synchronous", satellites=6, altitude_km=650.0, planes=1, ltan_h=10.5)
    elements = fleet_elements([shell], EPOCH_JD)
    offset = wrap_deg(osculating_node_deg(elements) - mean_sun_right_ascension_deg(EPOCH_JD))
    assert np.abs(offset - (10.5 - 12.0) * 15.0).max() < 0.02


def test_sun_synchronous_planes_spread_over_ltan_spread_h():
    """4 planes over 2 h around 10:30: the centres of four half-hour bins, 9:45 to 11:15."""
    shell = Shell(kind="sun-synchronous", satellites=24, altitude_km=650.0, planes=4, ltan_h=10.5,
                  ltan_spread_h=2.0)
    elements = fleet_elements([shell], EPOCH_JD)
    ltan = 12.0 + wrap_deg(np.degrees(elements.raan_rad) - mean_sun_right_ascension_deg(EPOCH_JD)) / 15.0
    assert np.allclose(np.unique(np.round(ltan, 4)), [9.75, 10.25, 10.75, 11.25], atol=1e-3)
    assert np.bincount(np.round((ltan - 9.75) * 2).astype(int)).tolist() == [6, 6, 6, 6]


# ---------------------------------------------------------------- formation cluster (Suncatcher-like)

CLUSTER = Shell(kind="cluster", satellites=81, altitude_km=650.0, radius_m=1000.0, ltan_h=6.0)
DAY_AT_10_S = np.arange(0.0, SECONDS_PER_DAY + 10.0, 10.0)


@pytest.fixture(scope="module")
def cluster_day():
    elements = fleet_elements([CLUSTER], EPOCH_JD)
    r_km, _ = propagate_fast(elements, EPOCH_JD, DAY_AT_10_S)
    from_reference_m = np.linalg.norm(r_km - r_km[:1], axis=-1) * 1000.0
    return elements, r_km, from_reference_m


def test_cluster_reference_is_the_lattice_centre(cluster_day):
    elements, _, from_reference_m = cluster_day
    assert len(elements) == 81
    assert elements.rel_radial_amp_m[0] == 0.0
    assert from_reference_m[0].max() == 0.0
    assert np.all(elements.rel_rate_rad_per_s > 0.0)


def test_cluster_members_stay_within_radius(cluster_day):
    """The shells docstring: every member within radius_m (1000 m) of the reference at all times."""
    _, _, from_reference_m = cluster_day
    assert from_reference_m.max() <= CLUSTER.radius_m


def test_cluster_members_stay_apart_by_the_lattice_spacing(cluster_day):
    """The closest two members ever come is the hexagonal lattice spacing (97.6 m for 81 members
    within 1000 m): the closest approach over the day at 10 s equals it. Bound: 90 % of the spacing."""
    elements, r_km, _ = cluster_day
    _, spacing_m, _ = cluster_relative_orbits(81, CLUSTER.radius_m, elements.a_km[0], elements.inc_rad[0])
    assert spacing_m == pytest.approx(97.59, abs=0.05)
    closest_m = 1000.0 * min(float(np.linalg.norm(r_km[i + 1:] - r_km[i], axis=-1).min()) for i in range(len(r_km) - 1))
    assert closest_m > 0.9 * spacing_m
    assert closest_m == pytest.approx(spacing_m, rel=1e-6)


def test_cluster_relative_motion_is_bounded(cluster_day):
    """No secular drift: each member's greatest distance from the reference over the first relative
    revolution equals that over the last one of the day, within 1 m (measured 4 mm, the 10 s
    sampling of the peak). The distance at any one instant is no test: it swings with the phase."""
    elements, _, from_reference_m = cluster_day
    period_s = 2.0 * math.pi / elements.rel_rate_rad_per_s[0]
    n = int(period_s // 10.0)
    first, last = from_reference_m[:, :n].max(axis=1), from_reference_m[:, -n:].max(axis=1)
    assert np.abs(first - last).max() < 1.0


# ---------------------------------------------------------------- scenarios


def write_shells(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text('name = "shells"\n' + text, encoding="utf-8")
    return path


def test_scenario_shells_load(tmp_path: Path):
    path = write_shells(tmp_path, '[[constellation.shells]]\nkind = "walker-delta"\nsatellites = 24\n'
                                  'altitude_km = 550.0\nplanes = 6\nphasing = 2\n'
                                  '[[constellation.shells]]\nkind = "cluster"\nsatellites = 7\n'
                                  'altitude_km = 650.0\nradius_m = 300.0\n')
    s = load_scenario(path)
    assert [sh.kind for sh in s.constellation.shells] == ["walker-delta", "cluster"]
    elements, tle_lines = fleet_of(s, design(s), julian_date(s.simulation.start_utc))
    assert tle_lines is None
    assert len(elements) == 31 and elements.shell.tolist() == [0] * 24 + [1] * 7
    assert elements.sat_id.tolist() == list(range(31))


def test_scenario_rejects_more_planes_than_satellites(tmp_path: Path):
    path = write_shells(tmp_path, '[[constellation.shells]]\nkind = "walker-delta"\nsatellites = 5\n'
                                  'altitude_km = 550.0\nplanes = 10\n')
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    assert info.value.field == "constellation.shells.0"
    assert "planes (10) cannot exceed satellites (5)" in str(info.value)


def test_scenario_rejects_shells_and_tle_file_together(tmp_path: Path):
    path = write_shells(tmp_path, f'[constellation]\ntle_file = "{STATIONS_TLE}"\n'
                                  '[[constellation.shells]]\nkind = "walker-delta"\nsatellites = 5\n'
                                  'altitude_km = 550.0\n')
    with pytest.raises(InputError, match="give shells or tle_file, not both"):
        load_scenario(path)


# ---------------------------------------------------------------- the engine's default shell


def test_default_shell_sun_synchronous():
    """Without shells the engine lays the design's fleet out as one shell of [orbit], planes the
    nearest integer to sqrt(satellites): the bundled default, 1158 satellites, 34 planes."""
    s = load_scenario("builtin:default")
    d = design(s)
    shell = default_shell(s, d)
    assert (shell.kind, shell.satellites, shell.altitude_km, shell.ltan_h) == (
        "sun-synchronous", d.fleet.satellites, s.orbit.altitude_km, s.orbit.ltan_h)
    assert shell.planes == round(math.sqrt(d.fleet.satellites))
    assert (d.fleet.satellites, shell.planes) == (1158, 34)


def test_default_shell_places_every_satellite_apart():
    s = load_scenario("builtin:default")
    elements = fleet_elements([default_shell(s, design(s))], EPOCH_JD)
    slots = np.unique(np.round(np.stack([elements.raan_rad, elements.mean_anomaly_rad], axis=1), 9), axis=0)
    assert len(slots) == len(elements)


def test_default_shell_inclined_is_a_walker_delta():
    s = load_scenario("builtin:default", ["orbit.kind=inclined", "orbit.inclination_deg=53", "orbit.raan_deg=40",
                                          "fleet.target_satellites=1000"])
    shell = default_shell(s, design(s))
    assert (shell.kind, shell.satellites, shell.planes, shell.phasing) == ("walker-delta", 1000, 32, 1)
    assert (shell.inclination_deg, shell.raan0_deg) == (53.0, 40.0)


def test_default_shell_of_a_tiny_fleet_has_one_plane():
    s = load_scenario("builtin:default", ["fleet.target_satellites=2"])
    assert default_shell(s, design(s)).planes == 1
