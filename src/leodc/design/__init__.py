"""Design stage: size one satellite and the fleet from a scenario, in closed form (milliseconds).

``design(scenario)`` returns a :class:`Design` with ``orbit``, ``satellite`` and ``fleet``; every
field carries its unit in its name and is listed in the README (``leodc design --json``). The
satellite is sized subsystem by subsystem in ``design.satellite``; the orbit in ``design.orbit``,
the fleet and its launches in ``design.fleet``. The package itself is callable, so that
``leodc.design(scenario)`` (the Python API's name, :mod:`leodc.api`) is :func:`design`.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from types import ModuleType

from leodc.catalog import chosen, load_catalog
from leodc.design.fleet import FleetDesign, satellites_for_target, size_fleet
from leodc.design.orbit import OrbitDesign, design_orbit
from leodc.design.parts import DesignParts
from leodc.design.satellite import (
    SEED_REPLACEMENT_YEARS,
    SatelliteDesign,
    dose_limited_life_years,
    mission_life_years,
    size_satellite,
)
from leodc.errors import InputError
from leodc.scenario import Fleet, Orbit, Scenario

__all__ = [
    "SEED_REPLACEMENT_YEARS",
    "Design",
    "DesignParts",
    "FleetDesign",
    "OrbitDesign",
    "SatelliteDesign",
    "design",
    "dose_limited_life_years",
    "mission_life_years",
]


@dataclass(frozen=True)
class Design:
    """What the design stage sizes: the orbit, one satellite, and the fleet."""

    orbit: OrbitDesign
    satellite: SatelliteDesign
    fleet: FleetDesign

    def to_dict(self) -> dict:
        return {"orbit": asdict(self.orbit), "satellite": asdict(self.satellite), "fleet": asdict(self.fleet)}


def _orbit(orbit: Orbit) -> OrbitDesign:
    return design_orbit(orbit.altitude_km, orbit.kind, orbit.inclination_deg, orbit.ltan_h, orbit.raan_deg)


def _fleet(fleet: Fleet, parts: DesignParts, satellite: SatelliteDesign) -> FleetDesign:
    """Satellites for the scenario's target, and the launches that lift them (by mass and by fairing volume)."""
    satellites = satellites_for_target(fleet.target_it_power_w, fleet.target_accelerators, fleet.target_satellites,
                                       satellite.it_power_w, satellite.accelerators)
    return size_fleet(
        satellites, satellite.accelerators, satellite.it_power_w, satellite.power_w, satellite.mass_kg,
        parts.bus.stowed_density_kg_per_m3.value, fleet.launch_vehicle,
        chosen(fleet.payload_to_leo_kg, parts.launch_vehicle.payload_to_leo_kg),
        parts.launch_vehicle.fairing_volume_m3.value, fleet.launches_per_year)


def design(scenario: Scenario) -> Design:
    """Size the orbit, one satellite and the fleet of a scenario, in closed form.

    The orbit's eclipse statistics come from the beta angle over a year; the satellite is sized in the
    order of dependence (shielding and service life, electrical load, solar array and battery,
    radiator, mass, drag: :func:`leodc.design.satellite.size_satellite`); the fleet is the number of
    satellites that meets the scenario's target and the launches that lift them.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`leodc.scenario.load_scenario`); the parts it names are read from
        the catalog (:func:`leodc.catalog.load_catalog`).

    Returns
    -------
    Design
        ``orbit`` (:class:`OrbitDesign`), ``satellite`` (:class:`SatelliteDesign`) and ``fleet``
        (:class:`FleetDesign`); every field carries its unit in its name (``radiator_area_m2``,
        ``dose_rad_per_year``). ``Design.to_dict()`` is what ``leodc design --json`` prints.

    Raises
    ------
    leodc.errors.InputError
        When no shield meets the dose target, the radiator absorbs more than it emits, or the sizing
        eclipse covers the whole orbit.

    References
    ----------
    .. [1] J. R. Wertz and W. J. Larson, *Space Mission Analysis and Design*, 3rd ed., Microcosm
       Press, 1999, eq. 11-5 (solar array power through daylight and eclipse).
    .. [2] D. M. Sawyer and J. I. Vette, "AP-8 trapped proton environment for solar maximum and solar
       minimum", NSSDC/WDC-A-R&S 76-06, 1976; J. I. Vette, "The AE-8 trapped electron model
       environment", NSSDC/WDC-A-R&S 91-24, 1991 (the dose grid behind the shielding).
    """
    try:
        parts = DesignParts.of(scenario, load_catalog())
        orbit = _orbit(scenario.orbit)
        satellite = size_satellite(scenario, parts, orbit)
        return Design(orbit=orbit, satellite=satellite, fleet=_fleet(scenario.fleet, parts, satellite))
    except InputError as exc:  # a sizing check names the field; the scenario knows which file stated it
        if exc.file is None:
            raise exc.located(scenario.stated_in(exc.field or "")) from None
        raise
    except (OverflowError, ZeroDivisionError) as exc:
        raise InputError(scenario.stated_in(""), None, f"the inputs give a design beyond floating-point range "
                         f"({exc}); expected values of physical size") from None


class _DesignPackage(ModuleType):
    """``leodc.design``, callable: ``leodc.design(scenario)`` is :func:`design` (the package keeps its name)."""

    def __call__(self, scenario: Scenario) -> Design:
        return design(scenario)


sys.modules[__name__].__class__ = _DesignPackage
