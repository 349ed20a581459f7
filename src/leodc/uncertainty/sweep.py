"""``leodc sweep``: Monte Carlo over a scenario's distributions, on the closed-form design and economics.

:func:`sweep` draws ``samples`` samples of the sweep's distributions (the scenario's ``[uncertain]`` table
over leodc's defaults for low-confidence catalog figures: :mod:`leodc.uncertainty.distributions`), in
chunks (:mod:`leodc.uncertainty.sampling`), evaluates each chunk with the fast path
(:func:`leodc.uncertainty.evaluate.evaluate`), here or on Dask (``workers``: a local cluster of processes;
``cluster``: a running scheduler), and summarises them: the 5th, 50th and 95th percentiles and the mean
of every headline metric over the feasible samples, and the probability that orbit costs less than the
ground per PFLOP-day (:data:`leodc.uncertainty.evaluate.COST_BASIS` says on which figure). Chunks come back
in order whatever the executor, and each chunk's samples depend only on the seed and its index, so a
seeded sweep gives the same samples, metrics and quantiles here and on any cluster.

The caller stores the result as a run (``runs.layout.SweepStage``: ``sweep/summary.json``, the summary;
``sweep/samples.parquet``, every sample's inputs and headline metrics).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from leodc.errors import InputError
from leodc.scenario import Distribution, Scenario
from leodc.simulate.executors import require_cluster, run_tasks
from leodc.uncertainty.distributions import sweep_distributions
from leodc.uncertainty.evaluate import (
    COST_BASIS,
    COST_METRIC,
    COST_RATIO,
    FEASIBLE,
    GROUND_COST_METRIC,
    HEADLINE_METRICS,
    INTEGER_FIELDS,
    check_keys,
    evaluate,
)
from leodc.uncertainty.sampling import CHUNK_SAMPLES, Chunk, chunks, draw, new_seed

# the percentiles a summary reports for each metric
PERCENTILES = (5, 50, 95)
SAMPLE_COLUMN = "sample"


@dataclass(frozen=True)
class ChunkResult:
    """One chunk's samples (by key) and headline metrics (by name, with ``feasible``)."""

    index: int
    inputs: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]

    @property
    def work(self) -> int:
        """The samples this chunk evaluated (the executor's unit of progress)."""
        return len(self.metrics[FEASIBLE])


def run_chunk(chunk: Chunk, scenario: Scenario, distributions: dict[str, Distribution]) -> ChunkResult:
    """Draw one chunk's samples and evaluate them."""
    inputs = draw(chunk, distributions)
    inputs = {k: np.rint(v) if k in INTEGER_FIELDS else v for k, v in inputs.items()}
    metrics = evaluate(scenario, inputs)
    return ChunkResult(chunk.index, inputs, {k: metrics[k] for k in (*HEADLINE_METRICS, FEASIBLE)})


def _run_task(chunk: Chunk, progress: Callable[[int], None] | None = None, *,
              shared: tuple[Scenario, dict[str, Distribution]]) -> ChunkResult:
    """:func:`run_chunk` as the shared executor runs it (``simulate.executors.run_tasks``): the scenario
    and the distributions, alike for every chunk, are ``shared`` (sent to each Dask worker once)."""
    result = run_chunk(chunk, *shared)
    if progress is not None:
        progress(result.work)
    return result


@dataclass(frozen=True)
class SweepResult:
    """A sweep's summary (what ``sweep/summary.json`` holds) and its samples."""

    summary: dict
    inputs: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]

    def table(self):
        """Every sample as one row of an Arrow table: ``sample``, the inputs by key, the headline metrics,
        ``feasible``."""
        import pyarrow as pa

        n = self.summary["samples"]
        return pa.table({SAMPLE_COLUMN: np.arange(n), **self.inputs, **self.metrics})


