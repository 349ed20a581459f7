"""Reading real fleets: CelesTrak's TLE and OMM files (tests/data/README.md says where each came from).

Equivalence tolerance: the same satellites read from TLE text and from OMM CSV, JSON and XML must
give the same TEME position at the TLE epoch to better than 1 m and velocity to 1 mm/s. An OMM
carries the TLE's digits except the epoch, which it rounds to the microsecond (7.7 mm along track
at 7.7 km/s); measured: 9 mm and 0.011 mm/s, the same for all three formats.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from leodc.orbits.propagate import propagate_sgp4
from leodc.orbits.tle import TleFleet, read_fleet
from leodc.scenario import InputError

DATA = Path(__file__).parent / "data"
STATIONS_TLE = DATA / "celestrak-stations-2023-07-07.tle"
STATIONS_OMM = {fmt: DATA / f"celestrak-stations-2023-07-07.from-tle.{fmt}" for fmt in ("csv", "json", "xml")}
STATIONS_JSON_2026 = DATA / "celestrak-stations-2026-09-27.json"

# JD of 2023-06-21T00:00 and 2023-07-08T00:00 UTC: the epochs in the 2023 stations file lie between.
JD_2023_06_21 = 2460116.5
JD_2023_07_08 = 2460133.5
# JD of 2026-09-24T00:00 and 2026-09-28T00:00 UTC, around the 2026-09-27 capture's epochs.
JD_2026_09_24 = 2461307.5
JD_2026_09_28 = 2461311.5

POSITION_TOL_KM = 1e-3
VELOCITY_TOL_KM_S = 1e-6


def test_real_celestrak_tle_sample_loads():
    fleet = read_fleet(STATIONS_TLE)
    assert isinstance(fleet, TleFleet) and fleet.source == str(STATIONS_TLE)
    assert len(fleet) == len(fleet.names) == len(fleet.norad_ids) == len(fleet.epoch_jd) == 29
    assert fleet.names[0] == "ISS (ZARYA)" and fleet.norad_ids[0] == 25544
    assert fleet.names[3] == "CSS (TIANHE)" and fleet.norad_ids[3] == 48274
    assert fleet.names[13] == "ISS DEB (SPX-26 IPA FSE)"  # 24 characters, no padding left
    assert fleet.names[-1] == "1998-067VP" and fleet.norad_ids[-1] == 57212
    assert fleet.norad_ids.dtype == np.int64 and fleet.epoch_jd.dtype == np.float64
    assert JD_2023_06_21 < fleet.epoch_jd.min() and fleet.epoch_jd.max() < JD_2023_07_08
    # ISS epoch 23188.51662157: day 188 of 2023 is July 7.
    assert fleet.epoch_jd[0] == pytest.approx(2460132.5 + 0.51662157, abs=1e-9)
    assert len(fleet.satrec_array()) == 29


def test_real_sample_is_in_low_earth_orbit_at_epoch():
    fleet = read_fleet(STATIONS_TLE)
    r_km, v_km_s, error = propagate_sgp4(fleet, fleet.epoch_jd)
    assert r_km.shape == v_km_s.shape == (29, 29, 3) and error.shape == (29, 29) and error.dtype == np.uint8
    at_own_epoch_km = np.linalg.norm(r_km[np.arange(29), np.arange(29)], axis=1)
    assert not error[np.arange(29), np.arange(29)].any()
    # Everything is near the ISS altitude except the FREGAT DEB (eccentricity 0.095, apogee ~2,100 km).
    assert (at_own_epoch_km > 6378.137 + 150).all() and (at_own_epoch_km < 6378.137 + 2500).all()


def test_real_celestrak_json_capture_loads():
    """CelesTrak's own FORMAT=json response: 22 stations, two with six-digit catalog numbers."""
    fleet = read_fleet(STATIONS_JSON_2026)
    assert len(fleet) == 22
    assert fleet.names[0] == "ISS (ZARYA)" and fleet.norad_ids[0] == 25544
    assert fleet.norad_ids[-2:].tolist() == [100057, 100712]
    assert fleet.names[-2:] == ("SOYUZ-MS 29", "PROGRESS-MS 35")
    assert JD_2026_09_24 < fleet.epoch_jd.min() and fleet.epoch_jd.max() < JD_2026_09_28
    r_km, _, error = propagate_sgp4(fleet, fleet.epoch_jd[:1])
    assert not error.any()
    # Docked vehicles share the station's elements: POISK and ISS (NAUKA) carry identical ones.
    np.testing.assert_array_equal(r_km[1], r_km[3])


@pytest.mark.parametrize("fmt", ["csv", "json", "xml"])
def test_omm_formats_match_the_tle(fmt):
    tle = read_fleet(STATIONS_TLE)
    omm = read_fleet(STATIONS_OMM[fmt])
    assert omm.names == tle.names
    np.testing.assert_array_equal(omm.norad_ids, tle.norad_ids)
    np.testing.assert_allclose(omm.epoch_jd, tle.epoch_jd, rtol=0, atol=1e-6 / 86400 * 2)
    jd = np.array([s.jdsatepoch for s in tle.satrecs])
    fr = np.array([s.jdsatepochF for s in tle.satrecs])
    for i in range(len(tle)):  # each satellite at its own TLE epoch
        r_tle, v_tle, e_tle = propagate_sgp4(tle.satrecs[i], jd[i:i + 1], fr[i:i + 1])
        r_omm, v_omm, e_omm = propagate_sgp4(omm.satrecs[i], jd[i:i + 1], fr[i:i + 1])
        assert not e_tle.any() and not e_omm.any()
        assert np.abs(r_omm - r_tle).max() < POSITION_TOL_KM, tle.names[i]
        assert np.abs(v_omm - v_tle).max() < VELOCITY_TOL_KM_S, tle.names[i]


