"""Accelerator-hours a fleet delivers over its mission, year by year, as its accelerators fail.

The expected (fluid) count, no repairs in orbit: a generation flies ``N (1 + s)`` accelerators, ``N``
in service and ``s N`` spares, every one of them failing at ``lambda = chips_per_accelerator x
failures_per_chip_year`` a year (the spares fly powered beside the others and age with them). A spare
takes the place of each failed accelerator in service while any is left, so at age ``u`` (years) of the
generation

    in service(u) = min(N, N (1 + s) exp(-lambda u))

which is ``N`` until ``u_c = ln(1 + s) / lambda`` and then decays exponentially. Every
``replacement_years`` a new generation replaces the old (capacity restored). The accelerator-hours
delivered in a year are ``compute_fraction x hours a year x`` the integral of the count in service over
that year; each year's integral is summed from the closed form over the pieces between year ends and
replacements.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from leodc.constants import HOURS_PER_YEAR
from leodc.errors import InputError

FIELD = "mission."


class MissionYears(NamedTuple):
    """Per mission year (the last one may be partial)."""

    years: np.ndarray  # 1, 2, ...: the year of the mission
    alive_accelerators_mean: np.ndarray  # accelerators in service, averaged over the year
    delivered_accelerator_hours: np.ndarray  # compute_fraction x accelerator-hours in service that year


def _check(name: str, value: float, low: float, high: float = math.inf, *, low_open: bool = False,
           infinite: bool = False) -> None:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not math.isnan(value)
    ok = ok and (math.isfinite(value) or infinite) and (value > low if low_open else value >= low) and value <= high
    if not ok:
        bound = f"> {low}" if low_open else f">= {low}"
        upper = f" and <= {high}" if math.isfinite(high) else ""
        raise InputError(None, FIELD + name, f"expected a number {bound}{upper}, got {value!r}")


def _in_service_integral(age0_y: np.ndarray, age1_y: np.ndarray, accelerators: float, spares_fraction: float,
                         rate_per_y: float) -> np.ndarray:
    """Integral of ``min(N, N (1 + s) exp(-lambda u))`` over ages ``[age0_y, age1_y]`` (accelerator-years)."""
    if rate_per_y == 0.0:
        return accelerators * (age1_y - age0_y)
    full_until_y = math.log1p(spares_fraction) / rate_per_y
    full = accelerators * np.clip(np.minimum(age1_y, full_until_y) - age0_y, 0.0, None)
    start = np.maximum(age0_y, full_until_y)
    flown = accelerators * (1.0 + spares_fraction)
    decay = np.where(age1_y > start,
                     flown / rate_per_y * (np.exp(-rate_per_y * start) - np.exp(-rate_per_y * age1_y)), 0.0)
    return full + decay


def delivered_accelerator_hours(accelerators: float, failures_per_chip_year: float, chips_per_accelerator: int,
                                compute_fraction: float, replacement_years: float, horizon_years: float,
                                spares_fraction: float = 0.0) -> MissionYears:
    """Accelerators in service and accelerator-hours delivered, each year of the mission.

    Parameters
    ----------
    accelerators : float
        Accelerators in service when a generation starts, ``N``.
    failures_per_chip_year : float
        Permanent failures per chip-year (catalog; no repairs in orbit).
    chips_per_accelerator : int
        Chips in one accelerator unit (its failure rate is this many times the chip's).
    compute_fraction : float
        Share of the time an accelerator in service computes (the fleet's mean availability), 0..1.
    replacement_years : float
        A new generation replaces the fleet this often (years); infinity: never.
    horizon_years : float
        The mission's length (years); the last year is partial when this is not whole.
    spares_fraction : float
        Spare accelerators flown per accelerator in service, ``s``.

    Returns
    -------
    MissionYears
        ``years`` (1, 2, ...), ``alive_accelerators_mean`` (accelerators in service, averaged over each
        year) and ``delivered_accelerator_hours`` (``compute_fraction x`` accelerator-hours in service).
    """
    _check("accelerators", accelerators, 0.0)
    _check("failures_per_chip_year", failures_per_chip_year, 0.0)
    if isinstance(chips_per_accelerator, bool) or not isinstance(chips_per_accelerator, (int, np.integer)) \
            or chips_per_accelerator < 1:
        raise InputError(None, FIELD + "chips_per_accelerator",
                         f"expected a whole number >= 1, got {chips_per_accelerator!r}")
    _check("compute_fraction", compute_fraction, 0.0, 1.0)
    _check("replacement_years", replacement_years, 0.0, low_open=True, infinite=True)
    _check("horizon_years", horizon_years, 0.0, low_open=True)
    _check("spares_fraction", spares_fraction, 0.0)

    rate_per_y = chips_per_accelerator * failures_per_chip_year
    n_years = math.ceil(horizon_years)
    ends = np.arange(1.0, n_years + 1.0)
    ends[-1] = horizon_years
    # the pieces: between year ends and replacements, each inside one year and one generation
    replacements = (np.arange(replacement_years, horizon_years, replacement_years)
                    if math.isfinite(replacement_years) else np.empty(0))
    cuts = np.unique(np.concatenate([[0.0], ends, replacements]))
    t0, t1 = cuts[:-1], cuts[1:]
    middle = 0.5 * (t0 + t1)
    generation_start = (np.floor(middle / replacement_years) * replacement_years
                        if math.isfinite(replacement_years) else np.zeros_like(middle))
    year = np.minimum(np.floor(middle).astype(int), n_years - 1)
    pieces = _in_service_integral(t0 - generation_start, t1 - generation_start, accelerators, spares_fraction,
                                  rate_per_y)
    accelerator_years = np.bincount(year, weights=pieces, minlength=n_years)
    lengths = ends - np.concatenate([[0.0], ends[:-1]])
    return MissionYears(years=np.arange(1, n_years + 1), alive_accelerators_mean=accelerator_years / lengths,
                        delivered_accelerator_hours=compute_fraction * HOURS_PER_YEAR * accelerator_years)
