"""Where the Sun is, seen from the Earth's centre: an analytic series, no ephemeris file.

The series is VSOP87D for the Earth (Bretagnon & Francou 1988, A&A 202, 309) as abridged in
Meeus, *Astronomical Algorithms* (2nd ed. 1998), Appendix III and in NREL's Solar Position
Algorithm (Reda & Andreas 2004), cut further to the 45 longitude and 23 radius terms that matter
at the arcsecond level: the Earth's heliocentric longitude and distance in the ecliptic and
mean equinox of date, turned around to give the geocentric Sun. That position is geometric (no
light time, no aberration). The IAU-1980 nutation of :mod:`leodc.orbits.frames` then takes it
to the true equator and equinox of date. Neglected: the Sun's ecliptic latitude (< 0.6"), the
0.09" FK5 correction of VSOP87, and the terms cut from the series (together < 1").

Accuracy, measured against JPL DE421 over 1990-2040 (tests/test_against_de421.py): direction
within 2.0" (0.00055°; rms 0.7"), distance within 0.0007 %. (Meeus's "low accuracy" chapter-25
formulas, tried first, miss by up to 35" = 0.0096° and 0.008 %.)

Frame: true equator and equinox of date. SGP4's TEME shares its equator and differs by a turn of
the equation of the equinoxes about the pole, |Δψ cos ε| < 17.3" = 0.0048°. For a shadow
boundary in LEO, 17" is about 0.1 s of the satellite's motion. The apparent direction (which
includes the 20.5" of annual aberration) would be the physical one for shadows; the difference
moves a LEO shadow boundary by about 0.1 s as well.

Cost: about 70 cosines for the series and 70 for the nutation per time step, computed once per
time step and shared by the whole fleet.
"""

from __future__ import annotations

import math

import numpy as np

from leodc.constants import AU_KM, DAYS_PER_JULIAN_CENTURY, OBLIQUITY_DEG, TWO_PI
from leodc.orbits.frames import julian_centuries_tt, mean_obliquity_rad, nutation_rad

# VSOP87D for the Earth (Bretagnon & Francou 1988), as abridged in Meeus (1998) Appendix III and
# in NREL's Solar Position Algorithm (Reda & Andreas 2004), truncated further here to the terms
# that matter at the arcsecond level over 1950-2050: heliocentric ecliptic longitude of date
# L = sum_k tau^k sum_i A cos(B + C tau), radius R likewise, with tau in Julian millennia of TT
# from J2000; columns A (1e-8 rad or 1e-8 AU), B (rad), C (rad per millennium).
VSOP87_L = (
    np.array([
        [175347046.0, 0.0, 0.0], [3341656.0, 4.6692568, 6283.07585], [34894.0, 4.6261, 12566.1517],
        [3497.0, 2.7441, 5753.3849], [3418.0, 2.8289, 3.5231], [3136.0, 3.6277, 77713.7715],
        [2676.0, 4.4181, 7860.4194], [2343.0, 6.1352, 3930.2097], [1324.0, 0.7425, 11506.7698],
        [1273.0, 2.0371, 529.691], [1199.0, 1.1096, 1577.3435], [990.0, 5.233, 5884.927],
        [902.0, 2.045, 26.298], [857.0, 3.508, 398.149], [780.0, 1.179, 5223.694],
        [753.0, 2.533, 5507.553], [505.0, 4.583, 18849.228], [492.0, 4.205, 775.523],
        [357.0, 2.92, 0.067], [317.0, 5.849, 11790.629], [284.0, 1.899, 796.298],
        [271.0, 0.315, 10977.079], [243.0, 0.345, 5486.778], [206.0, 4.806, 2544.314],
        [205.0, 1.869, 5573.143], [202.0, 2.458, 6069.777], [156.0, 0.833, 213.299],
        [132.0, 3.411, 2942.463], [126.0, 1.083, 20.775], [115.0, 0.645, 0.98],
        [103.0, 0.636, 4694.003], [102.0, 0.976, 15720.839], [102.0, 4.267, 7.114],
    ]),
    np.array([
        [628331966747.0, 0.0, 0.0], [206059.0, 2.678235, 6283.07585], [4303.0, 2.6351, 12566.1517],
        [425.0, 1.59, 3.523], [119.0, 5.796, 26.298], [109.0, 2.966, 1577.344],
    ]),
    np.array([[52919.0, 0.0, 0.0], [8720.0, 1.0721, 6283.0758], [309.0, 0.867, 12566.152]]),
    np.array([[289.0, 5.844, 6283.076], [35.0, 0.0, 0.0]]),
    np.array([[114.0, 3.142, 0.0]]),
)
VSOP87_R = (
    np.array([
        [100013989.0, 0.0, 0.0], [1670700.0, 3.0984635, 6283.07585], [13956.0, 3.05525, 12566.1517],
        [3084.0, 5.1985, 77713.7715], [1628.0, 1.1739, 5753.3849], [1576.0, 2.8469, 7860.4194],
        [925.0, 5.453, 11506.77], [542.0, 4.564, 3930.21], [472.0, 3.661, 5884.927],
        [346.0, 0.964, 5507.553], [329.0, 5.9, 5223.694], [307.0, 0.299, 5573.143],
        [243.0, 4.273, 11790.629], [212.0, 5.847, 1577.344], [186.0, 5.022, 10977.079],
        [175.0, 3.012, 18849.228], [110.0, 5.055, 5486.778],
    ]),
    np.array([[103019.0, 1.10749, 6283.07585], [1721.0, 1.0644, 12566.1517], [702.0, 3.142, 0.0]]),
    np.array([[4359.0, 5.7846, 6283.0758], [124.0, 5.579, 12566.152]]),
    np.array([[145.0, 4.273, 6283.076]]),
)
VSOP87_UNIT = 1e-8
DAYS_PER_JULIAN_MILLENNIUM = 365250.0


