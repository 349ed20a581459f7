"""Reference frames for SGP4 output: TEME to Earth-fixed (ITRS) and to inertial J2000 (GCRS).

SGP4 gives positions in TEME, the "true equator, mean equinox" frame of AIAA 2006-6753
(Vallado et al. 2006, Appendix C). This module takes them to:

* **ITRS** (Earth-fixed): one rotation about the pole by the Greenwich mean sidereal time of
  IAU-82 (the angle SGP4's own theory uses), plus the Earth-rotation term on the velocity.
  Polar motion is neglected (the pole wanders by < 0.6", i.e. < 20 m at LEO radius) and so is
  UT1 - UTC unless given (|UT1 - UTC| < 0.9 s turns the Earth by < 6.6e-5 rad: up to 0.45 km
  along-track at LEO radius; pass ``ut1_minus_utc_s`` from IERS Bulletin A to remove it).
* **GCRS** (inertial, ≈ J2000): TEME -> true of date by the equation of the equinoxes
  (Δψ cos ε, without the 0.003" complementary terms: < 0.1 m), -> mean of date by IAU-1980
  nutation truncated to its 35 largest terms (the 71 omitted terms add up to at most 0.018" in
  longitude and 0.006" in obliquity: < 0.7 m at LEO radius), -> J2000 by IAU-1976 precession
  (Lieske et al. 1977). The 23 mas frame bias between J2000 and GCRS is neglected (< 0.8 m),
  as is the IAU-1980 theory's own error against the modern IAU-2000A nutation (up to ~50 mas,
  < 2 m). Measured against Skyfield (IAU-2000A, frame bias; tests/test_against_skyfield.py): a
  rotation of 1.2e-7 rad (0.024"), 0.8 m at LEO radius, 5 m at Molniya apogee.

Time scales: the inputs are UTC Julian dates. Precession and nutation are evaluated in TT,
taken as UTC + ``TT_MINUS_UTC_S`` (69.184 s, exact from 2017; 13 s too much in 1990, which moves
the precession by < 1e-4"). Sidereal time wants UT1 = UTC + ``ut1_minus_utc_s``.

Array convention: vectors have their three components on the last axis and time on the axis
just before it, so ``r_km[..., n_t, 3]`` goes with ``jd_utc[n_t]``: the engine's
``r[n_sat, n_t, 3]`` with ``jd[n_t]`` broadcasts, and so do ``r[n_t, 3]`` and a single ``r[3]``
with a scalar ``jd``. Rotation matrices come back as ``[n_t, 3, 3]`` (or ``[3, 3]``), and
``M @ r`` for one vector means ``r_out[i] = sum_j M[i, j] r[j]`` (passive rotations: the same
vector, new axes).
"""

from __future__ import annotations

import numpy as np

from leodc.constants import (
    DAYS_PER_JULIAN_CENTURY,
    EARTH_ROTATION_RAD_PER_S,
    JD_J2000,
    SECONDS_PER_DAY,
    TT_MINUS_UTC_S,
    TWO_PI,
)

ARCSEC_TO_RAD = np.pi / (180.0 * 3600.0)
DEG_TO_RAD = np.pi / 180.0

# GMST IAU-82 (Aoki et al. 1982; AIAA 2006-6753 eq. for gstime): seconds of time as a cubic in
# Julian centuries of UT1 from J2000, plus the 876600 h per century of whole turns.
GMST82_S = (67310.54841, 876600.0 * 3600.0 + 8640184.812866, 0.093104, -6.2e-6)

# Mean obliquity of the ecliptic, IAU-1976 (Lieske et al. 1977), arcsec, cubic in TT centuries.
OBLIQUITY76_ARCSEC = (84381.448, -46.8150, -0.00059, 0.001813)

# Precession angles zeta, z, theta, IAU-1976 (Lieske et al. 1977), arcsec, from J2000 to date.
PRECESSION76_ZETA_ARCSEC = (0.0, 2306.2181, 0.30188, 0.017998)
PRECESSION76_Z_ARCSEC = (0.0, 2306.2181, 1.09468, 0.018203)
PRECESSION76_THETA_ARCSEC = (0.0, 2004.3109, -0.42665, -0.041833)

