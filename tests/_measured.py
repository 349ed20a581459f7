"""The error a test against an authority measured, recorded for the documentation's validation page.

A test calls ``measured(name, value, tolerance)`` with the error it is about to assert on (in the unit of
its tolerance); the call appends the figure, the test's id and the time to ``.cache/measured-errors.json``
(git-ignored; ``LEODC_MEASURED_FILE`` names another file) and returns ``value``, so it can wrap the
figure it computes. ``scripts/docs_validation.py`` reads the file when the site is built: the page says
"not measured in this build" for a test that recorded nothing. Recording never fails a test: an
unwritable file is skipped.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / ".cache" / "measured-errors.json"


def measured_file() -> Path:
    return Path(os.environ.get("LEODC_MEASURED_FILE", DEFAULT_FILE))


def _test_id() -> str:
    # "tests/test_against_x.py::test_y[param] (call)" while a test runs
    current = os.environ.get("PYTEST_CURRENT_TEST", "unknown")
    return current.rsplit(" (", 1)[0]


def measured(name: str, value: float, tolerance: float, unit: str = "") -> float:
    """Record ``value``, the error measured against an authority, beside the ``tolerance`` it is held to.

    Parameters
    ----------
    name : str
        What was measured ("largest direction error").
    value : float
        The measured error, in the unit of ``tolerance`` (a signed error is recorded as given).
    tolerance : float
        The bound the test asserts on ``abs(value)``.
    unit : str
        The unit of both ("arcsec", "relative", "W/m2").

    Returns
    -------
    float
        ``value``, unchanged.
    """
    path = measured_file()
    test = _test_id()
    record = {"test": test, "name": name, "value": float(value), "tolerance": float(tolerance), "unit": unit,
              "within": bool(abs(float(value)) <= float(tolerance)),
              "recorded_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        data[f"{test}::{name}"] = record
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return value
