"""Orbit geometry in closed form: period, beta angle over a year, eclipse from a cylindrical shadow.

Eclipse fraction of a circular orbit at beta angle beta (cylindrical Earth shadow of radius R):

    f(beta) = arccos( sqrt(h^2 + 2 R h) / ((R + h) cos beta) ) / pi     for |beta| < asin(R / (R + h))

and zero above that critical beta. The beta angle is the angle between the Sun direction and the
orbit plane, beta = asin(s . n), with n the orbit normal. The right ascension of the node moves with
the J2 secular rate; a sun-synchronous orbit keeps its local time of the ascending node (LTAN) with
respect to the mean Sun, so the true Sun's declination and the equation of time still move beta
through the year: dawn-dusk orbits have eclipse seasons around one solstice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from leodc.constants import (
    EARTH_J2,
    EARTH_MU_KM3_PER_S2,
    EARTH_RADIUS_KM,
    JD_J2000,
    SECONDS_PER_DAY,
    SUN_MEAN_MOTION_RAD_PER_S,
    TROPICAL_YEAR_DAYS,
)
from leodc.orbits.elements import sgp4_sun_synchronous_inclination_rad
from leodc.orbits.sun import almanac_sun_direction

# Sampling of the year for beta-angle statistics: every 2 hours over one tropical year
# resolves the eclipse season edges of dawn-dusk orbits to a few hours.
YEAR_SAMPLE_STEP_S = 7200.0

HOURS_TO_DEG = 15.0


@dataclass(frozen=True)
class OrbitDesign:
    altitude_km: float
    inclination_deg: float
    kind: str
    ltan_h: float
    period_s: float
    beta_min_deg: float
    beta_max_deg: float
    eclipse_fraction: float  # mean over the year
    eclipse_fraction_beta0: float
    eclipse_fraction_max: float
    longest_eclipse_s: float
    eclipse_days_per_year: float
    sunlit_fraction: float


def period_s(altitude_km: float) -> float:
    a = EARTH_RADIUS_KM + altitude_km
    return 2.0 * math.pi * math.sqrt(a**3 / EARTH_MU_KM3_PER_S2)


def critical_beta_rad(altitude_km: float) -> float:
    """Above this |beta| a circular orbit sees no cylindrical shadow."""
    return math.asin(EARTH_RADIUS_KM / (EARTH_RADIUS_KM + altitude_km))


def eclipse_fraction(altitude_km: float, beta_rad: float | np.ndarray) -> np.ndarray | float:
    """Fraction of a circular orbit in the cylindrical shadow at the given beta angle(s)."""
    r = EARTH_RADIUS_KM + altitude_km
    h = altitude_km
    cos_b = np.cos(np.asarray(beta_rad, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        x = math.sqrt(h * h + 2.0 * EARTH_RADIUS_KM * h) / (r * cos_b)
    f = np.where(x < 1.0, np.arccos(np.clip(x, -1.0, 1.0)) / math.pi, 0.0)
    return float(f) if np.ndim(f) == 0 else f


def sun_synchronous_inclination_deg(altitude_km: float) -> float:
    """Inclination whose J2 nodal drift matches the mean Sun (circular orbit)."""
    a = EARTH_RADIUS_KM + altitude_km
    n = math.sqrt(EARTH_MU_KM3_PER_S2 / a**3)
    cos_i = -SUN_MEAN_MOTION_RAD_PER_S / (1.5 * n * EARTH_J2 * (EARTH_RADIUS_KM / a) ** 2)
    if cos_i < -1.0:
        raise ValueError(f"no sun-synchronous orbit exists at {altitude_km} km")
    return math.degrees(math.acos(cos_i))


def nodal_rate_rad_per_s(altitude_km: float, inclination_deg: float) -> float:
    a = EARTH_RADIUS_KM + altitude_km
    n = math.sqrt(EARTH_MU_KM3_PER_S2 / a**3)
    return -1.5 * n * EARTH_J2 * (EARTH_RADIUS_KM / a) ** 2 * math.cos(math.radians(inclination_deg))


def beta_over_year(altitude_km: float, inclination_deg: float, kind: str, ltan_h: float,
                   raan0_deg: float = 0.0, start_days_since_j2000: float = 0.0,
                   step_s: float = YEAR_SAMPLE_STEP_S) -> tuple[np.ndarray, np.ndarray]:
    """Beta angle (rad) sampled over one tropical year; returns (days, beta)."""
    days = start_days_since_j2000 + np.arange(0.0, TROPICAL_YEAR_DAYS * SECONDS_PER_DAY, step_s) / SECONDS_PER_DAY
    sun, mean_lon = almanac_sun_direction(days)
    if kind == "sun-synchronous":
        # The ascending node sits (LTAN - 12 h) from the mean Sun's right ascension.
        raan = mean_lon + math.radians((ltan_h - 12.0) * HOURS_TO_DEG)
    else:
        t_s = (days - start_days_since_j2000) * SECONDS_PER_DAY
        raan = math.radians(raan0_deg) + nodal_rate_rad_per_s(altitude_km, inclination_deg) * t_s
    i = math.radians(inclination_deg)
    normal = np.stack([math.sin(i) * np.sin(raan), -math.sin(i) * np.cos(raan),
                       np.full_like(raan, math.cos(i))], axis=-1)
    beta = np.arcsin(np.clip(np.sum(sun * normal, axis=-1), -1.0, 1.0))
    return days, beta


def design_orbit(altitude_km: float, kind: str, inclination_deg: float, ltan_h: float,
                 raan_deg: float = 0.0) -> OrbitDesign:
    if kind == "sun-synchronous":
        # the inclination the engine flies: SGP4's own nodal rate follows the mean Sun
        inclination_deg = math.degrees(sgp4_sun_synchronous_inclination_rad(EARTH_RADIUS_KM + altitude_km,
                                                                           JD_J2000))
    t = period_s(altitude_km)
    days, beta = beta_over_year(altitude_km, inclination_deg, kind, ltan_h, raan0_deg=raan_deg)
    f = eclipse_fraction(altitude_km, beta)
    day_index = np.floor(days - days[0]).astype(int)
    eclipse_days = np.unique(day_index[f > 0.0]).size
    return OrbitDesign(
        altitude_km=altitude_km,
        inclination_deg=inclination_deg,
        kind=kind,
        ltan_h=ltan_h,
        period_s=t,
        beta_min_deg=float(np.degrees(beta.min())),
        beta_max_deg=float(np.degrees(beta.max())),
        eclipse_fraction=float(f.mean()),
        eclipse_fraction_beta0=float(eclipse_fraction(altitude_km, 0.0)),
        eclipse_fraction_max=float(f.max()),
        longest_eclipse_s=float(f.max() * t),
        eclipse_days_per_year=float(eclipse_days),
        sunlit_fraction=float(1.0 - f.mean()),
    )