def summarise(metrics: dict[str, np.ndarray]) -> dict:
    """Percentiles (:data:`PERCENTILES`) and mean of each headline metric over the feasible samples, and the
    probability that orbit costs less than the ground per PFLOP-day."""
    ok = metrics[FEASIBLE]
    out = {}
    for name in HEADLINE_METRICS:
        values = metrics[name][ok]
        values = values[np.isfinite(values)]
        if values.size == 0:
            out[name] = {f"p{p}": None for p in PERCENTILES} | {"mean": None}
            continue
        quantiles = np.percentile(values, PERCENTILES)
        out[name] = {f"p{p}": float(q) for p, q in zip(PERCENTILES, quantiles, strict=True)}
        out[name]["mean"] = float(np.mean(values))
    ratio = metrics[COST_RATIO][ok]
    p_cheaper = float(np.mean(ratio < 1.0)) if ratio.size else None
    return {"metrics": out, "p_orbit_cheaper": p_cheaper}


def _executor(workers: int | None, cluster: str | None) -> str:
    if cluster:
        return f"dask {cluster}"
    if workers:
        return f"dask LocalCluster, {workers} workers"
    return "local"


def check_options(samples, seed, workers, cluster) -> None:
    """Refuse a sample count, seed or executor that cannot run (one line naming the option)."""
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise InputError("--samples", None, f"expected a positive whole number of samples (got {samples!r})")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0):
        raise InputError("--seed", None, f"expected a non-negative whole number (got {seed!r})")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1):
        raise InputError("--workers", None, f"expected a positive number of workers (got {workers!r})")
    if workers is not None and cluster:
        raise InputError("--workers", None, "expected --workers or --cluster, not both")


def prepare(scenario: Scenario, samples, seed=None, workers=None, cluster=None, defaults: bool = True
            ) -> dict[str, tuple[Distribution, str]]:
    """Check a sweep's options and distributions before it runs; the distributions and their sources."""
    check_options(samples, seed, workers, cluster)
    entries = sweep_distributions(scenario, defaults)
    if not entries:
        raise InputError(scenario.stated_in(""), "uncertain", "no distributions to sample; expected an [uncertain] "
                         "table (or leodc's defaults, which this scenario's catalog parts do not call for)")
    check_keys(scenario, entries)
    require_cluster(cluster)  # an unreachable or malformed address is refused before anything is stored
    return entries


def headline(summary: dict) -> dict:
    """A sweep's figures for the run catalog (``runs list``, ``runs show``): sample count, the probability
    that orbit beats the ground, the medians of the cost metrics."""
    m = summary["metrics"]
    return {
        "samples": summary["samples"], "seed": summary["seed"], "feasible_samples": summary["feasible_samples"],
        "p_orbit_cheaper": summary["p_orbit_cheaper"],
        "usd_per_pflop_day_p50": m[COST_METRIC]["p50"], "ground_usd_per_pflop_day_p50": m[GROUND_COST_METRIC]["p50"],
        "orbit_to_ground_cost_ratio_p50": m[COST_RATIO]["p50"],
        "usd_per_accelerator_hour_p50": m["economics.usd_per_accelerator_hour"]["p50"],
        "total_cost_usd_p50": m["economics.total_cost_usd"]["p50"],
    }


