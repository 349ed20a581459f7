"""The design's space environment (``leodc environment``): dose behind its shielding, upset rates,
natural decay at three solar-activity levels, and the FCC disposal verdict.

Dose is the design's (the AE8/AP8 grid averaged over the shell's ground track, or a catalog table);
upsets from the accelerator's per-rad figures (catalog, Suncatcher's proton tests) for every chip
of a satellite (``environment.shell``); decay from the NRLMSIS density tables
(``environment.atmosphere``) with the satellite's ballistic coefficient; the FCC verdict from
47 CFR 25.283(e) (``environment.decay``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leodc.catalog import load_catalog
from leodc.design import Design
from leodc.environment.decay import decay_years, disposal_delta_v_m_s, fcc_compliant
from leodc.environment.shell import (
    ACTIVITIES,
    DISPOSAL_TARGET_ALTITUDE_KM,
    disposal_years,
    satellite_upsets_per_day,
)
from leodc.scenario import Scenario


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


def upsets_per_day(dose_rad_per_year: float, scenario: Scenario) -> dict[str, float]:
    """Upset rates of one satellite of the scenario at a dose rate."""
    acc = load_catalog().accelerators[scenario.compute.accelerator]
    chips = scenario.compute.accelerators_per_satellite * acc.chips_per_unit.value
    rates = satellite_upsets_per_day(dose_rad_per_year, chips, acc.rad_per_sdc.value, acc.rad_per_uecc.value,
                                     acc.rad_per_crash.value, acc.rad_per_host_cpu_event.value,
                                     acc.rad_per_host_ram_event.value)
    return {k: float(v) for k, v in rates.items()}


def environment_figures(scenario: Scenario, d: Design) -> EnvironmentFigures:
    sat, o = d.satellite, d.orbit
    dose = sat.dose_rad_per_year  # the design's, from the same dose-depth curve it sized the shield on
    upsets = upsets_per_day(dose, scenario)
    b = sat.ballistic_coefficient_kg_per_m2
    decay = {a: float(decay_years(o.altitude_km, b, activity=a)) for a in ACTIVITIES}
    activity = scenario.environment.solar_activity
    propulsive = scenario.satellite.propulsive_disposal
    without = bool(fcc_compliant(decay[activity], propulsive_disposal=False))
    with_prop = bool(fcc_compliant(decay[activity], propulsive_disposal=True))
    disposal_perigee_km = min(o.altitude_km, DISPOSAL_TARGET_ALTITUDE_KM)  # no burn needed below it
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
        disposal_delta_v_m_s=float(disposal_delta_v_m_s(o.altitude_km, disposal_perigee_km)),
        disposal_years=(min(decay[activity], float(disposal_years(o.altitude_km, b, activity)))
                        if propulsive else decay[activity]),
    )
