"""The closed-form answer for one scenario: design, then economics, energy and the launch loop.

This is what ``leodc design`` and ``leodc compare`` print and what later stages (simulation,
network, workload) refine. ``to_dict()`` gives the stable JSON field names listed in the README.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from leodc.design import Design, design
from leodc.economics import (
    EnergyBalance,
    LaunchLoop,
    OrbitalEconomics,
    energy_balance,
    launch_loop,
    orbital_economics,
)
from leodc.economics.costs import Measured
from leodc.scenario import InputError, Scenario


@dataclass(frozen=True)
class Assessment:
    scenario: Scenario
    design: Design
    economics: OrbitalEconomics
    energy: EnergyBalance
    launch_loop: LaunchLoop

    def to_dict(self) -> dict:
        return {
            "scenario": {"name": self.scenario.name, "digest": self.scenario.digest()},
            **self.design.to_dict(),
            "economics": asdict(self.economics),
            "energy": asdict(self.energy),
            "launch_loop": asdict(self.launch_loop),
        }

    def metric(self, dotted: str, where: str = "audit"):
        """Look up an output field by its dotted JSON name, e.g. ``satellite.power_w``."""
        node = self.to_dict()
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise InputError(where, "metric", f"unknown output field {dotted!r}")
            node = node[part]
        return node


def assess(scenario: Scenario, measured: Measured | None = None) -> Assessment:
    """Design, then economics (with a simulation run's measurements when given)."""
    d = design(scenario)
    econ = orbital_economics(scenario, d, measured)
    return Assessment(scenario, d, econ, energy_balance(scenario, d, econ), launch_loop(d, econ))
