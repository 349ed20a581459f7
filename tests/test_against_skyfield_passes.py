"""Contact windows against Skyfield's pass predictor, and handovers on a Walker shell.

(a) Passes of the ISS (ZARYA, 25544, from ``celestrak-stations-2023-07-07.tle``, epoch 2023-07-07
12:24 UTC) over Madrid (40.4 N) and Sydney (33.9 S), both from the shipped cities, for two days from
2023-07-07 00:00 UTC, above a 10 deg mask. Ours: SGP4 (python-sgp4, the same satrec) -> TEME -> ITRS
(``orbits.frames.teme_to_itrs``, UT1 - UTC neglected) at 30 s steps -> ``network.contacts``. The
oracle: Skyfield's ``EarthSatellite.find_events(topos, t0, t1, altitude_degrees=10)`` (rise,
culmination, set), which searches the continuous orbit with its own frames (Skyfield's UT1 - UTC) and
its WGS84 topocentre to half a second. Both find the same 12 passes over Madrid and 9 over Sydney.
Measured differences (ours - Skyfield), over the 21 passes:

* ``refine=True`` (the orbit interpolated between steps): rise within 0.19 s (ours earlier at all 21),
  set within 0.10 s, culmination within 0.10 s, maximum elevation within 0.0016 deg (the passes peak at
  10.7 to 88.4 deg).
* ``refine=False`` (elevation interpolated linearly, parabola through the peak's three samples): rise
  within 1.25 s, set within 0.81 s, culmination within 2.6 s; the maximum elevation is too low by up to
  2.5 deg on the three highest passes (73.4, 82.8 and 88.4 deg), where the elevation is sharply peaked
  and not a parabola over 60 s, by 0.26 and 0.57 deg on those peaking at 55 and 61 deg, and by at
  most 0.07 deg on the others.

Every difference is far within one step (30 s), the criterion of issue 10; the tests also hold each
method to about twice what was measured. Skyfield needs no ephemeris for passes: the builtin timescale
is local, and a fixture makes any socket connection fail.

(b) Handovers on a Walker delta shell (53 deg: 264/12/1 at 550 km), 25 deg mask, three hours at 30 s,
over five sites from always covered (Madrid) through partly covered (Sydney, Bogotá, Saint Petersburg,
with outages) to never (Kiruna, 67.9 N, beyond the 53 deg shell's reach of 61.4 deg): the windows equal
the runs of a brute-force elevation over every satellite and step (so the k-d tree prefilter drops
nothing and the chunks join up), ``"highest"`` equals the brute-force argmax, and ``"longest"`` keeps a
satellite until it sets, then takes the one that stays longest; it hands over no more often than
``"highest"`` (measured: 48, 27, 19, 0, 0 handovers against 81, 56, 20, 0, 0), and at least as often as
the longest possible pass (289 s at 25 deg) allows.
"""

from __future__ import annotations

import math
import socket
from pathlib import Path

import numpy as np
import pytest
from skyfield.api import EarthSatellite, load, wgs84

from leodc.constants import EARTH_RADIUS_KM, EARTH_ROTATION_RAD_PER_S, SECONDS_PER_DAY
from leodc.design import design
from leodc.errors import InputError
from leodc.network.contacts import (
    contact_windows,
    fleet_contacts,
    fleet_handovers,
    fleet_itrs_km,
    handovers,
    handovers_from_windows,
    scenario_contacts,
)
from leodc.network.ground import builtin_sites, elevation_deg
from leodc.orbits.epochs import julian_date, timestamps
from leodc.orbits.shells import fleet_elements
from leodc.orbits.tle import read_fleet
from leodc.scenario import Shell, load_scenario

STATIONS_TLE = Path(__file__).parent / "data" / "celestrak-stations-2023-07-07.tle"
START_UTC = "2023-07-07T00:00:00"
SPAN_DAYS = 2
STEP_S = 30.0
MASK_DEG = 10.0
PASS_SITES = ("Madrid", "Sydney")
# measured (module docstring), held to about twice that
TOLERANCE = {True: {"rise_s": 0.4, "set_s": 0.4, "culmination_s": 0.4, "elevation_deg": 0.005},
             False: {"rise_s": 2.5, "set_s": 2.0, "culmination_s": 5.0, "elevation_deg": 5.0}}

