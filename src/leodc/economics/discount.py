"""Present value of cash and energy flows over a horizon, in yearly steps.

A flow is a lump at t = 0 or a constant rate over an interval [start, end) in years. Each year's
share is discounted at the midpoint of the part of that year the flow covers (a flow that starts
or the horizon that ends inside a year covers only part of it). Undiscounted totals are the same sums with r = 0.
"""

from __future__ import annotations

import math

import numpy as np


def present_value(horizon_years: float, discount_rate: float, lump_now: float = 0.0,
                  rate_per_year: float = 0.0, start_years: float = 0.0, end_years: float | None = None) -> float:
    end = horizon_years if end_years is None else min(end_years, horizon_years)
    total = lump_now
    if rate_per_year == 0.0 or end <= start_years:
        return total
    k = np.arange(math.ceil(horizon_years), dtype=float)
    lo = np.maximum(k, start_years)
    hi = np.minimum(k + 1.0, end)
    length = np.clip(hi - lo, 0.0, None)
    mid = (lo + hi) / 2.0
    return float(total + np.sum(rate_per_year * length * (1.0 + discount_rate) ** -mid))
