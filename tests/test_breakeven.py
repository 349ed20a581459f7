"""Break-even (issue 12): the value of one input at which orbit and ground cost the same, checked by a
direct evaluation (leodc.assessment.assess and the terrestrial baseline, one validated scenario) within
0.5 %; and "no break-even in [a, b]" where there is none, checked at the bracket's ends."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import PUBLISHED, one_line
from leodc.assessment import assess
from leodc.economics import terrestrial_economics
from leodc.economics.terrestrial import default_baselines
from leodc.scenario import catalog_key, load_scenario, with_overrides
from leodc.uncertainty.breakeven import CHECK_TOLERANCE, breakeven, default_keys
from leodc.uncertainty.evaluate import catalog_figures
from test_sensitivity import leodc_in_process

ONE_GW = PUBLISHED / "starlink-1gw.toml"
LAUNCH = "fleet.launch_cost_usd_per_kg"
# the 1 GW example with the claim's array and mass (the ladder's rungs) against a dearer ground, an enterprise
# data center on simple-cycle gas: the one case of these in which the launch price decides (see the report)
CLAIM_PARTS_AGAINST_A_DEARER_GROUND = ['power.solar_array="thin-film"', "satellite.specific_power_w_per_kg=100.0",
                                       'economics.datacenter="enterprise"',
                                       'economics.terrestrial_power="gas-turbine-simple-cycle"']
# a step either side of a break-even, to see that orbit's advantage changes sign there
SIDE_STEP = 0.1


def direct(scenario, values: dict[str, float]) -> tuple[float, float]:
    """Orbit's and the ground's $/PFLOP-day with ``values`` set, through assess() (not the fast path)."""
    fields = {k: v for k, v in values.items() if catalog_key(k) is None}
    figures = {catalog_key(k): v for k, v in values.items() if catalog_key(k) is not None}
    with catalog_figures(figures):
        sc = with_overrides(scenario, fields)
        a = assess(sc)
        ground = terrestrial_economics(sc, a.design, default_baselines(sc)[0])
    return a.economics.usd_per_pflop_day, ground.usd_per_pflop_day


def test_the_1gw_example_has_no_break_even_launch_price():
    """The done-when of issue 12, as leodc finds it: no launch price >= 0 brings the 1 GW example to the
    ground's cost. Orbit's cost is linear and rising in the launch price, so the direct evaluation at a free
    launch (the bracket's low end) settles it: orbit still costs ~31x the ground there."""
    sc = load_scenario(ONE_GW)
    r = breakeven(sc, LAUNCH)
    assert r.value is None and r.roots == () and r.bracket == (0.0, 1e6)
    orbit_free, ground = direct(sc, {LAUNCH: 0.0})
    orbit_base, _ = direct(sc, {})
    assert orbit_free > ground and orbit_base > orbit_free
    assert r.ratio_at_low == pytest.approx(orbit_free / ground, rel=1e-9)
    assert "no break-even in [0, 1e+06]" in r.verdict


def test_break_even_launch_price_is_checked_by_direct_evaluation():
    """Where a break-even launch price exists, assess() at that price gives orbit and ground within 0.5 %,
    and orbit's advantage changes sign across it."""
    sc = load_scenario(ONE_GW, CLAIM_PARTS_AGAINST_A_DEARER_GROUND)
    r = breakeven(sc, LAUNCH)
    assert r.value is not None and 0.0 < r.value < r.base  # below the scenario's $1,000/kg
    orbit, ground = direct(sc, {LAUNCH: r.value})
    assert abs(orbit - ground) / ground <= CHECK_TOLERANCE
    assert r.check_relative_difference <= CHECK_TOLERANCE
    below, above = (direct(sc, {LAUNCH: r.value * (1.0 + s)}) for s in (-SIDE_STEP, SIDE_STEP))
    assert below[0] < below[1] and above[0] > above[1]


def test_break_even_of_a_catalog_figure_that_both_sides_share():
    """The accelerator's price moves the ground as well; at a high enough price orbit's better availability
    wins (the 1 GW example: ~$8 M a GPU). Checked the same way."""
    sc = load_scenario(ONE_GW)
    key = f"catalog.accelerators.{sc.compute.accelerator}.unit_price_usd"
    r = breakeven(sc, key)
    assert r.value is not None and r.value > r.base
    orbit, ground = direct(sc, {key: r.value})
    assert abs(orbit - ground) / ground <= CHECK_TOLERANCE


def test_default_fields():
    sc = load_scenario("builtin:default")
    assert default_keys(sc) == [LAUNCH, "catalog.solar_arrays.rosa-class.cost_usd_per_w",
                                "satellite.specific_power_w_per_kg"]
    r = breakeven(sc, "satellite.specific_power_w_per_kg")  # unset: the design's bottom-up W/kg is the base
    assert r.base == pytest.approx(assess(sc).design.satellite.bottom_up_specific_power_w_per_kg)
    assert r.value is None and np.isfinite(r.ratio_at_low) and 1.0 < r.ratio_at_high < r.ratio_at_low


@pytest.mark.parametrize("args, option, field, fragment", [
    (["--field", "fleet.launch_price_usd_per_kg"], "--field", "fleet.launch_price_usd_per_kg", "unknown field"),
    (["--field", "power.solar_array"], "--field", "power.solar_array", "not a numeric field"),
    (["--low", "5000", "--high", "100"], "--low/--high", None, "LOW < HIGH"),
    (["--field", LAUNCH, "--low", "-5"], "--field", LAUNCH, "below the field's minimum"),
])
def test_bad_input_is_one_line(capsys, monkeypatch, args, option, field, fragment):
    one_line(leodc_in_process(capsys, monkeypatch, "breakeven", "builtin:default", *args), option, field, fragment)
