"""One satellite, sized subsystem by subsystem, in closed form.

The order is the order of dependence: the shielding (dose behind the wall) sets the service life,
the accelerators set the electrical load, the load and the life size the solar array and the
battery (``design.power``), the load becomes heat for the radiator (``design.thermal``), and the
masses of all of them, over one less the bus's mass fraction, give the satellite's mass. Each step is
one function returning a small result; :func:`size_satellite` chains them into a
:class:`SatelliteDesign`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leodc.catalog import Accelerator, Battery, Bus, DoseDepth, Radiator, SolarArray, chosen
from leodc.design.orbit import OrbitDesign
from leodc.design.parts import DesignParts
from leodc.design.power import BatterySize, Load, SolarArraySize, electrical_load, size_battery, size_solar_array
from leodc.design.radiation import dose_at, dose_curve, range_notes, shield_mass_kg, thickness_for_dose
from leodc.design.thermal import RadiatorBalance, radiator_balance
from leodc.errors import InputError
from leodc.scenario import Compute, Economics, Environment, Power, Satellite, Scenario, Shielding, Thermal

# The seed story's reading of the FCC rule: replace every five years (docs/references.md, [FCC2022]).
SEED_REPLACEMENT_YEARS = 5.0
MASS_BASIS_BOTTOM_UP = "bottom-up"
MASS_BASIS_STATED = "stated specific power"


def dose_limited_life_years(accelerator: Accelerator, dose_rad_per_year: float | None) -> float:
    """The accelerator's tested total dose over the dose rate (inf without a figure or a dose)."""
    tolerance = accelerator.radiation_tolerance_rad.value if accelerator.radiation_tolerance_rad else None
    return tolerance / dose_rad_per_year if tolerance and dose_rad_per_year else math.inf


def mission_life_years(design_life_years: float, replacement_rule: str) -> float:
    """Years a satellite serves by rule: its design life, capped at 5 years under the seed's reading
    (the design then caps it again at the dose-limited life)."""
    if replacement_rule == "seed-5-year":
        return min(design_life_years, SEED_REPLACEMENT_YEARS)
    return design_life_years


@dataclass(frozen=True)
class SatelliteDesign:
    accelerator: str
    accelerators: int
    it_power_w: float
    power_w: float
    heat_w: float
    solar_array_eol_power_w: float
    solar_array_bol_power_w: float
    solar_array_area_m2: float
    solar_array_mass_kg: float
    battery_energy_wh: float
    battery_mass_kg: float
    radiator_temperature_k: float
    radiator_emitted_w_per_m2: float
    radiator_absorbed_sun_w_per_m2: float
    radiator_absorbed_albedo_w_per_m2: float
    radiator_absorbed_earth_ir_w_per_m2: float
    radiator_net_flux_w_per_m2: float
    radiator_area_m2: float
    radiator_mass_kg: float
    shielding_thickness_mm: float
    shielding_mass_kg: float
    dose_rad_per_year: float
    dose_limited_life_years: float  # accelerator's tested total dose / dose rate (inf without a figure)
    compute_mass_kg: float
    bus_mass_kg: float
    bottom_up_mass_kg: float
    mass_kg: float
    mass_basis: str  # "bottom-up" or "stated specific power"
    specific_power_w_per_kg: float  # IT power per kg of satellite
    bottom_up_specific_power_w_per_kg: float
    mission_life_years: float
    drag_area_m2: float
    ballistic_coefficient_kg_per_m2: float  # mass / (Cd x drag area)
    notes: tuple[str, ...]  # where a model runs outside the range its figures support


# ---------------------------------------------------------------------------------------------- shielding, life
@dataclass(frozen=True)
class ShieldingSize:
    thickness_mm: float
    dose_rad_per_year: float  # behind the wall, averaged over the shell
    mass_kg: float
    notes: tuple[str, ...]  # where the dose curve is extrapolated


def size_shielding(shielding: Shielding, dose_depth: DoseDepth | None, compute: Compute, accelerator: Accelerator,
                   orbit: OrbitDesign) -> ShieldingSize:
    """The aluminium wall around the accelerators: its stated thickness, or the thinnest one that meets the
    dose target on the shell's dose-depth curve; the dose behind it and its mass."""
    thicknesses_mm, doses_rad_per_year, notes = dose_curve(shielding.dose_depth, dose_depth, orbit.altitude_km,
                                                           orbit.inclination_deg)
    thickness_mm = (shielding.thickness_mm if shielding.thickness_mm is not None
                    else thickness_for_dose(thicknesses_mm, doses_rad_per_year, shielding.dose_target_rad_per_year))
    if not math.isfinite(thickness_mm):
        raise InputError(None, "shielding.dose_target_rad_per_year",
                         f"no aluminium thickness brings the dose down to {shielding.dose_target_rad_per_year:g} "
                         "rad/year at this orbit; expected a higher target or a lower orbit")
    enclosed_volume_m3 = compute.accelerators_per_satellite * accelerator.system_volume_m3_per_unit.value
    return ShieldingSize(
        thickness_mm=thickness_mm,
        dose_rad_per_year=dose_at(thicknesses_mm, doses_rad_per_year, thickness_mm),
        mass_kg=shield_mass_kg(thickness_mm, enclosed_volume_m3),
        notes=tuple(notes + range_notes(thicknesses_mm, thickness_mm)),
    )


