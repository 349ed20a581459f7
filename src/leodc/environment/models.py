"""The space environment in the engine: models registered once with ``leodc.simulate.models``.

``radiation`` (per window): every satellite's dose behind the design's shielding, summed over its
sampled positions (every ``RADIATION_SAMPLE_S`` seconds: the dose field varies over minutes along a
ground track, and a day holds ~150 samples per satellite), from the AE8/AP8 grid at the shielding
thickness, by trilinear interpolation in altitude, latitude and longitude (compiled with numba).

``environment`` (per satellite, once a chunk has run): the dose rate per year, upset rates per day
for all chips of the satellite, natural decay time at the scenario's solar activity from the
satellite's mean altitude and ballistic coefficient, and the FCC verdict. Columns join
``satellites.parquet`` as ``dose_rad_per_year``, ``seu_per_day``, ``sdc_per_day``, ``uecc_per_day``,
``decay_years``, ``fcc_compliant``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numba
import numpy as np

from leodc.constants import EARTH_RADIUS_KM, SECONDS_PER_DAY
from leodc.simulate.models import WindowState, register, register_summary

RADIATION_SAMPLE_S = 300.0
YEAR_S = 365.25 * SECONDS_PER_DAY
# WGS84 flattening: the grid is in geodetic altitude, which over the poles sits ~21 km above the
# spherical one
WGS84_FLATTENING = 1.0 / 298.257223563


@lru_cache(maxsize=8)
def _grid_at(thickness_mm: float):
    """The dose-rate grid at one shield thickness, with its axes as uniform (start, step, count)."""
    from leodc.environment.radiation import load_grid

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


@numba.njit(cache=True, parallel=True)
def _dose_sum(r_km, gmst, cube, axes, dt_s, out):
    """Sum of dose (rad) over the sampled positions of each satellite: r (n, m, 3) TEME."""
    a0, da, na = axes[0, 0], axes[0, 1], int(axes[0, 2])
    la0, dla, nla = axes[1, 0], axes[1, 1], int(axes[1, 2])
    lo0, dlo, nlo = axes[2, 0], axes[2, 1], int(axes[2, 2])
    lon_period = dlo * nlo  # 360 when the axis covers the circle
    for i in numba.prange(r_km.shape[0]):
        total = 0.0
        for k in range(r_km.shape[1]):
            x, y, z = r_km[i, k, 0], r_km[i, k, 1], r_km[i, k, 2]
            if x != x:  # NaN: SGP4 failure
                continue
            r = math.sqrt(x * x + y * y + z * z)
            lat = math.degrees(math.asin(z / r))
            lon = math.degrees(math.atan2(y, x) - gmst[k])
            s = math.sin(math.radians(lat))
            alt = r - EARTH_RADIUS_KM * (1.0 - WGS84_FLATTENING * s * s)
            # fractional grid indices
            fa = min(max((alt - a0) / da, 0.0), na - 1.000001)
            fl = min(max((lat - la0) / dla, 0.0), nla - 1.000001)
            fo = ((lon - lo0) % lon_period) / dlo
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
    from leodc.orbits.frames import gmst_rad

    cube, axes = _grid_at(float(window.context["shielding_thickness_mm"]))
    out = np.zeros(window.sat_id.size)
    _dose_sum(window.r_km, np.asarray(gmst_rad(window.pos_jd_utc), dtype=float), cube, axes, window.pos_dt_s, out)
    return {"dose_rad": out}


@register_summary("environment")
def environment(summary: dict, context: dict, a_km: np.ndarray, run_s: float) -> dict[str, np.ndarray]:
    from leodc.environment.decay import decay_years, fcc_compliant
    from leodc.environment.radiation import upset_rates_per_day

    if "radiation.dose_rad" not in summary:  # the run left the radiation model out
        return {}
    dose_per_year = np.asarray(summary["radiation.dose_rad"]) * YEAR_S / run_s
    rates = upset_rates_per_day(dose_per_year, context["rad_per_sdc"], context["rad_per_uecc"],
                                context["rad_per_crash"], context["rad_per_host_cpu_event"],
                                context["rad_per_host_ram_event"])
    chips = context["chips_per_satellite"]
    altitude = np.asarray(a_km) - EARTH_RADIUS_KM
    decay = np.asarray(decay_years(altitude, context["ballistic_coefficient_kg_per_m2"],
                                   activity=context["solar_activity"]), dtype=float)
    return {
        "=dose_rad_per_year": dose_per_year,
        "=seu_per_day": np.asarray(rates["seu_per_day"]) * chips,
        "=sdc_per_day": np.asarray(rates["sdc_per_day"]) * chips,
        "=uecc_per_day": np.asarray(rates["uecc_per_day"]) * chips,
        "=decay_years": decay,
        "=fcc_compliant": np.asarray(fcc_compliant(decay, propulsive_disposal=context["propulsive_disposal"]),
                                     dtype=bool),
    }
