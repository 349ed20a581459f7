"""Learning curves (Wright's law): unit costs that fall with cumulative production.

The form leodc uses is the **unit form** of the law (what the cost literature calls the unit theory,
after J. R. Crawford, 1944, [Crawford1944]): the n-th unit built costs

    c(n) = c_1 · n^b,    b = log2(1 − LR),

where LR is the learning rate, the share by which the unit cost falls each time cumulative production
doubles: c(2n) / c(n) = 2^b = 1 − LR exactly, for every n. T. P. Wright (1936, docs/references.md,
[Wright1936]) stated the law for the **cumulative average** instead (the mean cost of the first N units is
c_1 · N^b); the two forms share b but not c_1: for large N the unit form's cumulative average is
c_1 · N^b / (1 + b), e.g. 1.31 times its N-th unit's cost at LR = 15 %.

A catalog price holds for the next unit after the ``units_before`` units already built (the part's
``learning_units_before`` figure; zero when it has none: the price is its line's first unit's). The fleet's
k-th unit is unit ``units_before + k`` of the line, so it costs ``price · ((units_before + k) /
(units_before + 1))^b``, and the fleet's first unit costs the catalog price.

Sums of n^b over up to a billion units are evaluated exactly for the first :data:`EXACT_TERMS` terms and
by the Euler–Maclaurin formula beyond them (error below 1e-13 of the sum); a fractional unit (a fleet
replaced at 231.6 satellites a year) costs its share of the next whole unit, so the cumulative cost is
exact at whole units and linear between them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

# terms of a sum of n^b added one by one before the Euler–Maclaurin tail takes over: with the tail
# starting at n >= 64 its first omitted term (B8/8! · f^(7)) is below 1e-13 of one term
EXACT_TERMS = 64
# Bernoulli numbers B2, B4, B6 over their factorials, the Euler–Maclaurin tail's coefficients
EULER_MACLAURIN = ((1.0 / 6.0) / 2.0, (-1.0 / 30.0) / 24.0, (1.0 / 42.0) / 720.0)
# a learning rate is a share of the unit cost lost per doubling: 0 (no learning) up to, not including, 1
MIN_LEARNING_RATE = 0.0
MAX_LEARNING_RATE = 1.0
# the continuous approximation integrates each unit n over [n - 1/2, n + 1/2] (the midpoint rule)
HALF_UNIT = 0.5

# What the fleet buys, by cost item (the keys of leodc.economics.costs' per-satellite costs), and the
# learning rate each item takes when neither its catalog part nor the scenario states one.
COST_ITEMS = ("accelerators", "solar_array", "battery", "radiator", "bus_and_shielding", "launch")
# Satellite hardware built for the fleet: 15 % per doubling (an 85 % curve), leodc's assumption inside the
# 10-20 % range usual for aerospace manufacturing; Wright measured 20 % (an 80 % curve) for airframes
# ([Wright1936]); low confidence.
HARDWARE_LEARNING_RATE = 0.15
# Accelerators are bought at a market price that the terrestrial baseline pays too (learning on them alone
# would favour orbit for nothing), and launch at the vehicle's price per kg, which the scenario chooses: no
# learning unless the scenario states one.
DEFAULT_LEARNING_RATES: Mapping[str, float] = {
    "accelerators": 0.0, "solar_array": HARDWARE_LEARNING_RATE, "battery": HARDWARE_LEARNING_RATE,
    "radiator": HARDWARE_LEARNING_RATE, "bus_and_shielding": HARDWARE_LEARNING_RATE, "launch": 0.0,
}


def learning_exponent(learning_rate: float) -> float:
    """Wright's exponent b = log2(1 − LR) of a learning rate.

    Parameters
    ----------
    learning_rate : float
        The share by which unit cost falls per doubling of cumulative production, in [0, 1).

    Returns
    -------
    float
        b ≤ 0 (0 for no learning; −0.234 for 15 %, −0.322 for Wright's 20 %).

    Raises
    ------
    ValueError
        A learning rate outside [0, 1).
    """
    if not MIN_LEARNING_RATE <= learning_rate < MAX_LEARNING_RATE:
        raise ValueError(f"expected a learning rate in [0, 1); got {learning_rate!r}")
    return math.log2(1.0 - learning_rate)


def unit_cost_factor(n: float, learning_rate: float) -> float:
    """The n-th unit's cost over the first's, n^b (the unit form).

    Parameters
    ----------
    n : float
        The unit's place in cumulative production, ≥ 1.
    learning_rate : float
        Share of unit cost lost per doubling, in [0, 1).

    Returns
    -------
    float
        n^b; doubling n multiplies it by exactly 1 − learning_rate.
    """
    if n < 1.0:
        raise ValueError(f"expected a unit number of at least 1; got {n!r}")
    return n ** learning_exponent(learning_rate)


def _power_sum(last: int, b: float) -> float:
    """Σ_{n=1}^{last} n^b: exact for the first EXACT_TERMS terms, Euler–Maclaurin beyond."""
    if last <= 0:
        return 0.0
    head_last = min(last, EXACT_TERMS)
    head = float(np.sum(np.arange(1, head_last + 1, dtype=float) ** b))
    if last == head_last:
        return head
    a, z = float(head_last + 1), float(last)  # the tail's first and last terms

    def derivative(x: float, order: int) -> float:
        coefficient = math.prod(b - j for j in range(order))
        return coefficient * x ** (b - order)

    if abs(b + 1.0) < np.finfo(float).eps:
        integral = math.log(z / a)
    else:
        integral = (z ** (b + 1.0) - a ** (b + 1.0)) / (b + 1.0)
    tail = integral + (a**b + z**b) / 2.0
    for k, coefficient in enumerate(EULER_MACLAURIN):
        order = 2 * k + 1
        tail += coefficient * (derivative(z, order) - derivative(a, order))
    return head + tail


def cumulative_index_cost(x: float, b: float) -> float:
    """Σ_{n=1}^{x} n^b for a real x ≥ 0: whole units summed, a fractional unit at its share of the next.

    Parameters
    ----------
    x : float
        Units built, ≥ 0 (fractional allowed).
    b : float
        Wright's exponent (:func:`learning_exponent`).

    Returns
    -------
    float
        The cumulative cost in units of the first unit's cost.
    """
    if x < 0.0:
        raise ValueError(f"expected a non-negative number of units; got {x!r}")
    whole = math.floor(x)
    return _power_sum(whole, b) + (x - whole) * (whole + 1.0) ** b


def cumulative_cost(units: float, learning_rate: float, units_before: float = 0.0) -> float:
    """The cost of a fleet's first ``units`` units in units of the catalog price (the price of unit
    ``units_before + 1`` of the line).

    Parameters
    ----------
    units : float
        Units the fleet buys, ≥ 0 (fractional allowed).
    learning_rate : float
        Share of unit cost lost per doubling, in [0, 1).
    units_before : float, optional
        Units of the line built before the fleet's first, ≥ 0.

    Returns
    -------
    float
        Σ_{k=1}^{units} ((units_before + k) / (units_before + 1))^b; equal to ``units`` without learning.
    """
    if units < 0.0 or units_before < 0.0:
        raise ValueError(f"expected non-negative units; got {units!r} and {units_before!r}")
    b = learning_exponent(learning_rate)
    if b == 0.0:
        return float(units)
    price_unit = (units_before + 1.0) ** b
    return (cumulative_index_cost(units_before + units, b) - cumulative_index_cost(units_before, b)) / price_unit


def cost_between(first_units: float, last_units: float, learning_rate: float, units_before: float = 0.0) -> float:
    """The cost of the fleet's units from ``first_units`` to ``last_units`` (cumulative counts), in units of
    the catalog price: :func:`cumulative_cost` at the end less at the start.

    Parameters
    ----------
    first_units, last_units : float
        Cumulative units bought by the fleet before and after the purchase, 0 ≤ first ≤ last.
    learning_rate : float
        Share of unit cost lost per doubling, in [0, 1).
    units_before : float, optional
        Units of the line built before the fleet's first.

    Returns
    -------
    float
        The purchase's cost over the catalog price; ``last_units - first_units`` without learning.
    """
    if last_units < first_units:
        raise ValueError(f"expected first_units <= last_units; got {first_units!r} > {last_units!r}")
    if learning_exponent(learning_rate) == 0.0:
        return float(last_units - first_units)
    return (cumulative_cost(last_units, learning_rate, units_before)
            - cumulative_cost(first_units, learning_rate, units_before))


def continuous_cumulative_cost(units: float, learning_rate: float) -> float:
    """The continuous approximation of the unit form's cumulative cost from the first unit,
    ∫_{1/2}^{N + 1/2} x^b dx (the midpoint rule applied to each unit), in units of the first unit's cost.

    Parameters
    ----------
    units : float
        N, units built from the first, ≥ 0.
    learning_rate : float
        Share of unit cost lost per doubling, in [0, 1).

    Returns
    -------
    float
        ((N + 1/2)^(1+b) − (1/2)^(1+b)) / (1 + b) (a logarithm at b = −1).
    """
    b = learning_exponent(learning_rate)
    lo, hi = HALF_UNIT, units + HALF_UNIT
    if abs(b + 1.0) < np.finfo(float).eps:
        return math.log(hi / lo)
    return (hi ** (b + 1.0) - lo ** (b + 1.0)) / (b + 1.0)


def fleet_learning_rates(catalog_rates: Mapping[str, float | None],
                         scenario_rates: Mapping[str, float]) -> dict[str, float]:
    """The learning rate of each cost item: the scenario's where it states one, else the part's catalog
    figure, else :data:`DEFAULT_LEARNING_RATES`.

    Parameters
    ----------
    catalog_rates : mapping of str to float or None
        Cost item to its part's ``learning_rate`` figure (None where the part states none).
    scenario_rates : mapping of str to float
        The scenario's ``economics.learning_rates``.

    Returns
    -------
    dict of str to float
        One rate per item of :data:`COST_ITEMS`.
    """
    rates = {}
    for item in COST_ITEMS:
        stated = scenario_rates.get(item, catalog_rates.get(item))
        rates[item] = DEFAULT_LEARNING_RATES[item] if stated is None else float(stated)
    return rates
