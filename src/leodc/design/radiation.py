"""Shielding thickness and mass for a dose target, from a dose-depth curve of the shell.

The curve is dose rate against aluminium thickness for the design's orbit. By default it comes from
the AE8/AP8 grid (``environment.radiation``; trapped protons AP8-MIN and electrons AE8-MAX behind
solid aluminium spheres), averaged over the shell's ground track; a scenario may instead name a
catalog dose-depth table (a published SPENVIS run at one orbit), scaled to the shell's altitude by
the catalog's fitted scale height. Between the curve's thicknesses the dose is interpolated
log-linearly; the thickness for a target inverts that; outside the curve it is extrapolated from the
end segments and the design says so in its notes. The shield is a box around the payload's volume.
"""

from __future__ import annotations

import math

import numpy as np

from leodc.catalog import DoseDepth
from leodc.constants import ALUMINIUM_DENSITY_KG_PER_M3

MM_PER_M = 1000.0
GRID_MODEL = "ae8ap8-grid"
# ground-track samples per axis for the design's orbit average (0.5 % of the 180-sample average,
# 20 ms for all the grid's thicknesses)
DESIGN_ORBIT_SAMPLES = 60


def dose_curve(model: str, table: DoseDepth | None, altitude_km: float,
               inclination_deg: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(thickness_mm, dose_rad_per_year, notes) for the shell."""
    notes: list[str] = []
    if model == GRID_MODEL:
        from leodc.environment.radiation import load_grid, orbit_average_dose_rad_per_year

        grid = load_grid()
        t = np.asarray(grid["thickness_mm"], dtype=float)
        alt = np.asarray(grid["alt_km"], dtype=float)
        if not alt[0] <= altitude_km <= alt[-1]:
            notes.append(f"shielding: {altitude_km:g} km is outside the radiation grid's {alt[0]:g}-{alt[-1]:g} km; "
                         "dose taken at the nearest altitude")
        dose = np.asarray(orbit_average_dose_rad_per_year(altitude_km, inclination_deg, t,
                                                          n_orbits_samples=DESIGN_ORBIT_SAMPLES), dtype=float)
        return t, dose, notes
    t = np.asarray(table.thickness_mm.value, dtype=float)
    factor = math.exp((altitude_km - table.altitude_km.value) / table.altitude_scale_height_km.value)
    lo, hi = table.altitude_fit_range_km.value
    if not lo <= altitude_km <= hi:
        notes.append(f"shielding: {altitude_km:g} km is outside the {lo:g}-{hi:g} km range the dose's altitude "
                     "scaling was fitted on; treat the dose and shield mass as rough")
    return t, np.asarray(table.dose_rad_per_year.value, dtype=float) * factor, notes


def dose_at(t: np.ndarray, dose: np.ndarray, thickness_mm: float) -> float:
    log_d = np.log(np.maximum(dose, 1e-30))
    if thickness_mm <= t[0]:
        ld = log_d[0] + (log_d[1] - log_d[0]) / (t[1] - t[0]) * (thickness_mm - t[0])
    elif thickness_mm >= t[-1]:
        ld = log_d[-1] + (log_d[-1] - log_d[-2]) / (t[-1] - t[-2]) * (thickness_mm - t[-1])
    else:
        ld = float(np.interp(thickness_mm, t, log_d))
    return float(math.exp(ld))


def thickness_for_dose(t: np.ndarray, dose: np.ndarray, target_rad_per_year: float) -> float:
    """Thinnest wall keeping the dose at or below the target (0 if none is needed)."""
    log_d = np.log(np.maximum(dose, 1e-30))
    goal = math.log(target_rad_per_year)
    if goal >= log_d[0]:
        slope = (log_d[1] - log_d[0]) / (t[1] - t[0])
        return max(0.0, float(t[0] + (goal - log_d[0]) / slope))
    if goal <= log_d[-1]:
        slope = (log_d[-1] - log_d[-2]) / (t[-1] - t[-2])
        return float(t[-1] + (goal - log_d[-1]) / slope) if slope < 0 else math.inf
    # log dose falls with thickness (the grid build enforces it): interpolate the inverse
    return float(np.interp(goal, log_d[::-1], t[::-1]))


def range_notes(t: np.ndarray, thickness_mm: float) -> list[str]:
    if t[0] <= thickness_mm <= t[-1]:
        return []
    return [f"shielding: {thickness_mm:.1f} mm is outside the dose curve's {t[0]:g}-{t[-1]:g} mm; "
            "dose extrapolated from the nearest segment"]


def shield_mass_kg(thickness_mm: float, enclosed_volume_m3: float) -> float:
    """Aluminium box (cube) of the given wall thickness around the enclosed volume."""
    side_m = enclosed_volume_m3 ** (1.0 / 3.0)
    return 6.0 * side_m**2 * (thickness_mm / MM_PER_M) * ALUMINIUM_DENSITY_KG_PER_M3
