"""Bad input to the uncertainty stage prints one line, ``error: FILE: FIELD: expected...``, and exits 2.

Through the command line as a user runs it (a subprocess): sample counts that are negative, zero or not
whole; a bad seed or executor; an ``[uncertain]`` table with low > high, an unknown field, an unknown
distribution, parameters that do not fit it, a distribution reaching outside the field's bounds, a field
the closed form does not read, a catalog figure of a part the scenario does not use or one that a
scenario field sets. None of them leaves a run behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import one_line
from leodc.errors import EXIT_BAD_INPUT

LAUNCH = '"fleet.launch_cost_usd_per_kg"'


def scenario(tmp_path: Path, uncertain: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f"[uncertain]\n{uncertain}\n", encoding="utf-8")
    return path


@pytest.fixture
def good(tmp_path) -> Path:
    return scenario(tmp_path, f'{LAUNCH} = {{ dist = "triangular", low = 100, mode = 500, high = 1500 }}')


@pytest.mark.parametrize(("args", "option", "fragment"), [
    (["--samples", "-5"], "--samples", "positive whole number of samples (got -5)"),
    (["--samples", "0"], "--samples", "(got 0)"),
    (["--samples", "10", "--seed", "-1"], "--seed", "non-negative"),
    (["--samples", "10", "--workers", "0"], "--workers", "positive number of workers"),
    (["--samples", "10", "--workers", "2", "--cluster", "tcp://127.0.0.1:1"], "--workers", "not both"),
], ids=["negative-samples", "zero-samples", "negative-seed", "zero-workers", "workers-and-cluster"])
def test_bad_options(leodc_cli, good, tmp_path, args, option, fragment):
    home = tmp_path / "runs"
    one_line(leodc_cli("sweep", good, *args, "--out", home), option, None, fragment)
    assert not home.exists()


def test_samples_not_a_whole_number(leodc_cli, good, tmp_path):
    out = leodc_cli("sweep", good, "--samples", "1.5", "--out", tmp_path / "runs")
    assert out.returncode == EXIT_BAD_INPUT and "Traceback" not in out.stderr  # Click's usage error


@pytest.mark.parametrize(("entry", "field", "fragment"), [
    (f'{LAUNCH} = {{ dist = "triangular", low = 1500, mode = 500, high = 100 }}',
     "uncertain.fleet.launch_cost_usd_per_kg.high", "expected low < high"),
    (f'{LAUNCH} = {{ dist = "uniform", low = 2, high = 1 }}', "uncertain.fleet.launch_cost_usd_per_kg.high",
     "low < high"),
    (f'{LAUNCH} = {{ dist = "normal", mean = 500, sd = 100, low = 900, high = 100 }}',
     "uncertain.fleet.launch_cost_usd_per_kg.high", "low < high"),
    (f'{LAUNCH} = {{ dist = "triangular", low = 100, mode = 2000, high = 1500 }}',
     "uncertain.fleet.launch_cost_usd_per_kg.mode", "low <= mode <= high"),
    (f'{LAUNCH} = {{ dist = "lognormal", p5 = 600, p95 = 10 }}', "uncertain.fleet.launch_cost_usd_per_kg.p95",
     "p5 < p95"),
    ('"fleet.launch_cost_usd_per_kgg" = { dist = "uniform", low = 1, high = 2 }',
     "uncertain.fleet.launch_cost_usd_per_kgg", "unknown field"),
    ('"fleets.launch_cost_usd_per_kg" = { dist = "uniform", low = 1, high = 2 }',
     "uncertain.fleets.launch_cost_usd_per_kg", "unknown field"),
    (f'{LAUNCH} = {{ dist = "beta", low = 1, high = 2 }}', "uncertain.fleet.launch_cost_usd_per_kg.dist",
     "'triangular', 'uniform', 'lognormal' or 'normal'"),
    (f'{LAUNCH} = {{ dist = "lognormal", median = 500 }}', "uncertain.fleet.launch_cost_usd_per_kg.dist",
     "takes median, sigma or p5, p95"),
    (f'{LAUNCH} = {{ dist = "uniform", low = 1, high = 2, mode = 1.5 }}',
     "uncertain.fleet.launch_cost_usd_per_kg.dist", "takes low, high"),
    (f'{LAUNCH} = {{ dist = "normal", mean = 500, sd = 100 }}', "uncertain.fleet.launch_cost_usd_per_kg.dist",
     "takes mean, sd, low, high"),
    (f'{LAUNCH} = {{ dist = "lognormal", median = 500, sigma = -1 }}',
     "uncertain.fleet.launch_cost_usd_per_kg.sigma", "greater than 0"),
    (f'{LAUNCH} = {{ dist = "uniform", low = -100, high = 100 }}', "uncertain.fleet.launch_cost_usd_per_kg",
     "below the field's minimum 0"),
    ('"power.packing_factor" = { dist = "lognormal", median = 0.5, sigma = 0.2 }', "uncertain.power.packing_factor",
     "no upper end above the field's maximum 1"),
    ('"fleet.launch_vehicle" = { dist = "uniform", low = 1, high = 2 }', "uncertain.fleet.launch_vehicle",
     "not a numeric field"),
    ('"catalog.solar_arrays.thin-film.cost_usd_per_w" = { dist = "uniform", low = 1, high = 2 }',
     "uncertain.catalog.solar_arrays.thin-film.cost_usd_per_w", "the scenario uses solar_arrays entry"),
    ('"catalog.solar_arrays.rosa-class.packing_factor" = { dist = "uniform", low = 0.1, high = 0.2 }',
     "uncertain.catalog.solar_arrays.rosa-class.packing_factor", "power.packing_factor sets this figure"),
    ('"catalog.solar_arrays.rosa-class.cost_usd_per_kg" = { dist = "uniform", low = 1, high = 2 }',
     "uncertain.catalog.solar_arrays.rosa-class.cost_usd_per_kg", "no numeric figure"),
    ('"catalog.solar_arrays.rosa-class.degradation_per_year" = { dist = "uniform", low = 0.5, high = 1.5 }',
     "uncertain.catalog.solar_arrays.rosa-class.degradation_per_year", "above the field's maximum 1"),
    ('"fleet.target_accelerators" = { dist = "uniform", low = 1000, high = 2000 }\n'
     '"fleet.target_satellites" = { dist = "uniform", low = 10, high = 20 }',
     "uncertain.fleet.target_satellites", "at most"),
], ids=["triangular-low-above-high", "uniform-low-above-high", "normal-low-above-high", "mode-outside",
        "p5-above-p95", "unknown-field", "unknown-section", "unknown-dist", "missing-parameter", "extra-parameter",
        "normal-without-bounds", "negative-sigma", "below-field-minimum", "unbounded-on-a-fraction", "text-field",
        "part-not-used", "figure-set-by-a-field", "unknown-figure", "figure-above-one", "two-fleet-targets"])
def test_bad_uncertain_table(leodc_cli, tmp_path, entry, field, fragment):
    path = scenario(tmp_path, entry)
    home = tmp_path / "runs"
    one_line(leodc_cli("sweep", path, "--samples", "10", "--out", home), path, field, fragment)
    assert not home.exists()


def test_field_the_closed_form_does_not_read(leodc_cli, tmp_path):
    path = scenario(tmp_path, '"simulation.days" = { dist = "uniform", low = 1, high = 2 }')
    one_line(leodc_cli("sweep", path, "--samples", "10", "--out", tmp_path / "runs"), path,
             "uncertain.simulation.days", "not read by the closed-form design and economics")


def test_nothing_to_sample(leodc_cli, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "no uncertainty"\n', encoding="utf-8")
    one_line(leodc_cli("sweep", path, "--samples", "10", "--no-defaults", "--out", tmp_path / "runs"), path,
             "uncertain", "no distributions to sample")


def test_other_commands_refuse_a_bad_table_too(leodc_cli, tmp_path):
    path = scenario(tmp_path, f'{LAUNCH} = {{ dist = "uniform", low = 2, high = 1 }}')
    one_line(leodc_cli("design", path), path, "uncertain.fleet.launch_cost_usd_per_kg.high", "low < high")


def test_an_unreachable_cluster_is_refused_before_a_run_is_stored(leodc_cli, tmp_path):
    """Nothing listens on port 1: one line within seconds, exit 2, and no run in the catalog."""
    home = tmp_path / "runs"
    one_line(leodc_cli("sweep", "builtin:default", "--samples", "10", "--cluster", "tcp://127.0.0.1:1", "--out",
                       home), "--cluster", None, "no Dask scheduler answered")
    assert not home.exists() or not any(p.is_dir() for p in home.iterdir())
