"""Sensitivity (issue 12): the tornado and the Sobol' indices rank the assumptions, agree on the top driver
for the bundled default and the 1 GW example, and refuse bad input with one line and exit 2."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import PUBLISHED, one_line
from leodc.cli import run
from leodc.scenario import load_scenario
from leodc.uncertainty.evaluate import COST_METRIC, reference
from leodc.uncertainty.sensitivity import (
    METRICS,
    UncertainInput,
    scenario_inputs,
    sensitivity,
    sobol,
)

SCENARIOS = {"default": "builtin:default", "1gw": PUBLISHED / "starlink-1gw.toml"}
# Sobol' base samples: N (d + 2) = 2,048 evaluations for the six built-in drivers, milliseconds on the fast path
BASE_SAMPLES = 256
SEED = 7
# a tornado end against the same value through leodc.assessment.assess: the same arithmetic in another order
SAME_VALUE_REL = 1e-9


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def result(request):
    sc = load_scenario(SCENARIOS[request.param])
    return sc, sensitivity(sc, base_samples=BASE_SAMPLES, seed=SEED)


def test_tornado_and_sobol_agree_on_the_top_driver(result):
    """The done-when of issue 12: on orbit's cost per PFLOP-day and on its ratio to the ground's, the largest
    one-at-a-time swing and the largest total-order index name the same input: the array's $/W."""
    sc, r = result
    for metric in METRICS:
        assert r.tornado[metric].top == r.sobol[metric].top, metric
    assert r.tornado[COST_METRIC].top == f"catalog.solar_arrays.{sc.power.solar_array}.cost_usd_per_w"


def test_indices_are_shares_of_the_variance(result):
    """0 <= S_i <= ST_i (within the bootstrap interval) and the first-order shares sum to at most one."""
    _, r = result
    for s in r.sobol.values():
        first = np.array([i.first_order for i in s.indices])
        total = np.array([i.total_order for i in s.indices])
        conf = np.array([i.first_order_conf + i.total_order_conf for i in s.indices])
        assert np.all(first >= -conf) and np.all(total >= first - conf)
        assert first.sum() <= 1.0 + conf.sum()
        assert s.evaluations == BASE_SAMPLES * (len(r.inputs) + 2)
    for t in r.tornado.values():
        swings = [b.swing for b in t.bars]
        assert swings == sorted(swings, reverse=True)


def test_tornado_ends_are_the_direct_evaluation(result):
    """The top bar's two ends, again through assess() (one validated scenario each, catalog figures set)."""
    sc, r = result
    bar = r.tornado[COST_METRIC].bars[0]
    direct = reference(sc, {bar.key: np.array([bar.low, bar.high])})[COST_METRIC]
    assert bar.metric_at_low == pytest.approx(direct[0], rel=SAME_VALUE_REL)
    assert bar.metric_at_high == pytest.approx(direct[1], rel=SAME_VALUE_REL)
    assert r.tornado[COST_METRIC].base_metric == pytest.approx(
        reference(sc, {})[COST_METRIC][0], rel=SAME_VALUE_REL)


def test_seeded_indices_repeat():
    sc = load_scenario(SCENARIOS["default"])
    inputs = scenario_inputs(sc)[:3]
    a, b = (sobol(sc, inputs, base_samples=64, seed=SEED)[COST_METRIC] for _ in range(2))
    assert a == b


def test_the_uncertain_table_is_the_input(tmp_path):
    """A scenario's [uncertain] table replaces the built-in drivers; a lognormal's tornado ends are its
    5th and 95th percentiles."""
    path = tmp_path / "s.toml"
    path.write_text('[uncertain]\n"fleet.launch_cost_usd_per_kg" = { dist = "uniform", low = 200, high = 4000 }\n'
                    '"catalog.solar_arrays.rosa-class.cost_usd_per_w" = { dist = "lognormal", p5 = 100, p95 = 1000 }\n',
                    encoding="utf-8")
    inputs = scenario_inputs(load_scenario(path))
    assert [i.key for i in inputs] == ["fleet.launch_cost_usd_per_kg", "catalog.solar_arrays.rosa-class.cost_usd_per_w"]
    assert inputs[0].ends() == (200.0, 4000.0)
    assert inputs[1].ends() == pytest.approx((100.0, 1000.0))
    assert all(isinstance(i, UncertainInput) for i in inputs)


def leodc_in_process(capsys, monkeypatch, *args: str) -> subprocess.CompletedProcess:
    """The command line's entry point (``leodc.cli.run``) in this process, as a user's subprocess would see it:
    exit code and both streams (the modules are imported already, so a bad option costs milliseconds)."""
    monkeypatch.setattr(sys, "argv", ["leodc", *map(str, args)])
    with pytest.raises(SystemExit) as exc:
        run()
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, exc.value.code or 0, out.out, out.err)


@pytest.mark.parametrize("args, option, field, fragment", [
    (["--sobol", "-5"], "--sobol", None, "positive power of two"),
    (["--sobol", "100"], "--sobol", None, "power of two"),
    (["--input", "fleet.launch_cost_usd_per_kg=4000:200"], "--input", "fleet.launch_cost_usd_per_kg", "LOW < HIGH"),
    (["--input", "fleet.launch_price=1:2"], "--input", "fleet.launch_price", "unknown field"),
])
def test_bad_input_is_one_line(capsys, monkeypatch, args, option, field, fragment):
    one_line(leodc_in_process(capsys, monkeypatch, "sensitivity", "builtin:default", *args), option, field, fragment)
