"""Economics stage: cost, LCOE, $/accelerator-hour, $/PFLOP-day, energy and carbon payback, and the
launch loop, for the orbital design and for terrestrial baselines built on the same compute.

All closed-form and fast, so sweeps can call them directly. Field names are stable (README).
"""

from leodc.economics.costs import OrbitalEconomics, orbital_economics
from leodc.economics.energy import EnergyBalance, LaunchLoop, energy_balance, launch_loop
from leodc.economics.terrestrial import TerrestrialEconomics, terrestrial_economics

__all__ = [
    "EnergyBalance", "LaunchLoop", "OrbitalEconomics", "TerrestrialEconomics",
    "energy_balance", "launch_loop", "orbital_economics", "terrestrial_economics",
]
