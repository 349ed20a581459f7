"""Exports read back by other readers: CZML by json and czml3's models, OEM (KVN) and OMM (XML) by
ccsds-ndm, OMM by python-sgp4's own OMM reader and SGP4 — never by the code that wrote them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sgp4 import omm
from sgp4.api import Satrec
from sgp4.exporter import export_omm

from conftest import WORKLOAD_TINY
from leodc.files import TMP_SUFFIX
from leodc.orbits.elements import satrec_for
from leodc.orbits.frames import teme_to_gcrs
from leodc.runs.export import (
    FORMATS,
    OMM_FILE,
    export_run,
    read_elements,
    write_czml,
    write_oem,
    write_omm,
)
from leodc.runs.layout import RunLayout
from leodc.runs.pipeline import run_scenario
from leodc.scenario import InputError, load_scenario

ccsds_ndm = pytest.importorskip("ccsds_ndm.ndm_io")
czml3 = pytest.importorskip("czml3")

MM_KM = 1e-6
UNIX_EPOCH_JD = 2440587.5


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    home = tmp_path_factory.mktemp("runs")
    record = run_scenario(load_scenario("builtin:default", ["fleet.target_satellites=30", "simulation.days=0.05",
                                                            *WORKLOAD_TINY]),
                          home)
    return home, record.id, home / record.id


@pytest.fixture(scope="module")
def sample(run):
    """orbits.parquet as a dict of per-satellite arrays: {sat_id: {column: array sorted by time}}."""
    t = pq.read_table(run[2] / "orbits.parquet")
    cols = {name: t.column(name).to_numpy() for name in t.column_names}
    cols["time_us"] = t.column("time").cast("int64").to_numpy()
    out = {}
    for sat in np.unique(cols["sat_id"]):
        rows = np.flatnonzero(cols["sat_id"] == sat)
        rows = rows[np.argsort(cols["time_us"][rows])]
        out[int(sat)] = {k: v[rows] for k, v in cols.items()}
    return out


def _iso_to_us(text: str) -> int:
    stamp = np.datetime64(text.rstrip("Z"), "us")
    return int(stamp.astype("int64"))


# ------------------------------------------------------------------------------------------------ CZML
def test_czml_positions_are_the_runs_itrs_positions(run, sample):
    home, run_id, run_dir = run
    result = export_run(run_id, "czml", home)
    path = Path(result.paths[0])
    assert path == run_dir / "exports" / "fleet.czml"
    packets = json.loads(path.read_text())
    czml3.Document.model_validate(packets)  # czml3's own model of the CZML schema

    doc = packets[0]
    assert doc["id"] == "document" and doc["version"] == "1.0"
    all_us = np.concatenate([s["time_us"] for s in sample.values()])
    start, stop = doc["clock"]["interval"].split("/")
    assert (_iso_to_us(start), _iso_to_us(stop)) == (all_us.min(), all_us.max())
    assert doc["clock"]["multiplier"] > 1

    sats = {p["id"]: p for p in packets[1:]}
    assert len(sats) == len(sample) == result.satellites
    worst_m = 0.0
    for sat_id, s in sample.items():
        p = sats[f"sat-{sat_id}"]
        pos = p["position"]
        assert pos["referenceFrame"] == "FIXED"
        samples = np.array(pos["cartesian"]).reshape(-1, 4)
        t_us = _iso_to_us(pos["epoch"]) + np.round(samples[:, 0] * 1e6).astype(np.int64)
        np.testing.assert_array_equal(t_us, s["time_us"])
        expected_m = np.stack([s["x_itrs_km"], s["y_itrs_km"], s["z_itrs_km"]], axis=-1) * 1000.0
        worst_m = max(worst_m, float(np.abs(samples[:, 1:] - expected_m).max()))
        a, b = p["availability"].split("/")
        assert (_iso_to_us(a), _iso_to_us(b)) == (s["time_us"][0], s["time_us"][-1])
        assert p["label"]["text"] and p["name"]
        # colour intervals: every sample lies in an interval whose colour says lit (yellow) or shadow (blue)
        intervals = [(*map(_iso_to_us, iv["interval"].split("/")), iv["rgba"]) for iv in p["point"]["color"]]
        for t, lit in zip(s["time_us"], s["sunlit"] >= 0.5, strict=True):
            rgba = next(c for a_us, b_us, c in intervals if a_us <= t <= b_us)
            assert (rgba[2] < 128) == bool(lit), (sat_id, t, rgba)  # yellow has little blue
    assert worst_m < 1e-3, worst_m


def test_czml_colours_follow_the_shadow(run, tmp_path):
    """A sample with an eclipse (the test fleet is dawn-dusk, always lit): blue in shadow, yellow in sunlight,
    switching halfway between the samples either side; a penumbra sample under half lit counts as shadow."""
    t = pq.read_table(run[2] / "orbits.parquet")
    sat, time_us = t.column("sat_id").to_numpy(), t.column("time").cast("int64").to_numpy()
    step = np.zeros(len(t), dtype=int)
    for s in np.unique(sat):
        rows = np.flatnonzero(sat == s)
        step[rows] = np.argsort(np.argsort(time_us[rows]))
    sunlit = np.where((step >= 30) & (step < 60), 0.0, 1.0)
    sunlit[step == 60] = 0.4
    fake = tmp_path / "fake-run"
    fake.mkdir()
    pq.write_table(t.set_column(t.column_names.index("sunlit"), "sunlit", pa.array(sunlit.astype(np.float32))),
                   fake / "orbits.parquet")
    packets = json.loads(Path(write_czml(fake).paths[0]).read_text())
    for p in packets[1:]:
        colours = p["point"]["color"]
        assert [c["rgba"][2] > 128 for c in colours] == [False, True, False]  # yellow, blue, yellow
        s_us = np.sort(time_us[sat == int(p["id"].removeprefix("sat-"))])
        assert _iso_to_us(colours[1]["interval"].split("/")[0]) == (s_us[29] + s_us[30]) // 2
        assert _iso_to_us(colours[1]["interval"].split("/")[1]) == (s_us[60] + s_us[61]) // 2


# ------------------------------------------------------------------------------------------------ OEM
def test_oem_read_by_ccsds_ndm_is_the_runs_eme2000_ephemeris(run, sample):
    home, run_id, _ = run
    result = export_run(run_id, "oem", home)
    assert len(result.paths) == len(sample)
    reader = ccsds_ndm.NdmIo()
    worst_km, worst_km_s = 0.0, 0.0
    for path in result.paths:
        oem = reader.from_path(path)
        assert type(oem).__name__ == "Oem" and oem.version == "3.0"
        assert oem.header.originator and oem.header.creation_date
        (segment,) = oem.body.segment
        meta = segment.metadata
        assert (meta.center_name, meta.ref_frame, meta.time_system) == ("EARTH", "EME2000", "UTC")
        sat_id = int(Path(path).stem)
        assert meta.object_name.endswith(str(sat_id))
        s = sample[sat_id]
        vectors = segment.data.state_vector
        t_us = np.array([_iso_to_us(v.epoch) for v in vectors])
        np.testing.assert_array_equal(t_us, s["time_us"])
        assert (_iso_to_us(meta.start_time), _iso_to_us(meta.stop_time)) == (t_us[0], t_us[-1])
        r = np.array([[float(v.x.value), float(v.y.value), float(v.z.value)] for v in vectors])
        v = np.array([[float(v.x_dot.value), float(v.y_dot.value), float(v.z_dot.value)] for v in vectors])
        jd = UNIX_EPOCH_JD + s["time_us"] / 86400e6
        r_expected, v_expected = teme_to_gcrs(np.stack([s["x_km"], s["y_km"], s["z_km"]], -1),
                                              np.stack([s["vx_km_s"], s["vy_km_s"], s["vz_km_s"]], -1), jd)
        worst_km = max(worst_km, float(np.abs(r - r_expected).max()))
        worst_km_s = max(worst_km_s, float(np.abs(v - v_expected).max()))
    assert worst_km < MM_KM, worst_km
    assert worst_km_s < 1e-8, worst_km_s  # 10 µm/s


def test_oem_frame_is_j2000_by_skyfield(run, sample):
    """EME2000 from our TEME reduction agrees with Skyfield's GCRS (IAU-2000A, frame bias) to ~1 m."""
    skyfield_api = pytest.importorskip("skyfield.api")
    from skyfield.sgp4lib import TEME

    home, run_id, run_dir = run
    sat_id, s = next(iter(sample.items()))
    path = run_dir / "exports" / "oem" / f"{sat_id}.oem"
    if not path.exists():
        export_run(run_id, "oem", home)
    vectors = ccsds_ndm.NdmIo().from_path(path).body.segment[0].data.state_vector
    r = np.array([[float(v.x.value), float(v.y.value), float(v.z.value)] for v in vectors])
    ts = skyfield_api.load.timescale(builtin=True)
    seconds = s["time_us"] / 1e6
    t = ts.utc(1970, 1, 1, 0, 0, seconds)
    m = TEME.rotation_at(t)  # GCRS -> TEME, [3, 3, n]
    r_teme = np.stack([s["x_km"], s["y_km"], s["z_km"]], -1)
    r_gcrs = np.einsum("jin,nj->ni", m, r_teme)
    assert np.abs(r - r_gcrs).max() < 2e-3  # km: frame bias 0.8 m + IAU-1980 vs 2000A