WALKER = Shell(kind="walker-delta", satellites=264, altitude_km=550.0, inclination_deg=53.0, planes=12, phasing=1)
WALKER_SITES = ("Madrid", "Sydney", "Bogotá", "Saint Petersburg", "ESA Kiruna (KIR-1)")  # see the docstring
WALKER_MASK_DEG = 25.0
WALKER_HOURS = 3


@pytest.fixture(scope="module", autouse=True)
def no_network():
    """Fail loudly if Skyfield (or anything else) tries to download during these tests."""

    def refuse(*args, **kwargs):
        raise RuntimeError("a test tried to open a network connection")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        yield


def named_sites(names):
    sites = builtin_sites()
    return sites.take(np.array([sites.index(n) for n in names]))


@pytest.fixture(scope="module")
def iss():
    fleet = read_fleet(STATIONS_TLE)
    return fleet.satrecs[fleet.names.index("ISS (ZARYA)")]


@pytest.fixture(scope="module")
def iss_positions(iss):
    start_jd = julian_date(START_UTC)
    t_s = np.arange(0.0, SPAN_DAYS * SECONDS_PER_DAY + STEP_S, STEP_S)
    return start_jd, t_s, fleet_itrs_km([iss], start_jd, t_s)


def skyfield_passes(satrec, latitude_deg, longitude_deg, altitude_m):
    """Skyfield's passes over the span: rows of (rise s, culmination s, set s, max elevation deg), in
    seconds from the start; the highest culmination where a pass has several."""
    ts = load.timescale(builtin=True)
    satellite = EarthSatellite.from_satrec(satrec, ts)
    topos = wgs84.latlon(latitude_deg, longitude_deg, elevation_m=altitude_m)
    t0 = ts.utc(2023, 7, 7)
    t1 = ts.utc(2023, 7, 7 + SPAN_DAYS)
    t, events = satellite.find_events(topos, t0, t1, altitude_degrees=MASK_DEG)
    seconds = (t - t0) * SECONDS_PER_DAY
    altitude = (satellite - topos).at(t).altaz()[0].degrees
    assert events[0] == 0 and events[-1] == 2, "a pass open at the span's ends: move the span"
    passes, current = [], None
    for kind, when, alt in zip(events, seconds, altitude, strict=True):
        if kind == 0:
            current = [when, None, None, -90.0]
        elif kind == 1 and alt > current[3]:
            current[1], current[3] = when, alt
        elif kind == 2:
            current[2] = when
            passes.append(current)
    return np.array(passes)


@pytest.mark.parametrize("refine", [True, False], ids=["refined", "linear"])
@pytest.mark.parametrize("site_name", PASS_SITES)
def test_iss_windows_agree_with_skyfield(iss, iss_positions, site_name, refine):
    start_jd, t_s, r = iss_positions
    sites = named_sites([site_name])
    windows = contact_windows(sites, r, t_s, MASK_DEG, sat_ids=[iss.satnum], start_jd=start_jd, refine=refine)
    expected = skyfield_passes(iss, sites.latitude_deg[0], sites.longitude_deg[0], sites.altitude_m[0])
    assert len(windows) == len(expected) >= 8
    assert not windows.start_clipped.any() and not windows.end_clipped.any()
    assert np.all(windows.sat_id == 25544)
    errors = {"rise_s": windows.start_s - expected[:, 0], "culmination_s": windows.culmination_s - expected[:, 1],
              "set_s": windows.end_s - expected[:, 2], "elevation_deg": windows.max_elevation_deg - expected[:, 3]}
    for name, error in errors.items():
        if name != "elevation_deg":
            assert np.all(np.abs(error) < STEP_S), (name, error)  # issue 10: within one step
        assert np.all(np.abs(error) < TOLERANCE[refine][name]), (name, np.abs(error).max())
    # the peak lies between the crossings, and the windows last what ISS passes last above 10 deg
    assert np.all((windows.start_s < windows.culmination_s) & (windows.culmination_s < windows.end_s))
    assert np.all((windows.duration_s > 60.0) & (windows.duration_s < 600.0))


def test_window_table(iss, iss_positions):
    start_jd, t_s, r = iss_positions
    windows = contact_windows(named_sites(PASS_SITES), r, t_s, MASK_DEG, sat_ids=[iss.satnum], start_jd=start_jd)
    table = windows.table()
    assert table.column_names[:6] == ["site", "sat_id", "start", "end", "duration_s", "max_elevation_deg"]
    assert table.num_rows == len(windows)
    assert set(table.column("site").to_pylist()) == set(PASS_SITES)
    start = table.column("start").to_numpy()
    assert np.array_equal(start, timestamps(start_jd, windows.start_s))
    assert str(start[0]).startswith("2023-07-07")
    assert np.allclose(table.column("duration_s").to_numpy(), windows.end_s - windows.start_s)
    # sorted by site, then start
    assert np.all(np.diff(windows.site) >= 0)
    same = windows.site[1:] == windows.site[:-1]
    assert np.all(np.diff(windows.start_s)[same] > 0)


