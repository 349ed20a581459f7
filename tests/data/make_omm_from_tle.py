"""Write OMM CSV, JSON and XML conversions of the real CelesTrak TLE sample, with sgp4's exporter.

    .venv/bin/python tests/data/make_omm_from_tle.py

The outputs (``celestrak-stations-2023-07-07.from-tle.{csv,json,xml}``) lay the fields out as
CelesTrak's ``gp.php?FORMAT=csv|json|xml`` does; their numbers are ``sgp4.exporter.export_omm`` of
the TLEs (the epoch rounded to the microsecond), so they are conversions, not CelesTrak downloads.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from xml.sax.saxutils import escape

from sgp4.api import WGS72, Satrec
from sgp4.exporter import export_omm

HERE = Path(__file__).resolve().parent
TLE = HERE / "celestrak-stations-2023-07-07.tle"
STEM = "celestrak-stations-2023-07-07.from-tle"

# CelesTrak's CSV/JSON key order.
KEYS = ("OBJECT_NAME", "OBJECT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
        "ARG_OF_PERICENTER", "MEAN_ANOMALY", "EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID",
        "ELEMENT_SET_NO", "REV_AT_EPOCH", "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
XML_BLOCKS = {
    "metadata": ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY"),
    "meanElements": ("EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER",
                     "MEAN_ANOMALY"),
    "tleParameters": ("EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH",
                      "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT"),
}


def records() -> list[dict]:
    lines = TLE.read_text().splitlines()
    out = []
    for name, line1, line2 in zip(lines[0::3], lines[1::3], lines[2::3], strict=True):
        out.append(export_omm(Satrec.twoline2rv(line1, line2, WGS72), name.strip()))
    return out


def write_all() -> None:
    omms = records()
    with open(HERE / f"{STEM}.csv", "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=KEYS, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(omms)
    compact = json.dumps([{k: o[k] for k in KEYS} for o in omms], separators=(",", ":"))  # as CelesTrak's
    (HERE / f"{STEM}.json").write_text(compact + "\n")
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:noNamespaceSchemaLocation="https://sanaregistry.org/r/ndmxml_unqualified/ndmxml-2.0.0-master-2.0.xsd">']
    for o in omms:
        parts.append('<omm id="CCSDS_OMM_VERS" version="2.0">')
        parts.append("<header><CREATION_DATE/><ORIGINATOR/></header>")
        parts.append("<body><segment>")
        blocks = {block: "".join(f"<{k}>{escape(str(o[k]))}</{k}>" for k in keys) for block, keys in XML_BLOCKS.items()}
        parts.append(f"<metadata>{blocks['metadata']}</metadata>")
        parts.append(f"<data><meanElements>{blocks['meanElements']}</meanElements>"
                     f"<tleParameters>{blocks['tleParameters']}</tleParameters></data>")
        parts.append("</segment></body></omm>")
    parts.append("</ndm>")
    (HERE / f"{STEM}.xml").write_text("\n".join(parts) + "\n")


if __name__ == "__main__":
    write_all()