# ------------------------------------------------------------------------------------------------ OMM
def _sgp4_km(sat: Satrec, jd: float) -> np.ndarray:
    whole = np.floor(jd - 0.5) + 0.5
    e, r, _ = sat.sgp4(whole, jd - whole)
    assert e == 0
    return np.array(r)


def test_omm_read_by_sgp4_propagates_like_the_runs_elements(run):
    home, run_id, run_dir = run
    result = export_run(run_id, "omm", home)
    path = Path(result.paths[0])
    assert path == run_dir / "exports" / OMM_FILE
    elements = read_elements(run_dir)
    with open(path) as f:
        records = list(omm.parse_xml(f))
    assert len(records) == len(elements) == result.satellites

    worst_m = 0.0
    for i, fields in enumerate(records):
        assert int(fields["NORAD_CAT_ID"]) == int(elements.sat_id[i])
        assert (fields["REF_FRAME"], fields["MEAN_ELEMENT_THEORY"], fields["TIME_SYSTEM"]) == ("TEME", "SGP4", "UTC")
        read = Satrec()
        omm.initialize(read, fields)
        original = satrec_for(elements, i)
        # what python-sgp4's own exporter writes for the same satellite (mean motion is Kozai's)
        original.intldesg = "26001A"
        reference = export_omm(original, fields["OBJECT_NAME"])
        assert float(fields["MEAN_MOTION"]) == pytest.approx(reference["MEAN_MOTION"], rel=1e-14)
        for key in ("ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY"):
            assert (float(fields[key]) - reference[key] + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=1e-11), key
        epoch = float(elements.epoch_jd[i])
        for jd in (epoch, epoch + 0.5):
            worst_m = max(worst_m, float(np.linalg.norm(_sgp4_km(read, jd) - _sgp4_km(original, jd))) * 1000.0)
    assert worst_m < 1.0, worst_m