def sweep(scenario: Scenario, samples: int, seed: int | None = None, workers: int | None = None,
          cluster: str | None = None, progress: bool = False, defaults: bool = True) -> SweepResult:
    """Monte Carlo over the scenario's distributions on the closed-form design and economics.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario; its ``[uncertain]`` table states distributions.
    samples : int
        How many samples (at least 1).
    seed : int, optional
        The seed (a non-negative integer); a fresh one when None (recorded in the summary).
    workers : int, optional
        Evaluate on a local Dask cluster of this many processes.
    cluster : str, optional
        Evaluate on the Dask scheduler at this address (``tcp://HOST:PORT``).
    progress : bool
        Show a progress bar on stderr.
    defaults : bool
        Add leodc's defaults for low-confidence catalog figures the scenario does not state
        (:func:`leodc.uncertainty.distributions.default_distributions`).

    Returns
    -------
    SweepResult
        The summary (``samples``, ``seed``, the distributions and their sources, ``metrics``: p5/p50/p95/mean
        per headline metric, ``p_orbit_cheaper`` and ``cost_basis``) and every sample's inputs and metrics.

    Raises
    ------
    leodc.errors.InputError
        No samples, a bad seed or executor, no distributions, or a field the closed form does not read.
    """
    entries = prepare(scenario, samples, seed, workers, cluster, defaults)
    distributions = {k: d for k, (d, _) in entries.items()}
    seed = new_seed() if seed is None else int(seed)
    tasks = chunks(int(samples), seed)
    t0 = time.perf_counter()
    parts = list(run_tasks(_run_task, tasks, workers=workers, cluster=cluster, progress=progress, total=int(samples),
                           label="sweep", unit="samples", shared=(scenario, distributions)))
    wall_s = time.perf_counter() - t0
    inputs = {k: np.concatenate([p.inputs[k] for p in parts]) for k in distributions}
    metrics = {k: np.concatenate([p.metrics[k] for p in parts]) for k in (*HEADLINE_METRICS, FEASIBLE)}
    feasible = int(np.count_nonzero(metrics[FEASIBLE]))
    summary = {
        "scenario": {"name": scenario.name, "digest": scenario.digest()},
        "samples": int(samples), "seed": seed, "chunk_samples": CHUNK_SAMPLES,
        "feasible_samples": feasible, "infeasible_fraction": 1.0 - feasible / samples,
        "executor": _executor(workers, cluster), "wall_s": wall_s, "samples_per_s": samples / wall_s,
        "cost_metric": COST_METRIC, "ground_cost_metric": GROUND_COST_METRIC, "cost_basis": COST_BASIS,
        **summarise(metrics),
        "distributions": {k: {"dist": d.dist, **d.parameters(), "source": source}
                          for k, (d, source) in entries.items()},
    }
    return SweepResult(summary, inputs, metrics)


# ---------------------------------------------------------------------------------------------- the report's analyses
# A sweep run also stores what its report draws beside the distribution (``runs.layout.SweepAnalysesStage``:
# sweep/tornado.json, sweep/ladder.json, sweep/front.parquet), computed from the run's own files (its
# inputs and the distributions its summary lists) so that they can be made again from them. Each is cheap:
# a tornado is two closed-form evaluations per input, the ladder one per rung, the design search a short
# seeded Optuna study (~2 s for ANALYSIS_SEARCH_TRIALS trials).
ANALYSIS_SEARCH_TRIALS = 50
ANALYSIS_SEARCH_SEED = 1
# the front's table: a candidate's fields, then whether it is on the Pareto front, the scenario's own design,
# the cheapest feasible design
FRONT_FLAGS = ("on_front", "is_base", "is_best")
FRONT_METADATA_KEY = b"leodc.search"


@dataclass(frozen=True)
class SweepAnalyses:
    """What a sweep's report draws beside its distribution: the tornado (one-at-a-time swings of the
    sweep's inputs), the built-in ladder to the claim, and the design search's Pareto front (an Arrow table
    whose schema metadata, key :data:`FRONT_METADATA_KEY`, holds the search's settings as JSON)."""

    tornado: dict
    ladder: dict
    front: object  # pyarrow.Table


def sweep_inputs(scenario: Scenario, summary: dict) -> list:
    """The sweep's distributions (its summary's ``distributions``) as the sensitivity stage's inputs, each
    at the scenario's value (:class:`leodc.uncertainty.sensitivity.UncertainInput`)."""
    from leodc.uncertainty.sensitivity import UncertainInput, base_value

    reference = evaluate(scenario, {})
    out = []
    for key, entry in summary["distributions"].items():
        params = {k: v for k, v in entry.items() if k not in ("dist", "source")}
        dist = Distribution(dist=entry["dist"], **params)
        out.append(UncertainInput(key, dist, base_value(scenario, key, reference), str(entry.get("source", ""))))
    return out


