"""What would have to be true: improvements stacked one at a time from today's parts to a claim.

A ladder is a list of rungs; each rung names an improvement, where it comes from, and the fields it
sets (``--set``'s dotted names, including the parts a scenario names, such as ``power.solar_array``, and
catalog figures ``catalog.KIND.NAME.FIGURE`` of the parts in use). The rungs are applied cumulatively:
rung k is the scenario with rungs 1..k applied. At each rung the closed form gives orbit's cost per
PFLOP-day and per accelerator-hour, and the same for the scenario's own terrestrial baseline (which
moves only when a rung changes something the ground shares, such as the accelerator's price).

The built-in ladder (:data:`DEFAULT_LADDER`) climbs from a scenario's parts to the claim of the SpaceX
filing and Musk's statement as ``examples/published/spacex-fcc-2026.toml`` states it: Starship at its
target price, a thin-film array (the issue's example of a cheaper array; the claim names none) and
100 W of compute per kg. A ladder of one's own is a TOML file of ``[[rungs]]`` tables
(``label``, ``source``, ``set = { "field" = value }``), given with ``leodc ladder --ladder FILE``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from leodc.catalog import load_catalog
from leodc.errors import InputError
from leodc.scenario import Scenario, catalog_key, with_overrides
from leodc.uncertainty.evaluate import (
    COST_METRIC,
    COST_RATIO,
    FEASIBLE,
    GROUND_COST_METRIC,
    check_keys,
    evaluate,
    used_parts,
)

ACCELERATOR_HOUR_METRIC = "economics.usd_per_accelerator_hour"
GROUND_ACCELERATOR_HOUR_METRIC = "terrestrial.usd_per_accelerator_hour"
# the claim the built-in ladder climbs to: SpaceX's filing and Musk's statement
# (examples/published/spacex-fcc-2026.toml)
CLAIM_LAUNCH_VEHICLE = "starship-target"
CLAIM_SOLAR_ARRAY = "thin-film"
CLAIM_SPECIFIC_POWER_W_PER_KG = 100.0


@dataclass(frozen=True)
class Rung:
    """One improvement: a label, where it comes from, and the fields it sets."""

    label: str
    source: str
    set: Mapping[str, Any] = field(default_factory=dict)


def default_ladder() -> list[Rung]:
    """The built-in ladder to the claim, each rung with its source (the launch price read from the catalog).

    Returns
    -------
    list of Rung
        Launch on Starship at its target price, a thin-film array, 100 W/kg, learning curves.
    """
    target_usd_per_kg = load_catalog().launch_vehicles[CLAIM_LAUNCH_VEHICLE].cost_usd_per_kg.value
    return [
        Rung("launch on Starship at its target price",
             f"catalog launch_vehicles.{CLAIM_LAUNCH_VEHICLE}: <= ${target_usd_per_kg:g}/kg by the mid-2030s "
             "[Suncatcher2025], the vehicle of the SpaceX filing's scenario (examples/published/spacex-fcc-2026.toml)",
             {"fleet.launch_vehicle": CLAIM_LAUNCH_VEHICLE, "fleet.launch_cost_usd_per_kg": target_usd_per_kg}),
        Rung("thin-film solar array",
             f"catalog solar_arrays.{CLAIM_SOLAR_ARRAY} (low confidence: $10/W, 200 W/kg; Starcloud's fill factor "
             "[Starcloud2024])",
             {"power.solar_array": CLAIM_SOLAR_ARRAY}),
        Rung("100 W of compute per kg, the claim",
             "100 kW per tonne [Musk2026], as the SpaceX filing's scenario states it",
             {"satellite.specific_power_w_per_kg": CLAIM_SPECIFIC_POWER_W_PER_KG}),
        Rung("learning curves on the satellites' hardware",
             "Wright's law [Wright1936]: each part's learning rate per doubling of the units built (catalog; "
             "15 % where a part states none, economics.learning)",
             {"economics.learning_curves": True}),
    ]


def read_ladder(path: str | Path) -> list[Rung]:
    """A ladder from a TOML file of ``[[rungs]]`` tables (``label``, ``source``, ``set``).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    list of Rung
        The rungs, in the file's order.

    Raises
    ------
    leodc.errors.InputError
        Unreadable TOML, no rungs, or a rung without a label, a source or a ``set`` table.
    """
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(where, None, "file not found; expected a TOML file of [[rungs]]") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(where, None, f"not valid TOML ({exc})") from None
    rows = data.get("rungs")
    if not isinstance(rows, list) or not rows:
        raise InputError(where, "rungs", "expected [[rungs]] tables, each with label, source and set")
    rungs = []
    for i, row in enumerate(rows):
        label, source, sets = row.get("label"), row.get("source"), row.get("set")
        if not isinstance(label, str) or not isinstance(source, str) or not isinstance(sets, dict) or not sets:
            raise InputError(where, f"rungs.{i}", "expected label (text), source (text) and set (a table of "
                             "field = value)")
        unknown = set(row) - {"label", "source", "set"}
        if unknown:
            raise InputError(where, f"rungs.{i}.{sorted(unknown)[0]}", "unknown field; expected label, source, set")
        rungs.append(Rung(label, source, sets))
    return rungs


@dataclass(frozen=True)
class Step:
    """The costs at one rung (cumulative)."""

    label: str
    source: str
    set: dict[str, Any]
    orbit_usd_per_pflop_day: float
    ground_usd_per_pflop_day: float
    orbit_to_ground: float
    orbit_usd_per_accelerator_hour: float
    ground_usd_per_accelerator_hour: float


@dataclass(frozen=True)
class Ladder:
    """The rungs' costs, from the scenario as it is (first) to the last rung."""

    scenario: str
    steps: tuple[Step, ...]

    @property
    def first_below_ground(self) -> str | None:
        """The label of the first rung at which orbit costs less per PFLOP-day than the ground, or None."""
        return next((s.label for s in self.steps if s.orbit_to_ground < 1.0), None)

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "first_below_ground": self.first_below_ground,
                "steps": [asdict(s) for s in self.steps]}


