"""Real fleets from the element-set files CelesTrak publishes: TLE text and OMM (CSV, JSON, XML).

``read_fleet(path)`` returns a :class:`TleFleet`: names, NORAD catalog numbers, one
``sgp4.api.Satrec`` per satellite (WGS72, the constants the elements were fitted with) and the
epochs as Julian dates. The format comes from the extension (``.tle`` ``.txt`` ``.3le`` ``.2le``,
``.csv``, ``.json``, ``.xml``); any other extension is sniffed from the content.

TLE text may hold 2-line or 3-line sets (a name line first, ``0 NAME`` as Space-Track writes it
is accepted), blank lines and ``#`` comment lines; columns past 69 are ignored (Vallado's
verification file keeps its start/stop/step there). Every line's checksum (column 69) is verified.

OMM records go through ``sgp4.omm.initialize``, the same element conversion python-sgp4 uses, so a
satellite read from its TLE and from its OMM gives the same orbit to the precision of the OMM epoch
(1 microsecond). Catalog numbers above 99999 (CelesTrak's six-digit numbers) are kept as integers;
a TLE writes them in Alpha-5.

Every bad input raises :class:`~leodc.errors.InputError` naming the file, the line (TLE, CSV,
JSON syntax) or the record and field (JSON, XML), and what was expected.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sgp4 import omm
from sgp4.api import SGP4_ERRORS, WGS72, Satrec, SatrecArray

from leodc.errors import InputError

TLE_SUFFIXES = (".tle", ".txt", ".3le", ".2le")
FORMAT_BY_SUFFIX = {**dict.fromkeys(TLE_SUFFIXES, "tle"), ".csv": "csv", ".json": "json", ".xml": "xml"}

# OMM keys that must be present (as numbers, EPOCH as a date) to build an SGP4 element set.
OMM_NUMBER_KEYS = (
    "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY",
    "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT",
)
# Bookkeeping keys that sgp4.omm.initialize reads but that do not change the orbit: defaulted if absent.
OMM_DEFAULTS = {"CLASSIFICATION_TYPE": "U", "OBJECT_ID": "", "EPHEMERIS_TYPE": 0, "ELEMENT_SET_NO": 999,
                "REV_AT_EPOCH": 0}
_EPOCH_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z?$")
# A TLE epoch's day of the year (columns 21-32), 1.0 (1 January, 0h) to the end of a leap year
FIRST_DAY_OF_YEAR, END_OF_LEAP_YEAR_DAY = 1.0, 367.0


@dataclass(frozen=True, eq=False)
class TleFleet:
    """Satellites read from one element-set file, in file order."""

    names: tuple[str, ...]
    norad_ids: np.ndarray  # int64, NORAD catalog numbers
    satrecs: tuple  # sgp4.api.Satrec, WGS72
    epoch_jd: np.ndarray  # float64, UTC Julian date of each element set (jdsatepoch + jdsatepochF)
    source: str  # the file read

    def __len__(self) -> int:
        return len(self.satrecs)

    def satrec_array(self) -> SatrecArray:
        """All satellites as one ``sgp4.api.SatrecArray``, for :func:`leodc.orbits.propagate.propagate_sgp4`."""
        return SatrecArray(list(self.satrecs))


def read_fleet(path: str | Path, *, verify_checksums: bool = True) -> TleFleet:
    """Read every satellite in a TLE or OMM (CSV, JSON, XML) file.

    ``verify_checksums=False`` accepts TLE lines whose checksum digit is wrong, and element sets
    that SGP4 cannot initialise; it exists for Vallado's verification set, whose three hand-made
    error-code cases carry wrong checksums. Real files should be read with the default.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(source, None, "expected an existing element-set file (TLE or OMM)") from None
    except UnicodeDecodeError:
        raise InputError(source, None, "expected a UTF-8 text file (TLE or OMM)") from None
    except OSError as exc:
        raise InputError(source, None, f"expected a readable file ({exc.strerror})") from None
    if not text.strip():
        raise InputError(source, None, "expected at least one satellite; the file is empty")

    kind = FORMAT_BY_SUFFIX.get(path.suffix.lower()) or _sniff(text, source)
    if kind == "tle":
        names, satrecs = _read_tle(text, source, verify_checksums)
    elif kind == "json":
        names, satrecs = _read_omm_json(text, source)
    elif kind == "csv":
        names, satrecs = _read_omm_csv(text, source)
    else:
        names, satrecs = _read_omm_xml(text, source)
    if not satrecs:
        raise InputError(source, None, f"expected at least one satellite; none found in this {kind.upper()} file")
    return TleFleet(
        names=tuple(names),
        norad_ids=np.array([s.satnum for s in satrecs], dtype=np.int64),
        satrecs=tuple(satrecs),
        epoch_jd=np.array([s.jdsatepoch + s.jdsatepochF for s in satrecs], dtype=np.float64),
        source=source,
    )


