"""The satellite the engine flies: the design stage's sizing turned into time-domain parameters.

Power: the array's rated output (beginning of life, normal incidence) degrades with age and scales
with the Sun's distance; the daylight path efficiency X_d carries it to the bus. The battery gives
its energy at a discharge efficiency eta_d = sqrt(round trip) and is charged at eta_c chosen so that
eta_c * eta_d = X_e / X_d: over an orbit the engine then spends exactly the energy the design's
SMAD sizing provides (SMAD eq. 11-5), which is why a design-sized satellite neither starves nor
wastes in the longest eclipse.

Thermal: three lumped nodes, chips -> coolant loop -> radiator. Conductances follow from the
design heat and the temperature drops at full load; heat capacities from the scenario. The radiator
emits from its faces and absorbs sunlight (when lit), albedo (scaled by the cosine of the Sun's
zenith angle below the satellite) and Earth infrared.
"""

from __future__ import annotations

import math

import numpy as np

from leodc.catalog import chosen, load_catalog
from leodc.design import Design
from leodc.errors import InputError
from leodc.scenario import Scenario

# indices into the parameter vector the kernel reads
(P_ARRAY_BOL_W, DEGRADATION_PER_YEAR, ARRAY_AGE_YEARS, COS_INCIDENCE, DAYLIGHT_EFF, CHARGE_EFF, DISCHARGE_EFF,
 BATTERY_WH, BATTERY_FLOOR_WH, IT_DRAW_W, BUS_W, G_CHIP_COOLANT, G_COOLANT_RADIATOR, C_CHIP, C_COOLANT,
 C_RADIATOR, RADIATOR_AREA_M2, EMISSIVITY, ABSORPTIVITY, SIDES, SOLAR_VIEW, EARTH_VIEW, ALBEDO,
 SOLAR_CONSTANT, EARTH_IR_T_K, SIGMA, CHIP_LIMIT_K, THROTTLE_BAND_K, CONICAL, IT_POWER_W, INITIAL_SOC,
 RADIATOR_DESIGN_K) = range(32)
N_PARAMS = 32

# indices into the per-satellite state the kernel carries from window to window
S_ENERGY_WH, S_T_CHIP, S_T_COOLANT, S_T_RADIATOR, S_LIT, S_ECLIPSE_RUN_S = range(6)
N_STATE = 6


def spacecraft_params(scenario: Scenario, d: Design, battery_scale: float = 1.0) -> np.ndarray:
    """The parameter vector for the kernel; ``battery_scale`` resizes the battery (what-if runs)."""
    cat = load_catalog()
    p, th, sim, env = scenario.power, scenario.thermal, scenario.simulation, scenario.environment
    sat = d.satellite
    array = cat.solar_arrays[p.solar_array]
    batt = cat.batteries[p.battery]
    radiator = cat.radiators[th.radiator]
    dod = chosen(p.depth_of_discharge, batt.depth_of_discharge)
    discharge = math.sqrt(batt.round_trip_efficiency.value)
    charge = (p.eclipse_path_efficiency / p.daylight_path_efficiency) / discharge
    if charge > 1.0:  # load_scenario refuses it first, naming the file (Power's validator)
        raise InputError(scenario.stated_in("power.eclipse_path_efficiency"), "power.eclipse_path_efficiency",
                         f"expected eclipse_path_efficiency / daylight_path_efficiency at most {discharge:.4g}, "
                         f"the discharge efficiency of battery {p.battery!r}; got {charge * discharge:.4g}: "
                         "the charge path would have to create energy")
    capacity = sat.battery_energy_wh * battery_scale
    heat = sat.heat_w
    radiator_k = th.radiator_temperature_k
    out = np.zeros(N_PARAMS)
    out[P_ARRAY_BOL_W] = sat.solar_array_bol_power_w
    out[DEGRADATION_PER_YEAR] = array.degradation_per_year.value
    out[ARRAY_AGE_YEARS] = sim.array_age_years
    out[COS_INCIDENCE] = math.cos(math.radians(p.sun_incidence_deg))
    out[DAYLIGHT_EFF] = p.daylight_path_efficiency
    out[CHARGE_EFF] = charge
    out[DISCHARGE_EFF] = discharge
    out[BATTERY_WH] = capacity
    out[BATTERY_FLOOR_WH] = capacity * (1.0 - dod)
    out[IT_DRAW_W] = sat.it_power_w / scenario.compute.power_conversion_efficiency
    out[BUS_W] = scenario.compute.bus_power_w
    out[G_CHIP_COOLANT] = heat / sim.chip_to_coolant_dt_k
    out[G_COOLANT_RADIATOR] = heat / sim.coolant_to_radiator_dt_k
    out[C_CHIP] = heat * sim.chip_heat_capacity_j_per_k_per_w
    out[C_COOLANT] = heat * sim.coolant_heat_capacity_j_per_k_per_w
    out[C_RADIATOR] = sat.radiator_mass_kg * sim.radiator_specific_heat_j_per_kg_k
    out[RADIATOR_AREA_M2] = sat.radiator_area_m2
    out[EMISSIVITY] = chosen(th.emissivity, radiator.emissivity)
    out[ABSORPTIVITY] = chosen(th.absorptivity, radiator.absorptivity)
    out[SIDES] = th.sides
    out[SOLAR_VIEW] = th.solar_view_factor
    out[EARTH_VIEW] = th.earth_view_factor
    out[ALBEDO] = env.earth_albedo
    out[SOLAR_CONSTANT] = env.solar_constant_w_per_m2
    out[EARTH_IR_T_K] = env.earth_ir_temperature_k
    out[SIGMA] = env.stefan_boltzmann_w_per_m2_k4
    out[CHIP_LIMIT_K] = sim.chip_temperature_limit_k
    out[THROTTLE_BAND_K] = sim.throttle_band_k
    out[CONICAL] = 1.0 if sim.shadow == "conical" else 0.0
    out[IT_POWER_W] = sat.it_power_w
    out[INITIAL_SOC] = sim.initial_soc
    out[RADIATOR_DESIGN_K] = radiator_k
    return out


def initial_state(params: np.ndarray, n: int) -> np.ndarray:
    """Per-satellite state: battery energy and the three node temperatures at their design values."""
    state = np.zeros((n, N_STATE))
    heat = params[IT_DRAW_W] + params[BUS_W]
    radiator_k = params[RADIATOR_DESIGN_K]
    state[:, S_ENERGY_WH] = params[BATTERY_WH] * params[INITIAL_SOC]
    state[:, S_T_RADIATOR] = radiator_k
    state[:, S_T_COOLANT] = radiator_k + heat / params[G_COOLANT_RADIATOR]
    state[:, S_T_CHIP] = state[:, S_T_COOLANT] + heat / params[G_CHIP_COOLANT]
    state[:, S_LIT] = 1.0
    return state
