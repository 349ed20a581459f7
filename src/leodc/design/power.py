"""Electrical load, solar array and battery sizing (closed form).

Array power at end of life follows SMAD (Wertz & Larson, 3rd ed., eq. 11-5): the array must carry
the load through daylight and recharge what the battery gave in the longest eclipse,

    P_sa = (P_e T_e / X_e + P_d T_d / X_d) / T_d

with X_e and X_d the eclipse and daylight path efficiencies. Area and mass follow from the cell
efficiency, packing factor, sun incidence and degradation over the mission; the battery carries the
load through the longest eclipse at its depth of discharge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leodc.constants import SECONDS_PER_HOUR
from leodc.errors import InputError


@dataclass(frozen=True)
class Load:
    it_power_w: float  # accelerators with host and network share
    power_w: float  # electrical load on the bus: IT through conversion, plus housekeeping


def electrical_load(accelerators: int, tdp_w: float, host_overhead_fraction: float,
                    network_overhead_fraction: float, power_conversion_efficiency: float,
                    bus_power_w: float) -> Load:
    it_power_w = accelerators * tdp_w * (1.0 + host_overhead_fraction + network_overhead_fraction)
    return Load(it_power_w, it_power_w / power_conversion_efficiency + bus_power_w)


@dataclass(frozen=True)
class SolarArraySize:
    eol_power_w: float  # what the array must deliver, sunlit, at end of life
    bol_power_w: float  # rated at normal incidence, beginning of life
    area_m2: float
    mass_kg: float
    power_density_w_per_m2: float  # BOL at normal incidence


def size_solar_array(load_w: float, eclipse_fraction: float, daylight_path_efficiency: float,
                     eclipse_path_efficiency: float, solar_constant_w_per_m2: float, cell_efficiency: float,
                     packing_factor: float, sun_incidence_deg: float, degradation_per_year: float,
                     life_years: float, specific_power_w_per_kg: float) -> SolarArraySize:
    if eclipse_fraction >= 1.0:  # the sizing eclipse is the longest x (1 + margin): under 0.9 of any LEO orbit
        raise InputError(None, "power.eclipse_margin_fraction",
                         f"expected a sizing eclipse shorter than the orbit; got an eclipse fraction of "
                         f"{eclipse_fraction:g}: an orbit always in shadow cannot be solar powered")
    t_e, t_d = eclipse_fraction, 1.0 - eclipse_fraction
    eol_w = (load_w * t_e / eclipse_path_efficiency + load_w * t_d / daylight_path_efficiency) / t_d
    life_factor = (1.0 - degradation_per_year) ** life_years
    density = solar_constant_w_per_m2 * cell_efficiency * packing_factor
    area = eol_w / (density * math.cos(math.radians(sun_incidence_deg)) * life_factor)
    bol_w = area * density
    return SolarArraySize(eol_w, bol_w, area, bol_w / specific_power_w_per_kg, density)


@dataclass(frozen=True)
class BatterySize:
    energy_wh: float
    mass_kg: float


def size_battery(load_w: float, longest_eclipse_s: float, depth_of_discharge: float,
                 round_trip_efficiency: float, specific_energy_wh_per_kg: float) -> BatterySize:
    discharge_efficiency = math.sqrt(round_trip_efficiency)
    energy_wh = load_w * longest_eclipse_s / SECONDS_PER_HOUR / (depth_of_discharge * discharge_efficiency)
    return BatterySize(energy_wh, energy_wh / specific_energy_wh_per_kg)
