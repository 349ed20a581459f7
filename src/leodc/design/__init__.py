"""Design stage: size one satellite and the fleet from a scenario, in closed form (milliseconds).

``design(scenario)`` returns a :class:`Design` with ``orbit``, ``satellite`` and ``fleet``; every
field carries its unit in its name and is listed in the README (``leodc design --json``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from leodc.catalog import Accelerator, chosen, load_catalog
from leodc.design.fleet import FleetDesign, satellites_for_target, size_fleet
from leodc.design.orbit import OrbitDesign, design_orbit
from leodc.design.power import electrical_load, size_battery, size_solar_array
from leodc.design.radiation import GRID_MODEL, dose_at, dose_curve, range_notes, shield_mass_kg, thickness_for_dose
from leodc.design.thermal import radiator_balance
from leodc.scenario import InputError, Scenario

# The seed story's reading of the FCC rule: replace every five years (REFERENCES.md).
SEED_REPLACEMENT_YEARS = 5.0


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


@dataclass(frozen=True)
class Design:
    orbit: OrbitDesign
    satellite: SatelliteDesign
    fleet: FleetDesign

    def to_dict(self) -> dict:
        return {"orbit": asdict(self.orbit), "satellite": asdict(self.satellite), "fleet": asdict(self.fleet)}


def design(scenario: Scenario) -> Design:
    cat = load_catalog()
    c, o, p, th, sh, sat, fl, ec, env = (scenario.compute, scenario.orbit, scenario.power, scenario.thermal,
                                         scenario.shielding, scenario.satellite, scenario.fleet,
                                         scenario.economics, scenario.environment)
    acc = cat.accelerators[c.accelerator]
    array = cat.solar_arrays[p.solar_array]
    batt = cat.batteries[p.battery]
    rad = cat.radiators[th.radiator]
    bus = cat.buses[sat.bus]
    dose_table = None if sh.dose_depth == GRID_MODEL else cat.dose_depth[sh.dose_depth]
    vehicle = cat.launch_vehicles[fl.launch_vehicle]

    orbit = design_orbit(o.altitude_km, o.kind, o.inclination_deg, o.ltan_h, o.raan_deg)
    inclination = orbit.inclination_deg
    t_curve, d_curve, notes = dose_curve(sh.dose_depth, dose_table, o.altitude_km, inclination)
    thickness = (sh.thickness_mm if sh.thickness_mm is not None
                 else thickness_for_dose(t_curve, d_curve, sh.dose_target_rad_per_year))
    if not math.isfinite(thickness):
        raise InputError("scenario", "shielding.dose_target_rad_per_year",
                         f"no aluminium thickness brings the dose down to {sh.dose_target_rad_per_year:g} rad/year "
                         "at this orbit; expected a higher target or a lower orbit")
    notes = notes + range_notes(t_curve, thickness)
    dose = dose_at(t_curve, d_curve, thickness)
    dose_life = dose_limited_life_years(acc, dose)
    life = min(mission_life_years(ec.design_life_years, ec.replacement_rule), dose_life)

    load = electrical_load(c.accelerators_per_satellite, acc.tdp_w.value, c.host_overhead_fraction,
                           c.network_overhead_fraction, c.power_conversion_efficiency, c.bus_power_w)
    margin = 1.0 + p.eclipse_margin_fraction
    sa = size_solar_array(
        load.power_w, min(1.0, orbit.eclipse_fraction_max * margin), p.daylight_path_efficiency,
        p.eclipse_path_efficiency,
        env.solar_constant_w_per_m2, chosen(p.cell_efficiency, array.cell_efficiency),
        chosen(p.packing_factor, array.packing_factor), p.sun_incidence_deg, array.degradation_per_year.value,
        life, array.specific_power_w_per_kg.value)
    battery = size_battery(load.power_w, orbit.longest_eclipse_s * margin,
                           chosen(p.depth_of_discharge, batt.depth_of_discharge),
                           batt.round_trip_efficiency.value, batt.specific_energy_wh_per_kg.value)

    balance = radiator_balance(
        th.radiator_temperature_k,
        chosen(th.emissivity, rad.emissivity), chosen(th.absorptivity, rad.absorptivity),
        th.sides, env.solar_constant_w_per_m2, th.solar_view_factor, th.earth_view_factor,
        env.earth_albedo, env.earth_ir_temperature_k, th.earth_ir_absorptivity,
        env.stefan_boltzmann_w_per_m2_k4)
    if balance.net_w_per_m2 <= 0.0:
        raise InputError("scenario", "thermal.radiator_temperature_k",
                         f"the radiator absorbs more than it emits at {th.radiator_temperature_k} K "
                         f"(net {balance.net_w_per_m2:.1f} W/m²); expected a hotter radiator or less sun")
    heat_w = load.power_w  # every watt drawn by the bus ends as heat on the radiator
    radiator_area = heat_w / balance.net_w_per_m2

    volume = c.accelerators_per_satellite * acc.system_volume_m3_per_unit.value
    shield = shield_mass_kg(thickness, volume)

    compute_mass = c.accelerators_per_satellite * acc.system_mass_kg_per_unit.value
    radiator_mass = radiator_area * rad.areal_density_kg_per_m2.value
    subsystems = compute_mass + sa.mass_kg + battery.mass_kg + radiator_mass + shield
    f_bus = chosen(sat.bus_mass_fraction, bus.mass_fraction)
    bottom_up = subsystems / (1.0 - f_bus)
    if sat.specific_power_w_per_kg is not None:
        mass, basis = load.it_power_w / sat.specific_power_w_per_kg, "stated specific power"
    else:
        mass, basis = bottom_up, "bottom-up"

    drag_area = sat.drag_area_fraction * (sa.area_m2 + radiator_area)
    satellite = SatelliteDesign(
        accelerator=c.accelerator,
        accelerators=c.accelerators_per_satellite,
        it_power_w=load.it_power_w,
        power_w=load.power_w,
        heat_w=heat_w,
        solar_array_eol_power_w=sa.eol_power_w,
        solar_array_bol_power_w=sa.bol_power_w,
        solar_array_area_m2=sa.area_m2,
        solar_array_mass_kg=sa.mass_kg,
        battery_energy_wh=battery.energy_wh,
        battery_mass_kg=battery.mass_kg,
        radiator_temperature_k=th.radiator_temperature_k,
        radiator_emitted_w_per_m2=balance.emitted_w_per_m2,
        radiator_absorbed_sun_w_per_m2=balance.absorbed_sun_w_per_m2,
        radiator_absorbed_albedo_w_per_m2=balance.absorbed_albedo_w_per_m2,
        radiator_absorbed_earth_ir_w_per_m2=balance.absorbed_earth_ir_w_per_m2,
        radiator_net_flux_w_per_m2=balance.net_w_per_m2,
        radiator_area_m2=radiator_area,
        radiator_mass_kg=radiator_mass,
        shielding_thickness_mm=thickness,
        shielding_mass_kg=shield,
        dose_rad_per_year=dose,
        dose_limited_life_years=dose_life,
        compute_mass_kg=compute_mass,
        bus_mass_kg=bottom_up - subsystems,
        bottom_up_mass_kg=bottom_up,
        mass_kg=mass,
        mass_basis=basis,
        specific_power_w_per_kg=load.it_power_w / mass,
        bottom_up_specific_power_w_per_kg=load.it_power_w / bottom_up,
        mission_life_years=life,
        drag_area_m2=drag_area,
        ballistic_coefficient_kg_per_m2=mass / (sat.drag_coefficient * drag_area),
        notes=tuple(notes),
    )

    n = satellites_for_target(fl.target_it_power_w, fl.target_accelerators, fl.target_satellites,
                              load.it_power_w, c.accelerators_per_satellite)
    fleet = size_fleet(
        n, c.accelerators_per_satellite, load.it_power_w, load.power_w, mass, bus.stowed_density_kg_per_m3.value,
        fl.launch_vehicle, chosen(fl.payload_to_leo_kg, vehicle.payload_to_leo_kg),
        vehicle.fairing_volume_m3.value, fl.launches_per_year)
    return Design(orbit=orbit, satellite=satellite, fleet=fleet)