def test_omm_is_ccsds_ndm_xml(run):
    home, run_id, run_dir = run
    path = run_dir / "exports" / OMM_FILE
    if not path.exists():
        export_run(run_id, "omm", home)
    ndm = ccsds_ndm.NdmIo().from_path(path)
    assert len(ndm.omm) == len(read_elements(run_dir))
    first = ndm.omm[0]
    assert first.header.originator and first.body.segment.metadata.mean_element_theory == "SGP4"
    assert datetime.fromisoformat(first.body.segment.data.mean_elements.epoch)


def test_omm_refuses_more_than_its_cap(run):
    with pytest.raises(InputError, match="stops at 10 satellites"):
        write_omm(run[2], run[2] / "too-many.xml", max_satellites=10)


# ------------------------------------------------------------------------------------------------ the run layout
def test_exports_are_written_whole_under_the_layouts_exports(run):
    home, run_id, run_dir = run
    exports = RunLayout(run_dir).exports
    for fmt in FORMATS:
        for path in export_run(run_id, fmt, home).paths:
            assert Path(path).is_relative_to(exports) and Path(path).stat().st_size > 0, path
    assert not [p for p in exports.rglob("*") if p.name.endswith(TMP_SUFFIX)]


@pytest.mark.parametrize("write, missing", [(write_czml, "orbits.parquet"), (write_oem, "orbits.parquet"),
                                            (write_omm, "elements.parquet")])
def test_a_run_without_its_files_is_one_input_error(tmp_path, write, missing):
    with pytest.raises(InputError, match=missing) as exc:
        write(tmp_path)
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "exports").exists()


# ------------------------------------------------------------------------------------------------ the command
def test_export_command_json(run, leodc_cli, tmp_path):
    home, run_id, _ = run
    target = tmp_path / "fleet.czml"
    out = leodc_cli("export", run_id, "--format", "czml", "--out", home, "--file", target, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["format"] == "czml" and data["paths"] == [str(target)] and target.exists()


@pytest.mark.parametrize("args, word", [(["no-such-run", "--format", "czml"], "no-such-run"),
                                        (["RUN", "--format", "kml"], "kml")])
def test_export_bad_input_is_one_line_exit_2(run, leodc_cli, args, word):
    home, run_id, _ = run
    out = leodc_cli("export", *[run_id if a == "RUN" else a for a in args], "--out", home)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and word in out.stderr and "Traceback" not in out.stderr
