"""Shell-level space environment of a design: dose behind its shielding, upset rates, natural decay
at three solar-activity levels, and the FCC disposal verdict (``leodc environment``).

Dose is the design's (the AE8/AP8 grid averaged over the shell's ground track, or a catalog table);
upsets from the accelerator's per-rad figures (catalog, Suncatcher's proton tests) for every chip
of a satellite; decay from the NRLMSIS density tables (``environment.atmosphere``) with the
satellite's ballistic coefficient; the FCC verdict from 47 CFR 25.283(e) (``environment.decay``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from leodc.catalog import load_catalog
from leodc.design import Design
from leodc.scenario import Scenario

ACTIVITIES = ("low", "mean", "high")
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class EnvironmentFigures:
    altitude_km: float
    inclination_deg: float
    shielding_thickness_mm: float
    dose_rad_per_year: float
    dose_limited_life_years: float | None  # tested tolerance / dose (None: no tolerance in the catalog)
    seu_per_day: float  # every upset, all chips of one satellite
    sdc_per_day: float
    uecc_per_day: float
    crash_per_day: float
    ballistic_coefficient_kg_per_m2: float
    decay_years_low: float
    decay_years_mean: float
    decay_years_high: float
    solar_activity: str
    decay_years: float  # at the scenario's solar activity
    fcc_compliant_without_propulsion: bool
    fcc_compliant_with_propulsion: bool
    propulsive_disposal: bool
    fcc_compliant: bool
    disposal_delta_v_m_s: float
    disposal_years: float  # end of mission to re-entry: after the burn if propulsive, else natural decay


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


def upsets_per_day(dose_rad_per_year: float, scenario: Scenario) -> dict[str, float]:
    """Upset rates of one satellite of the scenario at a dose rate."""
    acc = load_catalog().accelerators[scenario.compute.accelerator]
    chips = scenario.compute.accelerators_per_satellite * acc.chips_per_unit.value
    rates = satellite_upsets_per_day(dose_rad_per_year, chips, acc.rad_per_sdc.value, acc.rad_per_uecc.value,
                                     acc.rad_per_crash.value, acc.rad_per_host_cpu_event.value,
                                     acc.rad_per_host_ram_event.value)
    return {k: float(v) for k, v in rates.items()}


def environment_figures(scenario: Scenario, d: Design) -> EnvironmentFigures:
    from leodc.environment.decay import decay_years, disposal_delta_v_m_s, fcc_compliant

    sat, o = d.satellite, d.orbit
    dose = sat.dose_rad_per_year  # the design's, from the same dose-depth curve it sized the shield on
    upsets = upsets_per_day(dose, scenario)
    b = sat.ballistic_coefficient_kg_per_m2
    decay = {a: float(decay_years(o.altitude_km, b, activity=a)) for a in ACTIVITIES}
    activity = scenario.environment.solar_activity
    propulsive = scenario.satellite.propulsive_disposal
    without = bool(fcc_compliant(decay[activity], propulsive_disposal=False))
    with_prop = bool(fcc_compliant(decay[activity], propulsive_disposal=True))
    return EnvironmentFigures(
        altitude_km=o.altitude_km,
        inclination_deg=o.inclination_deg,
        shielding_thickness_mm=sat.shielding_thickness_mm,
        dose_rad_per_year=dose,
        dose_limited_life_years=sat.dose_limited_life_years if math.isfinite(sat.dose_limited_life_years) else None,
        seu_per_day=upsets["seu_per_day"],
        sdc_per_day=upsets["sdc_per_day"],
        uecc_per_day=upsets["uecc_per_day"],
        crash_per_day=upsets["crash_per_day"],
        ballistic_coefficient_kg_per_m2=b,
        decay_years_low=decay["low"],
        decay_years_mean=decay["mean"],
        decay_years_high=decay["high"],
        solar_activity=activity,
        decay_years=decay[activity],
        fcc_compliant_without_propulsion=without,
        fcc_compliant_with_propulsion=with_prop,
        propulsive_disposal=propulsive,
        fcc_compliant=with_prop if propulsive else without,
        disposal_delta_v_m_s=float(disposal_delta_v_m_s(o.altitude_km, DISPOSAL_TARGET_ALTITUDE_KM)),
        disposal_years=(min(decay[activity], float(disposal_years(o.altitude_km, b, activity)))
                        if propulsive else decay[activity]),
    )


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
