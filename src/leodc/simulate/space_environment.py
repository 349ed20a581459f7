"""The space environment in the engine: a plug-in registering its models with ``leodc.simulate.models``
(entry point ``leodc.engine_models: space-environment``; the engine never imports this module).

``radiation`` (per window): every satellite's dose behind the design's shielding, summed over its
sampled positions (every ``RADIATION_SAMPLE_S`` = 10 minutes: ~9.5 samples per LEO orbit, 144 a day,
each standing for its 10 minutes; a satellite's one-day dose is then good to roughly 10-20 % and the
fleet's mean far better, and both converge as runs lengthen; sampling at every step would cost more
than the rest of the engine), from the AE8/AP8 grid at the shielding thickness, by trilinear
interpolation in altitude, latitude and longitude (compiled with numba).

``environment`` (per satellite, once a chunk has run): the dose rate per year, upset rates per day
for all chips of the satellite, natural decay time at the scenario's solar activity from the
satellite's mean altitude and ballistic coefficient, and the FCC verdict. Columns join
``satellites.parquet`` as ``dose_rad_per_year``, ``seu_per_day``, ``sdc_per_day``, ``uecc_per_day``,
``decay_years``, ``fcc_compliant``, ``disposal_years`` (end of mission to re-entry).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numba
import numpy as np

from leodc.constants import EARTH_RADIUS_KM, SECONDS_PER_DAY
from leodc.environment.atmosphere import density_table
from leodc.environment.decay import decay_years, fcc_compliant
from leodc.environment.radiation import load_grid
from leodc.environment.shell import disposal_years, satellite_upsets_per_day
from leodc.orbits.frames import gmst_rad
from leodc.simulate.models import WindowState, register, register_summary

RADIATION_SAMPLE_S = 600.0
YEAR_S = 365.25 * SECONDS_PER_DAY
# WGS84 flattening: the grid is in geodetic altitude, which over the poles sits ~21 km above the
# spherical one
WGS84_FLATTENING = 1.0 / 298.257223563


@lru_cache(maxsize=8)
def _grid_at(thickness_mm: float):
    """The dose-rate grid at one shield thickness, with its axes as uniform (start, step, count)."""
    g = load_grid()
    t = np.asarray(g["thickness_mm"], dtype=float)
    dose = np.asarray(g["dose_rad_per_year"], dtype=float)
    x = min(max(thickness_mm, t[0]), t[-1])
    j = int(np.clip(np.searchsorted(t, x) - 1, 0, t.size - 2))
    w = (x - t[j]) / (t[j + 1] - t[j])
    tiny = 1e-30
    cube = np.exp((1 - w) * np.log(dose[j] + tiny) + w * np.log(dose[j + 1] + tiny))
    axes = []
    for name in ("alt_km", "lat_deg", "lon_deg"):
        a = np.asarray(g[name], dtype=float)
        step = a[1] - a[0]
        if not np.allclose(np.diff(a), step):
            raise ValueError(f"radiation grid axis {name} is not uniform")
        axes.append((a[0], step, a.size))
    return np.ascontiguousarray(cube), np.array(axes)


@numba.njit(cache=True, parallel=True, fastmath={"nsz", "arcp", "contract", "afn", "reassoc"})
def _dose_sum(r_km, gmst, cube, axes, dt_s, out):
    """Sum of dose (rad) over the sampled positions of each satellite: r (n, m, 3) TEME."""
    a0, da, na = axes[0, 0], axes[0, 1], int(axes[0, 2])
    la0, dla, nla = axes[1, 0], axes[1, 1], int(axes[1, 2])
    lo0, dlo, nlo = axes[2, 0], axes[2, 1], int(axes[2, 2])
    inv_da, inv_dla, inv_dlo = 1.0 / da, 1.0 / dla, 1.0 / dlo
    rad_to_deg = 180.0 / math.pi
    for i in numba.prange(r_km.shape[0]):
        total = 0.0
        for k in range(r_km.shape[1]):
            x, y, z = r_km[i, k, 0], r_km[i, k, 1], r_km[i, k, 2]
            if x != x:  # NaN: SGP4 failure
                continue
            r = math.sqrt(x * x + y * y + z * z)
            s = z / r  # sine of the geocentric latitude
            lat = math.asin(s) * rad_to_deg
            lon = (math.atan2(y, x) - gmst[k]) * rad_to_deg
            alt = r - EARTH_RADIUS_KM * (1.0 - WGS84_FLATTENING * s * s)
            # fractional grid indices (longitude wrapped onto the periodic axis)
            fa = min(max((alt - a0) * inv_da, 0.0), na - 1.000001)
            fl = min(max((lat - la0) * inv_dla, 0.0), nla - 1.000001)
            fo = (lon - lo0) * inv_dlo
            fo -= math.floor(fo / nlo) * nlo
            ia, il, io = int(fa), int(fl), int(fo)
            wa, wl, wo = fa - ia, fl - il, fo - io
            io1 = (io + 1) % nlo
            v = 0.0
            for ca, wa_ in ((ia, 1.0 - wa), (ia + 1, wa)):
                for cl, wl_ in ((il, 1.0 - wl), (il + 1, wl)):
                    v += wa_ * wl_ * ((1.0 - wo) * cube[ca, cl, io % nlo] + wo * cube[ca, cl, io1])
            total += v
        out[i] += total * dt_s / YEAR_S


@register("radiation", reductions={"dose_rad": "sum"}, needs_positions=True, position_step_s=RADIATION_SAMPLE_S)
def radiation(window: WindowState) -> dict[str, np.ndarray]:
    cube, axes = _grid_at(float(window.context["shielding_thickness_mm"]))
    out = np.zeros(window.sat_id.size)
    _dose_sum(window.r_km, np.asarray(gmst_rad(window.pos_jd_utc), dtype=float), cube, axes, window.pos_dt_s, out)
    return {"dose_rad": out}


@register_summary("environment")
def environment(summary: dict, context: dict, a_km: np.ndarray, run_s: float) -> dict[str, np.ndarray]:
    if "radiation.dose_rad" not in summary:  # the run left the radiation model out
        return {}
    dose_per_year = np.asarray(summary["radiation.dose_rad"]) * YEAR_S / run_s
    rates = satellite_upsets_per_day(dose_per_year, context["chips_per_satellite"], context["rad_per_sdc"],
                                     context["rad_per_uecc"], context["rad_per_crash"],
                                     context["rad_per_host_cpu_event"], context["rad_per_host_ram_event"])
    altitude = np.asarray(a_km) - EARTH_RADIUS_KM
    b = context["ballistic_coefficient_kg_per_m2"]
    activity = context["solar_activity"]
    # above the density table's top (real fleets may fly there) drag is negligible for centuries: decay
    # is infinite and the FCC verdict fails without propulsion; the disposal ellipse's apogee is beyond
    # the table too, so its time is not computed (infinite: it re-enters after any horizon)
    within = altitude <= density_table()["altitude_km"][-1]
    decay = np.full(altitude.shape, np.inf)
    decay[within] = decay_years(altitude[within], b, activity=activity)
    # time from end of mission to re-entry: natural decay, or the decay from the disposal perigee
    disposal = decay.copy()
    if context["propulsive_disposal"]:
        disposal[within] = np.minimum(decay[within], disposal_years(altitude[within], b, activity))
    return {
        "=dose_rad_per_year": dose_per_year,
        "=seu_per_day": rates["seu_per_day"],
        "=sdc_per_day": rates["sdc_per_day"],
        "=uecc_per_day": rates["uecc_per_day"],
        "=decay_years": decay,
        "=fcc_compliant": np.asarray(fcc_compliant(decay, propulsive_disposal=context["propulsive_disposal"]),
                                     dtype=bool),
        "=disposal_years": disposal,
    }