# Delaunay arguments for the IAU-1980 nutation (Vallado, Fundamentals of Astrodynamics, 4th ed.,
# fundarg "80"): degrees at J2000 and arcsec per century (powers 1..3 of TT centuries).
# Order: l (Moon's mean anomaly), l' (Sun's), F (Moon's argument of latitude), D (elongation), Omega.
DELAUNAY80 = np.array([
    [134.96298139, 1717915922.6330, 31.310, 0.064],
    [357.52772333, 129596581.2240, -0.577, -0.012],
    [93.27191028, 1739527263.1370, -13.257, 0.011],
    [297.85036306, 1602961601.3280, -6.891, 0.019],
    [125.04452222, -6962890.5390, 7.455, 0.008],
])

# IAU-1980 theory of nutation (Seidelmann 1982, Celest. Mech. 27, 79), the 35 terms with a
# longitude amplitude of at least 0.001"; columns: multipliers of l, l', F, D, Omega; then
# A, B (dpsi = (A + B T) sin arg) and C, D (deps = (C + D T) cos arg) in 0.0001" and 0.0001"/century.
NUTATION80 = np.array([
    [0, 0, 0, 0, 1, -171996.0, -174.2, 92025.0, 8.9],
    [0, 0, 2, -2, 2, -13187.0, -1.6, 5736.0, -3.1],
    [0, 0, 2, 0, 2, -2274.0, -0.2, 977.0, -0.5],
    [0, 0, 0, 0, 2, 2062.0, 0.2, -895.0, 0.5],
    [0, -1, 0, 0, 0, -1426.0, 3.4, 54.0, -0.1],
    [1, 0, 0, 0, 0, 712.0, 0.1, -7.0, 0.0],
    [0, 1, 2, -2, 2, -517.0, 1.2, 224.0, -0.6],
    [0, 0, 2, 0, 1, -386.0, -0.4, 200.0, 0.0],
    [1, 0, 2, 0, 2, -301.0, 0.0, 129.0, -0.1],
    [0, -1, 2, -2, 2, 217.0, -0.5, -95.0, 0.3],
    [-1, 0, 0, 2, 0, 158.0, 0.0, -1.0, 0.0],
    [0, 0, 2, -2, 1, 129.0, 0.1, -70.0, 0.0],
    [-1, 0, 2, 0, 2, 123.0, 0.0, -53.0, 0.0],
    [1, 0, 0, 0, 1, 63.0, 0.1, -33.0, 0.0],
    [0, 0, 0, 2, 0, 63.0, 0.0, -2.0, 0.0],
    [-1, 0, 2, 2, 2, -59.0, 0.0, 26.0, 0.0],
    [-1, 0, 0, 0, 1, -58.0, -0.1, 32.0, 0.0],
    [1, 0, 2, 0, 1, -51.0, 0.0, 27.0, 0.0],
    [-2, 0, 0, 2, 0, -48.0, 0.0, 1.0, 0.0],
    [-2, 0, 2, 0, 1, 46.0, 0.0, -24.0, 0.0],
    [0, 0, 2, 2, 2, -38.0, 0.0, 16.0, 0.0],
    [2, 0, 2, 0, 2, -31.0, 0.0, 13.0, 0.0],
    [2, 0, 0, 0, 0, 29.0, 0.0, -1.0, 0.0],
    [1, 0, 2, -2, 2, 29.0, 0.0, -12.0, 0.0],
    [0, 0, 2, 0, 0, 26.0, 0.0, -1.0, 0.0],
    [0, 0, 2, -2, 0, -22.0, 0.0, 0.0, 0.0],
    [-1, 0, 2, 0, 1, 21.0, 0.0, -10.0, 0.0],
    [0, 2, 0, 0, 0, 17.0, -0.1, 0.0, 0.0],
    [0, 2, 2, -2, 2, -16.0, 0.1, 7.0, 0.0],
    [-1, 0, 0, 2, 1, 16.0, 0.0, -8.0, 0.0],
    [0, 1, 0, 0, 1, -15.0, 0.0, 9.0, 0.0],
    [1, 0, 0, -2, 1, -13.0, 0.0, 7.0, 0.0],
    [0, -1, 0, 0, 1, -12.0, 0.0, 6.0, 0.0],
    [2, 0, -2, 0, 0, 11.0, 0.0, 0.0, 0.0],
    [-1, 0, 2, 2, 1, -10.0, 0.0, 5.0, 0.0],
])
NUTATION80_UNIT_RAD = 1e-4 * ARCSEC_TO_RAD


