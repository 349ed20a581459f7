"""Design search: the cheapest satellite design per PFLOP-day, and the front of cost against mass per kW.

The search varies four choices of the design: the altitude (``orbit.altitude_km``), the radiator's
temperature (``thermal.radiator_temperature_k``), the satellite's size (``compute.accelerators_per_satellite``)
and the array's technology (``power.solar_array``, any of the catalog's ``solar_arrays``); everything else
stays as the scenario states it, and the fleet still meets the scenario's target. Each trial is the
closed-form design and economics (:func:`leodc.uncertainty.evaluate.evaluate`) and has two objectives,
both minimised: orbit's cost per PFLOP-day (``economics.usd_per_pflop_day``) and the satellite's mass
per kW of IT power. It is feasible when

* the design accepts it (a radiator that emits more than it absorbs, a shield that meets the dose
  target, a sizing eclipse shorter than the orbit);
* one satellite fits one launch: ``satellite.mass_kg <= fleet.payload_to_leo_kg``;
* the chips stay below their limit: the radiator's temperature plus the drops from chip to coolant and
  coolant to radiator (``simulation.*_dt_k``) at most ``simulation.chip_temperature_limit_k``;
* it meets the FCC's five-year disposal rule (47 CFR 25.283(e), [FCC2022]): natural decay within five
  years at the scenario's solar activity, or propulsive disposal (``satellite.propulsive_disposal``).

The optimiser is Optuna's multi-objective TPE sampler with those constraints (Akiba et al. 2019;
constraints reported with ``optuna.Trial.set_constraint``), seeded; the scenario's own design is the first trial,
so the best design found is never worse than it. The Pareto front is the feasible trials that no other
feasible trial matches or beats on both objectives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from leodc.catalog import load_catalog
from leodc.constants import MAX_ALTITUDE_KM, MIN_ALTITUDE_KM
from leodc.environment.decay import FCC_DISPOSAL_YEARS, decay_years, fcc_compliant
from leodc.errors import InputError
from leodc.scenario import Scenario, with_overrides
from leodc.uncertainty.evaluate import COST_METRIC, COST_RATIO, FEASIBLE, GROUND_COST_METRIC, evaluate

ALTITUDE = "orbit.altitude_km"
RADIATOR_TEMPERATURE = "thermal.radiator_temperature_k"
ACCELERATORS = "compute.accelerators_per_satellite"
SOLAR_ARRAY = "power.solar_array"
W_PER_KW = 1000.0
DEFAULT_TRIALS = 200
DEFAULT_SEED = 1
# the constraints a trial reports to Optuna (feasible when every value is <= 0)
# objectives this close (relative) are the same on the front (mass per kW is constant up to rounding when the
# scenario states its specific power)
OBJECTIVE_RELATIVE_TOLERANCE = 1e-9
CONSTRAINTS = ("design_refused", "mass_over_payload", "chip_over_limit_k", "fcc_disposal_rule")


@dataclass(frozen=True)
class SearchSpace:
    """The ranges searched.

    Attributes
    ----------
    altitude_km : tuple of float
        500-2000 km, the range of SpaceX's filing for orbital data centers ([SpaceXFCC2026]).
    altitude_step_km : float
        The altitude's grid: the orbit and its dose curve are computed once per altitude.
    radiator_temperature_k : tuple of float
        From the freezing point of water to 360 K, above any chip limit less its drops (the temperature
        constraint, not the range, decides how hot).
    accelerators_per_satellite : tuple of int
        One accelerator to 1024 (log-uniform).
    solar_arrays : tuple of str
        The catalog's arrays (default: every one).
    """

    altitude_km: tuple[float, float] = (500.0, 2000.0)
    altitude_step_km: float = 10.0
    radiator_temperature_k: tuple[float, float] = (273.15, 360.0)
    accelerators_per_satellite: tuple[int, int] = (1, 1024)
    solar_arrays: tuple[str, ...] = field(default_factory=lambda: tuple(load_catalog().solar_arrays))


@dataclass(frozen=True)
class Candidate:
    """One trial: its choices, objectives and constraints."""

    trial: int
    altitude_km: float
    radiator_temperature_k: float
    accelerators_per_satellite: int
    solar_array: str
    feasible: bool
    usd_per_pflop_day: float | None
    mass_kg_per_kw: float | None
    orbit_to_ground: float | None
    satellite_mass_kg: float | None
    mass_margin_kg: float | None  # payload to LEO less the satellite's mass
    chip_margin_k: float | None  # chip limit less the radiator's temperature and the drops
    fcc_compliant: bool | None


@dataclass(frozen=True)
class SearchResult:
    """The best feasible design, the scenario's own, and the Pareto front of cost against mass per kW."""

    scenario: str
    trials: int
    seed: int
    ground_usd_per_pflop_day: float
    base: Candidate
    best: Candidate | None
    front: tuple[Candidate, ...]
    feasible_trials: int

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "trials": self.trials, "seed": self.seed,
                "ground_usd_per_pflop_day": self.ground_usd_per_pflop_day, "feasible_trials": self.feasible_trials,
                "base": asdict(self.base), "best": None if self.best is None else asdict(self.best),
                "front": [asdict(c) for c in self.front]}