def _vsop87_series(tables, tau):
    total = np.zeros_like(tau)
    for table in reversed(tables):  # Horner in tau: (((S4 tau + S3) tau + S2) tau + S1) tau + S0
        total = total * tau + np.sum(table[:, 0] * np.cos(table[:, 1] + table[:, 2] * tau[..., None]), axis=-1)
    return total * VSOP87_UNIT


def sun_position_km(jd_utc) -> np.ndarray:
    """Geocentric Sun position, km, true equator and equinox of date, shape ``[n, 3]``.

    ``jd_utc`` is an array of UTC Julian dates (a scalar gives shape ``[3]``). See the module
    docstring for the accuracy and for how close true-of-date is to TEME (< 0.005°).
    """
    t = julian_centuries_tt(jd_utc)
    tau = t * (DAYS_PER_JULIAN_CENTURY / DAYS_PER_JULIAN_MILLENNIUM)
    earth_longitude = _vsop87_series(VSOP87_L, tau)
    distance_km = _vsop87_series(VSOP87_R, tau) * AU_KM

    dpsi, deps = nutation_rad(t)
    longitude = np.remainder(earth_longitude + np.pi, TWO_PI) + dpsi
    obliquity = mean_obliquity_rad(t) + deps
    cos_lon = np.cos(longitude)
    sin_lon = np.sin(longitude)
    return distance_km[..., None] * np.stack([cos_lon, np.cos(obliquity) * sin_lon, np.sin(obliquity) * sin_lon],
                                             axis=-1)


def sun_direction(jd_utc) -> np.ndarray:
    """Unit vectors from the Earth's centre to the Sun, true equator and equinox of date, ``[n, 3]``."""
    r = sun_position_km(jd_utc)
    return r / np.linalg.norm(r, axis=-1, keepdims=True)


# Low-precision solar coordinates (Astronomical Almanac, "Low precision formulas for the Sun",
# accuracy ~0.01 deg over 1950-2050): mean longitude and mean anomaly at J2000 and their rates.
# The closed-form design samples a whole year (4,383 points) on every call, where 0.01 deg moves no
# eclipse statistic it reports; the engine uses orbits.sun (abridged VSOP87, 2" against DE421). The
# mean longitude also places sun-synchronous nodes (shells) on the mean Sun.
SUN_MEAN_LONGITUDE_J2000_DEG = 280.460
SUN_MEAN_LONGITUDE_RATE_DEG_PER_DAY = 0.9856474
SUN_MEAN_ANOMALY_J2000_DEG = 357.528
SUN_MEAN_ANOMALY_RATE_DEG_PER_DAY = 0.9856003
SUN_EQUATION_OF_CENTRE_1_DEG = 1.915
SUN_EQUATION_OF_CENTRE_2_DEG = 0.020



def almanac_sun_direction(days_since_j2000: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors to the Sun (ECI, equator and equinox of date) and the mean longitude (rad), from the
    Astronomical Almanac's low-precision formula (0.01°): cheap enough to sample a whole year for the
    design's beta angles and the sun-synchronous planes' nodes."""
    d = np.asarray(days_since_j2000, dtype=float)
    mean_lon = np.radians(SUN_MEAN_LONGITUDE_J2000_DEG + SUN_MEAN_LONGITUDE_RATE_DEG_PER_DAY * d)
    g = np.radians(SUN_MEAN_ANOMALY_J2000_DEG + SUN_MEAN_ANOMALY_RATE_DEG_PER_DAY * d)
    lam = mean_lon + np.radians(SUN_EQUATION_OF_CENTRE_1_DEG * np.sin(g) + SUN_EQUATION_OF_CENTRE_2_DEG * np.sin(2 * g))
    eps = math.radians(OBLIQUITY_DEG)
    s = np.stack([np.cos(lam), math.cos(eps) * np.sin(lam), math.sin(eps) * np.sin(lam)], axis=-1)
    return s, mean_lon
