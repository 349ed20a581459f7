"""The catalog entries a scenario names for its satellite and its fleet, looked up once."""

from __future__ import annotations

from dataclasses import dataclass

from leodc.catalog import Accelerator, Battery, Bus, Catalog, DoseDepth, LaunchVehicle, Radiator, SolarArray
from leodc.design.radiation import GRID_MODEL
from leodc.scenario import Scenario


@dataclass(frozen=True)
class DesignParts:
    """The parts a scenario names, as catalog entries (figures with their sources).

    Attributes
    ----------
    accelerator : Accelerator
        ``compute.accelerator``.
    solar_array : SolarArray
        ``power.solar_array``.
    battery : Battery
        ``power.battery``.
    radiator : Radiator
        ``thermal.radiator``.
    bus : Bus
        ``satellite.bus``.
    dose_depth : DoseDepth or None
        ``shielding.dose_depth``: a published dose-depth table, or None for the AE8/AP8 grid shipped with leodc.
    launch_vehicle : LaunchVehicle
        ``fleet.launch_vehicle``.
    """

    accelerator: Accelerator
    solar_array: SolarArray
    battery: Battery
    radiator: Radiator
    bus: Bus
    dose_depth: DoseDepth | None
    launch_vehicle: LaunchVehicle

    @classmethod
    def of(cls, scenario: Scenario, catalog: Catalog) -> DesignParts:
        """Look up every part the scenario names (the scenario's validators already checked the names)."""
        dose_model = scenario.shielding.dose_depth
        return cls(
            accelerator=catalog.accelerators[scenario.compute.accelerator],
            solar_array=catalog.solar_arrays[scenario.power.solar_array],
            battery=catalog.batteries[scenario.power.battery],
            radiator=catalog.radiators[scenario.thermal.radiator],
            bus=catalog.buses[scenario.satellite.bus],
            dose_depth=None if dose_model == GRID_MODEL else catalog.dose_depth[dose_model],
            launch_vehicle=catalog.launch_vehicles[scenario.fleet.launch_vehicle],
        )