def test_format_is_sniffed_when_the_extension_says_nothing(tmp_path):
    for source, target in [(STATIONS_TLE, "a.dat"), (STATIONS_OMM["json"], "b.dat"),
                           (STATIONS_OMM["csv"], "c.dat"), (STATIONS_OMM["xml"], "d.dat")]:
        copy = tmp_path / target
        copy.write_bytes(source.read_bytes())
        assert len(read_fleet(copy)) == 29, source.name


def test_two_line_sets_blank_lines_and_space_track_names(tmp_path):
    lines = STATIONS_TLE.read_text().splitlines()
    two_line = tmp_path / "two-line.txt"
    two_line.write_text("\n".join([*lines[1:3], "", *lines[4:6]]) + "\n")
    fleet = read_fleet(two_line)
    assert fleet.names == ("25544", "43557") and fleet.norad_ids.tolist() == [25544, 43557]
    three_le = tmp_path / "space-track.3le"
    three_le.write_text("\n\n0 ISS (ZARYA)\r\n" + "\r\n".join(lines[1:3]) + "\r\n\n" + "\n".join(lines[3:6]))
    fleet = read_fleet(three_le)
    assert fleet.names == ("ISS (ZARYA)", "AEROCUBE 12B")


def bad_tle_line(line: str) -> str:
    """The line with its checksum digit changed."""
    return line[:68] + str((int(line[68]) + 1) % 10)


def expect_input_error(path: Path, *fragments: str) -> str:
    with pytest.raises(InputError) as err:
        read_fleet(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_bad_checksum_names_file_and_line(tmp_path):
    lines = STATIONS_TLE.read_text().splitlines()
    lines[4] = bad_tle_line(lines[4])  # AEROCUBE 12B line 1, file line 5
    path = tmp_path / "bad-checksum.tle"
    path.write_text("\n".join(lines) + "\n")
    expect_input_error(path, "line 5", "checksum", "column 69")


def test_truncated_line_names_file_and_line(tmp_path):
    lines = STATIONS_TLE.read_text().splitlines()
    path = tmp_path / "truncated.tle"
    path.write_text("\n".join([*lines[:5], lines[5][:40]]) + "\n")
    expect_input_error(path, "line 6", "69 columns", "found 40")


def test_missing_line_two_names_file_and_line(tmp_path):
    lines = STATIONS_TLE.read_text().splitlines()
    path = tmp_path / "cut.tle"
    path.write_text("\n".join(lines[:5]) + "\n")
    expect_input_error(path, "line 5", "expected TLE line 2")


def test_garbled_field_names_the_field(tmp_path):
    lines = STATIONS_TLE.read_text().splitlines()
    lines[2] = lines[2][:52] + "15.4x589703" + lines[2][63:]
    path = tmp_path / "garbled.tle"
    path.write_text("\n".join(lines) + "\n")
    expect_input_error(path, "line 3", "mean motion")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.tle"
    path.write_text("\n  \n")
    expect_input_error(path, "empty")


def test_missing_file(tmp_path):
    expect_input_error(tmp_path / "nowhere.tle", "existing")


def test_no_satellites(tmp_path):
    path = tmp_path / "none.json"
    path.write_text("[]")
    expect_input_error(path, "at least one satellite")


def test_unknown_format(tmp_path):
    path = tmp_path / "notes.dat"
    path.write_text("these are not orbital elements\n")
    expect_input_error(path, "expected a TLE, OMM CSV, OMM JSON or OMM XML file")


def test_malformed_json_names_the_line(tmp_path):
    text = STATIONS_JSON_2026.read_text()
    path = tmp_path / "broken.json"
    path.write_text(text[:200])  # cut mid-record, as a failed download would
    expect_input_error(path, "line 1", "valid JSON")
    path.write_text('[\n{"OBJECT_NAME": "X",\n "NORAD_CAT_ID": 1,,\n}]')
    expect_input_error(path, "line 3", "valid JSON")


def test_bad_json_field_names_record_and_field(tmp_path):
    records = json.loads(STATIONS_JSON_2026.read_text())
    records[1]["MEAN_MOTION"] = "fast"
    del records[2]["EPOCH"]
    path = tmp_path / "bad-field.json"
    path.write_text(json.dumps(records))
    expect_input_error(path, "record 2 MEAN_MOTION", "expected a number", "'fast'")
    records[1]["MEAN_MOTION"] = 15.5
    path.write_text(json.dumps(records))
    expect_input_error(path, "record 3 EPOCH", "missing")


def test_bad_csv_row_names_the_line(tmp_path):
    lines = STATIONS_OMM["csv"].read_text().splitlines()
    lines[3] = lines[3].replace(",U,", ",U,not-a-number-", 1)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    expect_input_error(path, "line 4 NORAD_CAT_ID")


def test_malformed_xml_names_the_line(tmp_path):
    lines = STATIONS_OMM["xml"].read_text().splitlines()
    path = tmp_path / "broken.xml"
    path.write_text("\n".join(lines[:8]) + "\n")
    expect_input_error(path, "line 9", "well-formed XML")