def check_trials(n: int, where: str = "--trials") -> None:
    """Refuse a trial count below one.

    Parameters
    ----------
    n : int
        The count.
    where : str
        The option to name in the error (an :class:`InputError`).
    """
    if n < 1:
        raise InputError(where, None, f"expected a positive number of trials, such as {DEFAULT_TRIALS}; got {n}")


class _Designs:
    """Each array's scenario (validated once), and the closed form of one choice of the four."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.by_array: dict[str, Scenario | None] = {}

    def candidate(self, trial: int, altitude_km: float, radiator_k: float, accelerators: int,
                  array: str) -> Candidate:
        sc = self._with_array(array)
        refused = Candidate(trial, altitude_km, radiator_k, accelerators, array, False, *([None] * 7))
        if sc is None:
            return refused
        out = evaluate(sc, {ALTITUDE: np.array([altitude_km]), RADIATOR_TEMPERATURE: np.array([radiator_k]),
                            ACCELERATORS: np.array([float(accelerators)])})
        if not out[FEASIBLE][0]:
            return refused
        sim = sc.simulation
        mass = float(out["satellite.mass_kg"][0])
        mass_margin = float(out["fleet.payload_to_leo_kg"][0]) - mass
        chip_margin = (sim.chip_temperature_limit_k - radiator_k - sim.coolant_to_radiator_dt_k
                       - sim.chip_to_coolant_dt_k)
        fcc = _fcc_compliant(sc, altitude_km, float(out["satellite.ballistic_coefficient_kg_per_m2"][0]))
        return Candidate(trial, altitude_km, radiator_k, accelerators, array,
                         mass_margin >= 0 and chip_margin >= 0 and fcc, float(out[COST_METRIC][0]),
                         mass / (float(out["satellite.it_power_w"][0]) / W_PER_KW), float(out[COST_RATIO][0]),
                         mass, mass_margin, chip_margin, fcc)

    def _with_array(self, array: str) -> Scenario | None:
        if array not in self.by_array:
            try:
                self.by_array[array] = with_overrides(self.scenario, {SOLAR_ARRAY: array}, "search")
            except InputError:  # the array does not fit the scenario (its cross-field rules)
                self.by_array[array] = None
        return self.by_array[array]


def _fcc_compliant(scenario: Scenario, altitude_km: float, ballistic_coefficient_kg_per_m2: float) -> bool:
    """47 CFR 25.283(e): propulsive disposal, or natural decay within five years at the scenario's activity."""
    if scenario.satellite.propulsive_disposal:
        return True
    years = decay_years(min(altitude_km, MAX_ALTITUDE_KM), ballistic_coefficient_kg_per_m2,
                        activity=scenario.environment.solar_activity)
    return bool(fcc_compliant(years, propulsive_disposal=False, max_years=FCC_DISPOSAL_YEARS))


