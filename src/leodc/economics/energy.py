"""Energy and carbon payback of launching the fleet, water saved, and the launch loop.

Energy payback: the fuel energy burnt to put the fleet in orbit against the electrical energy the
fleet's arrays deliver per year. Carbon payback: the launch CO2 against the CO2 a terrestrial data
center would emit per year for the same IT energy (PUE × carbon intensity of its power option).
The launch loop is the seed story's: launches per year to build the fleet at the scenario's
cadence, and to sustain it through its replacement cycle, in vehicles and dollars per year.
"""

from __future__ import annotations

from dataclasses import dataclass

from leodc.catalog import load_catalog
from leodc.constants import HOURS_PER_YEAR, WORLD_LAUNCH_ATTEMPTS_2025, WORLD_PAYLOADS_2025
from leodc.design import Design
from leodc.economics.costs import W_PER_KW, OrbitalEconomics
from leodc.economics.terrestrial import LITRES_PER_M3, carbon_kg_per_kwh
from leodc.scenario import Scenario


@dataclass(frozen=True)
class EnergyBalance:
    launch_energy_kwh: float  # one fleet
    launch_co2_kg: float  # one fleet
    launch_co2_kg_horizon: float  # with replacements over the horizon
    orbital_energy_kwh_per_year: float  # electricity the arrays deliver to the bus
    energy_payback_years: float
    displaced_co2_kg_per_year: float  # what the terrestrial baseline would emit for the same IT energy
    carbon_payback_years: float
    water_saved_m3: float  # over the horizon


@dataclass(frozen=True)
class LaunchLoop:
    build_launches: int
    build_years: float
    build_launches_per_year: float
    sustain_satellites_per_year: float
    sustain_launches_per_year: float
    sustain_launch_usd_per_year: float
    sustain_hardware_usd_per_year: float
    sustain_share_of_world_launches_2025: float
    sustain_share_of_world_payloads_2025: float


def energy_balance(scenario: Scenario, d: Design, econ: OrbitalEconomics) -> EnergyBalance:
    cat = load_catalog()
    vehicle = cat.launch_vehicles[scenario.fleet.launch_vehicle]
    option = cat.power_options[scenario.economics.terrestrial_power]
    dc = cat.datacenters[scenario.economics.datacenter]
    fleet_mass = d.fleet.mass_kg
    launch_kwh = fleet_mass * vehicle.energy_kwh_per_kg_payload.value
    launch_co2 = fleet_mass * vehicle.co2_kg_per_kg_payload.value
    orbital_kwh = d.fleet.power_w / W_PER_KW * HOURS_PER_YEAR * econ.availability
    it_kwh = d.fleet.it_power_w / W_PER_KW * HOURS_PER_YEAR * econ.availability
    displaced = it_kwh * dc.pue.value * carbon_kg_per_kwh(option)
    return EnergyBalance(
        launch_energy_kwh=launch_kwh,
        launch_co2_kg=launch_co2,
        launch_co2_kg_horizon=launch_co2 * econ.fleets_bought,
        orbital_energy_kwh_per_year=orbital_kwh,
        energy_payback_years=launch_kwh / orbital_kwh,
        displaced_co2_kg_per_year=displaced,
        carbon_payback_years=launch_co2 / displaced if displaced > 0 else float("inf"),
        water_saved_m3=it_kwh * econ.horizon_years * dc.water_l_per_kwh.value / LITRES_PER_M3,
    )


def launch_loop(d: Design, econ: OrbitalEconomics) -> LaunchLoop:
    fl, life = d.fleet, econ.mission_life_years
    per_fleet_launch_usd = econ.launch_usd / econ.fleets_bought
    per_fleet_hardware_usd = (econ.accelerators_usd + econ.satellite_hardware_usd) / econ.fleets_bought
    sustain_launches = fl.launches / life
    return LaunchLoop(
        build_launches=fl.launches,
        build_years=fl.years_to_deploy,
        build_launches_per_year=min(fl.launches_per_year, float(fl.launches)),
        sustain_satellites_per_year=fl.satellites / life,
        sustain_launches_per_year=sustain_launches,
        sustain_launch_usd_per_year=per_fleet_launch_usd / life,
        sustain_hardware_usd_per_year=per_fleet_hardware_usd / life,
        sustain_share_of_world_launches_2025=sustain_launches / WORLD_LAUNCH_ATTEMPTS_2025,
        sustain_share_of_world_payloads_2025=fl.satellites / life / WORLD_PAYLOADS_2025,
    )