def _poly(coefficients, t):
    return coefficients[0] + t * (coefficients[1] + t * (coefficients[2] + t * coefficients[3]))


def julian_centuries_tt(jd_utc) -> np.ndarray:
    """Julian centuries of TT since J2000 for UTC Julian dates (TT - UTC as ``TT_MINUS_UTC_S``)."""
    jd = np.asarray(jd_utc, dtype=float)
    return (jd - JD_J2000 + TT_MINUS_UTC_S / SECONDS_PER_DAY) / DAYS_PER_JULIAN_CENTURY


def gmst_rad(jd_ut1) -> np.ndarray:
    """Greenwich mean sidereal time, IAU-82, in [0, 2π), as SGP4 uses it (AIAA 2006-6753 gstime).

    Whole turns are dropped before they are summed, so the angle is as good as the date: a float64
    Julian date resolves ~40 µs, i.e. 3e-9 rad (measured 1.5e-9 rad against Skyfield).
    """
    jd = np.asarray(jd_ut1, dtype=float)
    t = (jd - JD_J2000) / DAYS_PER_JULIAN_CENTURY
    # 67310.54841 s + (876600 h + 8640184.812866 s) T: split the big linear term into whole days.
    day_fraction = (jd - JD_J2000) % 1.0  # UT1 days since J2000.0 noon, fractional part
    seconds = (GMST82_S[0] + (GMST82_S[1] - 876600.0 * 3600.0) * t
               + t * t * (GMST82_S[2] + t * GMST82_S[3]))
    turns = (seconds / SECONDS_PER_DAY + day_fraction) % 1.0
    return turns * TWO_PI


def mean_obliquity_rad(t_tt) -> np.ndarray:
    """Mean obliquity of the ecliptic (IAU-1976) at TT centuries ``t_tt`` since J2000."""
    return _poly(OBLIQUITY76_ARCSEC, np.asarray(t_tt, dtype=float)) * ARCSEC_TO_RAD


def nutation_rad(t_tt) -> tuple[np.ndarray, np.ndarray]:
    """Nutation in longitude and in obliquity (Δψ, Δε), IAU-1980, 35 largest terms, radians."""
    t = np.asarray(t_tt, dtype=float)
    t_powers = np.stack([t, t * t, t * t * t], axis=-1)
    delaunay_rad = (DELAUNAY80[:, 0] + (t_powers @ DELAUNAY80[:, 1:].T) / 3600.0) * DEG_TO_RAD
    delaunay_rad = np.remainder(delaunay_rad, TWO_PI)
    argument = delaunay_rad @ NUTATION80[:, :5].T  # [..., n_terms]
    t1 = t[..., None]
    dpsi = np.sum((NUTATION80[:, 5] + NUTATION80[:, 6] * t1) * np.sin(argument), axis=-1)
    deps = np.sum((NUTATION80[:, 7] + NUTATION80[:, 8] * t1) * np.cos(argument), axis=-1)
    return dpsi * NUTATION80_UNIT_RAD, deps * NUTATION80_UNIT_RAD


def _rot_x(angle):
    c, s = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([one, zero, zero], -1), np.stack([zero, c, s], -1),
                     np.stack([zero, -s, c], -1)], -2)


def _rot_y(angle):
    c, s = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([c, zero, -s], -1), np.stack([zero, one, zero], -1),
                     np.stack([s, zero, c], -1)], -2)


def _rot_z(angle):
    c, s = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([c, s, zero], -1), np.stack([-s, c, zero], -1),
                     np.stack([zero, zero, one], -1)], -2)


def precession_matrix(jd_utc) -> np.ndarray:
    """IAU-1976 precession: ``r_mean_of_date = P @ r_j2000``; shape ``[n_t, 3, 3]``."""
    t = julian_centuries_tt(jd_utc)
    zeta = _poly(PRECESSION76_ZETA_ARCSEC, t) * ARCSEC_TO_RAD
    z = _poly(PRECESSION76_Z_ARCSEC, t) * ARCSEC_TO_RAD
    theta = _poly(PRECESSION76_THETA_ARCSEC, t) * ARCSEC_TO_RAD
    return _rot_z(-z) @ _rot_y(theta) @ _rot_z(-zeta)


