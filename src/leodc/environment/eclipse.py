"""The Earth's shadow on a satellite: cylindrical and conical (umbra and penumbra) models.

Geometry. ``r_sat_km`` is the satellite's geocentric position and ``r_sun_km`` the Sun's, in the
same frame (TEME and true-of-date differ by < 0.005°, which moves a LEO shadow boundary by
~0.1 s: either will do). Arrays follow :mod:`leodc.orbits.frames`: components on the last axis,
time on the one before, so ``r_sat[n_sat, n_t, 3]`` goes with ``r_sun[n_t, 3]``; any shapes that
broadcast work. The Earth is a sphere of the WGS84 equatorial radius (the 21 km polar flattening
moves a LEO shadow boundary by up to ~3 s at high latitudes).

* **Cylindrical**: shadow is the cylinder of radius R behind the Earth, parallel to the Sun
  direction; no penumbra. It matches :func:`leodc.design.orbit.eclipse_fraction`.
* **Conical** (Montenbruck & Gill, *Satellite Orbits*, 2000, §3.4.2): the fraction of the solar
  disk seen from the satellite, from the apparent radii of the Sun a = asin(R_sun / |s - r|) and
  of the Earth b = asin(R_E / |r|) and their angular separation c: 1 when c >= a + b, 0 in the
  umbra (c <= b - a), otherwise 1 - A / (π a²) with A the area of overlap of two disks,

      x = (c² + a² - b²) / (2c),  y = sqrt(a² - x²),
      A = a² acos(x / a) + b² acos((c - x) / b) - c y.

  In LEO the penumbra is crossed in ~8-10 s at each boundary. (The annular case c < a - b
  needs the Earth smaller than the Sun, i.e. a satellite beyond ~1.4 million km; it is handled
  for completeness.) The Earth's atmosphere, which refracts and dims sunlight near the limb, is
  neglected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leodc.constants import EARTH_RADIUS_KM, SUN_RADIUS_KM


def _dot(a, b):
    return a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] + a[..., 2] * b[..., 2]


def illumination_cylindrical(r_sat_km, r_sun_km, earth_radius_km: float = EARTH_RADIUS_KM) -> np.ndarray:
    """1.0 where the satellite is sunlit, 0.0 in the Earth's cylindrical shadow; shape of ``r_sat[..., 0]``."""
    r = np.asarray(r_sat_km, dtype=float)
    s = np.asarray(r_sun_km, dtype=float)
    s_unit = s / np.sqrt(_dot(s, s))[..., None]
    along_km = _dot(r, s_unit)
    off_axis_km2 = _dot(r, r) - along_km * along_km
    lit = (along_km > 0.0) | (off_axis_km2 > earth_radius_km * earth_radius_km)
    return lit.astype(float)


def illumination_conical(r_sat_km, r_sun_km, earth_radius_km: float = EARTH_RADIUS_KM,
                         sun_radius_km: float = SUN_RADIUS_KM) -> np.ndarray:
    """Fraction of the solar disk visible from the satellite, in [0, 1] (0 umbra, 1 sunlit)."""
    r = np.asarray(r_sat_km, dtype=float)
    s = np.asarray(r_sun_km, dtype=float)
    to_sun = s - r
    r_norm = np.sqrt(_dot(r, r))
    to_sun_norm = np.sqrt(_dot(to_sun, to_sun))
    a = np.arcsin(sun_radius_km / to_sun_norm)  # apparent radius of the Sun
    b = np.arcsin(np.minimum(earth_radius_km / r_norm, 1.0))  # apparent radius of the Earth
    cos_c = -_dot(r, to_sun) / (r_norm * to_sun_norm)  # Earth centre and Sun centre, seen from r
    c = np.arccos(np.clip(cos_c, -1.0, 1.0))

    fraction = np.ones(np.broadcast_shapes(a.shape, b.shape, c.shape))
    a, b, c = np.broadcast_to(a, fraction.shape), np.broadcast_to(b, fraction.shape), np.broadcast_to(c, fraction.shape)
    fraction[c <= b - a] = 0.0
    annular = (c <= a - b) & (c < a + b)
    fraction[annular] = 1.0 - (b[annular] / a[annular]) ** 2
    partial = (c < a + b) & (c > np.abs(a - b))  # rare: the few seconds of each penumbra
    if np.any(partial):
        ap, bp, cp = a[partial], b[partial], c[partial]
        x = (cp * cp + ap * ap - bp * bp) / (2.0 * cp)
        y = np.sqrt(np.maximum(ap * ap - x * x, 0.0))
        overlap = (ap * ap * np.arccos(np.clip(x / ap, -1.0, 1.0))
                   + bp * bp * np.arccos(np.clip((cp - x) / bp, -1.0, 1.0)) - cp * y)
        fraction[partial] = np.clip(1.0 - overlap / (np.pi * ap * ap), 0.0, 1.0)
    return fraction


