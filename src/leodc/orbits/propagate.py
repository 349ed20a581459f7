"""Propagation: satellite positions and velocities over time, in TEME.

SGP4 with WGS72 constants (python-sgp4's wrapper of Vallado's C++) is the reference propagator:
the elements in a TLE or OMM were fitted with it, and ``tests/test_against_vallado.py`` checks this
path against Vallado's published verification output. ``sgp4.api.SatrecArray.sgp4`` runs a whole
fleet over a time grid in C++, but it holds the GIL while it runs, so threads do not speed it up:
parallelism goes through processes (or Dask workers), each propagating its own chunk of satellites.
"""

from __future__ import annotations

import numpy as np
from sgp4.api import Satrec, SatrecArray


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
