"""Propagation: satellite positions and velocities over time, in TEME.

SGP4 with WGS72 constants (python-sgp4's wrapper of Vallado's C++) is the reference propagator:
the elements in a TLE or OMM were fitted with it, and ``tests/test_against_vallado_sgp4_reader.py`` checks this
path against Vallado's published verification output. ``sgp4.api.SatrecArray.sgp4`` runs a whole
fleet over a time grid in C++, but it holds the GIL while it runs, so threads do not speed it up:
parallelism goes through processes (or Dask workers), each propagating its own chunk of satellites.
"""

from __future__ import annotations

import numpy as np
from sgp4.api import Satrec, SatrecArray

from leodc.errors import InputError
from leodc.files import atomic_path


def propagate_sgp4(fleet_or_satrecs, jd: np.ndarray, fr: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SGP4 (WGS72) states of every satellite at every time, in TEME.

    ``fleet_or_satrecs``: a :class:`~leodc.orbits.tle.TleFleet`, an ``sgp4.api.SatrecArray``, one
    ``Satrec`` or a sequence of them. ``jd`` (+ ``fr``): UTC Julian dates, 1-D; passing the whole
    day in ``jd`` and the fraction in ``fr`` keeps full precision (a single float64 Julian date
    resolves about 20 microseconds, 0.15 m along track in LEO).

    Returns ``(r_km, v_km_s, error)``: arrays ``[n_sat, n_t, 3]`` in km and km/s, and SGP4's error
    codes ``[n_sat, n_t]`` (uint8, 0 = good; see ``sgp4.api.SGP4_ERRORS``). Where the code is
    nonzero the state is not to be used: NaN for codes 1-4 (elements out of range), the last
    computed values for code 6 (the satellite has decayed).
    """
    if hasattr(fleet_or_satrecs, "satrec_array"):
        satrecs = fleet_or_satrecs.satrec_array()
    elif isinstance(fleet_or_satrecs, SatrecArray):
        satrecs = fleet_or_satrecs
    elif isinstance(fleet_or_satrecs, Satrec):
        satrecs = SatrecArray([fleet_or_satrecs])
    else:
        satrecs = SatrecArray(list(fleet_or_satrecs))
    jd = np.atleast_1d(np.asarray(jd, dtype=np.float64))
    fr = np.zeros_like(jd) if fr is None else np.atleast_1d(np.asarray(fr, dtype=np.float64))
    if jd.ndim != 1 or jd.shape != fr.shape:
        raise ValueError(f"jd and fr must be 1-D arrays of the same length, got shapes {jd.shape} and {fr.shape}")
    error, r_km, v_km_s = satrecs.sgp4(np.ascontiguousarray(jd), np.ascontiguousarray(fr))
    return r_km, v_km_s, error


# ---------------------------------------------------------------- ephemeris files (leodc propagate)

FRAMES = ("teme", "gcrs", "itrs")


def satrecs_for(elements, tle_lines: list | None, start_jd: float) -> list:
    """SGP4 satellites for a fleet: from its TLE lines when it is real, else from its mean elements."""
    from leodc.orbits.elements import satrec_for

    if tle_lines is not None:
        return [Satrec.twoline2rv(a, b) for a, b in tle_lines]
    return [satrec_for(elements, i) for i in range(len(elements))]


def write_ephemeris(elements, tle_lines: list | None, start_jd: float, t_s: np.ndarray, out_path: str,
                    frame: str = "teme", propagator: str = "fast", chunk_satellites: int = 20000,
                    progress=None) -> int:
    """Write ``sat_id, time, x_km, y_km, z_km, vx_km_s, vy_km_s, vz_km_s`` to Parquet, chunk by chunk.

    Rows go satellite by satellite; the file is written under a temporary name and renamed.
    Returns the number of rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from leodc.constants import SECONDS_PER_DAY
    from leodc.orbits.epochs import timestamps
    from leodc.orbits.frames import teme_to_gcrs, teme_to_itrs
    from leodc.orbits.secular import propagate_fast

    if frame not in FRAMES:
        raise InputError("--frame", None, f"expected one of {', '.join(FRAMES)} (got {frame!r})")
    jd = start_jd + np.asarray(t_s, dtype=float) / SECONDS_PER_DAY
    whole = np.floor(jd)
    stamps = timestamps(start_jd, t_s)
    rows = 0
    with atomic_path(out_path) as tmp:
        writer = None
        try:
            for lo in range(0, len(elements), chunk_satellites):
                hi = min(len(elements), lo + chunk_satellites)
                part = elements.take(slice(lo, hi))
                if propagator == "sgp4":
                    sats = satrecs_for(part, tle_lines[lo:hi] if tle_lines is not None else None, start_jd)
                    r, v, _ = propagate_sgp4(sats, whole, jd - whole)
                else:
                    r, v = propagate_fast(part, start_jd, np.asarray(t_s, dtype=float))
                if frame == "gcrs":
                    r, v = teme_to_gcrs(r, v, jd)
                elif frame == "itrs":
                    r, v = teme_to_itrs(r, v, jd)
                n, m = r.shape[0], r.shape[1]
                table = pa.table({
                    "sat_id": np.repeat(part.sat_id, m), "time": pa.array(np.tile(stamps, n)),
                    "x_km": r[..., 0].ravel(), "y_km": r[..., 1].ravel(), "z_km": r[..., 2].ravel(),
                    "vx_km_s": v[..., 0].ravel(), "vy_km_s": v[..., 1].ravel(), "vz_km_s": v[..., 2].ravel(),
                })
                if writer is None:
                    writer = pq.ParquetWriter(str(tmp), table.schema)
                writer.write_table(table)
                rows += n * m
                if progress is not None:
                    progress(n * m)
        finally:
            if writer is not None:
                writer.close()
    return rows
