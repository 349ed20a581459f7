"""Which assumptions decide the answer: one at a time (a tornado) and by variance (Sobol' indices).

The inputs are the scenario's ``[uncertain]`` table, or, where it has none, :func:`default_inputs`: the
key drivers of the closed form with a stated range and its source. Each input is a key of
:func:`leodc.uncertainty.evaluate.evaluate` (a dotted scenario field, or ``catalog.KIND.NAME.FIGURE``) and a
:class:`leodc.scenario.Distribution` on it.

**Tornado** (one at a time). Every input is set to its low and then its high end, the others held at the
scenario's values; the bar of input i is its swing ``|y(x_i = high) - y(x_i = low)|`` of a metric y.
The ends are the distribution's ``low`` and ``high`` (uniform, triangular, truncated normal) or its 5th
and 95th percentiles (lognormal, whose support has no ends).

**Sobol' indices** (variance-based, all inputs varied together). With the inputs independent, the
first-order index of input i is the share of the metric's variance that x_i explains alone, and the
total-order index the share in which x_i takes part at all (alone or with others)::

    S_i  = V[E(Y | X_i)] / V(Y)
    ST_i = E[V(Y | X_~i)] / V(Y) = 1 - V[E(Y | X_~i)] / V(Y)

They are estimated on Saltelli's scheme: a scrambled Sobol' sequence of N base points in 2d dimensions,
split into matrices A and B, and the d matrices A_B^(i) (A with column i from B), N (d + 2)
evaluations in all (SALib's ``sample.sobol``), with Saltelli et al.'s (2010) estimator of S_i and
Jansen's of ST_i, and bootstrap confidence intervals (SALib's ``analyze.sobol``; Herman and Usher 2017).
The sampling is done on the unit hypercube and mapped to each input's distribution through its
inverse CDF, so the indices are those of the distributions themselves.

Both rank the inputs; ``leodc sensitivity`` prints both, on orbit's cost per PFLOP-day and on its ratio
to the ground's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from leodc.catalog import load_catalog
from leodc.errors import InputError
from leodc.scenario import (
    CATALOG_OVERRIDE_FIELDS,
    Distribution,
    Scenario,
    catalog_key,
    uncertain_field_problem,
)
from leodc.uncertainty.distributions import ppf, sweep_distributions
from leodc.uncertainty.evaluate import (
    COST_METRIC,
    COST_RATIO,
    FEASIBLE,
    GROUND_COST_METRIC,
    check_keys,
    evaluate,
    used_parts,
)

# the metrics the assumptions are ranked on: orbit's cost per PFLOP-day, and its ratio to the ground's
METRICS = (COST_METRIC, COST_RATIO)
# the percentiles that stand for a lognormal's low and high ends (its support has none)
LOW_PERCENTILE = 0.05
HIGH_PERCENTILE = 0.95
# Sobol' indices: bootstrap resamples and the level of their confidence intervals (SALib's defaults)
BOOTSTRAP_RESAMPLES = 100
CONFIDENCE_LEVEL = 0.95
DEFAULT_SOBOL_BASE_SAMPLES = 1024
DEFAULT_SEED = 1

# scenario fields left unset take their value from the design or the economics: the output that carries it
_UNSET_FIELD_OUTPUTS = {
    "satellite.specific_power_w_per_kg": "satellite.specific_power_w_per_kg",
    "shielding.thickness_mm": "satellite.shielding_thickness_mm",
    "shielding.dose_target_rad_per_year": "satellite.dose_rad_per_year",
    "fleet.target_it_power_w": "fleet.it_power_w",
    "fleet.target_accelerators": "fleet.accelerators",
    "fleet.target_satellites": "fleet.satellites",
    "fleet.launch_cost_usd_per_kg": "economics.launch_cost_usd_per_kg",
    "fleet.payload_to_leo_kg": "fleet.payload_to_leo_kg",
}


# ---------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class UncertainInput:
    """One assumption the answer may turn on.

    Parameters
    ----------
    key : str
        A key of :func:`leodc.uncertainty.evaluate.evaluate`: a dotted scenario field or
        ``catalog.KIND.NAME.FIGURE``.
    distribution : Distribution
        Its distribution (``[uncertain]``'s model).
    base : float
        The scenario's value (for a field left unset, the value the design or the catalog gives it).
    source : str
        Where the range comes from.
    """

    key: str
    distribution: Distribution
    base: float
    source: str

    def ends(self) -> tuple[float, float]:
        """The low and high values a tornado sets: the distribution's ``low`` and ``high``, or a lognormal's
        5th and 95th percentiles."""
        d = self.distribution
        if d.dist == "lognormal" and d.p5 is not None:
            return float(d.p5), float(d.p95)
        if d.dist == "lognormal":
            return float(self.ppf(np.array([LOW_PERCENTILE]))[0]), float(self.ppf(np.array([HIGH_PERCENTILE]))[0])
        return float(d.low), float(d.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The inverse CDF: the values at the quantiles ``u`` in (0, 1)
        (:func:`leodc.uncertainty.distributions.ppf`; a normal is truncated to [low, high])."""
        return ppf(self.distribution, u)

    def to_dict(self) -> dict:
        low, high = self.ends()
        return {"key": self.key, "base": self.base, "low": low, "high": high,
                "distribution": {"dist": self.distribution.dist, **self.distribution.parameters()},
                "source": self.source}


def base_value(scenario: Scenario, key: str, reference: Mapping[str, np.ndarray] | None = None) -> float:
    """The scenario's value of an input key: the field's value, or for a field left unset the value the
    design, the economics or the catalog gives it; a catalog figure's value.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    key : str
        A dotted scenario field or ``catalog.KIND.NAME.FIGURE``.
    reference : mapping, optional
        ``evaluate(scenario, {})``, when the caller has it.

    Returns
    -------
    float
        The value.
    """
    cat = catalog_key(key)
    if cat is not None:
        kind, name, figure = cat
        return float(getattr(load_catalog().kind(kind)[name], figure).value)
    section, field = key.split(".")
    value = getattr(getattr(scenario, section), field)
    if value is not None:
        return float(value)
    for (kind, figure), dotted in CATALOG_OVERRIDE_FIELDS.items():
        if dotted == key and key not in _UNSET_FIELD_OUTPUTS:
            return float(getattr(load_catalog().kind(kind)[used_parts(scenario)[kind]], figure).value)
    outputs = reference if reference is not None else evaluate(scenario, {})
    return float(outputs[_UNSET_FIELD_OUTPUTS[key]][0])


def check_input(scenario: Scenario, key: str, distribution: Distribution, where: str) -> None:
    """Refuse a key that is not a numeric field or figure the closed form reads, or a range outside the
    field's bounds.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its parts decide which catalog figures are in use).
    key : str
        A dotted scenario field or ``catalog.KIND.NAME.FIGURE``.
    distribution : Distribution
        The range put on it.
    where : str
        The file or option to name in the error.

    Raises
    ------
    leodc.errors.InputError
        Naming ``where`` and the key, one line.
    """
    problem = uncertain_field_problem(scenario, key, distribution)
    if problem:
        raise InputError(where, key, problem)
    try:
        check_keys(scenario, [key])
    except InputError as exc:
        raise InputError(where, key, exc.expected) from None


def uniform_input(scenario: Scenario, key: str, low: float, high: float, source: str, where: str,
                  reference: Mapping[str, np.ndarray] | None = None) -> UncertainInput:
    """An input uniform on [low, high] (``--input KEY=LOW:HIGH``), checked.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    key : str
        A dotted scenario field or ``catalog.KIND.NAME.FIGURE``.
    low, high : float
        The range, low < high.
    source : str
        Where the range comes from.
    where : str
        The file or option to name in an error.
    reference : mapping, optional
        ``evaluate(scenario, {})``, when the caller has it.

    Returns
    -------
    UncertainInput
        The input, its base the scenario's value.

    Raises
    ------
    leodc.errors.InputError
        When ``low >= high``, the key is unknown, or the range leaves the field's bounds.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise InputError(where, key, f"expected finite LOW < HIGH; got {low:g}:{high:g}")
    dist = Distribution(dist="uniform", low=low, high=high)
    check_input(scenario, key, dist, where)
    return UncertainInput(key, dist, base_value(scenario, key, reference), source)


# the stated ranges of default_inputs
LAUNCH_PRICE_LOW_VEHICLE = "starship-target"
LAUNCH_PRICE_HIGH_VEHICLE = "falcon9-reusable"
ARRAY_PRICE_LOW_FACTOR = 0.2
ARRAY_PRICE_HIGH_FACTOR = 2.0
ACCELERATOR_PRICE_SPREAD = 0.25
SPECIFIC_POWER_FACTOR = 2.0
DESIGN_LIFE_RANGE_YEARS = (3.0, 7.0)
DISCOUNT_RATE_RANGE = (0.04, 0.10)


def default_inputs(scenario: Scenario) -> list[UncertainInput]:
    """The key drivers of the closed form with leodc's stated ranges, for a scenario without ``[uncertain]``.

    Launch price: lognormal between the catalog's Starship target (Suncatcher's mid-2030s price) and
    today's Falcon 9 list price as 5th and 95th percentiles. Solar array $/W (an order-of-magnitude estimate
    in the catalog, low confidence): lognormal from a fifth to twice the catalog's figure. Accelerator price
    (medium confidence): uniform within 25 % of the catalog's. Specific power (W of IT per kg; the
    bottom-up mass is built from parts of mostly low confidence): lognormal from half to twice the
    scenario's. Design life: uniform from 3 to 7 years around the default's 5 (hyperscalers depreciate
    GPU servers over 5-6 years). Discount rate: uniform 4-10 % real around NREL ATB's 5-7 %.

    Parameters
    ----------
    scenario : Scenario
        The scenario whose parts and values the ranges are taken around.

    Returns
    -------
    list of UncertainInput
        The inputs, in a fixed order.
    """
    cat = load_catalog()
    parts = used_parts(scenario)
    reference = evaluate(scenario, {})
    array_key = f"catalog.solar_arrays.{parts['solar_arrays']}.cost_usd_per_w"
    accelerator_key = f"catalog.accelerators.{parts['accelerators']}.unit_price_usd"
    array_usd_per_w = base_value(scenario, array_key)
    accelerator_usd = base_value(scenario, accelerator_key)
    w_per_kg = base_value(scenario, "satellite.specific_power_w_per_kg", reference)
    launch_low = cat.launch_vehicles[LAUNCH_PRICE_LOW_VEHICLE].cost_usd_per_kg.value
    launch_high = cat.launch_vehicles[LAUNCH_PRICE_HIGH_VEHICLE].cost_usd_per_kg.value
    rows = [
        ("fleet.launch_cost_usd_per_kg", Distribution(dist="lognormal", p5=launch_low, p95=launch_high),
         f"catalog launch_vehicles: {LAUNCH_PRICE_LOW_VEHICLE} ([Suncatcher2025]'s mid-2030s price) to "
         f"{LAUNCH_PRICE_HIGH_VEHICLE} (SpaceX's list price) as 5th-95th percentiles"),
        (array_key, Distribution(dist="lognormal", p5=array_usd_per_w * ARRAY_PRICE_LOW_FACTOR,
                                 p95=array_usd_per_w * ARRAY_PRICE_HIGH_FACTOR),
         "catalog solar_arrays (an order-of-magnitude estimate, low confidence): a fifth to twice it, "
         "5th-95th percentiles"),
        (accelerator_key, Distribution(dist="uniform", low=accelerator_usd * (1.0 - ACCELERATOR_PRICE_SPREAD),
                                       high=accelerator_usd * (1.0 + ACCELERATOR_PRICE_SPREAD)),
         "catalog accelerators (medium confidence): within 25 %"),
        ("satellite.specific_power_w_per_kg", Distribution(dist="lognormal", p5=w_per_kg / SPECIFIC_POWER_FACTOR,
                                                           p95=w_per_kg * SPECIFIC_POWER_FACTOR),
         "the scenario's W/kg (bottom-up from catalog parts of mostly low confidence): half to twice it, "
         "5th-95th percentiles"),
        ("economics.design_life_years", Distribution(dist="uniform", low=DESIGN_LIFE_RANGE_YEARS[0],
                                                     high=DESIGN_LIFE_RANGE_YEARS[1]),
         "leodc's range around the default's 5 years (hyperscalers depreciate GPU servers over 5-6 years)"),
        ("economics.discount_rate", Distribution(dist="uniform", low=DISCOUNT_RATE_RANGE[0],
                                                 high=DISCOUNT_RATE_RANGE[1]),
         "leodc's range around NREL ATB 2024's real WACC of ~5-7 %"),
    ]
    return [UncertainInput(key, dist, base_value(scenario, key, reference), source) for key, dist, source in rows]



def scenario_inputs(scenario: Scenario, sweep_inputs: bool = False) -> list[UncertainInput]:
    """The inputs of a scenario.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    sweep_inputs : bool
        True: the distributions ``leodc sweep`` samples (the ``[uncertain]`` table over leodc's defaults for
        the catalog figures of low confidence, :func:`leodc.uncertainty.distributions.sweep_distributions`).
        False: the ``[uncertain]`` table, or :func:`default_inputs` when the scenario has none.

    Returns
    -------
    list of UncertainInput
        The inputs, in the table's order.
    """
    if not scenario.uncertain and not sweep_inputs:
        return default_inputs(scenario)
    reference = evaluate(scenario, {})
    entries = (sweep_distributions(scenario) if sweep_inputs
               else {key: (dist, "[uncertain]") for key, dist in scenario.uncertain.items()})
    out = []
    for key, (dist, source) in entries.items():
        where = scenario.stated_in(f"uncertain.{key}") if key in scenario.uncertain else "catalog"
        check_input(scenario, key, dist, where)
        out.append(UncertainInput(key, dist, base_value(scenario, key, reference),
                                  f"{source} of {where}" if key in scenario.uncertain else source))
    return out


# ---------------------------------------------------------------------------------------------- tornado
@dataclass(frozen=True)
class TornadoBar:
    """One input's swing of one metric.

    Attributes
    ----------
    key : str
        The input.
    low, base, high : float
        The input's values.
    metric_at_low, metric_at_high : float
        The metric with the input at its low and high (the others at the scenario's values).
    swing : float
        ``|metric_at_high - metric_at_low|``.
    """

    key: str
    low: float
    base: float
    high: float
    metric_at_low: float
    metric_at_high: float
    swing: float


@dataclass(frozen=True)
class Tornado:
    """The one-at-a-time swings of one metric, largest first."""

    metric: str
    base_metric: float
    bars: tuple[TornadoBar, ...]

    @property
    def top(self) -> str:
        """The input with the largest swing."""
        return self.bars[0].key

    def to_dict(self) -> dict:
        return {"metric": self.metric, "base": self.base_metric, "top": self.top,
                "bars": [asdict(b) for b in self.bars]}


def tornado(scenario: Scenario, inputs: Sequence[UncertainInput],
            metrics: Sequence[str] = METRICS) -> dict[str, Tornado]:
    """One-at-a-time swings: each input at its low and high ends, the others at the scenario's values.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    inputs : sequence of UncertainInput
        The inputs and their ranges.
    metrics : sequence of str
        Keys of :func:`~leodc.uncertainty.evaluate.evaluate`'s result.

    Returns
    -------
    dict of str to Tornado
        One per metric, bars sorted by swing, largest first (an input whose end the design refuses has a
        NaN swing and is listed last).
    """
    base = evaluate(scenario, {})
    swings: dict[str, list[TornadoBar]] = {m: [] for m in metrics}
    for item in inputs:
        low, high = item.ends()
        out = evaluate(scenario, {item.key: np.array([low, high])})
        for m in metrics:
            at_low, at_high = float(out[m][0]), float(out[m][1])
            swings[m].append(TornadoBar(item.key, low, item.base, high, at_low, at_high, abs(at_high - at_low)))

    def order(bar: TornadoBar) -> float:
        return -bar.swing if math.isfinite(bar.swing) else math.inf

    return {m: Tornado(m, float(base[m][0]), tuple(sorted(bars, key=order))) for m, bars in swings.items()}


# ---------------------------------------------------------------------------------------------- Sobol
@dataclass(frozen=True)
class SobolIndex:
    """One input's first- and total-order Sobol' indices, with the half-widths of their bootstrap
    confidence intervals."""

    key: str
    first_order: float
    first_order_conf: float
    total_order: float
    total_order_conf: float


@dataclass(frozen=True)
class Sobol:
    """Sobol' indices of one metric, largest total order first."""

    metric: str
    base_samples: int
    evaluations: int
    seed: int
    mean: float
    std: float
    indices: tuple[SobolIndex, ...]

    @property
    def top(self) -> str:
        """The input with the largest total-order index."""
        return self.indices[0].key

    def to_dict(self) -> dict:
        return {"metric": self.metric, "base_samples": self.base_samples, "evaluations": self.evaluations,
                "seed": self.seed, "mean": self.mean, "std": self.std, "top": self.top,
                "indices": [asdict(i) for i in self.indices]}


def check_base_samples(n: int, where: str = "--sobol") -> None:
    """Refuse a base sample count that is not a positive power of two (Sobol' sequences balance only then).

    Parameters
    ----------
    n : int
        The count.
    where : str
        The option to name in the error (an :class:`InputError`).
    """
    if n < 1 or n & (n - 1):
        raise InputError(where, None, f"expected a positive power of two, such as {DEFAULT_SOBOL_BASE_SAMPLES} "
                         f"(Sobol' sequences are balanced only at powers of two); got {n}")


def sobol(scenario: Scenario, inputs: Sequence[UncertainInput], base_samples: int = DEFAULT_SOBOL_BASE_SAMPLES,
          seed: int = DEFAULT_SEED, metrics: Sequence[str] = METRICS) -> dict[str, Sobol]:
    """First- and total-order Sobol' indices on Saltelli's scheme (SALib), all inputs varied together.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    inputs : sequence of UncertainInput
        The inputs and their distributions (taken as independent).
    base_samples : int
        N, a power of two: N (d + 2) evaluations for d inputs.
    seed : int
        Seeds the scrambled Sobol' sequence and the bootstrap.
    metrics : sequence of str
        Keys of :func:`~leodc.uncertainty.evaluate.evaluate`'s result.

    Returns
    -------
    dict of str to Sobol
        One per metric, inputs sorted by total-order index, largest first.

    Raises
    ------
    leodc.errors.InputError
        When the base sample count is not a power of two, or the design refuses some samples (the
        estimator needs every one).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    check_base_samples(base_samples)
    problem = {"num_vars": len(inputs), "names": [i.key for i in inputs], "bounds": [[0.0, 1.0]] * len(inputs)}
    unit = sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    samples = {item.key: item.ppf(unit[:, j]) for j, item in enumerate(inputs)}
    out = evaluate(scenario, samples)
    refused = int(np.count_nonzero(~out[FEASIBLE]))
    if refused:
        raise InputError(scenario.stated_in(""), "uncertain", f"the design refuses {refused} of {len(unit)} samples "
                         "(Sobol' indices need every sample); expected ranges the design accepts throughout")
    result = {}
    for m in metrics:
        y = np.asarray(out[m], dtype=float)
        s = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=BOOTSTRAP_RESAMPLES,
                                  conf_level=CONFIDENCE_LEVEL, seed=seed)
        indices = [SobolIndex(item.key, float(s["S1"][j]), float(s["S1_conf"][j]), float(s["ST"][j]),
                              float(s["ST_conf"][j])) for j, item in enumerate(inputs)]
        indices.sort(key=lambda i: -i.total_order)
        result[m] = Sobol(m, base_samples, len(unit), seed, float(np.mean(y)), float(np.std(y)), tuple(indices))
    return result


# ---------------------------------------------------------------------------------------------- both
@dataclass(frozen=True)
class Sensitivity:
    """The tornado and the Sobol' indices of one scenario (Sobol' None when not asked for)."""

    scenario: str
    inputs: tuple[UncertainInput, ...]
    ground_metric: float
    tornado: dict[str, Tornado]
    sobol: dict[str, Sobol] | None

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "ground_usd_per_pflop_day": self.ground_metric,
            "inputs": [i.to_dict() for i in self.inputs],
            "tornado": {m: t.to_dict() for m, t in self.tornado.items()},
            "sobol": None if self.sobol is None else {m: s.to_dict() for m, s in self.sobol.items()},
        }


def sensitivity(scenario: Scenario, inputs: Sequence[UncertainInput] | None = None,
                base_samples: int = DEFAULT_SOBOL_BASE_SAMPLES, seed: int = DEFAULT_SEED) -> Sensitivity:
    """The tornado and (``base_samples > 0``) the Sobol' indices of orbit's cost per PFLOP-day and of its
    ratio to the ground's.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    inputs : sequence of UncertainInput, optional
        Default: :func:`scenario_inputs`.
    base_samples : int
        Sobol' base samples N (a power of two), or 0 for the tornado alone.
    seed : int
        The Sobol' seed.

    Returns
    -------
    Sensitivity
        Both rankings.
    """
    items = tuple(inputs if inputs is not None else scenario_inputs(scenario))
    if not items:
        raise InputError(scenario.stated_in(""), "uncertain", "no inputs; expected an [uncertain] table or --input")
    ground = float(evaluate(scenario, {})[GROUND_COST_METRIC][0])
    indices = sobol(scenario, items, base_samples, seed) if base_samples else None
    return Sensitivity(scenario.name, items, ground, tornado(scenario, items), indices)