def _step(scenario: Scenario, figures: dict[str, float], rung: Rung) -> Step:
    check_keys(scenario, figures)
    out = evaluate(scenario, {k: np.array([v]) for k, v in figures.items()})
    if not out[FEASIBLE][0]:
        raise InputError("ladder", rung.label, "the design refuses the scenario at this rung; expected rungs the "
                         "design accepts (`leodc design --set ...` says why)")
    return Step(rung.label, rung.source, dict(rung.set), float(out[COST_METRIC][0]),
                float(out[GROUND_COST_METRIC][0]), float(out[COST_RATIO][0]),
                float(out[ACCELERATOR_HOUR_METRIC][0]), float(out[GROUND_ACCELERATOR_HOUR_METRIC][0]))


def climb(scenario: Scenario, rungs: Sequence[Rung] | None = None) -> Ladder:
    """Apply the rungs one at a time, cumulatively, and cost the scenario at each.

    Parameters
    ----------
    scenario : Scenario
        Today's parts.
    rungs : sequence of Rung, optional
        Default :func:`default_ladder`.

    Returns
    -------
    Ladder
        The scenario as it is, then one step per rung.

    Raises
    ------
    leodc.errors.InputError
        A rung that sets an unknown field or a value the scenario refuses (naming the rung), or a
        catalog figure of a part the scenario (at that rung) does not use.
    """
    rungs = list(rungs if rungs is not None else default_ladder())
    steps = [_step(scenario, {}, Rung("today's parts", f"the scenario: {scenario.name}"))]
    fields: dict[str, Any] = {}
    figures: dict[str, float] = {}
    current = scenario
    for rung in rungs:
        label = f"ladder rung {rung.label!r}"
        for key, value in rung.set.items():
            if catalog_key(key) is None:
                fields[key] = value
            elif isinstance(value, int | float) and not isinstance(value, bool):
                figures[key] = float(value)
            else:
                raise InputError(label, key, f"expected a number for a catalog figure; got {value!r}")
        current = with_overrides(scenario, fields, label)
        parts = used_parts(current)  # a figure of a part a later rung replaced no longer applies
        figures = {k: v for k, v in figures.items() if parts.get(catalog_key(k)[0]) == catalog_key(k)[1]}
        try:
            steps.append(_step(current, figures, rung))
        except InputError as exc:
            raise InputError(label, exc.field, exc.expected) from None
    return Ladder(scenario.name, tuple(steps))