def _violations(c: Candidate) -> list[float]:
    """Optuna's constraint values (feasible when every one is <= 0): design refused, mass over one launch
    (as a share of the payload), chips over their limit (K), FCC rule broken."""
    if c.usd_per_pflop_day is None:
        return [1.0, 0.0, 0.0, 0.0]
    return [0.0, max(0.0, -c.mass_margin_kg / (c.satellite_mass_kg + c.mass_margin_kg)),
            max(0.0, -c.chip_margin_k), 0.0 if c.fcc_compliant else 1.0]


def search(scenario: Scenario, trials: int = DEFAULT_TRIALS, seed: int = DEFAULT_SEED,
           space: SearchSpace | None = None) -> SearchResult:
    """Minimise orbit's cost per PFLOP-day and the mass per kW over the design's four choices (Optuna).

    Parameters
    ----------
    scenario : Scenario
        The scenario: everything but the four choices stays as it states.
    trials : int
        Trials, the scenario's own design first.
    seed : int
        Seeds the sampler: the same seed gives the same trials.
    space : SearchSpace, optional
        The ranges; default :class:`SearchSpace`.

    Returns
    -------
    SearchResult
        The cheapest feasible design, the scenario's own, and the Pareto front (feasible trials only),
        cheapest first.
    """
    import optuna

    check_trials(trials)
    space = space or SearchSpace()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    designs = _Designs(scenario)
    base = designs.candidate(0, scenario.orbit.altitude_km, scenario.thermal.radiator_temperature_k,
                             scenario.compute.accelerators_per_satellite, scenario.power.solar_array)
    step = space.altitude_step_km
    # the altitude's grid passes through the scenario's own altitude
    alt_lo = base.altitude_km - step * math.ceil((base.altitude_km - space.altitude_km[0]) / step)
    alt_hi = base.altitude_km + step * math.ceil((space.altitude_km[1] - base.altitude_km) / step)
    acc_lo, acc_hi = space.accelerators_per_satellite
    t_lo, t_hi = space.radiator_temperature_k
    arrays = tuple(dict.fromkeys((*space.solar_arrays, scenario.power.solar_array)))
    candidates: list[Candidate] = []

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        c = designs.candidate(
            trial.number,
            trial.suggest_float(ALTITUDE, max(alt_lo, MIN_ALTITUDE_KM), min(alt_hi, MAX_ALTITUDE_KM), step=step),
            trial.suggest_float(RADIATOR_TEMPERATURE, min(t_lo, base.radiator_temperature_k),
                                max(t_hi, base.radiator_temperature_k)),
            trial.suggest_int(ACCELERATORS, min(acc_lo, base.accelerators_per_satellite),
                              max(acc_hi, base.accelerators_per_satellite), log=True),
            trial.suggest_categorical(SOLAR_ARRAY, arrays))
        candidates.append(c)
        for name, value in zip(CONSTRAINTS, _violations(c), strict=True):
            trial.set_constraint(name, value)
        if c.usd_per_pflop_day is None:
            raise optuna.TrialPruned()
        return c.usd_per_pflop_day, c.mass_kg_per_kw

    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.enqueue_trial({ALTITUDE: base.altitude_km, RADIATOR_TEMPERATURE: base.radiator_temperature_k,
                         ACCELERATORS: base.accelerators_per_satellite, SOLAR_ARRAY: base.solar_array})
    study.optimize(objective, n_trials=trials)
    feasible = [c for c in candidates if c.feasible]
    best = min(feasible, key=lambda c: c.usd_per_pflop_day) if feasible else None
    front = sorted(feasible, key=lambda c: (c.usd_per_pflop_day, c.mass_kg_per_kw))
    ground = float(evaluate(scenario, {})[GROUND_COST_METRIC][0])
    return SearchResult(scenario.name, trials, seed, ground, base, best, tuple(_pareto(front)), len(feasible))


def _pareto(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The front of candidates sorted by cost (then mass): each kept one is lighter per kW than every
    cheaper one, by more than :data:`OBJECTIVE_RELATIVE_TOLERANCE`."""
    out: list[Candidate] = []
    lightest = math.inf
    for c in candidates:
        if c.mass_kg_per_kw < lightest * (1.0 - OBJECTIVE_RELATIVE_TOLERANCE):
            out.append(c)
            lightest = c.mass_kg_per_kw
    return out
