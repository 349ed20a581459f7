"""Exports of a stored run for other tools: CZML (Cesium), CCSDS OEM (ephemerides), CCSDS OMM (elements).

Each export reads what the run wrote and nothing else (the run layout's orbit sample and mean elements,
``orbits.parquet`` and ``elements.parquet``), and writes under the layout's ``exports/`` unless told
where, atomically (``leodc.files``):

``fleet.czml`` (CZML 1.0, written with ``czml3``)
    A document packet whose clock spans the orbit sample (animated, x60, looping), then one packet per
    sampled satellite: its position as time-tagged Cartesian samples in the ``FIXED`` (Earth-fixed)
    frame, in metres, from the sample's ITRS columns (IAU-82 sidereal time, no polar motion, UT1 = UTC:
    see ``orbits.frames``), Lagrange-interpolated; a point coloured by illumination, yellow while sunlit
    and blue in shadow, as time intervals (a sample counts as lit when at least half the Sun's disk is
    visible; a switch is placed halfway between the two samples that straddle it, so within half a step,
    30 s); a label (shown once the camera is near); and its availability, the span of its samples.

``oem/<sat_id>.oem`` (CCSDS 502.0-B-3 OEM, KVN, one file per sampled satellite)
    One segment each, ``REF_FRAME = EME2000``, ``TIME_SYSTEM = UTC``, ``CENTER_NAME = EARTH``, states
    ``epoch x y z vx vy vz`` in km and km/s. The states are the sample's TEME states taken to J2000 by
    ``orbits.frames.teme_to_gcrs``: IAU-1976 precession and IAU-1980 nutation without the frame bias,
    which is the FK5-based mean equator and equinox of J2000 that EME2000 names. It differs from GCRS by
    the 23 mas frame bias (< 0.8 m at LEO radius), and from a full IAU-2000A reduction by about 1e-7 rad
    (measured against Skyfield: 0.8 m at LEO radius). Written with 9 decimals (µm, nm/s).

``fleet.omm.xml`` (CCSDS 502.0 OMM, NDM/XML, CelesTrak's layout: one ``<omm>`` per satellite in one ``<ndm>``)
    Every satellite's SGP4 mean elements (``REF_FRAME = TEME``, ``MEAN_ELEMENT_THEORY = SGP4``), up to
    ``OMM_MAX_SATELLITES``. The mean motion an OMM gives SGP4 is Kozai's, so it is taken from an SGP4
    satellite rebuilt from the elements (``orbits.elements.satrec_for``: sgp4init un-Kozais it onto the
    stored semi-major axis), exactly as ``sgp4.exporter.export_omm`` would write it; the angles and the
    eccentricity are the stored ones, written at full precision (``repr``). ``BSTAR`` is 0: these are the
    drag-free elements the engine propagates (decay is modelled separately). Formation members keep only
    their own mean orbit: the bounded relative motion about it is not expressible in an OMM.
    ``NORAD_CAT_ID`` carries leodc's ``sat_id`` (simulated objects, not catalogue numbers; SGP4 accepts up
    to 339999 with Alpha-5) and ``OBJECT_ID`` is ``LEODC-<sat_id>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pyarrow.parquet as pq

from leodc.constants import SECONDS_PER_DAY
from leodc.errors import InputError
from leodc.files import atomic_path, write_text
from leodc.orbits.epochs import UNIX_EPOCH_JD
from leodc.runs.layout import RunLayout, table_columns

FORMATS = ("czml", "oem", "omm")
CZML_FILE = "fleet.czml"
OEM_DIR = "oem"
OMM_FILE = "fleet.omm.xml"
OMM_MAX_SATELLITES = 100_000
SGP4_MAX_CATALOG_NUMBER = 339_999  # Alpha-5 'Z9999'
ORIGINATOR = "LEODC"

# CZML look: RGBA 0-255
SUNLIT_RGBA = [255, 215, 0, 255]
SHADOW_RGBA = [70, 130, 255, 255]
SUNLIT_THRESHOLD = 0.5  # fraction of the solar disk visible
CZML_CLOCK_MULTIPLIER = 60.0
CZML_INTERPOLATION_DEGREE = 5
CZML_POINT_PIXELS = 6.0
# labels fade in as the camera comes near (200 would clutter the globe): [near m, opacity, far m, opacity]
CZML_LABEL_TRANSLUCENCY = [2.0e6, 1.0, 8.0e6, 0.0]
# OEM: suggested interpolation for a user of the file (60 s steps of a LEO orbit)
OEM_INTERPOLATION_DEGREE = 7
OEM_DECIMALS = 9


@dataclass(frozen=True)
class ExportResult:
    run_id: str
    format: str
    paths: list[str]
    satellites: int
    states: int = 0  # time-tagged states written (CZML, OEM)
    ref_frame: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


# ------------------------------------------------------------------------------------------------ reading a run
@dataclass(frozen=True)
class OrbitSample:
    """``orbits.parquet`` sorted by satellite then time, as arrays; ``start[k]:stop[k]`` is satellite k."""

    sat_id: np.ndarray  # one per satellite
    start: np.ndarray
    stop: np.ndarray
    time_us: np.ndarray  # int64 microseconds since 1970 (UTC), one per row
    r_teme_km: np.ndarray  # [rows, 3]
    v_teme_km_s: np.ndarray
    r_itrs_km: np.ndarray
    sunlit: np.ndarray

    def jd_utc(self, rows: slice) -> np.ndarray:
        return UNIX_EPOCH_JD + self.time_us[rows] / (SECONDS_PER_DAY * 1e6)


def _need(path: Path, run_id: str, what: str) -> Path:
    if not path.exists():
        raise InputError(str(path), None, f"run {run_id!r} has no {path.name} ({what}); re-run the scenario "
                         "with this version of leodc")
    return path


def read_orbit_sample(run_dir: Path) -> OrbitSample:
    """The run's orbit sample (``RunLayout.orbits``) sorted by satellite then time."""
    path = _need(RunLayout(run_dir).orbits, run_dir.name, "the orbit sample")
    t = pq.read_table(path)
    if t.num_rows == 0:
        raise InputError(str(path), None, "the orbit sample is empty")
    col = lambda name: t.column(name).to_numpy()  # noqa: E731
    sat = col("sat_id").astype(np.int64)
    time_us = t.column("time").cast("timestamp[us]").cast("int64").to_numpy()
    order = np.lexsort((time_us, sat))
    sat, time_us = sat[order], time_us[order]
    stack = lambda names: np.stack([col(n)[order] for n in names], axis=-1).astype(float)  # noqa: E731
    ids, start = np.unique(sat, return_index=True)
    stop = np.append(start[1:], sat.size)
    return OrbitSample(ids, start, stop, time_us, stack(("x_km", "y_km", "z_km")),
                       stack(("vx_km_s", "vy_km_s", "vz_km_s")), stack(("x_itrs_km", "y_itrs_km", "z_itrs_km")),
                       col("sunlit")[order].astype(float))


