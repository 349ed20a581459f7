"""Trapped-particle dose from the AE8/AP8 grid: at a point, around an orbit, and as a map.

The grid ``environment/data/trapped_dose.npz`` is built offline by
``scripts/build_radiation_grid.py`` (which needs the ``aep8`` package, IRBEM's AE8/AP8; leodc
itself needs only numpy). It holds the dose rate in silicon, rad(Si)/year, that a detector at the
centre of a solid aluminium sphere would receive sitting still at each point, from trapped
protons (AP8-MIN) and electrons (AE8-MAX), the pairing SPENVIS uses:

* axes: geodetic latitude -90..90 (4 deg), east longitude -180..172 (8 deg), altitude above the
  WGS84 ellipsoid 200..2100 km (100 km), aluminium thickness 0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30 mm;
* ``dose_rad_per_year[thickness, alt, lat, lon]`` (float32), with its proton and electron parts;
* ``metadata``: models, field, epoch, method, aep8 version (JSON).

The transport behind the shield is a straight-ahead approximation (protons: CSDA with NIST PSTAR;
electrons: Katz-Penfold range with NIST ESTAR; no bremsstrahlung): see the build script. Against
SPENVIS/SHIELDOSE-2 at 550 km and 95 deg (tests/test_against_spenvis.py) it lands within a
factor of two from 1 to 20 mm.

Interpolation: trilinear in altitude, latitude and longitude (longitude periodic); in thickness,
the log of the dose is linear between tabulated thicknesses (dose falls roughly exponentially
with thickness). Outside the grid the nearest edge is used (clamping):

* altitude below 200 km reads the 200 km value, an upper bound (flux falls toward the
  atmosphere); above 2100 km the 2100 km value, an underestimate (leodc's shells stop at
  2000 km, whose circular orbit reaches 2021 km geodetic over the poles);
* thickness below 0.5 mm reads the 0.5 mm value (an underestimate: thinner walls let more
  electrons through); above 30 mm the 30 mm value (an overestimate). The engine's radiation
  model (``environment.models``) clamps the same way, so shell-level and time-domain doses agree.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

from leodc.constants import HOURS_PER_DAY, HOURS_PER_YEAR

DAYS_PER_YEAR = HOURS_PER_YEAR / HOURS_PER_DAY  # Julian year, 365.25 d
# WGS84 flattening (NIMA TR8350.2): geodetic altitude sits up to ~21 km above the spherical one
# over the poles; the grid is geodetic
WGS84_FLATTENING = 1.0 / 298.257223563
_EQUATORIAL_RADIUS_KM = 6378.137
# floor under the log when interpolating in thickness (cells with no trapped flux hold 0)
_TINY_RAD_PER_YEAR = 1e-30
_PARTS = {"all": "dose_rad_per_year", "protons": "proton_dose_rad_per_year",
          "electrons": "electron_dose_rad_per_year"}


@lru_cache(maxsize=1)
def load_grid() -> dict:
    """The shipped grid, read once: ``lat_deg``, ``lon_deg``, ``alt_km``, ``thickness_mm``,
    ``dose_rad_per_year[thickness, alt, lat, lon]``, ``proton_dose_rad_per_year``,
    ``electron_dose_rad_per_year`` (read-only arrays) and ``metadata`` (a dict)."""
    path = resources.files("leodc.environment").joinpath("data/trapped_dose.npz")
    with resources.as_file(path) as p, np.load(p, allow_pickle=False) as npz:
        grid = {k: npz[k] for k in npz.files}
    grid["metadata"] = json.loads(str(np.asarray(grid["metadata"]).ravel()[0]))
    for value in grid.values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return grid


def _axis_position(values, axis: np.ndarray, periodic: bool = False):
    """Lower cell index and weight of each value on a uniform axis (clamped, or wrapped)."""
    step = axis[1] - axis[0]
    n = axis.size
    if periodic:
        f = np.mod(values - axis[0], step * n) / step
        i = np.minimum(np.floor(f).astype(np.intp), n - 1)
        return i, f - i, (i + 1) % n
    f = np.clip((values - axis[0]) / step, 0.0, n - 1)
    i = np.minimum(np.floor(f).astype(np.intp), n - 2)
    return i, f - i, i + 1


def _thickness_position(thickness_mm, t: np.ndarray):
    x = np.clip(thickness_mm, t[0], t[-1])
    j = np.clip(np.searchsorted(t, x, side="right") - 1, 0, t.size - 2)
    return j, (x - t[j]) / (t[j + 1] - t[j])


def dose_rate_rad_per_year(lat_deg, lon_deg, alt_km, thickness_mm, particles: str = "all") -> np.ndarray:
    """Dose rate in rad(Si)/year at geodetic latitude, east longitude and altitude (km above the
    WGS84 ellipsoid), behind ``thickness_mm`` of aluminium (centre of a solid sphere).

    All four arguments broadcast together. ``particles``: ``"all"``, ``"protons"`` (AP8-MIN) or
    ``"electrons"`` (AE8-MAX). Out-of-grid altitudes and thicknesses are clamped (module notes).
    """
    if particles not in _PARTS:
        raise ValueError(f"particles must be one of {tuple(_PARTS)}, not {particles!r}")
    g = load_grid()
    dose = g[_PARTS[particles]]
    lat, lon, alt, thick = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in
                                                 (lat_deg, lon_deg, alt_km, thickness_mm)))
    ia, wa, ia1 = _axis_position(alt, g["alt_km"])
    il, wl, il1 = _axis_position(np.clip(lat, -90.0, 90.0), g["lat_deg"])
    io, wo, io1 = _axis_position(lon, g["lon_deg"], periodic=True)
    jt, wt = _thickness_position(thick, g["thickness_mm"])
    out = np.zeros(lat.shape)
    for ca, fa in ((ia, 1.0 - wa), (ia1, wa)):
        for cl, fl in ((il, 1.0 - wl), (il1, wl)):
            for co, fo in ((io, 1.0 - wo), (io1, wo)):
                lo = np.log(dose[jt, ca, cl, co].astype(float) + _TINY_RAD_PER_YEAR)
                hi = np.log(dose[jt + 1, ca, cl, co].astype(float) + _TINY_RAD_PER_YEAR)
                out += fa * fl * fo * np.exp((1.0 - wt) * lo + wt * hi)
    # remove the floor again: cells without trapped flux give exactly 0
    return np.where(out > 2.0 * _TINY_RAD_PER_YEAR, out - _TINY_RAD_PER_YEAR, 0.0)


def _orbit_average(altitude_km: float, inclination_deg: float, thickness_mm: float, n: int, particles: str) -> float:
    # argument of latitude u and ascending node (Earth-fixed) at cell midpoints: uniform samples
    phase = (np.arange(n) + 0.5) * (2.0 * np.pi / n)
    u, node = phase[:, None], phase[None, :]
    inc = np.radians(inclination_deg)
    lat_c = np.arcsin(np.sin(inc) * np.sin(u))
    lon = np.degrees(node + np.arctan2(np.cos(inc) * np.sin(u), np.cos(u)))
    # circular orbit of radius R_eq + altitude: geodetic latitude (the surface relation
    # tan(lat) = tan(lat_c) / (1 - f)^2, < 0.2 deg off at LEO) and height above the ellipsoid
    lat = np.degrees(np.arctan(np.tan(lat_c) / (1.0 - WGS84_FLATTENING) ** 2))
    alt = altitude_km + _EQUATORIAL_RADIUS_KM * WGS84_FLATTENING * np.sin(lat_c) ** 2
    lat, lon, alt = np.broadcast_arrays(lat, lon, alt)
    return float(dose_rate_rad_per_year(lat, lon, alt, thickness_mm, particles).mean())


def orbit_average_dose_rad_per_year(altitude_km, inclination_deg, thickness_mm, n_orbits_samples: int = 180,
                                    particles: str = "all"):
    """Mean dose rate (rad(Si)/year) over a circular orbit's ground track, behind ``thickness_mm`` of Al.

    The orbit (radius = WGS84 equatorial radius + ``altitude_km``) is sampled uniformly in
    argument of latitude and, since the Earth turns under the orbit, uniformly in Earth-fixed
    ascending node: ``n_orbits_samples`` of each (180 x 180 points by default, ~30 ms). This is
    the long-run average a satellite of the shell receives (a shell-level figure); the time-domain
    engine integrates along each propagated track instead. Arguments broadcast; a scalar comes
    back for scalar arguments.
    """
    h, i, t = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (altitude_km, inclination_deg, thickness_mm)))
    out = np.array([_orbit_average(a, b, c, int(n_orbits_samples), particles)
                    for a, b, c in zip(h.ravel(), i.ravel(), t.ravel(), strict=True)]).reshape(h.shape)
    return float(out) if out.ndim == 0 else out


def upset_rates_per_day(dose_rad_per_year, rad_per_sdc, rad_per_uecc, rad_per_crash, rad_per_host_cpu=None,
                        rad_per_host_ram=None) -> dict:
    """Events per day for one device from its dose rate and the dose per event of each kind.

    Each ``rad_per_*`` is the dose (rad(Si)) per event measured in beam tests (Suncatcher's
    Trillium figures: SDC one per 14.4-20 rad per chip, HBM UECC one per 44 rad, crash one per
    5 krad, host CPU one per ~450 rad, host RAM one per ~400 rad); rate = dose per day / dose per
    event. A ``None`` kind is not counted. Returns ``seu_per_day`` (every event, all kinds
    summed), ``sdc_per_day``, ``uecc_per_day``, ``crash_per_day``, ``host_cpu_per_day`` and
    ``host_ram_per_day``; arrays if the dose is an array. Assumes the upsets scale with total
    dose as in the proton beam (the same spectrum-independent ratio Suncatcher uses).
    """
    dose_per_day = np.asarray(dose_rad_per_year, dtype=float) / DAYS_PER_YEAR

    def rate(rad_per_event):
        if rad_per_event is None:
            return np.zeros_like(dose_per_day)
        if not rad_per_event > 0:
            raise ValueError(f"dose per event must be positive, not {rad_per_event!r}")
        return dose_per_day / float(rad_per_event)

    rates = {
        "sdc_per_day": rate(rad_per_sdc),
        "uecc_per_day": rate(rad_per_uecc),
        "crash_per_day": rate(rad_per_crash),
        "host_cpu_per_day": rate(rad_per_host_cpu),
        "host_ram_per_day": rate(rad_per_host_ram),
    }
    rates = {"seu_per_day": sum(rates.values()), **rates}
    if dose_per_day.ndim == 0:
        return {k: float(v) for k, v in rates.items()}
    return rates


def dose_map(altitude_km: float, thickness_mm: float, particles: str = "all"):
    """``(lat_deg[n_lat], lon_deg[n_lon], dose_rad_per_year[n_lat, n_lon])`` at one altitude, on the grid's
    nodes, for plotting (``environment.dose_map`` draws it)."""
    g = load_grid()
    lat, lon = np.asarray(g["lat_deg"]), np.asarray(g["lon_deg"])
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    return lat.copy(), lon.copy(), dose_rate_rad_per_year(la, lo, altitude_km, thickness_mm, particles)
