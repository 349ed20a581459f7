"""The space environment of a satellite on its shell: upsets of every chip and host of a satellite
from a dose rate, and the time from a perigee-lowering disposal burn to re-entry.

Upsets from the accelerator's per-rad figures (catalog, Suncatcher's proton tests) for every chip
of a satellite and every host; disposal from the NRLMSIS density tables (``environment.atmosphere``)
through ``environment.decay``. The design's figures built on these (``leodc environment``) are in
``design.environment``; the engine's per-satellite columns in ``simulate.space_environment``.
"""

from __future__ import annotations

import math
from functools import lru_cache

ACTIVITIES = ("low", "mean", "high")
DAYS_PER_YEAR = 365.25


# Hosts per accelerator: HGX/DGX boards and TPU hosts carry 8 accelerators per host CPU pair
# (NVIDIA DGX H100/B200 datasheets; Google Cloud TPU v6e 8-chip hosts); host upsets count per host.
ACCELERATORS_PER_HOST = 8


def satellite_upsets_per_day(dose_rad_per_year, chips: float, rad_per_sdc: float, rad_per_uecc: float,
                             rad_per_crash: float, rad_per_host_cpu: float, rad_per_host_ram: float) -> dict:
    """Upsets of one satellite per day: chip events for every chip, host events for every host."""
    import numpy as np

    from leodc.environment.radiation import upset_rates_per_day

    per_chip = upset_rates_per_day(dose_rad_per_year, rad_per_sdc, rad_per_uecc, rad_per_crash)
    per_host = upset_rates_per_day(dose_rad_per_year, None, None, None, rad_per_host_cpu, rad_per_host_ram)
    hosts = math.ceil(chips / ACCELERATORS_PER_HOST)
    out = {k: np.asarray(per_chip[k]) * chips for k in ("sdc_per_day", "uecc_per_day", "crash_per_day")}
    out["host_per_day"] = (np.asarray(per_host["host_cpu_per_day"]) + np.asarray(per_host["host_ram_per_day"])) * hosts
    out["seu_per_day"] = out["sdc_per_day"] + out["uecc_per_day"] + out["crash_per_day"] + out["host_per_day"]
    return out


# Perigee a propulsive disposal lowers to: Starlink's insertion altitude, from which SpaceX states
# its satellites re-enter within weeks (2021 FCC filing). The lowered orbit is an ellipse, which
# lives 10-12 times longer than a circle at its perigee (environment.decay.elliptical_decay_years).
DISPOSAL_TARGET_ALTITUDE_KM = 350.0
# disposal lifetimes are computed once per kilometre of altitude (one integration each)
DISPOSAL_ALTITUDE_RESOLUTION_KM = 1.0


@lru_cache(maxsize=4096)
def _disposal_years_at(altitude_km: float, b: float, activity: str) -> float:
    from leodc.environment.decay import elliptical_decay_years

    if altitude_km <= DISPOSAL_TARGET_ALTITUDE_KM:
        from leodc.environment.decay import decay_years

        return float(decay_years(altitude_km, b, activity=activity))
    return float(elliptical_decay_years(altitude_km, DISPOSAL_TARGET_ALTITUDE_KM, b, activity=activity))


def disposal_years(altitude_km, ballistic_coefficient_kg_per_m2: float, activity: str):
    """Years from a perigee-lowering burn to re-entry, for each altitude (ellipse apogee = altitude)."""
    import numpy as np

    alt = np.round(np.asarray(altitude_km, dtype=float) / DISPOSAL_ALTITUDE_RESOLUTION_KM) * \
        DISPOSAL_ALTITUDE_RESOLUTION_KM
    unique, inverse = np.unique(alt, return_inverse=True)
    values = np.array([_disposal_years_at(float(a), float(ballistic_coefficient_kg_per_m2), activity)
                       for a in unique])
    return values[inverse].reshape(alt.shape)