def _sniff(text: str, source: str) -> str:
    head = text.lstrip()
    first_line = head.splitlines()[0] if head else ""
    if head.startswith(("[", "{")):
        return "json"
    if head.startswith("<"):
        return "xml"
    if "," in first_line and ("NORAD_CAT_ID" in first_line or "OBJECT_NAME" in first_line):
        return "csv"
    lines = [line for line in text.splitlines() if line.strip()]
    if any(line.startswith("1 ") for line in lines) and any(line.startswith("2 ") for line in lines):
        return "tle"
    raise InputError(source, None, "expected a TLE, OMM CSV, OMM JSON or OMM XML file "
                                   f"(extensions {', '.join(FORMAT_BY_SUFFIX)}); could not recognise the content")


# --- TLE text ---------------------------------------------------------------------------------

def _tle_checksum(line: str) -> int:
    return sum(int(c) if c.isdigit() else (c == "-") for c in line[:68]) % 10


# (columns, field name, pattern) checked on each line before sgp4 parses it, so that garbage gives
# a message naming the field instead of a silently wrong orbit.
_CATALOG = r"[0-9A-Z]\d{4}|\s*\d+"  # digits or Alpha-5 (a letter for the ten-thousands)
_EXPONENT = r"\s*[-+]?\d{1,5}[-+ ]\d"  # "12345-4" means 0.12345e-4
_LINE1_FIELDS = (
    ((2, 7), "catalog number", _CATALOG),
    ((18, 32), "epoch (YYDDD.DDDDDDDD)", r"\d{5}\.\d+|\s*\d{1,4}\.\d+"),
    ((33, 43), "mean motion derivative", r"\s*[-+]?\d*\.\d+"),
    ((44, 52), "second derivative of mean motion", _EXPONENT),
    ((53, 61), "BSTAR", _EXPONENT),
)
_LINE2_FIELDS = (
    ((2, 7), "catalog number", _CATALOG),
    ((8, 16), "inclination (deg)", r"\s*\d+\.\d+"),
    ((17, 25), "right ascension of the node (deg)", r"\s*\d+\.\d+"),
    ((26, 33), "eccentricity (7 digits, decimal point assumed)", r"\s*\d+"),
    ((34, 42), "argument of perigee (deg)", r"\s*\d+\.\d+"),
    ((43, 51), "mean anomaly (deg)", r"\s*\d+\.\d+"),
    ((52, 63), "mean motion (rev/day)", r"\s*\d+\.\d+"),
)