def _iso(time_us: int | np.integer, zulu: bool = False) -> str:
    """ISO 8601 UTC with microseconds: 2026-03-20T00:00:00.000000 (Z appended for CZML)."""
    return str(np.datetime64(int(time_us), "us")) + ("Z" if zulu else "")


def _now_iso() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _write_text(path: Path, text: str) -> None:
    """Write an export atomically, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, text)


def object_name(sat_id: int) -> str:
    return f"LEODC-{int(sat_id)}"


# ------------------------------------------------------------------------------------------------ CZML
def _sunlit_intervals(time_us: np.ndarray, lit: np.ndarray) -> list[tuple[int, int, bool]]:
    """Runs of equal illumination as (start_us, end_us, lit), switching halfway between samples."""
    change = np.flatnonzero(lit[1:] != lit[:-1]) + 1
    bounds = np.concatenate([[time_us[0]], (time_us[change - 1] + time_us[change]) // 2, [time_us[-1]]])
    firsts = np.concatenate([[0], change])
    return [(int(bounds[k]), int(bounds[k + 1]), bool(lit[firsts[k]])) for k in range(firsts.size)]


def write_czml(run_dir: Path, path: Path | None = None, scenario_name: str | None = None) -> ExportResult:
    """The orbit sample as a CZML document (see module doc); returns what was written."""
    from czml3 import (
        CZML_VERSION,
        Clock,
        Color,
        Document,
        IntervalValue,
        Label,
        Packet,
        Point,
        Position,
        TimeInterval,
        TimeIntervalCollection,
    )
    from czml3.enums import ClockRanges, ClockSteps, InterpolationAlgorithms, LabelStyles, ReferenceFrames
    from czml3.properties import NearFarScalar
    from czml3.types import NearFarScalarValue

    s = read_orbit_sample(run_dir)
    path = path or RunLayout(run_dir).exports / CZML_FILE
    t0, t1 = int(s.time_us.min()), int(s.time_us.max())
    epoch = _iso(t0, zulu=True)
    packets = [Packet(id="document", name=scenario_name or f"leodc run {run_dir.name}", version=CZML_VERSION,
                      clock=Clock(interval=TimeInterval(start=epoch, end=_iso(t1, zulu=True)), currentTime=epoch,
                                  multiplier=CZML_CLOCK_MULTIPLIER, range=ClockRanges.LOOP_STOP,
                                  step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER))]
    fade = NearFarScalar(nearFarScalar=NearFarScalarValue(values=CZML_LABEL_TRANSLUCENCY))
    for k, sat_id in enumerate(s.sat_id):
        rows = slice(s.start[k], s.stop[k])
        t_us = s.time_us[rows]
        seconds = (t_us - t0) / 1e6
        xyz_m = s.r_itrs_km[rows] * 1000.0
        samples = np.column_stack([seconds, xyz_m]).ravel().tolist()
        colours = [IntervalValue(start=_iso(a, True), end=_iso(b, True),
                                 value=Color(rgba=SUNLIT_RGBA if lit else SHADOW_RGBA))
                   for a, b, lit in _sunlit_intervals(t_us, s.sunlit[rows] >= SUNLIT_THRESHOLD)]
        name = object_name(sat_id)
        packets.append(Packet(
            id=f"sat-{int(sat_id)}", name=name,
            availability=TimeInterval(start=_iso(t_us[0], True), end=_iso(t_us[-1], True)),
            position=Position(referenceFrame=ReferenceFrames.FIXED, epoch=epoch, cartesian=samples,
                              interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE,
                              interpolationDegree=CZML_INTERPOLATION_DEGREE),
            point=Point(pixelSize=CZML_POINT_PIXELS, color=TimeIntervalCollection(values=colours)),
            label=Label(text=name, font="11pt sans-serif", style=LabelStyles.FILL_AND_OUTLINE, show=True,
                        translucencyByDistance=fade),
        ))
    doc = Document(packets=packets)
    _write_text(path, doc.model_dump_json(exclude_none=True))
    return ExportResult(run_dir.name, "czml", [str(path)], int(s.sat_id.size), int(s.time_us.size), "FIXED",
                        ["positions from the run's ITRS columns (no polar motion, UT1 = UTC)"])


# ------------------------------------------------------------------------------------------------ OEM
def _oem_text(sat_id: int, epochs: list[str], r_km: np.ndarray, v_km_s: np.ndarray, run_id: str,
              created: str) -> str:
    d = OEM_DECIMALS
    lines = [
        "CCSDS_OEM_VERS = 3.0",
        f"COMMENT leodc run {run_id}: orbit sample, SGP4 mean elements propagated by leodc's secular propagator",
        f"CREATION_DATE = {created}",
        f"ORIGINATOR = {ORIGINATOR}",
        "",
        "META_START",
        "COMMENT EME2000: IAU-1976 precession and IAU-1980 nutation from TEME, no frame bias (GCRS within 23 mas)",
        f"OBJECT_NAME = {object_name(sat_id)}",
        f"OBJECT_ID = {object_name(sat_id)}",
        "CENTER_NAME = EARTH",
        "REF_FRAME = EME2000",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {epochs[0]}",
        f"STOP_TIME = {epochs[-1]}",
        "INTERPOLATION = LAGRANGE",
        f"INTERPOLATION_DEGREE = {OEM_INTERPOLATION_DEGREE}",
        "META_STOP",
        "",
    ]
    for e, r, v in zip(epochs, r_km, v_km_s, strict=True):
        lines.append(f"{e} {r[0]:.{d}f} {r[1]:.{d}f} {r[2]:.{d}f} {v[0]:.{d}f} {v[1]:.{d}f} {v[2]:.{d}f}")
    return "\n".join(lines) + "\n"


def write_oem(run_dir: Path, directory: Path | None = None) -> ExportResult:
    """One CCSDS OEM (KVN) per sampled satellite, EME2000 (see module doc); returns what was written."""
    from leodc.orbits.frames import teme_to_gcrs

    s = read_orbit_sample(run_dir)
    directory = directory or RunLayout(run_dir).exports / OEM_DIR
    created = _now_iso()
    paths = []
    for k, sat_id in enumerate(s.sat_id):
        rows = slice(s.start[k], s.stop[k])
        r, v = teme_to_gcrs(s.r_teme_km[rows], s.v_teme_km_s[rows], s.jd_utc(rows))
        path = directory / f"{int(sat_id)}.oem"
        _write_text(path, _oem_text(int(sat_id), [_iso(t) for t in s.time_us[rows]], r, v, run_dir.name, created))
        paths.append(str(path))
    return ExportResult(run_dir.name, "oem", paths, int(s.sat_id.size), int(s.time_us.size), "EME2000",
                        ["EME2000 = J2000 by IAU-1976/1980 from TEME; GCRS differs by the 23 mas frame bias"])


# ------------------------------------------------------------------------------------------------ OMM
def omm_fields(elements, i: int) -> dict:
    """The OMM fields of satellite ``i`` of a FleetElements (names as CelesTrak and ``sgp4.omm`` use them)."""
    from leodc.orbits.elements import satrec_for

    sat = satrec_for(elements, i)
    sat_id = int(elements.sat_id[i])
    epoch_us = round((float(elements.epoch_jd[i]) - UNIX_EPOCH_JD) * SECONDS_PER_DAY * 1e6)
    deg = lambda rad: math.degrees(float(rad) % (2.0 * math.pi))  # noqa: E731
    return {
        "OBJECT_NAME": object_name(sat_id), "OBJECT_ID": object_name(sat_id), "CENTER_NAME": "EARTH",
        "REF_FRAME": "TEME", "TIME_SYSTEM": "UTC", "MEAN_ELEMENT_THEORY": "SGP4",
        "EPOCH": _iso(epoch_us),
        "MEAN_MOTION": sat.no_kozai * 1440.0 / (2.0 * math.pi),  # Kozai, rev/day
        "ECCENTRICITY": float(elements.ecc[i]), "INCLINATION": math.degrees(float(elements.inc_rad[i])),
        "RA_OF_ASC_NODE": deg(elements.raan_rad[i]), "ARG_OF_PERICENTER": deg(elements.argp_rad[i]),
        "MEAN_ANOMALY": deg(elements.mean_anomaly_rad[i]),
        "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": sat_id, "ELEMENT_SET_NO": 999,
        "REV_AT_EPOCH": 0, "BSTAR": 0.0, "MEAN_MOTION_DOT": 0.0, "MEAN_MOTION_DDOT": 0.0,
    }


OMM_METADATA = ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY")
OMM_MEAN_ELEMENTS = ("EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER",
                     "MEAN_ANOMALY")
OMM_TLE_PARAMETERS = ("EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH",
                      "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")


def _xml_value(value) -> str:
    return escape(repr(value) if isinstance(value, float) else str(value))


def _omm_xml(f: dict, created: str, comment: str) -> str:
    group = lambda tag, names: (f"<{tag}>" + "".join(f"<{n}>{_xml_value(f[n])}</{n}>" for n in names)  # noqa: E731
                                + f"</{tag}>")
    return ('<omm id="CCSDS_OMM_VERS" version="2.0"><header>'
            f"<COMMENT>{escape(comment)}</COMMENT><CREATION_DATE>{created}</CREATION_DATE>"
            f"<ORIGINATOR>{ORIGINATOR}</ORIGINATOR></header><body><segment>"
            + group("metadata", OMM_METADATA) + "<data>" + group("meanElements", OMM_MEAN_ELEMENTS)
            + group("tleParameters", OMM_TLE_PARAMETERS) + "</data></segment></body></omm>\n")


def read_elements(run_dir: Path):
    """The fleet's mean elements (``RunLayout.elements``) as ``FleetElements``."""
    from leodc.orbits.elements import FleetElements

    path = _need(RunLayout(run_dir).elements, run_dir.name, "the fleet's mean elements")
    cols = table_columns(pq.read_table(path, columns=list(FleetElements.__dataclass_fields__)))
    return FleetElements(**cols)


