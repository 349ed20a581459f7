"""Radiator sizing from a radiative balance per square metre of panel.

    emitted  = sides * emissivity * sigma * T^4
    sun      = absorptivity * S * solar_view_factor
    albedo   = absorptivity * S * albedo * earth_view_factor
    earth IR = a_ir * sigma * T_earth^4 * earth_view_factor

with a_ir the infrared absorptivity. Kirchhoff's law makes a_ir equal to the infrared
emissivity (``earth_ir_absorptivity = "emissivity"``, the default); ``"solar"`` uses the solar
absorptivity instead, which is how Starcloud's white paper computed its 633.08 W/m²: leodc
reproduces that method on request and its audit reports the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from leodc.constants import STEFAN_BOLTZMANN_W_PER_M2_K4


@dataclass(frozen=True)
class RadiatorBalance:
    emitted_w_per_m2: float
    absorbed_sun_w_per_m2: float
    absorbed_albedo_w_per_m2: float
    absorbed_earth_ir_w_per_m2: float
    net_w_per_m2: float


def radiator_balance(temperature_k: float, emissivity: float, absorptivity: float, sides: int,
                     solar_constant_w_per_m2: float, solar_view_factor: float, earth_view_factor: float,
                     earth_albedo: float, earth_ir_temperature_k: float,
                     earth_ir_absorptivity: str = "emissivity",
                     stefan_boltzmann_w_per_m2_k4: float = STEFAN_BOLTZMANN_W_PER_M2_K4) -> RadiatorBalance:
    sigma = stefan_boltzmann_w_per_m2_k4
    emitted = sides * emissivity * sigma * temperature_k**4
    sun = absorptivity * solar_constant_w_per_m2 * solar_view_factor
    albedo = absorptivity * solar_constant_w_per_m2 * earth_albedo * earth_view_factor
    a_ir = emissivity if earth_ir_absorptivity == "emissivity" else absorptivity
    earth_ir = a_ir * sigma * earth_ir_temperature_k**4 * earth_view_factor
    return RadiatorBalance(emitted, sun, albedo, earth_ir, emitted - sun - albedo - earth_ir)
