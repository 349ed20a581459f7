"""Shielding thickness and mass for a dose target, from a catalog dose-depth curve.

The dose behind aluminium is interpolated log-linearly in thickness on the catalog's table
(a SPENVIS AP8/AE8 + SHIELDOSE-2 run), scaled to the shell's altitude by an exponential whose
scale height the catalog fits to two published points (low confidence). The shield is a box
around the compute payload's volume. The space-environment models replace this closed form in
time-domain runs.
"""

from __future__ import annotations

import math

import numpy as np

from leodc.catalog import DoseDepth

MM_PER_M = 1000.0


def _altitude_factor(table: DoseDepth, altitude_km: float) -> float:
    return math.exp((altitude_km - table.altitude_km.value) / table.altitude_scale_height_km.value)


def dose_rad_per_year(table: DoseDepth, thickness_mm: float, altitude_km: float) -> float:
    t = np.asarray(table.thickness_mm.value, dtype=float)
    log_d = np.log(np.asarray(table.dose_rad_per_year.value, dtype=float))
    if thickness_mm <= t[0]:
        slope = (log_d[1] - log_d[0]) / (t[1] - t[0])
        ld = log_d[0] + slope * (thickness_mm - t[0])
    elif thickness_mm >= t[-1]:
        slope = (log_d[-1] - log_d[-2]) / (t[-1] - t[-2])
        ld = log_d[-1] + slope * (thickness_mm - t[-1])
    else:
        ld = float(np.interp(thickness_mm, t, log_d))
    return float(math.exp(ld) * _altitude_factor(table, altitude_km))


def thickness_for_dose_mm(table: DoseDepth, target_rad_per_year: float, altitude_km: float) -> float:
    """Thinnest aluminium wall that keeps the dose at or below the target (0 if none needed)."""
    t = np.asarray(table.thickness_mm.value, dtype=float)
    log_d = np.log(np.asarray(table.dose_rad_per_year.value, dtype=float) * _altitude_factor(table, altitude_km))
    goal = math.log(target_rad_per_year)
    if goal >= log_d[0]:
        slope = (log_d[1] - log_d[0]) / (t[1] - t[0])
        return max(0.0, t[0] + (goal - log_d[0]) / slope)
    if goal <= log_d[-1]:
        slope = (log_d[-1] - log_d[-2]) / (t[-1] - t[-2])
        return float(t[-1] + (goal - log_d[-1]) / slope)
    # log dose falls monotonically with thickness: interpolate the inverse
    return float(np.interp(goal, log_d[::-1], t[::-1]))


def dose_notes(table: DoseDepth, thickness_mm: float, altitude_km: float) -> list[str]:
    """Say where the dose estimate leaves the range its table and altitude fit cover."""
    notes = []
    t = table.thickness_mm.value
    if not t[0] <= thickness_mm <= t[-1]:
        notes.append(f"shielding: {thickness_mm:.1f} mm is outside the dose table's {t[0]:g}-{t[-1]:g} mm; "
                     "dose extrapolated from the nearest segment")
    lo, hi = table.altitude_fit_range_km.value
    if not lo <= altitude_km <= hi:
        notes.append(f"shielding: {altitude_km:g} km is outside the {lo:g}-{hi:g} km range the dose's altitude "
                     "scaling was fitted on; treat the dose and shield mass as rough")
    return notes


def shield_mass_kg(table: DoseDepth, thickness_mm: float, enclosed_volume_m3: float) -> float:
    """Aluminium box (cube) of the given wall thickness around the enclosed volume."""
    side_m = enclosed_volume_m3 ** (1.0 / 3.0)
    return 6.0 * side_m**2 * (thickness_mm / MM_PER_M) * table.aluminium_density_kg_per_m3.value