@dataclass(frozen=True)
class ServiceLife:
    dose_limited_life_years: float
    mission_life_years: float  # the rule's life, capped at the dose-limited life


def service_life(economics: Economics, accelerator: Accelerator, dose_rad_per_year: float) -> ServiceLife:
    """How long a satellite serves: the replacement rule's life, unless the dose ends the accelerators first."""
    dose_limited = dose_limited_life_years(accelerator, dose_rad_per_year)
    by_rule = mission_life_years(economics.design_life_years, economics.replacement_rule)
    return ServiceLife(dose_limited_life_years=dose_limited, mission_life_years=min(by_rule, dose_limited))


# ---------------------------------------------------------------------------------------------- load, power
def size_load(compute: Compute, accelerator: Accelerator) -> Load:
    """The accelerators with their host and network share (IT power), and the bus's electrical load."""
    return electrical_load(compute.accelerators_per_satellite, accelerator.tdp_w.value,
                           compute.host_overhead_fraction, compute.network_overhead_fraction,
                           compute.power_conversion_efficiency, compute.bus_power_w)


@dataclass(frozen=True)
class PowerSystem:
    solar_array: SolarArraySize
    battery: BatterySize


def size_power_system(power: Power, environment: Environment, solar_array: SolarArray, battery: Battery,
                      orbit: OrbitDesign, load_w: float, life_years: float) -> PowerSystem:
    """The solar array and the battery that carry ``load_w`` through the longest eclipse, lengthened by the
    eclipse margin, at the end of the satellite's life (SMAD eq. 11-5, ``design.power``)."""
    eclipse_margin_factor = 1.0 + power.eclipse_margin_fraction
    sizing_eclipse_fraction = min(1.0, orbit.eclipse_fraction_max * eclipse_margin_factor)
    array = size_solar_array(
        load_w, sizing_eclipse_fraction, power.daylight_path_efficiency, power.eclipse_path_efficiency,
        environment.solar_constant_w_per_m2, chosen(power.cell_efficiency, solar_array.cell_efficiency),
        chosen(power.packing_factor, solar_array.packing_factor), power.sun_incidence_deg,
        solar_array.degradation_per_year.value, life_years, solar_array.specific_power_w_per_kg.value)
    storage = size_battery(load_w, orbit.longest_eclipse_s * eclipse_margin_factor,
                           chosen(power.depth_of_discharge, battery.depth_of_discharge),
                           battery.round_trip_efficiency.value, battery.specific_energy_wh_per_kg.value)
    return PowerSystem(solar_array=array, battery=storage)


# ---------------------------------------------------------------------------------------------- radiator
@dataclass(frozen=True)
class RadiatorSize:
    balance: RadiatorBalance  # per square metre of panel
    area_m2: float
    mass_kg: float


def size_radiator(thermal: Thermal, environment: Environment, radiator: Radiator, heat_w: float) -> RadiatorSize:
    """The radiator panel that rejects ``heat_w`` at its temperature, from the net flux of its radiative balance
    (``design.thermal``); a panel that absorbs more than it emits is an input error."""
    balance = radiator_balance(
        thermal.radiator_temperature_k,
        chosen(thermal.emissivity, radiator.emissivity), chosen(thermal.absorptivity, radiator.absorptivity),
        thermal.sides, environment.solar_constant_w_per_m2, thermal.solar_view_factor, thermal.earth_view_factor,
        environment.earth_albedo, environment.earth_ir_temperature_k, thermal.earth_ir_absorptivity,
        environment.stefan_boltzmann_w_per_m2_k4)
    if balance.net_w_per_m2 <= 0.0:
        raise InputError(None, "thermal.radiator_temperature_k",
                         f"the radiator absorbs more than it emits at {thermal.radiator_temperature_k} K "
                         f"(net {balance.net_w_per_m2:.1f} W/m²); expected a hotter radiator or less sun")
    area_m2 = heat_w / balance.net_w_per_m2
    return RadiatorSize(balance=balance, area_m2=area_m2, mass_kg=area_m2 * radiator.areal_density_kg_per_m2.value)


# ---------------------------------------------------------------------------------------------- mass, drag
@dataclass(frozen=True)
class MassBudget:
    compute_mass_kg: float
    bus_mass_kg: float  # structure, avionics, attitude control, propulsion: the bus's share of the bottom-up mass
    bottom_up_mass_kg: float
    mass_kg: float  # bottom-up, or IT power over a stated specific power
    mass_basis: str


