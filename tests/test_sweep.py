"""The Monte Carlo core (leodc.uncertainty): the fast path against the reference, the distributions, seeded
and executor-independent sweeps, and ``leodc sweep`` stored as a run.

The fast path (:func:`leodc.uncertainty.evaluate.evaluate`, the closed form vectorised over samples) must
give what :func:`leodc.assessment.assess` gives for each sample's scenario, validated again, to 1e-9
relative, for every numeric output, on the bundled default and the published examples (a stated specific
power, the seed's 5-year rule, a stated shield thickness, a thin-film array, inclined orbits).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy import stats

from conftest import PUBLISHED
from leodc.assessment import assess
from leodc.catalog import load_catalog
from leodc.cli import _run_metrics
from leodc.economics import terrestrial_economics
from leodc.economics.terrestrial import default_baselines
from leodc.runs.layout import RunLayout, SweepStage
from leodc.runs.store import CATALOG_FILE, RunStore
from leodc.scenario import Distribution, load_scenario
from leodc.uncertainty.distributions import (
    DEFAULT_CONFIDENCES,
    RELATIVE_SPREAD_BY_CONFIDENCE,
    default_distributions,
    ppf,
    sweep_distributions,
)
from leodc.uncertainty.evaluate import (
    CATALOG_FIGURES_READ,
    COST_METRIC,
    COST_RATIO,
    FEASIBLE,
    GROUND_COST_METRIC,
    HEADLINE_METRICS,
    evaluate,
    reference,
    used_parts,
)
from leodc.uncertainty.sampling import CHUNK_SAMPLES, Chunk, draw
from leodc.uncertainty.sweep import sweep

RELATIVE_TOLERANCE = 1e-9
REFERENCE_SAMPLES = 10  # per scenario: the reference path takes ~70 ms a sample
SCENARIOS = ["builtin:default", PUBLISHED / "starlink-1gw.toml", PUBLISHED / "spacex-fcc-2026.toml",
             PUBLISHED / "starcloud-2024.toml", PUBLISHED / "suncatcher-2025.toml"]
# scenario fields sampled beside each scenario's defaults, with ranges wide enough to move every step
EXTRA_UNIFORM = {
    "economics.discount_rate": (0.0, 0.12),
    "economics.horizon_years": (3.0, 15.5),
    "economics.design_life_years": (2.0, 9.0),
    "economics.availability": (0.8, 1.0),
    "economics.operations_usd_per_satellite_year": (1e4, 1e5),
    "compute.accelerators_per_satellite": (8.0, 128.0),
    "compute.host_overhead_fraction": (0.1, 0.8),
    "compute.bus_power_w": (500.0, 5000.0),
    "power.eclipse_margin_fraction": (0.0, 0.2),
    "power.sun_incidence_deg": (0.0, 30.0),
    "thermal.radiator_temperature_k": (300.0, 360.0),
    "thermal.earth_view_factor": (0.2, 0.6),
    "environment.solar_constant_w_per_m2": (1321.0, 1413.0),
    "satellite.drag_area_fraction": (0.3, 0.7),
    "fleet.launches_per_year": (5.0, 50.0),
}
SMALL_SWEEP = 25_000  # three chunks, the last one partial
DASK_WORKERS = 2
SEED = 20260320


def _samples(scenario, n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    u = rng.random((n, 1))
    out = {key: ppf(dist, rng.random(n)) for key, (dist, _) in sweep_distributions(scenario).items()}
    out.update({key: lo + (hi - lo) * rng.random(n) for key, (lo, hi) in EXTRA_UNIFORM.items()})
    # two orbits (each computed once) and a fleet target that replaces the one stated
    out["orbit.altitude_km"] = np.where(u[:, 0] < 0.5, 550.0, 700.0)
    out["fleet.target_accelerators"] = rng.uniform(1e3, 1e5, n)
    return out


def _assert_close(fast: dict, slow: dict) -> None:
    assert set(slow) <= set(fast), set(slow) - set(fast)
    assert np.array_equal(fast[FEASIBLE], slow[FEASIBLE])
    ok = slow[FEASIBLE]
    for key in slow:
        a, b = fast[key][ok].astype(float), slow[key][ok].astype(float)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        rel = np.abs(a - b) / np.maximum(np.abs(b), np.finfo(float).tiny)
        assert np.all(same | (rel <= RELATIVE_TOLERANCE)), (key, a, b)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p).rsplit("/", 1)[-1])
def test_fast_path_matches_assess_for_random_samples(path):
    sc = load_scenario(path)
    samples = _samples(sc, REFERENCE_SAMPLES, seed=len(str(path)))
    fast, slow = evaluate(sc, samples), reference(sc, samples)
    assert slow[FEASIBLE].sum() >= REFERENCE_SAMPLES // 2  # the comparison is about numbers, not refusals
    _assert_close(fast, slow)


def test_no_samples_is_the_scenario_itself():
    sc = load_scenario(PUBLISHED / "starlink-1gw.toml")
    a = assess(sc)
    ground = terrestrial_economics(sc, a.design, default_baselines(sc)[0])
    fast = evaluate(sc, {})
    assert fast[COST_METRIC][0] == pytest.approx(a.economics.usd_per_pflop_day, rel=RELATIVE_TOLERANCE)
    assert fast[GROUND_COST_METRIC][0] == pytest.approx(ground.usd_per_pflop_day, rel=RELATIVE_TOLERANCE)
    assert fast["fleet.launches"][0] == a.design.fleet.launches


def test_a_sample_the_design_refuses_is_infeasible_on_both_paths():
    sc = load_scenario("builtin:default")
    # a cold radiator facing the sun absorbs more than it emits; an eclipse path better than the battery allows
    samples = {"thermal.radiator_temperature_k": np.array([320.0, 150.0, 320.0]),
               "thermal.solar_view_factor": np.array([0.0, 1.0, 0.0]),
               "power.eclipse_path_efficiency": np.array([0.65, 0.65, 0.84])}
    fast, slow = evaluate(sc, samples), reference(sc, samples)
    assert fast[FEASIBLE].tolist() == slow[FEASIBLE].tolist() == [True, False, False]
    assert math.isnan(fast[COST_METRIC][1])
    _assert_close(fast, slow)


# ---------------------------------------------------------------------------------------------- distributions
@pytest.mark.parametrize(("dist", "frozen"), [
    (Distribution(dist="triangular", low=100, mode=500, high=1500), stats.triang(400 / 1400, loc=100, scale=1400)),
    (Distribution(dist="uniform", low=2, high=5), stats.uniform(loc=2, scale=3)),
    (Distribution(dist="lognormal", median=300, sigma=0.7), stats.lognorm(0.7, scale=300)),
    (Distribution(dist="lognormal", p5=10, p95=600),
     stats.lognorm(math.log(60) / (2 * stats.norm.ppf(0.95)), scale=math.sqrt(6000))),
    (Distribution(dist="normal", mean=0.07, sd=0.02, low=0.02, high=0.1),
     stats.truncnorm(-2.5, 1.5, loc=0.07, scale=0.02)),
], ids=["triangular", "uniform", "lognormal", "lognormal-p5-p95", "normal"])
def test_inverse_cdfs_match_scipy(dist, frozen):
    u = np.linspace(0.001, 0.999, 999)
    assert np.allclose(ppf(dist, u), frozen.ppf(u), rtol=1e-9, atol=0)


def test_lognormal_stated_by_percentiles_has_them():
    dist = Distribution(dist="lognormal", p5=10, p95=600)
    assert ppf(dist, np.array([0.05, 0.95])) == pytest.approx([10, 600], rel=1e-12)


def test_defaults_cover_every_low_confidence_figure_read():
    sc = load_scenario("builtin:default")
    defaults = default_distributions(sc)
    cat = load_catalog()
    expected = 0
    for kind, name in used_parts(sc).items():
        for figure in CATALOG_FIGURES_READ[kind]:
            fig = getattr(cat.kind(kind)[name], figure)
            if fig is not None and fig.confidence in DEFAULT_CONFIDENCES:
                expected += 1
    assert len(defaults) == expected > 10
    # the launch price goes on the scenario field that sets it, with the low-confidence spread
    launch, source = defaults["fleet.launch_cost_usd_per_kg"]
    price = cat.launch_vehicles[sc.fleet.launch_vehicle].cost_usd_per_kg.value
    spread = RELATIVE_SPREAD_BY_CONFIDENCE["low"]
    assert (launch.dist, launch.low, launch.mode, launch.high) == ("triangular", price * (1 - spread), price,
                                                                   price * (1 + spread))
    assert source.startswith("default")
    # a fraction is cut at one
    assert defaults["catalog.datacenters.hyperscale.capacity_factor"][0].high == 1.0


def test_stated_distributions_replace_defaults_and_stated_fields_have_none(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[fleet]\nlaunch_cost_usd_per_kg = 300.0\n[uncertain]\n'
                    '"catalog.solar_arrays.rosa-class.cost_usd_per_w" = { dist = "uniform", low = 10, high = 50 }\n',
                    encoding="utf-8")
    sc = load_scenario(path)
    entries = sweep_distributions(sc)
    assert entries["catalog.solar_arrays.rosa-class.cost_usd_per_w"][1] == "[uncertain]"
    assert "fleet.launch_cost_usd_per_kg" not in entries  # the scenario states its own price
    assert list(sweep_distributions(sc, defaults=False)) == ["catalog.solar_arrays.rosa-class.cost_usd_per_w"]


def test_a_file_that_extends_replaces_an_entry_whole(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text('[uncertain]\n'
                    '"fleet.launch_cost_usd_per_kg" = { dist = "triangular", low = 1, mode = 2, high = 3 }\n'
                    '"economics.rd_usd" = { dist = "uniform", low = 1e8, high = 1e9 }\n', encoding="utf-8")
    top = tmp_path / "top.toml"
    top.write_text('extends = "base.toml"\n[uncertain]\n'
                   '"fleet.launch_cost_usd_per_kg" = { dist = "uniform", low = 100, high = 200 }\n', encoding="utf-8")
    sc = load_scenario(top)
    assert sc.uncertain["fleet.launch_cost_usd_per_kg"].parameters() == {"low": 100.0, "high": 200.0}
    assert sc.uncertain["fleet.launch_cost_usd_per_kg"].dist == "uniform"
    assert "economics.rd_usd" in sc.uncertain


# ---------------------------------------------------------------------------------------------- sweeps
def test_chunk_samples_depend_on_seed_and_index_only():
    dists = {"fleet.launch_cost_usd_per_kg": Distribution(dist="uniform", low=1, high=2)}
    a = draw(Chunk(3, 3 * CHUNK_SAMPLES, 10, SEED), dists)
    b = draw(Chunk(3, 0, 10, SEED), dists)
    c = draw(Chunk(4, 3 * CHUNK_SAMPLES, 10, SEED), dists)
    assert np.array_equal(a["fleet.launch_cost_usd_per_kg"], b["fleet.launch_cost_usd_per_kg"])
    assert not np.array_equal(a["fleet.launch_cost_usd_per_kg"], c["fleet.launch_cost_usd_per_kg"])


def test_seeded_sweep_is_reproducible():
    sc = load_scenario("builtin:default")
    a, b = sweep(sc, SMALL_SWEEP, seed=SEED), sweep(sc, SMALL_SWEEP, seed=SEED)
    other = sweep(sc, SMALL_SWEEP, seed=SEED + 1)
    assert a.summary["metrics"] == b.summary["metrics"]
    for key in a.inputs:
        assert np.array_equal(a.inputs[key], b.inputs[key])
    assert a.summary["metrics"] != other.summary["metrics"]
    summary = a.summary
    assert summary["samples"] == SMALL_SWEEP and summary["seed"] == SEED
    assert set(summary["metrics"]) == set(HEADLINE_METRICS)
    cost = summary["metrics"][COST_METRIC]
    assert cost["p5"] < cost["p50"] < cost["p95"]
    ratio = a.metrics[COST_RATIO][a.metrics[FEASIBLE]]
    assert summary["p_orbit_cheaper"] == pytest.approx(float(np.mean(ratio < 1.0)))


@pytest.mark.slow
def test_local_cluster_gives_the_quantiles_of_the_local_executor():
    sc = load_scenario("builtin:default")
    local = sweep(sc, SMALL_SWEEP, seed=SEED)
    dask = sweep(sc, SMALL_SWEEP, seed=SEED, workers=DASK_WORKERS)
    assert dask.summary["executor"].startswith("dask")
    assert dask.summary["metrics"] == local.summary["metrics"]
    assert dask.summary["p_orbit_cheaper"] == local.summary["p_orbit_cheaper"]
    for key in local.metrics:
        assert np.array_equal(local.metrics[key], dask.metrics[key], equal_nan=key != FEASIBLE)


def test_leodc_sweep_stores_a_run(leodc_cli, tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('[uncertain]\n"fleet.launch_cost_usd_per_kg" = { dist = "triangular", low = 100, mode = 500, '
                        'high = 1500 }\n', encoding="utf-8")
    home = tmp_path / "runs"
    out = leodc_cli("sweep", scenario, "--samples", "2000", "--seed", "7", "--out", home, "--json")
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    record = RunStore(home).get(printed["run"])
    assert record.status == "complete" and record.stage == "sweep"
    assert record.metrics["p_orbit_cheaper"] == printed["p_orbit_cheaper"]
    layout = RunLayout(RunStore(home).run_dir(printed["run"]))
    assert layout.is_sweep and layout.missing() == []
    stage = SweepStage.read(layout)
    assert stage.summary["metrics"] == printed["metrics"]
    assert stage.summary["distributions"]["fleet.launch_cost_usd_per_kg"]["source"] == "[uncertain]"
    table = pq.read_table(layout.sweep_samples)
    assert table.num_rows == 2000
    assert {"sample", "fleet.launch_cost_usd_per_kg", COST_METRIC, FEASIBLE} <= set(table.column_names)
    launch = table.column("fleet.launch_cost_usd_per_kg").to_numpy()
    assert launch.min() >= 100 and launch.max() <= 1500
    # the catalog rebuilt from the run directories knows the sweep as complete, with its figures
    (home / CATALOG_FILE).unlink()
    RunStore(home).rebuild(metrics=_run_metrics)
    rebuilt = RunStore(home).get(printed["run"])
    assert rebuilt.status == "complete" and rebuilt.metrics == record.metrics
