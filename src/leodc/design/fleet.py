"""Fleet sizing: satellites for a target, launches by mass and by fairing volume, deployment time."""

from __future__ import annotations

import math
from dataclasses import dataclass

from leodc.errors import InputError
from leodc.scenario import MAX_SATELLITES


@dataclass(frozen=True)
class FleetDesign:
    satellites: int
    accelerators: int
    it_power_w: float
    power_w: float
    mass_kg: float
    launch_vehicle: str
    payload_to_leo_kg: float
    fairing_volume_m3: float
    satellites_per_launch: float  # < 1 when one satellite needs several launches
    launches_by_mass: int
    launches_by_volume: int
    launches: int
    binding_constraint: str  # "mass" or "volume"
    launches_per_year: float
    years_to_deploy: float


def satellites_for_target(target_it_power_w: float | None, target_accelerators: int | None,
                          target_satellites: int | None, it_power_per_satellite_w: float,
                          accelerators_per_satellite: int) -> int:
    """Satellites to meet the one target given; more than ``MAX_SATELLITES`` is refused, naming the
    target (the launch counts and costs of such a fleet mean nothing)."""
    if target_satellites is not None:
        n, field = int(target_satellites), "fleet.target_satellites"
    elif target_accelerators is not None:
        n, field = math.ceil(target_accelerators / accelerators_per_satellite), "fleet.target_accelerators"
    else:
        n, field = math.ceil(target_it_power_w / it_power_per_satellite_w), "fleet.target_it_power_w"
    if n > MAX_SATELLITES:
        raise InputError(None, field, f"a fleet of {n:,} satellites; expected at most {MAX_SATELLITES:,}, leodc's "
                         "bound on a fleet (beyond it launch counts, costs and the simulation's memory mean nothing)")
    return n


def _launches(satellites: int, item_size: float, capacity: float) -> int:
    """Launches to lift ``satellites`` items of one size into vehicles of one capacity."""
    per_launch = math.floor(capacity / item_size)
    if per_launch >= 1:
        return math.ceil(satellites / per_launch)
    return math.ceil(satellites * item_size / capacity)  # assembled in orbit from several launches


def size_fleet(satellites: int, accelerators_per_satellite: int, it_power_per_satellite_w: float,
               power_per_satellite_w: float, satellite_mass_kg: float, stowed_density_kg_per_m3: float,
               launch_vehicle: str, payload_to_leo_kg: float, fairing_volume_m3: float,
               launches_per_year: float) -> FleetDesign:
    stowed_volume_m3 = satellite_mass_kg / stowed_density_kg_per_m3
    by_mass = _launches(satellites, satellite_mass_kg, payload_to_leo_kg)
    by_volume = _launches(satellites, stowed_volume_m3, fairing_volume_m3)
    launches = max(by_mass, by_volume)
    per_launch = min(payload_to_leo_kg / satellite_mass_kg, fairing_volume_m3 / stowed_volume_m3)
    return FleetDesign(
        satellites=satellites,
        accelerators=satellites * accelerators_per_satellite,
        it_power_w=satellites * it_power_per_satellite_w,
        power_w=satellites * power_per_satellite_w,
        mass_kg=satellites * satellite_mass_kg,
        launch_vehicle=launch_vehicle,
        payload_to_leo_kg=payload_to_leo_kg,
        fairing_volume_m3=fairing_volume_m3,
        satellites_per_launch=float(math.floor(per_launch)) if per_launch >= 1 else per_launch,
        launches_by_mass=by_mass,
        launches_by_volume=by_volume,
        launches=launches,
        binding_constraint="mass" if by_mass >= by_volume else "volume",
        launches_per_year=launches_per_year,
        years_to_deploy=launches / launches_per_year,
    )
