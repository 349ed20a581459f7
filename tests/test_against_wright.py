"""Learning curves against Wright's law (docs/references.md, [Wright1936]).

T. P. Wright, "Factors affecting the cost of airplanes", Journal of the Aeronautical Sciences 3(4), 122-128
(1936): each doubling of cumulative production lowers cost by a constant share, 20 % for the airframes he
measured (an 80 % curve). leodc uses the law's unit form, c(n) = c_1 n^b with b = log2(1 - LR)
(``leodc.economics.learning``); the checks:

* doubling production lowers the unit cost by exactly the learning rate, at every n (Wright's definition),
  and the 80 % curve's units 2, 4, 8 cost 0.8, 0.64, 0.512 of the first;
* the cumulative cost of N units from the function equals the closed-form sum Σ n^b, added term by term
  with ``math.fsum``, to 1e-12 relative, from one unit to two million (the function sums 64 terms and
  takes the Euler-Maclaurin tail beyond);
* the continuous approximation ∫_{1/2}^{N+1/2} x^b dx (the midpoint rule on each unit) is within its
  error bound, |b (b - 1)| ζ(2 - b, 1/2) / 24 in units of the first unit's cost (the midpoint rule's
  f''/24 per unit, at each unit's worst point, summed; ζ is Hurwitz's zeta), and its relative error
  falls below 1e-3 from a thousand units on at rates up to 20 %;
* the unit form's cumulative average tends to N^b / (1 + b) times the first unit's cost, the factor
  between it and Wright's cumulative-average statement of the law.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import zeta

from leodc.economics.learning import (
    continuous_cumulative_cost,
    cumulative_cost,
    learning_exponent,
    unit_cost_factor,
)

RATES = (0.05, 0.10, 0.15, 0.20, 0.30)
UNITS = (1, 2, 3, 10, 63, 64, 65, 66, 100, 1000, 12_345, 100_000, 2_000_000)
WRIGHT_RATE = 0.20  # Wright's airframes: an 80 % curve
SUM_TOLERANCE = 1e-12
DOUBLING_TOLERANCE = 1e-13
LARGE_N = 1000
LARGE_N_TOLERANCE = 1e-3  # the continuous approximation's relative error from LARGE_N units on, LR <= 20 %
ASYMPTOTE_N = 10**9
ASYMPTOTE_TOLERANCE = 1e-2


def _brute_sum(n: int, b: float) -> float:
    return math.fsum(np.arange(1, n + 1, dtype=float) ** b)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("n", [1, 2, 3, 7, 100, 12_345, 1e6, 1e9])
def test_doubling_lowers_unit_cost_by_the_learning_rate(rate, n):
    assert unit_cost_factor(2 * n, rate) / unit_cost_factor(n, rate) == pytest.approx(1 - rate,
                                                                                      rel=DOUBLING_TOLERANCE)


def test_wrights_80_percent_curve():
    assert learning_exponent(WRIGHT_RATE) == pytest.approx(math.log(0.8) / math.log(2))  # -0.3219
    assert [unit_cost_factor(n, WRIGHT_RATE) for n in (1, 2, 4, 8)] == pytest.approx([1.0, 0.8, 0.64, 0.512])


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("n", UNITS)
def test_cumulative_cost_is_the_closed_form_sum(rate, n):
    b = learning_exponent(rate)
    assert cumulative_cost(n, rate) == pytest.approx(_brute_sum(n, b), rel=SUM_TOLERANCE)


@pytest.mark.parametrize("rate", RATES)
def test_cumulative_cost_after_units_before_is_the_closed_form_sum(rate):
    """Units 6,001..6,000 + N of a line whose catalog price is unit 6,001's."""
    b, before, n = learning_exponent(rate), 6000, 50_000
    expected = math.fsum(np.arange(before + 1, before + n + 1, dtype=float) ** b) / (before + 1) ** b
    assert cumulative_cost(n, rate, before) == pytest.approx(expected, rel=SUM_TOLERANCE)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("n", UNITS)
def test_continuous_approximation_within_its_bound(rate, n):
    b = learning_exponent(rate)
    exact = _brute_sum(n, b)
    bound = abs(b * (b - 1.0)) * zeta(2.0 - b, 0.5) / 24.0
    approx = continuous_cumulative_cost(n, rate)
    assert abs(approx - exact) <= bound
    if n >= LARGE_N and rate <= WRIGHT_RATE:
        assert abs(approx - exact) / exact < LARGE_N_TOLERANCE


@pytest.mark.parametrize("rate", RATES)
def test_unit_form_average_against_wrights_cumulative_average(rate):
    b = learning_exponent(rate)
    average = cumulative_cost(ASYMPTOTE_N, rate) / ASYMPTOTE_N
    assert average / ASYMPTOTE_N**b == pytest.approx(1.0 / (1.0 + b), rel=ASYMPTOTE_TOLERANCE)