def test_fleet_contacts_of_a_real_fleet(iss, iss_positions):
    """The whole stations file, propagated in chunks of 5 satellites: the ISS's windows are those found
    from its own positions, under its NORAD number."""
    start_jd, t_s, r = iss_positions
    sites = named_sites(PASS_SITES)
    fleet = read_fleet(STATIONS_TLE)
    every = fleet_contacts(fleet, sites, start_jd, t_s, MASK_DEG, chunk_samples=5 * t_s.size)
    assert set(every.sat_id.tolist()) <= set(fleet.norad_ids.tolist())
    assert np.array_equal(fleet.norad_ids[every.sat], every.sat_id)
    mine = every.take(every.sat_id == iss.satnum)
    alone = contact_windows(sites, r, t_s, MASK_DEG, sat_ids=[iss.satnum], start_jd=start_jd)
    assert np.array_equal(mine.site, alone.site)
    assert np.allclose(mine.start_s, alone.start_s, rtol=0, atol=1e-6)
    assert np.allclose(mine.end_s, alone.end_s, rtol=0, atol=1e-6)


def test_unknown_positions_cut_windows(iss, iss_positions):
    """A step without a position (SGP4 failed there) inside a pass cuts it in two, each half marked
    clipped at the cut; a satellite without any position has no window."""
    _, t_s, r = iss_positions
    sites = named_sites(["Madrid"])
    whole = contact_windows(sites, r, t_s, MASK_DEG)
    k = int(whole.first_step[0]) + 2
    holed = np.concatenate([r, np.full_like(r, np.nan)])
    holed[0, k] = np.nan
    cut = contact_windows(sites, holed, t_s, MASK_DEG)
    assert len(cut) == len(whole) + 1 and np.all(cut.sat == 0)
    assert cut.end_clipped[0] and cut.end_s[0] == t_s[k - 1] and cut.start_s[0] == whole.start_s[0]
    assert cut.start_clipped[1] and cut.start_s[1] == t_s[k + 1] and cut.end_s[1] == whole.end_s[0]
    assert np.array_equal(cut.start_s[2:], whole.start_s[1:])


def test_bad_input_is_one_line():
    sites = named_sites(["Madrid"])
    r = np.zeros((1, 3, 3))
    with pytest.raises(InputError, match="strictly increasing"):
        contact_windows(sites, r, np.array([0.0, 0.0, 30.0]), MASK_DEG)
    with pytest.raises(InputError, match="elevation masks"):
        contact_windows(sites, r, np.array([0.0, 30.0, 60.0]), 91.0)
    with pytest.raises(InputError, match="expected positions"):
        contact_windows(sites, np.zeros((1, 2, 3)), np.array([0.0, 30.0, 60.0]), MASK_DEG)
    with pytest.raises(InputError, match="rule"):
        handovers(sites, r, np.array([0.0, 30.0, 60.0]), MASK_DEG, rule="nearest")
    with pytest.raises(InputError, match="propagator"):
        fleet_itrs_km([], 2460132.5, np.array([0.0]), propagator="rk4")


# ---------------------------------------------------------------------------------------------- Walker shell
@pytest.fixture(scope="module")
def walker():
    start_jd = julian_date("2026-03-20T00:00:00")
    elements = fleet_elements([WALKER], start_jd)
    t_s = np.arange(0.0, WALKER_HOURS * 3600.0, STEP_S)
    r = fleet_itrs_km(elements, start_jd, t_s, propagator="sgp4")
    sites = named_sites(WALKER_SITES)
    dense = np.stack([elevation_deg(sites, r[:, j]) for j in range(t_s.size)], axis=-1)  # [site, sat, step]
    return start_jd, elements, t_s, r, sites, dense


