"""The fast propagator: mean elements drifting at SGP4's own secular rates (J2, J4 in SGP4's
formulation), vectorised over satellites and compiled with numba.

Each step applies SGP4's near-Earth periodic terms to the drifting mean elements, written from
the published equations (Hoots & Roehrich 1980, Spacetrack Report No. 3; Vallado et al. 2006): the
long-period J3 terms, Kepler's equation in the eccentric longitude, and the first-order short-period
J2 terms, in TEME like SGP4. Left out: drag (B*) and the deep-space terms, so a real fleet's fast
path drifts from SGP4 as its drag acts. ``tests/test_fast_propagator.py`` measures the error against SGP4 and
docs/simulation.md states it. Formation members add
their bounded relative orbit in the local radial / along-track / cross-track frame.

Elements travel as one float64 array ``el[n_sat, N_COLUMNS]`` (columns below), times as seconds
from the simulation start ``t_s[n_t]``; the satellites' epochs enter as ``EPOCH_OFFSET_S``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from leodc.constants import (
    SECONDS_PER_DAY,
    SECONDS_PER_MINUTE,
    TWO_PI,
    WGS72_EARTH_RADIUS_KM,
    WGS72_J2,
    WGS72_J3,
    WGS72_MU_KM3_PER_S2,
)
from leodc.orbits.elements import FleetElements

(A_KM, ECC, INC, RAAN, ARGP, M0, MDOT, RAANDOT, ARGPDOT, REL_A, REL_PHI, REL_Y0, REL_B, REL_PSI, REL_RATE,
 EPOCH_OFFSET_S) = range(16)
N_COLUMNS = 16
# Kepler iteration as SGP4 does it: at most 10 Newton steps of at most 0.95 rad, to 1e-12 rad
KEPLER_ITERATIONS = 10
KEPLER_MAX_STEP = 0.95
KEPLER_TOLERANCE = 1e-12
SGP4_SMALL = 1.5e-12  # guard of 1 + cos i for retrograde equatorial orbits
SGP4_J3OJ2 = WGS72_J3 / WGS72_J2
SGP4_XKE = SECONDS_PER_MINUTE / math.sqrt(WGS72_EARTH_RADIUS_KM**3 / WGS72_MU_KM3_PER_S2)  # sqrt(mu), ER^1.5/min
M_PER_KM = 1000.0


# SGP4 switches to its deep-space model (SDP4) for periods of 225 minutes or more; the fast path has
# only the near-Earth formula.
DEEP_SPACE_PERIOD_MIN = 225.0


def deep_space(elements: FleetElements) -> np.ndarray:
    """Ids of satellites whose period puts them in SGP4's deep-space regime."""
    period_min = 2.0 * math.pi / elements.mean_motion_rad_per_s / SECONDS_PER_MINUTE
    return elements.sat_id[period_min >= DEEP_SPACE_PERIOD_MIN]


def pack(elements: FleetElements, start_jd: float) -> np.ndarray:
    """Elements as the kernel's float64 array, epochs relative to the simulation start."""
    cols = [elements.a_km, elements.ecc, elements.inc_rad, elements.raan_rad, elements.argp_rad,
            elements.mean_anomaly_rad, elements.mean_motion_rad_per_s, elements.raan_rate_rad_per_s,
            elements.argp_rate_rad_per_s, elements.rel_radial_amp_m, elements.rel_phase_rad,
            elements.rel_along_offset_m, elements.rel_cross_amp_m, elements.rel_cross_phase_rad,
            elements.rel_rate_rad_per_s, (elements.epoch_jd - start_jd) * SECONDS_PER_DAY]
    return np.ascontiguousarray(np.stack(cols, axis=1), dtype=np.float64)