def tornado_analysis(scenario: Scenario, summary: dict) -> dict:
    """The tornado of the sweep's inputs on orbit's cost per PFLOP-day and its ratio to the ground's: each
    input at its low and high end (:meth:`UncertainInput.ends`), the others at the scenario's values."""
    from leodc.uncertainty.sensitivity import tornado

    inputs = sweep_inputs(scenario, summary)
    base = evaluate(scenario, {})
    return {"scenario": scenario.name, "cost_metric": COST_METRIC,
            "base_usd_per_pflop_day": float(base[COST_METRIC][0]),
            "ground_usd_per_pflop_day": float(base[GROUND_COST_METRIC][0]),
            "inputs": [i.to_dict() for i in inputs],
            "tornado": {m: t.to_dict() for m, t in tornado(scenario, inputs).items()}}


def ladder_analysis(scenario: Scenario) -> dict:
    """The built-in ladder (:func:`leodc.uncertainty.ladder.default_ladder`) from the scenario's parts to the
    claim; where a rung cannot be applied to this scenario, no steps and the one line that says why."""
    from leodc.uncertainty.ladder import climb

    try:
        return {"ladder": "default", "error": None, **climb(scenario).to_dict()}
    except InputError as exc:
        return {"ladder": "default", "error": str(exc), "scenario": scenario.name, "first_below_ground": None,
                "steps": []}


def front_analysis(scenario: Scenario, trials: int = ANALYSIS_SEARCH_TRIALS, seed: int = ANALYSIS_SEARCH_SEED):
    """The design search's Pareto front of cost per PFLOP-day against mass per kW, with the scenario's own
    design and the cheapest one, as an Arrow table (one row per candidate, :data:`FRONT_FLAGS`); the
    search's settings (trials, seed, feasible trials, the ground's cost) in its schema metadata."""
    import json
    from dataclasses import asdict

    import pyarrow as pa

    from leodc.uncertainty.search import Candidate, search

    meta = {"scenario": scenario.name, "trials": int(trials), "seed": int(seed), "error": None}
    try:
        result = search(scenario, trials, seed)
    except InputError as exc:
        meta["error"] = str(exc)
        rows, meta = [], meta | {"feasible_trials": 0, "ground_usd_per_pflop_day": None}
    else:
        meta |= {"feasible_trials": result.feasible_trials, "ground_usd_per_pflop_day": result.ground_usd_per_pflop_day}
        picked: dict[int, dict] = {}
        for c in (*result.front, result.base, *([result.best] if result.best else [])):
            picked.setdefault(c.trial, asdict(c) | dict.fromkeys(FRONT_FLAGS, False))
        for c in result.front:
            picked[c.trial]["on_front"] = True
        picked[result.base.trial]["is_base"] = True
        if result.best is not None:
            picked[result.best.trial]["is_best"] = True
        rows = sorted(picked.values(), key=lambda r: r["trial"])
    names = [f.name for f in fields(Candidate)] + list(FRONT_FLAGS)
    table = pa.table({n: [r[n] for r in rows] for n in names}) if rows else pa.table({n: [] for n in names})
    return table.replace_schema_metadata({FRONT_METADATA_KEY: json.dumps(meta).encode()})


def front_settings(table) -> dict:
    """The design search's settings stored with its front (:func:`front_analysis`)."""
    import json

    return json.loads((table.schema.metadata or {}).get(FRONT_METADATA_KEY, b"{}"))


def analyses(scenario: Scenario, summary: dict, trials: int = ANALYSIS_SEARCH_TRIALS,
             seed: int = ANALYSIS_SEARCH_SEED) -> SweepAnalyses:
    """The tornado, the ladder and the front of a sweep (what its run stores for its report).

    Parameters
    ----------
    scenario : Scenario
        The swept scenario (the run's ``inputs.json``).
    summary : dict
        The sweep's summary (its ``distributions`` are the tornado's inputs).
    trials, seed : int
        The design search's trials and seed.

    Returns
    -------
    SweepAnalyses
    """
    return SweepAnalyses(tornado_analysis(scenario, summary), ladder_analysis(scenario),
                         front_analysis(scenario, trials, seed))