def write_omm(run_dir: Path, path: Path | None = None, max_satellites: int = OMM_MAX_SATELLITES) -> ExportResult:
    """Every satellite's mean elements as CCSDS OMM XML (see module doc); returns what was written."""
    layout = RunLayout(run_dir)
    elements = read_elements(run_dir)
    n = len(elements)
    if n > max_satellites:
        raise InputError(str(layout.elements), "satellites",
                         f"the OMM export stops at {max_satellites:,} satellites and this fleet has {n:,} "
                         "(about 1.2 kB each); export the CZML or OEM sample instead")
    if n and (int(elements.sat_id.max()) > SGP4_MAX_CATALOG_NUMBER or int(elements.sat_id.min()) < 0):
        raise InputError(str(layout.elements), "sat_id",
                         f"OMM catalogue numbers run from 0 to {SGP4_MAX_CATALOG_NUMBER} (SGP4's Alpha-5)")
    path = path or layout.exports / OMM_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    created = _now_iso()
    comment = (f"leodc run {run_dir.name}: simulated satellites, drag-free SGP4 mean elements; "
               "NORAD_CAT_ID is leodc's sat_id, not a catalogue number")
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
                  ' xsi:noNamespaceSchemaLocation="https://sanaregistry.org/r/ndmxml_unqualified/'
                  'ndmxml-2.0.0-master-2.0.xsd">\n')
        for i in range(n):
            out.write(_omm_xml(omm_fields(elements, i), created, comment))
        out.write("</ndm>\n")
    return ExportResult(run_dir.name, "omm", [str(path)], n, 0, "TEME",
                        ["drag-free (BSTAR 0); formation members' relative motion is not in an OMM"])