def unpack(el: np.ndarray, start_jd: float, sat_id: np.ndarray, shell: np.ndarray) -> FleetElements:
    """The inverse of :func:`pack` (for paths that need SGP4 satellites back)."""
    c = lambda k: np.ascontiguousarray(el[:, k])  # noqa: E731
    return FleetElements(
        sat_id=sat_id, shell=shell, epoch_jd=start_jd + c(EPOCH_OFFSET_S) / SECONDS_PER_DAY, a_km=c(A_KM),
        ecc=c(ECC), inc_rad=c(INC), raan_rad=c(RAAN), argp_rad=c(ARGP), mean_anomaly_rad=c(M0),
        mean_motion_rad_per_s=c(MDOT), raan_rate_rad_per_s=c(RAANDOT), argp_rate_rad_per_s=c(ARGPDOT),
        rel_radial_amp_m=c(REL_A), rel_phase_rad=c(REL_PHI), rel_along_offset_m=c(REL_Y0),
        rel_cross_amp_m=c(REL_B), rel_cross_phase_rad=c(REL_PSI), rel_rate_rad_per_s=c(REL_RATE))


@numba.njit(cache=True, inline="always")
def state_at(el, i, t_s):
    """Position (km) and velocity (km/s) of satellite i at t_s seconds from the simulation start."""
    dt = t_s - el[i, EPOCH_OFFSET_S]
    am = el[i, A_KM] / WGS72_EARTH_RADIUS_KM  # Earth radii, as SGP4 works
    e = el[i, ECC]
    inc = el[i, INC]
    mp = el[i, M0] + el[i, MDOT] * dt
    nodep = el[i, RAAN] + el[i, RAANDOT] * dt
    argpp = el[i, ARGP] + el[i, ARGPDOT] * dt
    nm = SGP4_XKE / am**1.5  # rad/min
    sinip, cosip = math.sin(inc), math.cos(inc)
    # long-period periodics (J3)
    den = 1.0 + cosip
    if abs(den) < SGP4_SMALL:
        den = SGP4_SMALL
    aycof = -0.5 * SGP4_J3OJ2 * sinip
    xlcof = -0.25 * SGP4_J3OJ2 * sinip * (3.0 + 5.0 * cosip) / den
    temp = 1.0 / (am * (1.0 - e * e))
    axnl = e * math.cos(argpp)
    aynl = e * math.sin(argpp) + temp * aycof
    xl = mp + argpp + nodep + temp * xlcof * axnl
    # Kepler's equation for the eccentric longitude
    u = (xl - nodep) % TWO_PI
    eo1 = u
    sineo1, coseo1 = math.sin(eo1), math.cos(eo1)
    for _ in range(KEPLER_ITERATIONS):
        sineo1, coseo1 = math.sin(eo1), math.cos(eo1)
        step = (u - aynl * coseo1 + axnl * sineo1 - eo1) / (1.0 - coseo1 * axnl - sineo1 * aynl)
        step = min(max(step, -KEPLER_MAX_STEP), KEPLER_MAX_STEP)
        eo1 += step
        if abs(step) < KEPLER_TOLERANCE:
            sineo1, coseo1 = math.sin(eo1), math.cos(eo1)
            break
    ecose = axnl * coseo1 + aynl * sineo1
    esine = axnl * sineo1 - aynl * coseo1
    el2 = axnl * axnl + aynl * aynl
    pl = am * (1.0 - el2)
    rl = am * (1.0 - ecose)
    rdotl = math.sqrt(am) * esine / rl
    rvdotl = math.sqrt(pl) / rl
    betal = math.sqrt(1.0 - el2)
    temp = esine / (1.0 + betal)
    sinu = am / rl * (sineo1 - aynl - axnl * temp)
    cosu = am / rl * (coseo1 - axnl + aynl * temp)
    su = math.atan2(sinu, cosu)
    sin2u = 2.0 * sinu * cosu
    cos2u = 1.0 - 2.0 * sinu * sinu
    # short-period periodics (J2)
    temp = 1.0 / pl
    temp1 = 0.5 * WGS72_J2 * temp
    temp2 = temp1 * temp
    cos2i = cosip * cosip
    con41 = 3.0 * cos2i - 1.0
    x1mth2 = 1.0 - cos2i
    mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
    su = su - 0.25 * temp2 * (7.0 * cos2i - 1.0) * sin2u
    xnode = nodep + 1.5 * temp2 * cosip * sin2u
    xinc = inc + 1.5 * temp2 * cosip * sinip * cos2u
    mvt = rdotl - nm * temp1 * x1mth2 * sin2u / SGP4_XKE
    rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) / SGP4_XKE
    # orientation
    sinsu, cossu = math.sin(su), math.cos(su)
    snod, cnod = math.sin(xnode), math.cos(xnode)
    sini, cosi = math.sin(xinc), math.cos(xinc)
    xmx, xmy = -snod * cosi, cnod * cosi
    ux, uy, uz = xmx * sinsu + cnod * cossu, xmy * sinsu + snod * cossu, sini * sinsu
    wx, wy, wz = xmx * cossu - cnod * sinsu, xmy * cossu - snod * sinsu, sini * cossu
    rk = mrt * WGS72_EARTH_RADIUS_KM
    vk = WGS72_EARTH_RADIUS_KM * SGP4_XKE / SECONDS_PER_MINUTE
    x, y, z = rk * ux, rk * uy, rk * uz
    vx, vy, vz = (mvt * ux + rvdot * wx) * vk, (mvt * uy + rvdot * wy) * vk, (mvt * uz + rvdot * wz) * vk
    rel_rate = el[i, REL_RATE]
    if rel_rate != 0.0:
        th = rel_rate * dt
        dx = el[i, REL_A] * math.cos(th + el[i, REL_PHI]) / M_PER_KM
        dy = (el[i, REL_Y0] - 2.0 * el[i, REL_A] * math.sin(th + el[i, REL_PHI])) / M_PER_KM
        dz = el[i, REL_B] * math.cos(th + el[i, REL_PSI]) / M_PER_KM
        hx, hy, hz = sini * snod, -sini * cnod, cosi  # orbit normal (cross-track)
        x += dx * ux + dy * wx + dz * hx
        y += dx * uy + dy * wy + dz * hy
        z += dx * uz + dy * wz + dz * hz
    return x, y, z, vx, vy, vz


