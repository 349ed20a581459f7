"""Launches and re-entries per year over the horizon, from each satellite's disposal time.

Satellite i of N is first launched at (i / N) x years_to_deploy (the build-out), replaced every
mission life after that, and each generation re-enters its disposal time (end of mission to
re-entry, from the decay model) after its end of mission. Chunks add their satellites as they
arrive, so the tally never holds the fleet.
"""

from __future__ import annotations

import math

import numpy as np


class ReentryTally:
    """Yearly launch and re-entry counts over ``ceil(horizon_years)`` years."""

    def __init__(self, horizon_years: float, mission_life_years: float, years_to_deploy: float, satellites: int):
        self.years = math.ceil(horizon_years)
        self.life_years = mission_life_years
        self.deploy_years = years_to_deploy
        self.satellites = max(satellites, 1)
        self.launched = np.zeros(self.years)
        self.reentering = np.zeros(self.years)
        self.after_horizon = 0.0  # re-entries of the horizon's generations that fall after it

    def add(self, order: np.ndarray, disposal_years: np.ndarray) -> None:
        """Add satellites (their places ``order`` in the fleet, their disposal times in years)."""
        start = np.asarray(order, dtype=float) / self.satellites * self.deploy_years
        disposal = np.asarray(disposal_years, dtype=float)
        for generation in range(math.ceil(self.years / self.life_years) + 1):
            launch = start + generation * self.life_years
            live = launch < self.years
            if not live.any():
                break
            np.add.at(self.launched, np.floor(launch[live]).astype(int), 1.0)
            back = launch[live] + self.life_years + disposal[live]
            inside = back < self.years
            np.add.at(self.reentering, np.floor(back[inside]).astype(int), 1.0)
            self.after_horizon += float(np.count_nonzero(~inside))

    def table(self):
        """``year, satellites_launched, satellites_reentering``, or None when nothing was counted."""
        import pyarrow as pa

        if not self.years or not (self.launched.any() or self.reentering.any()):
            return None
        return pa.table({"year": np.arange(self.years), "satellites_launched": self.launched,
                         "satellites_reentering": self.reentering})
