"""Break-even: the value of one input at which orbit and ground cost the same, the rest held.

For an input x (a numeric scenario field, or a catalog figure of a part the scenario names), the
break-even is a root of

    g(x) = ln( c_orbit(x) / c_ground(x) )

where c is the present value of cost per PFLOP-day (``economics.usd_per_pflop_day`` and the scenario's
own terrestrial baseline, ``terrestrial.usd_per_pflop_day``); the ground moves with x too when x is a
figure both share (the accelerator's price, the life that replaces it, the discount rate). The
logarithm keeps g well scaled over the decades a bracket may span.

The bracket [a, b] is scanned on a grid (geometric where a > 0 and b/a is large, else even) with the
fast closed form (:func:`leodc.uncertainty.evaluate.evaluate`, all points at once); each sign change
of g is then refined with Brent's method (``scipy.optimize.brentq``), and the first one is checked by a
direct evaluation through :func:`leodc.assessment.assess` (``evaluate.reference``). Where g keeps one
sign over the whole bracket there is no break-even in [a, b], and the result says by how much orbit
misses at the better end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from pydantic import BaseModel
from scipy.optimize import brentq

from leodc.errors import InputError
from leodc.scenario import (
    Distribution,
    Scenario,
    catalog_key,
    field_bounds,
    numeric_kind,
    uncertain_field_problem,
)
from leodc.uncertainty.evaluate import (
    COST_METRIC,
    COST_RATIO,
    FEASIBLE,
    GROUND_COST_METRIC,
    INTEGER_FIELDS,
    check_keys,
    evaluate,
    reference,
)
from leodc.uncertainty.sensitivity import base_value

# the fields `leodc breakeven` solves for when none is named (the parts of the array and the mass come from
# the scenario): launch $/kg, the solar array's $/W, and W of IT power per kg
DEFAULT_FIELDS = ("fleet.launch_cost_usd_per_kg", "catalog.solar_arrays.{solar_array}.cost_usd_per_w",
                  "satellite.specific_power_w_per_kg")
# a default bracket reaches this factor below and above the scenario's value (within the field's bounds)
BRACKET_FACTOR = 1000.0
# the upper end of a default bracket for a field whose value is zero (an R&D budget of $0): [0, 1]
ZERO_BASE_BRACKET_HIGH = 1.0
# points of the scan for sign changes, and the span beyond which it is geometric
SCAN_POINTS = 257
GEOMETRIC_SPAN = 100.0
# a bracket from zero is scanned at zero and then geometrically over this many times below its upper end
ZERO_START_SPAN = 1e6
# Brent's method: relative and absolute tolerance on x
X_RELATIVE_TOLERANCE = 1e-10
X_ABSOLUTE_TOLERANCE = 1e-12
# the direct check agrees when orbit's and the ground's cost differ by at most this share
CHECK_TOLERANCE = 0.005


@dataclass(frozen=True)
class BreakEven:
    """The break-even of one input.

    Attributes
    ----------
    key : str
        The input.
    base : float
        The scenario's value.
    bracket : tuple of float
        The interval searched, [a, b].
    value : float or None
        The first break-even in the bracket (the one nearest ``a``), or None when there is none.
    roots : tuple of float
        Every break-even the scan found in the bracket.
    ratio_at_base, ratio_at_low, ratio_at_high : float
        Orbit's cost over the ground's at the scenario's value and at the bracket's ends.
    orbit_usd_per_pflop_day, ground_usd_per_pflop_day : float or None
        Both costs at ``value`` from the direct evaluation (:func:`leodc.assessment.assess`).
    check_relative_difference : float or None
        ``|orbit - ground| / ground`` there: within :data:`CHECK_TOLERANCE` when the root is right.
    """

    key: str
    base: float
    bracket: tuple[float, float]
    value: float | None
    roots: tuple[float, ...]
    ratio_at_base: float
    ratio_at_low: float
    ratio_at_high: float
    orbit_usd_per_pflop_day: float | None
    ground_usd_per_pflop_day: float | None
    check_relative_difference: float | None

    @property
    def verdict(self) -> str:
        """One line: the break-even, or that there is none in the bracket and how far orbit misses."""
        a, b = self.bracket
        if self.value is not None:
            return f"{self.key}: orbit and ground cost the same at {self.value:.6g} (scenario: {self.base:.6g})"
        best = np.nanmin([self.ratio_at_low, self.ratio_at_high])
        side = "costs" if best > 1 else "is cheaper than the ground,"
        return (f"{self.key}: no break-even in [{a:.6g}, {b:.6g}]; at the better end orbit {side} "
                f"{best:.4g}x the ground")

    def to_dict(self) -> dict:
        return {**asdict(self), "verdict": self.verdict}


def default_keys(scenario: Scenario) -> list[str]:
    """:data:`DEFAULT_FIELDS` for this scenario's solar array.

    Parameters
    ----------
    scenario : Scenario
        The scenario.

    Returns
    -------
    list of str
        Launch $/kg, the array's $/W (its catalog key), W/kg.
    """
    return [k.format(solar_array=scenario.power.solar_array) for k in DEFAULT_FIELDS]


def _field(key: str):
    """The pydantic field of a dotted scenario key, or None."""
    owner, info = Scenario, None
    for part in key.split("."):
        if not (isinstance(owner, type) and issubclass(owner, BaseModel)) or part not in owner.model_fields:
            return None
        info = owner.model_fields[part]
        owner = info.annotation
    return info


def check_key(scenario: Scenario, key: str, where: str) -> None:
    """Refuse a key that is not a numeric scenario field or catalog figure the closed form reads.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its parts decide which catalog figures are in use).
    key : str
        The key to check.
    where : str
        The option or file to name in the error.

    Raises
    ------
    leodc.errors.InputError
        Unknown, not numeric, or not read by the closed form; one line naming ``where`` and the key.
    """
    info = _field(key) if catalog_key(key) is None else None
    if catalog_key(key) is None and info is None:
        raise InputError(where, key, "unknown field; expected a numeric scenario field (section.field, e.g. "
                         "fleet.launch_cost_usd_per_kg) or a catalog figure (catalog.KIND.NAME.FIGURE)")
    if info is not None and numeric_kind(info) is None:
        raise InputError(where, key, "not a numeric field; a break-even is the value of a number (float or integer)")
    try:
        check_keys(scenario, [key])
    except InputError as exc:
        raise InputError(where, key, exc.expected) from None


def default_bracket(scenario: Scenario, key: str, base: float) -> tuple[float, float]:
    """The bracket searched when none is given.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    key : str
        The input (its field's bounds apply; a catalog figure's lower bound is 0).
    base : float
        The scenario's value.

    Returns
    -------
    tuple of float
        [a, b]: :data:`BRACKET_FACTOR` below and above ``base``, inside the field's bounds (an inclusive lower
        bound such as a price's 0 is taken as it is); whole numbers for an integer field.
    """
    cat = catalog_key(key)
    if cat is None:
        lower, lower_in, upper, upper_in = field_bounds(_field(key))
    else:
        lower, lower_in, upper, upper_in = 0.0, True, math.inf, True
    a = lower if (lower_in and math.isfinite(lower)) else max(base / BRACKET_FACTOR, lower)
    b = base * BRACKET_FACTOR if base > 0 else ZERO_BASE_BRACKET_HIGH
    if b > upper or (b == upper and not upper_in):
        b = upper if upper_in else np.nextafter(upper, -math.inf)
    if key in INTEGER_FIELDS:
        a, b = float(math.ceil(a)), float(math.floor(b))
    return float(a), float(b)


def _grid(a: float, b: float, integer: bool) -> np.ndarray:
    if integer and b - a + 1 <= SCAN_POINTS:
        return np.arange(a, b + 1.0)
    if a > 0 and b / a > GEOMETRIC_SPAN:
        grid = np.geomspace(a, b, SCAN_POINTS)
    elif a == 0 and b > 0:  # zero, then geometric over ZERO_START_SPAN below b (a price of zero, and every size)
        grid = np.concatenate([[0.0], np.geomspace(b / ZERO_START_SPAN, b, SCAN_POINTS - 1)])
    else:
        grid = np.linspace(a, b, SCAN_POINTS)
    return np.unique(np.rint(grid)) if integer else grid


def _log_ratio(scenario: Scenario, key: str, values: np.ndarray) -> np.ndarray:
    out = evaluate(scenario, {key: np.asarray(values, dtype=float)})
    ratio = np.where(out[FEASIBLE], out[COST_RATIO], math.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(ratio)


def breakeven(scenario: Scenario, key: str, bracket: tuple[float, float] | None = None,
              where: str = "--field") -> BreakEven:
    """The value of ``key`` at which orbit's cost per PFLOP-day equals the ground's, the rest held.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    key : str
        A numeric scenario field (dotted) or ``catalog.KIND.NAME.FIGURE`` of a part the scenario names.
    bracket : tuple of float, optional
        [a, b] to search; default :func:`default_bracket`.
    where : str
        The option or file to name in an error.

    Returns
    -------
    BreakEven
        The first break-even in the bracket (or None), every one the scan found, and the direct check.

    Raises
    ------
    leodc.errors.InputError
        An unknown key, a field the closed form does not read, or a bracket outside the field's bounds
        or with a >= b.
    """
    check_key(scenario, key, where)
    reference_outputs = evaluate(scenario, {})
    base = base_value(scenario, key, reference_outputs)
    a, b = bracket if bracket is not None else default_bracket(scenario, key, base)
    if not (math.isfinite(a) and math.isfinite(b)) or not a < b:
        raise InputError(where, key, f"expected a bracket LOW < HIGH; got [{a:g}, {b:g}]")
    problem = uncertain_field_problem(scenario, key, Distribution(dist="uniform", low=a, high=b))
    if problem:
        raise InputError(where, key, problem.replace("expected a distribution", "expected a bracket"))
    integer = key in INTEGER_FIELDS
    grid = _grid(a, b, integer)
    g = _log_ratio(scenario, key, grid)
    roots = []
    for i in np.flatnonzero(np.isfinite(g[:-1]) & np.isfinite(g[1:]) & (np.sign(g[:-1]) != np.sign(g[1:]))):
        lo, hi = float(grid[i]), float(grid[i + 1])
        if g[i] == 0.0:
            roots.append(lo)
        elif integer:
            roots.append(hi)  # the first whole value on the other side
        else:
            roots.append(float(brentq(lambda x: float(_log_ratio(scenario, key, np.array([x]))[0]), lo, hi,
                                      xtol=X_ABSOLUTE_TOLERANCE, rtol=X_RELATIVE_TOLERANCE)))
    if g[-1] == 0.0:
        roots.append(float(grid[-1]))
    roots = sorted(set(roots))  # a grid point that is itself a root is found from both sides
    value = roots[0] if roots else None
    orbit = ground = difference = None
    if value is not None:
        check = reference(scenario, {key: np.array([value])})
        orbit, ground = float(check[COST_METRIC][0]), float(check[GROUND_COST_METRIC][0])
        difference = abs(orbit - ground) / ground
    ends = np.exp(_log_ratio(scenario, key, np.array([a, b])))
    return BreakEven(key, base, (a, b), value, tuple(roots), float(reference_outputs[COST_RATIO][0]),
                     float(ends[0]), float(ends[1]), orbit, ground, difference)


def breakevens(scenario: Scenario, keys: Sequence[str] | None = None,
               bracket: tuple[float, float] | None = None) -> list[BreakEven]:
    """:func:`breakeven` for each key.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    keys : sequence of str, optional
        Default :func:`default_keys`.
    bracket : tuple of float, optional
        One bracket for every key; default each key's :func:`default_bracket`.

    Returns
    -------
    list of BreakEven
        One per key, in order.
    """
    return [breakeven(scenario, k, bracket) for k in (keys or default_keys(scenario))]