# ------------------------------------------------------------------------------------------------ a stored run
def export_run(run_id: str, fmt: str, home: str | Path | None = None, file: Path | None = None) -> ExportResult:
    """Export a stored run: ``fmt`` one of FORMATS; ``file`` the output (a directory for OEM)."""
    from leodc.runs.store import RunStore

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError("--format", None, f"expected one of {', '.join(FORMATS)} (got {fmt!r})")
    store = RunStore(home)
    record = store.get(run_id)
    run_dir = store.run_dir(run_id)
    if file is not None:
        output_path(Path(file), fmt)
    if fmt == "czml":
        return write_czml(run_dir, file, record.scenario_name)
    if fmt == "oem":
        return write_oem(run_dir, file)
    return write_omm(run_dir, file)


def output_path(path: Path, fmt: str, where: str = "--file") -> Path:
    """``path`` if the export can go there, its folder made: a file name (a folder for OEM) in a folder
    that exists or can be made; else a one-line error naming ``where`` (so no temporary file is left
    beside a folder, and no traceback)."""
    if fmt == "oem":
        if path.exists() and not path.is_dir():
            raise InputError(where, None, f"{path} is a file; expected a folder for the OEM files")
        folder = path
    else:
        if path.is_dir():
            raise InputError(where, None, f"{path} is a directory; expected a file name")
        folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(where, None, f"the folder {folder} cannot be made ({exc.strerror or exc}); expected a path "
                         "in a folder that exists or can be made") from None
    return path


def summary_line(result: ExportResult) -> str:
    paths = result.paths
    where = paths[0] if len(paths) == 1 else f"{len(paths)} files in {Path(paths[0]).parent}"
    return f"{result.format}: {result.satellites} satellites ({result.ref_frame}) -> {where}"