def nutation_matrix(jd_utc) -> np.ndarray:
    """IAU-1980 nutation: ``r_true_of_date = N @ r_mean_of_date``; shape ``[n_t, 3, 3]``."""
    t = julian_centuries_tt(jd_utc)
    eps = mean_obliquity_rad(t)
    dpsi, deps = nutation_rad(t)
    return _rot_x(-(eps + deps)) @ _rot_z(-dpsi) @ _rot_x(eps)


def teme_to_gcrs_matrix(jd_utc) -> np.ndarray:
    """``r_gcrs = M @ r_teme``: equation of the equinoxes, nutation, precession (see module doc)."""
    t = julian_centuries_tt(jd_utc)
    eps = mean_obliquity_rad(t)
    dpsi, deps = nutation_rad(t)
    teme_to_tod = _rot_z(-dpsi * np.cos(eps))
    nutation = _rot_x(-(eps + deps)) @ _rot_z(-dpsi) @ _rot_x(eps)
    return np.swapaxes(precession_matrix(jd_utc), -1, -2) @ np.swapaxes(nutation, -1, -2) @ teme_to_tod


def rotate(matrix: np.ndarray, vectors_km: np.ndarray) -> np.ndarray:
    """Apply ``matrix[n_t, 3, 3]`` (or ``[3, 3]``) to ``vectors[..., n_t, 3]`` (or ``[..., 3]``).

    Written out component by component: nine multiply-adds over the whole array, which is much
    faster than a stacked ``matmul`` of 3 x 3 matrices for a fleet of satellites.
    """
    v = np.asarray(vectors_km, dtype=float)
    m = np.asarray(matrix, dtype=float)
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    return np.stack([m[..., 0, 0] * x + m[..., 0, 1] * y + m[..., 0, 2] * z,
                     m[..., 1, 0] * x + m[..., 1, 1] * y + m[..., 1, 2] * z,
                     m[..., 2, 0] * x + m[..., 2, 1] * y + m[..., 2, 2] * z], axis=-1)


def teme_to_itrs(r_km, v_km_s, jd_utc, ut1_minus_utc_s: float | np.ndarray = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """TEME position and velocity to Earth-fixed ITRS (km, km/s), ``r[..., n_t, 3]`` with ``jd[n_t]``.

    r_pef = R3(GMST) r_teme and v_pef = R3(GMST) v_teme - ω x r_pef, with ω the Earth's nominal
    rotation rate. Polar motion is neglected (< 20 m at LEO radius), and so is UT1 - UTC when
    ``ut1_minus_utc_s`` (a scalar, or one value per time) is left at 0: up to 0.45 km along the
    equator at LEO radius. Given UT1 - UTC, it matches Skyfield to 3e-9 rad (2 cm).
    """
    r = np.asarray(r_km, dtype=float)
    v = np.asarray(v_km_s, dtype=float)
    theta = gmst_rad(np.asarray(jd_utc, dtype=float) + ut1_minus_utc_s / SECONDS_PER_DAY)
    c, s = np.cos(theta), np.sin(theta)
    x = c * r[..., 0] + s * r[..., 1]
    y = -s * r[..., 0] + c * r[..., 1]
    vx = c * v[..., 0] + s * v[..., 1] + EARTH_ROTATION_RAD_PER_S * y
    vy = -s * v[..., 0] + c * v[..., 1] - EARTH_ROTATION_RAD_PER_S * x
    r_itrs = np.stack([x, y, np.broadcast_to(r[..., 2], x.shape)], axis=-1)
    v_itrs = np.stack([vx, vy, np.broadcast_to(v[..., 2], vx.shape)], axis=-1)
    return r_itrs, v_itrs


def teme_to_gcrs(r_km, v_km_s, jd_utc) -> tuple[np.ndarray, np.ndarray]:
    """TEME position and velocity to inertial J2000/GCRS (km, km/s), ``r[..., n_t, 3]`` with ``jd[n_t]``.

    The velocity is rotated only: the frames turn by ~50"/year, a 1e-7 m/s effect at LEO.
    """
    m = teme_to_gcrs_matrix(jd_utc)
    return rotate(m, r_km), rotate(m, v_km_s)


def gcrs_to_true_of_date_matrix(jd_utc) -> np.ndarray:
    """``r_true_of_date = M @ r_gcrs`` (IAU-1976 precession then IAU-1980 nutation)."""
    return nutation_matrix(jd_utc) @ precession_matrix(jd_utc)
