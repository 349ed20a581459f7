"""Designed constellations: Walker delta and star shells, sun-synchronous shells, formation clusters.

Every shell becomes :class:`~leodc.orbits.elements.FleetElements` with SGP4 mean elements and
SGP4's own secular rates (one ``sgp4init`` per shell). Angles in the shell description are degrees,
elements are radians.

Walker i:T/P/F: P planes with node spacing 360°/P (delta) or 180°/P (star), T/P satellites per
plane, and the phase offset F·360°/T between adjacent planes. When T is not a multiple of P the
first T mod P planes carry one satellite more.

A sun-synchronous shell takes the inclination at which SGP4's own nodal rate (J2, J2² and J4, WGS72)
matches the mean Sun, so that it keeps its local time of the ascending node under either propagator
(the J2-only inclination would drift ~1° of node a year), and places its planes at local times of
the ascending node spread evenly over ``ltan_spread_h`` around ``ltan_h``. With no spread all its
planes share one node; their satellites are then interleaved (Walker phasing 1) rather than stacked.

A formation cluster puts N satellites within ``radius_m`` of a reference satellite on bounded
relative orbits (Hill-Clohessy-Wiltshire with the Schweighart-Sedwick J2 frequency correction):
each member turns rigidly on a circle of radius rho in the radial/cross-track plane, x = rho cos
(n t + phi), z = -rho sin(n t + phi), and so swings 2 rho along-track, which puts it at most sqrt(5)
rho from the reference. Members sit on a hexagonal lattice in (rho, phi), so the distance between two
members in the radial/cross-track plane stays constant: the lattice spacing is the closest any two
ever come.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from leodc.constants import EARTH_J2, EARTH_RADIUS_KM, JD_J2000
from leodc.errors import InputError
from leodc.orbits.elements import FleetElements, sgp4_rates, sgp4_sun_synchronous_inclination_rad
from leodc.orbits.sun import almanac_sun_direction

if TYPE_CHECKING:
    from leodc.scenario import Shell

HOURS_TO_DEG = 15.0
NOON_H = 12.0
M_PER_KM = 1000.0


def _elements(first_id: int, shell_index: int, epoch_jd: float, a_km: float, inc_rad: float, raan_rad: np.ndarray,
              mean_anomaly_rad: np.ndarray, rel: dict | None = None, rel_j2_factor: float = 0.0) -> FleetElements:
    n = raan_rad.size
    mdot, nodedot, argpdot = sgp4_rates(a_km, 0.0, inc_rad, epoch_jd)
    rel = rel or {}
    zeros = np.zeros(n)
    return FleetElements(
        sat_id=np.arange(first_id, first_id + n, dtype=np.int64),
        shell=np.full(n, shell_index, dtype=np.int32),
        epoch_jd=np.full(n, epoch_jd),
        a_km=np.full(n, a_km),
        ecc=np.zeros(n),
        inc_rad=np.full(n, inc_rad),
        raan_rad=np.mod(raan_rad, 2 * math.pi),
        argp_rad=np.zeros(n),
        mean_anomaly_rad=np.mod(mean_anomaly_rad, 2 * math.pi),
        mean_motion_rad_per_s=np.full(n, mdot),
        raan_rate_rad_per_s=np.full(n, nodedot),
        argp_rate_rad_per_s=np.full(n, argpdot),
        rel_radial_amp_m=rel.get("rel_radial_amp_m", zeros),
        rel_phase_rad=rel.get("rel_phase_rad", zeros),
        rel_along_offset_m=rel.get("rel_along_offset_m", zeros),
        rel_cross_amp_m=rel.get("rel_cross_amp_m", zeros),
        rel_cross_phase_rad=rel.get("rel_cross_phase_rad", zeros),
        rel_rate_rad_per_s=np.full(n, (mdot + argpdot) * rel_j2_factor),
    )


def walker(total: int, planes: int, phasing: int, pattern: str = "delta") -> tuple[np.ndarray, np.ndarray]:
    """Node and mean anomaly (rad) of each satellite of a Walker pattern."""
    if planes < 1 or planes > total:  # a scenario's Shell refuses it first, naming the file and the shell
        raise InputError(None, "constellation.shells.planes",
                         f"expected 1 <= planes <= satellites (got {planes} planes, {total} satellites)")
    spread = 2 * math.pi if pattern == "delta" else math.pi
    counts = np.full(planes, total // planes)
    counts[: total % planes] += 1
    plane = np.repeat(np.arange(planes), counts)
    slot = np.concatenate([np.arange(c) for c in counts])
    raan = plane * spread / planes
    m = 2 * math.pi * slot / counts[plane] + plane * phasing * 2 * math.pi / total
    return raan, m


def mean_sun_right_ascension_rad(jd: float) -> float:
    _, mean_lon = almanac_sun_direction(np.array([jd - JD_J2000]))
    return float(mean_lon[0])


def sso_raan_rad(ltan_h: float | np.ndarray, epoch_jd: float) -> np.ndarray:
    return mean_sun_right_ascension_rad(epoch_jd) + np.radians((np.asarray(ltan_h) - NOON_H) * HOURS_TO_DEG)


def hex_lattice(n: int) -> np.ndarray:
    """The n points of a unit-spacing hexagonal lattice closest to the origin (origin first)."""
    k = math.ceil(math.sqrt(n)) + 2
    i, j = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1))
    x = i + 0.5 * j
    y = j * math.sqrt(3) / 2
    pts = np.stack([x.ravel(), y.ravel()], axis=1)
    order = np.lexsort((np.arctan2(pts[:, 1], pts[:, 0]), np.hypot(pts[:, 0], pts[:, 1])))
    return pts[order[:n]]


def cluster_relative_orbits(n: int, radius_m: float, a_km: float, inc_rad: float) -> tuple[dict, float, float]:
    """Relative-orbit parameters for n members within radius_m; returns (params, spacing_m, j2_factor).

    A member on a circle of radius rho is x = rho cos, y = -2 rho sin, z = -rho sin of the same phase
    from the reference: at most sqrt(5) rho away. The outermost circle is radius_m / sqrt(5), so every
    member stays within radius_m of the reference at all times.
    """
    pts = hex_lattice(n)
    extent = np.hypot(pts[:, 0], pts[:, 1]).max()
    scale = (radius_m / math.sqrt(5.0)) / extent if extent > 0 else 0.0
    xy = pts * scale
    rho = np.hypot(xy[:, 0], xy[:, 1])
    phi = np.arctan2(xy[:, 1], xy[:, 0])
    # Schweighart & Sedwick (2002): relative-motion frequency n * sqrt(1 + s)
    s = 3 * EARTH_J2 * EARTH_RADIUS_KM**2 / (8 * a_km**2) * (1 + 3 * math.cos(2 * inc_rad))
    params = {
        "rel_radial_amp_m": rho, "rel_phase_rad": phi, "rel_along_offset_m": np.zeros(n),
        "rel_cross_amp_m": rho, "rel_cross_phase_rad": phi + math.pi / 2,
    }
    return params, float(scale), math.sqrt(1 + s)


def shell_elements(shell: Shell, shell_index: int, first_id: int, epoch_jd: float) -> FleetElements:
    a_km = EARTH_RADIUS_KM + shell.altitude_km
    if shell.kind in ("walker-delta", "walker-star"):
        inc = math.radians(shell.inclination_deg)
        raan, m = walker(shell.satellites, shell.planes, shell.phasing, shell.kind.removeprefix("walker-"))
        return _elements(first_id, shell_index, epoch_jd, a_km, inc, raan + math.radians(shell.raan0_deg), m)
    if shell.kind == "sun-synchronous":
        inc = sgp4_sun_synchronous_inclination_rad(a_km, epoch_jd)
        phasing = shell.phasing if (shell.phasing or shell.ltan_spread_h > 0.0) else 1
        raan_w, m = walker(shell.satellites, shell.planes, phasing, "delta")
        plane = np.round(raan_w / (2 * math.pi) * shell.planes).astype(int)
        offsets = (plane + 0.5) / shell.planes - 0.5 if shell.planes > 1 else np.zeros_like(raan_w)
        return _elements(first_id, shell_index, epoch_jd, a_km, inc,
                         sso_raan_rad(shell.ltan_h + offsets * shell.ltan_spread_h, epoch_jd), m)
    # formation cluster about one reference satellite
    inc = (sgp4_sun_synchronous_inclination_rad(a_km, epoch_jd) if shell.reference == "sun-synchronous"
           else math.radians(shell.inclination_deg))
    raan0 = (sso_raan_rad(shell.ltan_h, epoch_jd) if shell.reference == "sun-synchronous"
             else math.radians(shell.raan0_deg))
    rel, _, j2_factor = cluster_relative_orbits(shell.satellites, shell.radius_m, a_km, inc)
    n = shell.satellites
    return _elements(first_id, shell_index, epoch_jd, a_km, inc, np.full(n, float(raan0)), np.zeros(n), rel,
                     j2_factor)


def fleet_elements(shells: list[Shell], epoch_jd: float) -> FleetElements:
    parts, first = [], 0
    for k, shell in enumerate(shells):
        parts.append(shell_elements(shell, k, first, epoch_jd))
        first += shell.satellites
    return FleetElements.concatenate(parts)