def dense_runs(visible: np.ndarray) -> set[tuple[int, int, int, int]]:
    """(site, satellite, first step, last step) of every run of True along the last axis."""
    padded = np.pad(visible, ((0, 0), (0, 0), (1, 1)))
    edges = np.diff(padded.astype(np.int8), axis=-1)
    site_r, sat_r, first = np.nonzero(edges == 1)
    _, _, after = np.nonzero(edges == -1)  # the same order: by site, satellite, then step
    return set(zip(site_r.tolist(), sat_r.tolist(), first.tolist(), (after - 1).tolist(), strict=True))


def test_walker_windows_equal_brute_force(walker):
    start_jd, elements, t_s, r, sites, dense = walker
    # small chunks: the windows of 13 satellites at a time must join up to the same set
    windows = contact_windows(sites, r, t_s, WALKER_MASK_DEG, sat_ids=elements.sat_id, start_jd=start_jd,
                              chunk_samples=5000)
    found = set(zip(windows.site.tolist(), windows.sat.tolist(), windows.first_step.tolist(),
                    windows.last_step.tolist(), strict=True))
    assert found == dense_runs(dense >= WALKER_MASK_DEG)
    inner = ~windows.start_clipped & ~windows.end_clipped
    assert inner.sum() > 100
    # the crossings lie between the last step below and the first above, and the peak tops the samples
    assert np.all(windows.start_s[inner] > t_s[windows.first_step[inner] - 1])
    assert np.all(windows.start_s <= t_s[windows.first_step])
    assert np.all(windows.end_s[inner] < t_s[windows.last_step[inner] + 1])
    assert np.all(windows.end_s >= t_s[windows.last_step])
    sample_max = np.array([dense[s, k, a:b + 1].max() for s, k, a, b in
                           zip(windows.site, windows.sat, windows.first_step, windows.last_step, strict=True)])
    assert np.all(windows.max_elevation_deg >= sample_max - 1e-9)
    # and chunked propagation of the fleet gives the same windows
    by_fleet = fleet_contacts(elements, sites, start_jd, t_s, WALKER_MASK_DEG, chunk_samples=20000)
    for name in ("site", "sat", "sat_id", "first_step", "last_step"):
        assert np.array_equal(getattr(by_fleet, name), getattr(windows, name)), name
    assert np.allclose(by_fleet.start_s, windows.start_s, rtol=0, atol=1e-6)
    assert np.allclose(by_fleet.max_elevation_deg, windows.max_elevation_deg, rtol=0, atol=1e-9)


def longest_pass_s(altitude_km: float, mask_deg: float) -> float:
    """The longest a circular orbit can stay above a mask: the Earth central angle of the visibility
    circle's diameter, at the slowest angular rate relative to the turning Earth (n - ω)."""
    e = math.radians(mask_deg)
    half_angle = math.acos(EARTH_RADIUS_KM * math.cos(e) / (EARTH_RADIUS_KM + altitude_km)) - e
    n = math.sqrt(398600.4418 / (EARTH_RADIUS_KM + altitude_km) ** 3)
    return 2.0 * half_angle / (n - EARTH_ROTATION_RAD_PER_S)


