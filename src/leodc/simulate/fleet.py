"""The fleet the engine flies: the scenario's designed shells, a real fleet from a TLE/OMM file, or
by default the design's fleet laid out as one shell of its orbit."""

from __future__ import annotations

import math
from pathlib import Path

from leodc.design import Design, design
from leodc.errors import InputError
from leodc.orbits.elements import FleetElements, from_satrecs
from leodc.orbits.secular import DEEP_SPACE_PERIOD_MIN, deep_space
from leodc.orbits.shells import fleet_elements
from leodc.orbits.tle import read_fleet
from leodc.scenario import Scenario, Shell, load_scenario

PROPAGATORS = ("sgp4", "fast")


def default_shell(scenario: Scenario, d: Design) -> Shell:
    """The design's fleet as one shell of its orbit: planes ~ sqrt(satellites)."""
    o, n = scenario.orbit, d.fleet.satellites
    planes = max(1, min(n, round(math.sqrt(n))))
    if o.kind == "sun-synchronous":
        return Shell(kind="sun-synchronous", satellites=n, altitude_km=o.altitude_km, planes=planes, ltan_h=o.ltan_h)
    return Shell(kind="walker-delta", satellites=n, altitude_km=o.altitude_km, inclination_deg=o.inclination_deg,
                 planes=planes, phasing=1, raan0_deg=o.raan_deg)


def require_near_earth(elements: FleetElements, source: str) -> None:
    """Refuse the fast propagator for satellites whose periods need SGP4's deep-space terms."""
    far = deep_space(elements)
    if far.size:
        raise InputError(source, "simulation.propagator",
                         f"{far.size} satellites (e.g. {int(far[0])}) have periods of {DEEP_SPACE_PERIOD_MIN:g} "
                         "minutes or more, beyond the fast propagator's near-Earth formula; expected "
                         "propagator = \"sgp4\"")


def real_fleet(path: str | Path, propagator: str) -> tuple[FleetElements, list[tuple[str, str]]]:
    """Elements and TLE lines of a real fleet from a TLE or OMM file."""
    from sgp4.exporter import export_tle

    fleet = read_fleet(path)
    elements = from_satrecs(fleet.satrecs, fleet.norad_ids)
    if propagator == "fast":
        require_near_earth(elements, str(path))
    return elements, [export_tle(s) for s in fleet.satrecs]


def fleet_of(scenario: Scenario, d: Design, start_jd: float) -> tuple[FleetElements, list | None]:
    """Elements of the simulated fleet, and TLE lines for the SGP4 path when the fleet is real."""
    c = scenario.constellation
    if c.tle_file:
        return real_fleet(c.tle_file, scenario.simulation.propagator)
    try:
        return fleet_elements(c.shells or [default_shell(scenario, d)], start_jd), None
    except InputError as exc:  # a shell check names the field; the scenario knows which file stated it
        if exc.file is None:
            raise exc.located(scenario.stated_in(exc.field or "constellation.shells")) from None
        raise


def fleet_from_file(source: str | Path, start_jd: float, propagator: str,
                    overrides: list[str] | None = None) -> tuple[FleetElements, list | None]:
    """The fleet a file names: a scenario (``.toml`` or ``builtin:NAME``, with ``overrides``) or a
    TLE/OMM file (``.tle .txt .csv .json .xml``)."""
    if propagator not in PROPAGATORS:
        raise InputError("--propagator", None, f"expected one of {', '.join(PROPAGATORS)} (got {propagator!r})")
    if Path(source).suffix == ".toml" or str(source).startswith("builtin:"):
        sc = load_scenario(source, overrides)
        return fleet_of(sc, design(sc), start_jd)
    return real_fleet(source, propagator)