def size_mass(satellite: Satellite, bus: Bus, compute: Compute, accelerator: Accelerator, it_power_w: float, *,
              solar_array_mass_kg: float, battery_mass_kg: float, radiator_mass_kg: float,
              shielding_mass_kg: float) -> MassBudget:
    """The satellite's mass bottom-up (its subsystems over one less the bus's mass fraction), or from the
    specific power a scenario states instead."""
    compute_mass_kg = compute.accelerators_per_satellite * accelerator.system_mass_kg_per_unit.value
    subsystems_mass_kg = (compute_mass_kg + solar_array_mass_kg + battery_mass_kg + radiator_mass_kg
                          + shielding_mass_kg)
    bus_mass_fraction = chosen(satellite.bus_mass_fraction, bus.mass_fraction)
    bottom_up_mass_kg = subsystems_mass_kg / (1.0 - bus_mass_fraction)
    if satellite.specific_power_w_per_kg is not None:
        mass_kg, basis = it_power_w / satellite.specific_power_w_per_kg, MASS_BASIS_STATED
    else:
        mass_kg, basis = bottom_up_mass_kg, MASS_BASIS_BOTTOM_UP
    return MassBudget(compute_mass_kg=compute_mass_kg, bus_mass_kg=bottom_up_mass_kg - subsystems_mass_kg,
                      bottom_up_mass_kg=bottom_up_mass_kg, mass_kg=mass_kg, mass_basis=basis)


def drag_area_m2(satellite: Satellite, solar_array_area_m2: float, radiator_area_m2: float) -> float:
    """The mean area the satellite presents to the flow: a fraction of its array and radiator area."""
    return satellite.drag_area_fraction * (solar_array_area_m2 + radiator_area_m2)


# ---------------------------------------------------------------------------------------------- the satellite
def size_satellite(scenario: Scenario, parts: DesignParts, orbit: OrbitDesign) -> SatelliteDesign:
    """Size one satellite of the scenario on its orbit: shielding and life, load, power, radiator, mass, drag."""
    shield = size_shielding(scenario.shielding, parts.dose_depth, scenario.compute, parts.accelerator, orbit)
    life = service_life(scenario.economics, parts.accelerator, shield.dose_rad_per_year)
    load = size_load(scenario.compute, parts.accelerator)
    power = size_power_system(scenario.power, scenario.environment, parts.solar_array, parts.battery, orbit,
                              load.power_w, life.mission_life_years)
    heat_w = load.power_w  # every watt drawn by the bus ends as heat on the radiator
    radiator = size_radiator(scenario.thermal, scenario.environment, parts.radiator, heat_w)
    mass = size_mass(scenario.satellite, parts.bus, scenario.compute, parts.accelerator, load.it_power_w,
                     solar_array_mass_kg=power.solar_array.mass_kg, battery_mass_kg=power.battery.mass_kg,
                     radiator_mass_kg=radiator.mass_kg, shielding_mass_kg=shield.mass_kg)
    drag_m2 = drag_area_m2(scenario.satellite, power.solar_array.area_m2, radiator.area_m2)
    return SatelliteDesign(
        accelerator=scenario.compute.accelerator,
        accelerators=scenario.compute.accelerators_per_satellite,
        it_power_w=load.it_power_w,
        power_w=load.power_w,
        heat_w=heat_w,
        solar_array_eol_power_w=power.solar_array.eol_power_w,
        solar_array_bol_power_w=power.solar_array.bol_power_w,
        solar_array_area_m2=power.solar_array.area_m2,
        solar_array_mass_kg=power.solar_array.mass_kg,
        battery_energy_wh=power.battery.energy_wh,
        battery_mass_kg=power.battery.mass_kg,
        radiator_temperature_k=scenario.thermal.radiator_temperature_k,
        radiator_emitted_w_per_m2=radiator.balance.emitted_w_per_m2,
        radiator_absorbed_sun_w_per_m2=radiator.balance.absorbed_sun_w_per_m2,
        radiator_absorbed_albedo_w_per_m2=radiator.balance.absorbed_albedo_w_per_m2,
        radiator_absorbed_earth_ir_w_per_m2=radiator.balance.absorbed_earth_ir_w_per_m2,
        radiator_net_flux_w_per_m2=radiator.balance.net_w_per_m2,
        radiator_area_m2=radiator.area_m2,
        radiator_mass_kg=radiator.mass_kg,
        shielding_thickness_mm=shield.thickness_mm,
        shielding_mass_kg=shield.mass_kg,
        dose_rad_per_year=shield.dose_rad_per_year,
        dose_limited_life_years=life.dose_limited_life_years,
        compute_mass_kg=mass.compute_mass_kg,
        bus_mass_kg=mass.bus_mass_kg,
        bottom_up_mass_kg=mass.bottom_up_mass_kg,
        mass_kg=mass.mass_kg,
        mass_basis=mass.mass_basis,
        specific_power_w_per_kg=load.it_power_w / mass.mass_kg,
        bottom_up_specific_power_w_per_kg=load.it_power_w / mass.bottom_up_mass_kg,
        mission_life_years=life.mission_life_years,
        drag_area_m2=drag_m2,
        ballistic_coefficient_kg_per_m2=mass.mass_kg / (scenario.satellite.drag_coefficient * drag_m2),
        notes=shield.notes,
    )