def beta_angle_rad(r_km, v_km_s, sun_dir) -> np.ndarray:
    """Angle between the Sun direction and the orbit plane, asin(ŝ · ĥ), ĥ along r x v; radians.

    Positive when the Sun is on the side of the orbit normal (the side from which the satellite
    is seen moving counter-clockwise). ``sun_dir`` need not be a unit vector.
    """
    r = np.asarray(r_km, dtype=float)
    v = np.asarray(v_km_s, dtype=float)
    s = np.asarray(sun_dir, dtype=float)
    h = np.cross(r, v)
    sin_beta = _dot(h, s) / np.sqrt(_dot(h, h) * _dot(s, s))
    return np.arcsin(np.clip(sin_beta, -1.0, 1.0))


@dataclass(frozen=True)
class EclipseEvents:
    """Shadow entries and exits, as flat arrays sorted by satellite then time.

    ``entry_satellite[k]`` is the index (along the first axis of the illumination array) of the
    satellite whose k-th entry happens at ``entry_s[k]``; likewise for exits. A satellite already
    in shadow at the first sample has an exit with no entry before it, and one still in shadow at
    the last sample an entry with no exit after it.
    """

    entry_satellite: np.ndarray
    entry_s: np.ndarray
    exit_satellite: np.ndarray
    exit_s: np.ndarray

    def entries_s(self, satellite: int) -> np.ndarray:
        return self.entry_s[self.entry_satellite == satellite]

    def exits_s(self, satellite: int) -> np.ndarray:
        return self.exit_s[self.exit_satellite == satellite]


def eclipse_events(time_s, illumination, threshold: float = 0.5) -> EclipseEvents:
    """Times where the illumination crosses ``threshold``: entries going down, exits going up.

    ``illumination`` is ``[n_sat, n_t]`` (or ``[n_t]``, taken as one satellite) sampled at
    ``time_s[n_t]``. Each crossing time is interpolated linearly between the two samples around
    it: to the sub-step with the conical model, to the mid-point between samples with the
    cylindrical one's 0/1 (then good to half a step).
    """
    t = np.asarray(time_s, dtype=float)
    f = np.atleast_2d(np.asarray(illumination, dtype=float))
    below = f < threshold
    f0, f1 = f[:, :-1], f[:, 1:]
    dt = t[1:] - t[:-1]

    def crossings(mask):
        sat, k = np.nonzero(mask)
        weight = (threshold - f0[sat, k]) / (f1[sat, k] - f0[sat, k])
        return sat, t[k] + weight * dt[k]

    entry_sat, entry_s = crossings(~below[:, :-1] & below[:, 1:])
    exit_sat, exit_s = crossings(below[:, :-1] & ~below[:, 1:])
    return EclipseEvents(entry_satellite=entry_sat, entry_s=entry_s, exit_satellite=exit_sat, exit_s=exit_s)