@numba.njit(cache=True, parallel=True)
def _propagate(el, t_s, r, v):
    for i in numba.prange(el.shape[0]):
        for k in range(t_s.size):
            x, y, z, vx, vy, vz = state_at(el, i, t_s[k])
            r[i, k, 0], r[i, k, 1], r[i, k, 2] = x, y, z
            v[i, k, 0], v[i, k, 1], v[i, k, 2] = vx, vy, vz


def propagate_fast(elements: FleetElements, start_jd: float, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (km) and velocities (km/s), TEME, shape (n_sat, n_t, 3)."""
    el = pack(elements, start_jd)
    t = np.ascontiguousarray(t_s, dtype=np.float64)
    r = np.empty((el.shape[0], t.size, 3))
    v = np.empty_like(r)
    _propagate(el, t, r, v)
    return r, v


# ---------------------------------------------------------------- circular shells, stepped in time
#
# Designed shells are circular in their mean elements (e = 0). Then every angle SGP4 needs is the
# mean argument of latitude U = M + w or the node, both linear in time, plus corrections of order
# J2 or J3/J2 (~1e-3 rad). The kernel steps sin/cos of U and of the node by rotation (one complex
# multiplication per step, re-seeded from exact values every window) and applies the corrections as
# series in the small angle (the short-period ones to second order: they are ~1e-6 rad, so the
# error is ~1e-19), so a step costs no trigonometric call. The result is the same SGP4 near-Earth
# formula as state_at, to ~1e-9 relative (tests/test_fast_propagator.py).


@numba.njit(cache=True, inline="always")
def is_circular(el, i):
    return el[i, ECC] == 0.0 and el[i, REL_RATE] == 0.0


@numba.njit(cache=True, inline="always")
def circular_angles(el, i, t_s):
    """Mean argument of latitude and node at t_s, and their rates (rad, rad/s)."""
    dt = t_s - el[i, EPOCH_OFFSET_S]
    u = el[i, M0] + el[i, ARGP] + (el[i, MDOT] + el[i, ARGPDOT]) * dt
    node = el[i, RAAN] + el[i, RAANDOT] * dt
    return u, node, el[i, MDOT] + el[i, ARGPDOT], el[i, RAANDOT]


@numba.njit(cache=True, inline="always")
def circular_constants(el, i):
    """What the SGP4 formula needs of a circular satellite that does not change with time."""
    am = el[i, A_KM] / WGS72_EARTH_RADIUS_KM
    sinip, cosip = math.sin(el[i, INC]), math.cos(el[i, INC])
    aynl = -0.5 * SGP4_J3OJ2 * sinip / am  # e sin w = 0 and temp = 1 / am
    el2 = aynl * aynl
    pl = am * (1.0 - el2)
    betal = math.sqrt(1.0 - el2)
    temp1 = 0.5 * WGS72_J2 / pl
    temp2 = temp1 / pl
    cos2i = cosip * cosip
    return (am, sinip, cosip, aynl, 1.0 / (1.0 + betal), 1.0 - 1.5 * temp2 * betal * (3.0 * cos2i - 1.0),
            0.5 * temp1 * (1.0 - cos2i), -0.25 * temp2 * (7.0 * cos2i - 1.0), 1.5 * temp2 * cosip,
            1.5 * temp2 * cosip * sinip, el[i, A_KM] * (el[i, MDOT] + el[i, ARGPDOT]))


@numba.njit(cache=True, inline="always")
def circular_position(consts, su0, cu0, sn0, cn0):
    """Position (km) and velocity (km/s) of a circular-mean-element satellite from sin/cos of U and
    of the node.

    Kepler's equation eo1 = U + d, d = -aynl cos(eo1), is solved by three fixed-point steps from
    d = 0 with cos(U + d) expanded to second order in d (|d| ~ 1e-3: error ~1e-12 rad).
    """
    am, sinip, cosip, aynl, inv_1_betal, k_r, k_r2u, k_u, k_node, k_inc, speed_km_s = consts
    d = -aynl * cu0
    d = -aynl * (cu0 - su0 * d)
    d = -aynl * (cu0 * (1.0 - 0.5 * d * d) - su0 * d)
    sd, cd = d - d * d * d / 6.0, 1.0 - 0.5 * d * d
    sineo1 = su0 * cd + cu0 * sd
    coseo1 = cu0 * cd - su0 * sd
    rl = am * (1.0 - aynl * sineo1)
    temp = -aynl * coseo1 * inv_1_betal
    inv = 1.0 / (1.0 - aynl * sineo1)  # am / rl
    sinu = inv * (sineo1 - aynl)
    cosu = inv * (coseo1 + aynl * temp)
    sin2u = 2.0 * sinu * cosu
    cos2u = 1.0 - 2.0 * sinu * sinu
    mrt = rl * k_r + k_r2u * cos2u
    e = k_u * sin2u
    se, ce = e, 1.0 - 0.5 * e * e
    sinsu = sinu * ce + cosu * se
    cossu = cosu * ce - sinu * se
    e = k_node * sin2u
    se, ce = e, 1.0 - 0.5 * e * e
    snod = sn0 * ce + cn0 * se
    cnod = cn0 * ce - sn0 * se
    e = k_inc * cos2u
    se, ce = e, 1.0 - 0.5 * e * e
    sini = sinip * ce + cosip * se
    cosi = cosip * ce - sinip * se
    rk = mrt * WGS72_EARTH_RADIUS_KM
    # velocity: circular speed along the in-plane normal to the radius (the short-period terms in
    # the velocity, ~2e-3 relative, are left out: the engine uses it only for shadow timing)
    vk = speed_km_s
    return (rk * (-snod * cosi * sinsu + cnod * cossu), rk * (cnod * cosi * sinsu + snod * cossu),
            rk * sini * sinsu, vk * (-snod * cosi * cossu - cnod * sinsu), vk * (cnod * cosi * cossu - snod * sinsu),
            vk * sini * cossu)
