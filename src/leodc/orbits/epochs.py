"""Times: ISO 8601 UTC to Julian dates, and Julian dates plus offsets to exact timestamps.

Julian dates here are UTC without leap seconds, as SGP4 and TLE epochs count them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from leodc.constants import SECONDS_PER_DAY
from leodc.errors import InputError

# Julian date of 1970-01-01 00:00 UTC (the POSIX epoch)
UNIX_EPOCH_JD = 2440587.5


def julian_date(iso_utc: str) -> float:
    when = datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() / SECONDS_PER_DAY + UNIX_EPOCH_JD


def parse_start_jd(iso_utc: str, where: str) -> float:
    """The Julian date of a user's ISO 8601 time; a malformed one is a user-facing error naming ``where``."""
    try:
        return julian_date(iso_utc)
    except ValueError:
        raise InputError(where, None, f"expected an ISO 8601 time such as 2026-03-20T00:00:00 (got {iso_utc!r})"
                         ) from None


def timestamps(start_jd: float, t_s: np.ndarray) -> np.ndarray:
    """UTC timestamps (microseconds) of offsets from a start. A float64 Julian date resolves only
    ~40 microseconds, so the start is rounded to the millisecond (scenario start times are given to
    the second) and the offsets, exact in seconds, are added in whole microseconds."""
    start_ms = round((start_jd - UNIX_EPOCH_JD) * SECONDS_PER_DAY * 1e3)
    us = start_ms * 1000 + np.round(np.asarray(t_s, dtype=float) * 1e6).astype("int64")
    return us.astype("datetime64[us]")
