"""Distributions on a scenario's assumptions: the ``[uncertain]`` table, and leodc's defaults for the
catalog figures of low confidence.

A scenario states distributions in its ``[uncertain]`` table (validated when it loads:
:class:`leodc.scenario.Distribution`)::

    [uncertain]
    "fleet.launch_cost_usd_per_kg" = { dist = "triangular", low = 100, mode = 500, high = 1500 }
    "catalog.solar_arrays.rosa-class.cost_usd_per_w" = { dist = "lognormal", p5 = 10, p95 = 600 }
    "economics.discount_rate" = { dist = "normal", mean = 0.07, sd = 0.02, low = 0.02, high = 0.12 }

:func:`ppf` turns uniform numbers in (0, 1) into values of a distribution (inverse transform, so that a
Monte Carlo, a Latin hypercube or a Sobol sequence all sample through it). :func:`default_distributions`
gives a triangular distribution to every catalog figure of low confidence that the closed form reads
from a part the scenario names, with the relative spread :data:`RELATIVE_SPREAD_BY_CONFIDENCE`;
:func:`sweep_distributions` puts the scenario's own entries over those defaults.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri

from leodc.catalog import load_catalog
from leodc.scenario import (
    CATALOG_FIGURE_FLOORS,
    CATALOG_FRACTION_FIGURES,
    CATALOG_OVERRIDE_FIELDS,
    Distribution,
    Scenario,
    _field_info,
    field_bounds,
    uncertain_field_problem,
)
from leodc.uncertainty.evaluate import CATALOG_FIGURES_READ, used_parts

# leodc's convention, not a published figure: the half-width of the triangular distribution a catalog
# figure gets by default, relative to its value, by the confidence the catalog states for it. A "low"
# figure (an estimate, an extrapolation, a single unconfirmed source) may be off by half either way; a
# "medium" one (a datasheet or filing for a neighbouring part) by a fifth; a "high" one (a measured or
# contractual figure) by a twentieth. Only figures of the confidences in DEFAULT_CONFIDENCES get one.
RELATIVE_SPREAD_BY_CONFIDENCE = {"low": 0.5, "medium": 0.2, "high": 0.05}
DEFAULT_CONFIDENCES = ("low",)
# the 95th percentile of the standard normal: a lognormal stated by p5 and p95 has
# sigma = ln(p95 / p5) / (2 Z95) and median sqrt(p5 p95)
Z95 = float(ndtri(0.95))
# uniform numbers are kept this far inside (0, 1), so that no sample is a lognormal's 0 or a normal's tail at infinity
UNIFORM_MARGIN = 1e-12
DEFAULT_SOURCE = "default"
STATED_SOURCE = "[uncertain]"


def lognormal_parameters(dist: Distribution) -> tuple[float, float]:
    """(median, sigma) of a lognormal stated by median and sigma, or by p5 and p95."""
    if dist.median is not None:
        return float(dist.median), float(dist.sigma)
    return math.sqrt(dist.p5 * dist.p95), math.log(dist.p95 / dist.p5) / (2.0 * Z95)


def ppf(dist: Distribution, u: np.ndarray) -> np.ndarray:
    """The values of ``dist`` at the quantiles ``u`` (inverse cumulative distribution function).

    Parameters
    ----------
    dist : Distribution
        A validated distribution (``[uncertain]``).
    u : numpy.ndarray
        Quantiles in (0, 1).

    Returns
    -------
    numpy.ndarray
        One value per quantile: triangular and uniform by their closed-form inverses; lognormal as
        ``median * exp(sigma * Phi^-1(u))``; normal truncated to [low, high] as
        ``mean + sd * Phi^-1(Phi(a) + u (Phi(b) - Phi(a)))`` with a, b the bounds in standard deviations.
    """
    u = np.clip(np.asarray(u, dtype=float), UNIFORM_MARGIN, 1.0 - UNIFORM_MARGIN)
    if dist.dist == "uniform":
        return dist.low + u * (dist.high - dist.low)
    if dist.dist == "triangular":
        width = dist.high - dist.low
        split = (dist.mode - dist.low) / width
        below = dist.low + np.sqrt(u * width * (dist.mode - dist.low))
        above = dist.high - np.sqrt((1.0 - u) * width * (dist.high - dist.mode))
        return np.where(u < split, below, above)
    if dist.dist == "lognormal":
        median, sigma = lognormal_parameters(dist)
        return median * np.exp(sigma * ndtri(u))
    a, b = ndtr((dist.low - dist.mean) / dist.sd), ndtr((dist.high - dist.mean) / dist.sd)
    return np.clip(dist.mean + dist.sd * ndtri(a + u * (b - a)), dist.low, dist.high)


def _default(value: float, spread: float, lower: float, lower_in: bool, upper: float, upper_in: bool
             ) -> Distribution | None:
    """A triangular distribution around ``value``, ``spread`` either way, cut at the bounds."""
    low, high = value * (1.0 - spread), value * (1.0 + spread)
    low = max(low, lower) if lower_in else max(low, math.nextafter(lower, math.inf))
    high = min(high, upper) if upper_in else min(high, math.nextafter(upper, -math.inf))
    if not low < high or not low <= value <= high:
        return None
    return Distribution(dist="triangular", low=low, mode=value, high=high)


def default_distributions(scenario: Scenario, confidences: tuple[str, ...] = DEFAULT_CONFIDENCES
                          ) -> dict[str, tuple[Distribution, str]]:
    """Triangular distributions for the catalog figures the closed form reads, of the given confidences.

    A figure that a scenario field sets (``leodc.scenario.CATALOG_OVERRIDE_FIELDS``) gets its distribution on
    that field (``fleet.launch_cost_usd_per_kg`` for the launch vehicle's price), and none when the scenario
    states the field (the scenario's value is its own assumption, not the catalog's); every other figure
    on its catalog key, ``catalog.KIND.NAME.FIGURE``. Each is triangular with its mode at the figure's value
    and its ends :data:`RELATIVE_SPREAD_BY_CONFIDENCE` of it away, cut at the field's or figure's bounds.

    Returns
    -------
    dict of str to (Distribution, str)
        By key: the distribution and where it comes from ("default: low-confidence catalog figure ...").
    """
    cat = load_catalog()
    out: dict[str, tuple[Distribution, str]] = {}
    for kind, name in used_parts(scenario).items():
        part = cat.kind(kind)[name]
        for figure in CATALOG_FIGURES_READ.get(kind, ()):
            fig = getattr(part, figure)
            if fig is None or isinstance(fig.value, list) or fig.confidence not in confidences or fig.value == 0:
                continue
            field = CATALOG_OVERRIDE_FIELDS.get((kind, figure))
            if field is not None:
                section, attr = field.split(".")
                if getattr(getattr(scenario, section), attr) is not None:
                    continue
                bounds = field_bounds(_field_info(Scenario, field))
                key = field
            else:
                bounds = (CATALOG_FIGURE_FLOORS.get(figure, 0.0), True,
                          1.0 if figure in CATALOG_FRACTION_FIGURES else math.inf, True)
                key = f"catalog.{kind}.{name}.{figure}"
            dist = _default(float(fig.value), RELATIVE_SPREAD_BY_CONFIDENCE[fig.confidence], *bounds)
            if dist is None or uncertain_field_problem(scenario, key, dist):
                continue
            out[key] = (dist, f"{DEFAULT_SOURCE}: {fig.confidence}-confidence catalog figure {kind}.{name}.{figure} "
                              f"({fig.source}, {fig.year})")
    return out


def sweep_distributions(scenario: Scenario, defaults: bool = True) -> dict[str, tuple[Distribution, str]]:
    """The distributions a sweep samples: the scenario's ``[uncertain]`` entries, in its order, then the
    defaults (:func:`default_distributions`) for the keys it does not state; each with where it comes from."""
    out = {key: (dist, STATED_SOURCE) for key, dist in scenario.uncertain.items()}
    if defaults:
        for key, entry in default_distributions(scenario).items():
            out.setdefault(key, entry)
    return out
