"""Mean orbital elements of a fleet, as arrays over satellites (one entry per satellite).

This is what the engine propagates. Designed shells and real fleets (TLE/OMM) both become a
:class:`FleetElements`: SGP4 mean elements at each satellite's epoch together with SGP4's own
secular rates (mean anomaly, node, perigee), so that the fast propagator drifts the way SGP4 does.
Formation members also carry a bounded relative orbit about their reference satellite (see
``orbits.shells``); everyone else has zero relative motion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from sgp4.api import WGS72, Satrec

from leodc.constants import (
    EARTH_J2,
    EARTH_MU_KM3_PER_S2,
    EARTH_RADIUS_KM,
    SECONDS_PER_MINUTE,
    SUN_MEAN_MOTION_RAD_PER_S,
    WGS72_EARTH_RADIUS_KM,
    WGS72_MU_KM3_PER_S2,
)

# SGP4 counts epochs in days from 1949 December 31 00:00 UT (JD 2433281.5); its catalogue numbers
# (without the alpha-5 extension) stop at 99999.
SGP4_EPOCH_ORIGIN_JD = 2433281.5
SGP4_MAX_SATNUM = 100000
# secant search for the inclination at which SGP4's nodal rate follows the mean Sun
SSO_SECANT_STEP_RAD = 1e-3
SSO_SECANT_ITERATIONS = 8
SSO_TOLERANCE_RAD = 1e-12


@dataclass(frozen=True)
class FleetElements:
    sat_id: np.ndarray  # int64
    shell: np.ndarray  # int32, index into the fleet's shell list
    epoch_jd: np.ndarray  # float64, UTC Julian date of the elements
    a_km: np.ndarray
    ecc: np.ndarray
    inc_rad: np.ndarray
    raan_rad: np.ndarray
    argp_rad: np.ndarray
    mean_anomaly_rad: np.ndarray
    mean_motion_rad_per_s: np.ndarray  # SGP4's mdot (secular rate of the mean anomaly)
    raan_rate_rad_per_s: np.ndarray
    argp_rate_rad_per_s: np.ndarray
    # bounded relative orbit about the satellite's own mean orbit, in its local frame (metres):
    # radial x = A cos(n t + phi), along-track y = y0 - 2 A sin(n t + phi), cross-track z = B cos(n t + psi)
    rel_radial_amp_m: np.ndarray
    rel_phase_rad: np.ndarray
    rel_along_offset_m: np.ndarray
    rel_cross_amp_m: np.ndarray
    rel_cross_phase_rad: np.ndarray
    rel_rate_rad_per_s: np.ndarray  # frequency of the relative orbit (0 without one)

    def __len__(self) -> int:
        return int(self.sat_id.size)

    def take(self, index) -> FleetElements:
        """The satellites at ``index`` (a slice or an index array)."""
        return FleetElements(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concatenate(parts: list[FleetElements]) -> FleetElements:
        return FleetElements(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                                for f in fields(FleetElements)})


def make_satrec(a_km: float, ecc: float, inc_rad: float, raan_rad: float, argp_rad: float, m_rad: float,
                epoch_jd: float, sat_id: int = 0) -> Satrec:
    """A drag-free SGP4 (WGS72) satellite whose mean semi-major axis is ``a_km``.

    sgp4init takes a Kozai mean motion and un-Kozais it; three fixed-point steps put its ``a`` on
    the requested value to well under a millimetre.
    """
    n_rad_min = math.sqrt(WGS72_MU_KM3_PER_S2 / a_km**3) * SECONDS_PER_MINUTE
    sat = Satrec()
    for _ in range(3):
        sat.sgp4init(WGS72, "i", int(sat_id) % SGP4_MAX_SATNUM, epoch_jd - SGP4_EPOCH_ORIGIN_JD, 0.0, 0.0, 0.0,
                     float(ecc), float(argp_rad), float(inc_rad), float(m_rad), n_rad_min, float(raan_rad))
        n_rad_min *= (sat.a * WGS72_EARTH_RADIUS_KM / a_km) ** 1.5
    return sat


def sgp4_rates(a_km: float, ecc: float, inc_rad: float, epoch_jd: float) -> tuple[float, float, float]:
    """SGP4's secular rates (mean anomaly, node, perigee; rad/s) for mean elements a, e, i.

    One ``sgp4init`` per shell: every satellite of a shell shares a, e and i, hence its rates.
    """
    sat = make_satrec(a_km, ecc, inc_rad, 0.0, 0.0, 0.0, epoch_jd)
    return sat.mdot / SECONDS_PER_MINUTE, sat.nodedot / SECONDS_PER_MINUTE, sat.argpdot / SECONDS_PER_MINUTE


def sgp4_sun_synchronous_inclination_rad(a_km: float, epoch_jd: float) -> float:
    """Inclination at which SGP4's secular nodal rate equals the mean Sun's (secant iteration from
    the J2-only value; converges to 1e-12 rad in a few steps)."""
    target = SUN_MEAN_MOTION_RAD_PER_S
    # start from the J2-only value: cos i = -(sun rate) / (1.5 n J2 (R/a)^2)
    n = math.sqrt(EARTH_MU_KM3_PER_S2 / a_km**3)
    i0 = math.acos(-target / (1.5 * n * EARTH_J2 * (EARTH_RADIUS_KM / a_km) ** 2))
    i1 = i0 + SSO_SECANT_STEP_RAD
    f0 = sgp4_rates(a_km, 0.0, i0, epoch_jd)[1] - target
    for _ in range(SSO_SECANT_ITERATIONS):
        f1 = sgp4_rates(a_km, 0.0, i1, epoch_jd)[1] - target
        if f1 == f0:
            break
        i0, i1, f0 = i1, i1 - f1 * (i1 - i0) / (f1 - f0), f1
        if abs(i1 - i0) < SSO_TOLERANCE_RAD:
            break
    return i1


def satrec_for(elements: FleetElements, i: int) -> Satrec:
    """An SGP4 satellite with the mean elements of satellite ``i`` (for the SGP4 path)."""
    return make_satrec(elements.a_km[i], elements.ecc[i], elements.inc_rad[i], elements.raan_rad[i],
                       elements.argp_rad[i], elements.mean_anomaly_rad[i], elements.epoch_jd[i],
                       int(elements.sat_id[i]))


def from_satrecs(satrecs, sat_ids: np.ndarray | None = None, shell: int = 0) -> FleetElements:
    """Fleet elements from SGP4 satellites (TLE/OMM), with SGP4's secular rates."""
    n = len(satrecs)
    get = lambda name: np.array([getattr(s, name) for s in satrecs], dtype=float)  # noqa: E731
    zeros = np.zeros(n)
    radius = np.array([s.radiusearthkm for s in satrecs])
    return FleetElements(
        sat_id=np.asarray(sat_ids if sat_ids is not None else [s.satnum for s in satrecs], dtype=np.int64),
        shell=np.full(n, shell, dtype=np.int32),
        epoch_jd=get("jdsatepoch") + get("jdsatepochF"),
        a_km=get("a") * radius,
        ecc=get("ecco"),
        inc_rad=get("inclo"),
        raan_rad=get("nodeo"),
        argp_rad=get("argpo"),
        mean_anomaly_rad=get("mo"),
        mean_motion_rad_per_s=get("mdot") / SECONDS_PER_MINUTE,
        raan_rate_rad_per_s=get("nodedot") / SECONDS_PER_MINUTE,
        argp_rate_rad_per_s=get("argpdot") / SECONDS_PER_MINUTE,
        rel_radial_amp_m=zeros, rel_phase_rad=zeros.copy(), rel_along_offset_m=zeros.copy(),
        rel_cross_amp_m=zeros.copy(), rel_cross_phase_rad=zeros.copy(), rel_rate_rad_per_s=zeros.copy(),
    )