def _check_tle_line(line: str, number: int, lineno: int, source: str, verify_checksum: bool) -> str:
    where = f"line {lineno}"
    body = line.rstrip()
    if len(body) < 69:
        raise InputError(source, where, f"expected TLE line {number} of 69 columns, found {len(body)}")
    body = body[:69]
    for (start, stop), name, pattern in _LINE1_FIELDS if number == 1 else _LINE2_FIELDS:
        if not re.fullmatch(pattern, body[start:stop]):
            raise InputError(source, where, f"expected the {name} in columns {start + 1}-{stop}, "
                                            f"found {body[start:stop]!r}")
    if verify_checksum:
        found, computed = body[68], _tle_checksum(body)
        if found != str(computed):
            raise InputError(source, where, f"expected checksum {computed} in column 69, found {found!r}")
    if number == 1 and not FIRST_DAY_OF_YEAR <= float(body[20:32]) < END_OF_LEAP_YEAR_DAY:
        raise InputError(source, where, f"expected the epoch's day of the year (columns 21-32) at least "
                                        f"{FIRST_DAY_OF_YEAR:g} and below {END_OF_LEAP_YEAR_DAY:g}, "
                                        f"found {body[20:32]!r}")
    return body


def _initialised(satrec: Satrec, source: str, where: str) -> Satrec:
    """The satellite, if SGP4 could initialise its elements (else the reason, by SGP4's error code)."""
    if satrec.error:
        reason = SGP4_ERRORS.get(satrec.error, f"error code {satrec.error}")
        raise InputError(source, where, f"expected elements SGP4 can fly; SGP4 refuses them: {reason}")
    return satrec


def _read_tle(text: str, source: str, verify_checksums: bool) -> tuple[list[str], list]:
    names: list[str] = []
    satrecs: list = []
    name: tuple[int, str] | None = None  # (line number, name) waiting for its line 1
    line1: tuple[int, str] | None = None  # (line number, text) waiting for its line 2
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw.startswith("1 "):
            if line1 is not None:
                raise InputError(source, f"line {lineno}", f"expected TLE line 2 after line 1 at line {line1[0]}")
            line1 = (lineno, _check_tle_line(raw, 1, lineno, source, verify_checksums))
        elif raw.startswith("2 "):
            if line1 is None:
                raise InputError(source, f"line {lineno}", "expected TLE line 1 before this line 2")
            body2 = _check_tle_line(raw, 2, lineno, source, verify_checksums)
            if body2[2:7] != line1[1][2:7]:
                raise InputError(source, f"line {lineno}", f"expected catalog number {line1[1][2:7]!r} "
                                                           f"(as on line {line1[0]}), found {body2[2:7]!r}")
            satrec = Satrec.twoline2rv(line1[1], body2, WGS72)
            if verify_checksums:
                _initialised(satrec, source, f"lines {line1[0]}-{lineno}")
            satrecs.append(satrec)
            names.append(name[1] if name else str(satrec.satnum))
            name, line1 = None, None
        else:
            if line1 is not None:
                raise InputError(source, f"line {lineno}", f"expected TLE line 2 after line 1 at line {line1[0]}, "
                                                           f"found {raw.strip()[:30]!r}")
            if name is not None:
                raise InputError(source, f"line {name[0]}", "expected TLE line 1 after this name line, "
                                                            f"found {raw.strip()[:30]!r} at line {lineno}")
            title = raw.strip()
            name = (lineno, title[2:].strip() if title.startswith("0 ") else title)
    if line1 is not None:
        raise InputError(source, f"line {line1[0]}", "expected TLE line 2 after this line 1; the file ends")
    if name is not None:
        raise InputError(source, f"line {name[0]}", "expected TLE lines 1 and 2 after this name line; the file ends")
    return names, satrecs


# --- OMM --------------------------------------------------------------------------------------