def test_walker_handovers(walker):
    start_jd, elements, t_s, r, sites, dense = walker
    highest = handovers(sites, r, t_s, WALKER_MASK_DEG, rule="highest", sat_ids=elements.sat_id,
                        start_jd=start_jd, chunk_samples=5000)
    longest = handovers(sites, r, t_s, WALKER_MASK_DEG, rule="longest", sat_ids=elements.sat_id, start_jd=start_jd)
    best = dense.max(axis=1)
    covered = best >= WALKER_MASK_DEG
    share = covered.mean(axis=1)
    assert share[0] == 1.0 and np.all((share[1:4] > 0.5) & (share[1:4] < 1.0)) and share[4] == 0.0

    # "highest" is the brute-force argmax wherever a satellite is above the mask
    assert np.array_equal(highest.serving >= 0, covered)
    assert np.array_equal(highest.serving[covered], dense.argmax(axis=1)[covered])
    assert np.allclose(highest.serving_elevation_deg[covered], best[covered], atol=1e-9)

    # "longest": the same coverage; the satellite in use is above the mask ...
    assert np.array_equal(longest.serving >= 0, covered)
    site, step = np.nonzero(covered)
    in_use = longest.serving[site, step]
    assert np.all(dense[site, in_use, step] >= WALKER_MASK_DEG)
    assert np.allclose(longest.serving_elevation_deg[site, step], dense[site, in_use, step], atol=1e-9)
    # ... it is dropped only when it sets, and its successor's window ends last of all those visible
    windows = contact_windows(sites, r, t_s, WALKER_MASK_DEG)
    for s, j in zip(*np.nonzero(longest.switches), strict=True):
        before, after = longest.serving[s, j - 1], longest.serving[s, j]
        assert dense[s, before, j] < WALKER_MASK_DEG
        open_now = (windows.site == s) & (windows.first_step <= j) & (windows.last_step >= j)
        chosen = open_now & (windows.sat == after)
        assert windows.end_s[chosen].item() == windows.end_s[open_now].max()

    # counts: "longest" switches less often; no satellite stays in use longer than the longest pass
    assert np.all(longest.handovers <= highest.handovers) and longest.handovers.sum() < highest.handovers.sum()
    assert np.all(longest.handovers[:3] > 0) and np.all(longest.outages[1:4] > 0)
    assert np.array_equal(longest.outages, highest.outages)  # the same coverage, the same gaps
    for h in (highest, longest):
        assert np.array_equal(h.hourly_handovers().sum(axis=1), h.handovers)
        assert h.hourly_handovers().shape == (len(sites), WALKER_HOURS)
        assert np.allclose(h.handovers_per_hour, h.handovers / ((t_s[-1] - t_s[0]) / 3600.0))
    used = longest.serving >= 0
    acquisitions = used[:, 0].astype(int) + np.sum(~used[:, :-1] & used[:, 1:], axis=1)
    segments = longest.handovers + acquisitions
    assert np.all(segments >= used.sum(axis=1) * STEP_S / (longest_pass_s(WALKER.altitude_km, WALKER_MASK_DEG)
                                                           + STEP_S))
    # the windows alone give the same "longest" choice (the path for fleets too large to hold)
    from_windows = handovers_from_windows(windows, t_s, len(elements))
    assert np.array_equal(from_windows.serving, longest.serving)

    summary = {row["site"]: row for row in longest.summary()}
    assert set(summary) == set(WALKER_SITES)
    assert summary["ESA Kiruna (KIR-1)"]["mean_serving_s"] is None  # never covered
    assert all(row["mean_serving_s"] <= longest_pass_s(WALKER.altitude_km, WALKER_MASK_DEG) + STEP_S
               for name, row in summary.items() if name != "ESA Kiruna (KIR-1)")
    table = longest.table()
    assert table.num_rows == len(sites) * t_s.size
    assert table.column("sat_id").null_count == int((~covered).sum())
    assert int(np.sum(table.column("handover").to_numpy())) == int(longest.handovers.sum())


@pytest.mark.parametrize("rule", ["highest", "longest"])
def test_fleet_handovers_equal_those_from_positions(walker, rule):
    """Propagated chunk by chunk (20 satellites at a time), the same choice at every step."""
    start_jd, elements, t_s, r, sites, _ = walker
    whole = handovers(sites, r, t_s, WALKER_MASK_DEG, rule=rule, sat_ids=elements.sat_id)
    chunked = fleet_handovers(elements, sites, start_jd, t_s, WALKER_MASK_DEG, rule=rule,
                              chunk_samples=20 * t_s.size)
    assert np.array_equal(chunked.serving, whole.serving)
    assert np.allclose(chunked.serving_elevation_deg, whole.serving_elevation_deg, rtol=0, atol=1e-9,
                       equal_nan=True)


def test_scenario_contacts():
    """The scenario's fleet (the default design laid out as one 53 deg shell), its start and its mask."""
    sc = load_scenario("builtin:default", ["orbit.kind=inclined", "orbit.altitude_km=550",
                                           "orbit.inclination_deg=53", "fleet.target_satellites=264"])
    d = design(sc)
    windows, served = scenario_contacts(sc, d, ["Madrid", "London"], hours=1.0, step_s=30.0)
    assert len(windows) > 20 and set(windows.site_names) == {"Madrid", "London"}
    assert np.all(windows.max_elevation_deg >= sc.network.min_elevation_deg)
    assert str(windows.table().column("start")[0]).startswith(sc.simulation.start_utc[:10])
    assert served.rule == "longest" and served.serving.shape == (2, 121)
    assert [row["site"] for row in served.summary()] == ["Madrid", "London"]
    with pytest.raises(InputError, match=r"--site.*unknown ground site 'Atlantis'"):
        scenario_contacts(sc, d, ["Atlantis"])
    with pytest.raises(InputError, match="--step-s"):
        scenario_contacts(sc, d, ["Madrid"], step_s=0.0)