def _omm_satrec(fields: dict[str, Any], source: str, where: str) -> tuple[str, Any]:
    """One OMM record (keys as CelesTrak writes them) -> (name, Satrec)."""
    fields = {k: v for k, v in fields.items() if v is not None and not (isinstance(v, str) and not v.strip())}
    for key in ("NORAD_CAT_ID", "EPOCH", *OMM_NUMBER_KEYS):
        if key not in fields:
            raise InputError(source, f"{where} {key}", "expected this OMM field; it is missing")
    for key in OMM_NUMBER_KEYS:
        try:
            fields[key] = float(fields[key])
        except (TypeError, ValueError):
            raise InputError(source, f"{where} {key}", f"expected a number, found {fields[key]!r}") from None
        if not math.isfinite(fields[key]):
            raise InputError(source, f"{where} {key}", f"expected a finite number, found {fields[key]!r}")
    try:
        norad = int(str(fields["NORAD_CAT_ID"]).strip())
    except ValueError:
        raise InputError(source, f"{where} NORAD_CAT_ID", f"expected an integer catalog number, "
                                                          f"found {fields['NORAD_CAT_ID']!r}") from None
    if not 0 < norad <= 339999:
        raise InputError(source, f"{where} NORAD_CAT_ID", f"expected a catalog number 1..339999, found {norad}")
    fields["NORAD_CAT_ID"] = norad
    match = _EPOCH_RE.match(str(fields["EPOCH"]).strip())
    if not match:
        raise InputError(source, f"{where} EPOCH", f"expected an ISO date YYYY-MM-DDThh:mm:ss[.ffffff], "
                                                   f"found {fields['EPOCH']!r}")
    fraction = (match.group(2) or "0")[:6]
    fields["EPOCH"] = f"{match.group(1)}.{fraction}"
    for key, default in OMM_DEFAULTS.items():
        fields.setdefault(key, default)
    fields["OBJECT_ID"] = str(fields["OBJECT_ID"])
    fields["CLASSIFICATION_TYPE"] = str(fields["CLASSIFICATION_TYPE"])
    satrec = Satrec()
    try:
        omm.initialize(satrec, fields)
    except (TypeError, ValueError) as exc:
        raise InputError(source, where, f"expected a valid OMM record ({exc})") from None
    name = str(fields.get("OBJECT_NAME", "")).strip() or str(norad)
    return name, _initialised(satrec, source, where)


def _read_omm_json(text: str, source: str) -> tuple[list[str], list]:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"line {exc.lineno}", f"expected valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise InputError(source, None, "expected a JSON list of OMM objects; found arrays nested too deep") from None
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list):
        raise InputError(source, None, "expected a JSON list of OMM objects (CelesTrak's FORMAT=json)")
    names, satrecs = [], []
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise InputError(source, f"record {index}", f"expected a JSON object of OMM keys, found {record!r:.40}")
        name, satrec = _omm_satrec(record, source, f"record {index}")
        names.append(name)
        satrecs.append(satrec)
    return names, satrecs


def _read_omm_csv(text: str, source: str) -> tuple[list[str], list]:
    reader = omm.parse_csv(io.StringIO(text))
    names, satrecs = [], []
    try:
        if reader.fieldnames is None or "NORAD_CAT_ID" not in reader.fieldnames:
            raise InputError(source, "line 1", "expected a CSV header naming the OMM fields (OBJECT_NAME, "
                                               "NORAD_CAT_ID, EPOCH, MEAN_MOTION, ...)")
        for row in reader:
            if None in row:
                raise InputError(source, f"line {reader.line_num}", f"expected {len(reader.fieldnames)} columns, "
                                                                    "found more")
            name, satrec = _omm_satrec(row, source, f"line {reader.line_num}")
            names.append(name)
            satrecs.append(satrec)
    except csv.Error as exc:
        raise InputError(source, f"line {max(reader.line_num, 1)}", f"expected valid CSV ({exc})") from None
    return names, satrecs


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_omm_xml(text: str, source: str) -> tuple[list[str], list]:
    # Like sgp4.omm.parse_xml, but tolerant of an XML namespace on the tags.
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(source, f"line {exc.position[0]}", f"expected well-formed XML ({exc})") from None
    names, satrecs = [], []
    segments = [element for element in root.iter() if _local(element.tag) == "segment"]
    for index, segment in enumerate(segments, start=1):
        fields = {}
        for block in segment.iter():
            if _local(block.tag) in ("metadata", "meanElements", "tleParameters"):
                fields.update((_local(child.tag), (child.text or "").strip()) for child in block)
        name, satrec = _omm_satrec(fields, source, f"segment {index}")
        names.append(name)
        satrecs.append(satrec)
    return names, satrecs
