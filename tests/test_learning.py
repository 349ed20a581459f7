"""Learning curves in the fleet's economics (``economics.learning_curves``; leodc.economics.learning).

* Off by default: the bundled default's figures are the catalog prices', unchanged.
* On with every rate zero, every figure equals the one without learning (the yearly replacement flows sum
  to the constant-rate flow).
* On: satellite hardware costs the catalog price times the learning curve's cumulative factor over the
  units bought (hand arithmetic), accelerators and launch do not learn, the part's catalog figures are
  read and the scenario's per-item overrides replace them; undiscounted metrics are plain ratios.
* Bad learning figures are refused: one line, exit 2.
"""

from __future__ import annotations

import itertools
import typing
from dataclasses import asdict

import pytest
from pydantic import ValidationError

from leodc.assessment import assess
from leodc.catalog import Figure, SolarArray, load_catalog
from leodc.economics.costs import LEARNING_PART
from leodc.economics.learning import (
    COST_ITEMS,
    DEFAULT_LEARNING_RATES,
    HARDWARE_LEARNING_RATE,
    cost_between,
    cumulative_cost,
    fleet_learning_rates,
)
from leodc.errors import EXIT_BAD_INPUT, InputError
from leodc.scenario import LearningItem, load_scenario

ON = "economics.learning_curves=true"
ALL_ZERO = "economics.learning_rates={" + ", ".join(f"{k} = 0" for k in COST_ITEMS) + "}"
SAME = 1e-12
MASS_PRODUCED = ["power.solar_array=starlink-silicon", "satellite.bus=starlink-v2-mini-class"]
HARDWARE = ("solar_array", "battery", "radiator", "bus_and_shielding")
FIELD_OF = {"solar_array": "solar_array_usd", "battery": "battery_usd", "radiator": "radiator_usd",
            "bus_and_shielding": "bus_and_shielding_usd"}


def _numbers(economics) -> dict[str, float]:
    return {k: v for k, v in asdict(economics).items() if isinstance(v, float)}


def test_items_agree_across_modules():
    assert set(typing.get_args(LearningItem)) == set(COST_ITEMS) == set(DEFAULT_LEARNING_RATES)
    assert set(LEARNING_PART) == set(HARDWARE)
    assert {DEFAULT_LEARNING_RATES[k] for k in HARDWARE} == {HARDWARE_LEARNING_RATE}
    assert DEFAULT_LEARNING_RATES["accelerators"] == DEFAULT_LEARNING_RATES["launch"] == 0.0


def test_off_by_default():
    sc = load_scenario("builtin:default")
    assert sc.economics.learning_curves is False
    assert assess(sc).economics.usd_per_accelerator_hour == pytest.approx(39.6043, rel=1e-5)


def test_zero_rates_equal_no_learning():
    off = _numbers(assess(load_scenario("builtin:default")).economics)
    zero = _numbers(assess(load_scenario("builtin:default", [ON, ALL_ZERO])).economics)
    assert zero.keys() == off.keys()
    for key, value in off.items():
        assert zero[key] == pytest.approx(value, rel=SAME, abs=1e-9), key


@pytest.mark.parametrize("extra", [[], MASS_PRODUCED, ["economics.horizon_years=12.5"]])
def test_hardware_costs_follow_the_curve(extra):
    off = assess(load_scenario("builtin:default", extra))
    on = assess(load_scenario("builtin:default", [*extra, ON]))
    e0, e1 = off.economics, on.economics
    n = off.design.fleet.satellites
    bought = n * e0.fleets_bought
    cat = load_catalog()
    parts = {"solar_array": cat.solar_arrays[on.scenario.power.solar_array],
             "battery": cat.batteries[on.scenario.power.battery],
             "radiator": cat.radiators[on.scenario.thermal.radiator],
             "bus_and_shielding": cat.buses[on.scenario.satellite.bus]}
    for item, field in FIELD_OF.items():
        part = parts[item]
        rate = HARDWARE_LEARNING_RATE if part.learning_rate is None else part.learning_rate.value
        before = 0.0 if part.learning_units_before is None else part.learning_units_before.value
        per_sat = getattr(e0, field) / bought
        assert getattr(e1, field) == pytest.approx(per_sat * cumulative_cost(bought, rate, before), rel=1e-9), item
        assert getattr(e1, field) < getattr(e0, field)
    assert e1.accelerators_usd == pytest.approx(e0.accelerators_usd, rel=SAME)
    assert e1.launch_usd == pytest.approx(e0.launch_usd, rel=SAME)
    assert e1.total_cost_usd < e0.total_cost_usd
    assert e1.usd_per_accelerator_hour < e0.usd_per_accelerator_hour


def test_parts_learning_figures_are_read_and_overrides_replace_them():
    base = assess(load_scenario("builtin:default", [*MASS_PRODUCED, ON])).economics
    from_zero = assess(load_scenario("builtin:default", [*MASS_PRODUCED, ON,
                                                         "economics.learning_units_before={solar_array = 0}"]))
    assert from_zero.economics.solar_array_usd < base.solar_array_usd  # learning from the line's first unit
    faster = assess(load_scenario("builtin:default", [*MASS_PRODUCED, ON,
                                                      "economics.learning_rates={solar_array = 0.3}"]))
    assert faster.economics.solar_array_usd < base.solar_array_usd
    assert faster.economics.bus_and_shielding_usd == base.bus_and_shielding_usd
    launch = assess(load_scenario("builtin:default", [ON, "economics.learning_rates={launch = 0.1}"])).economics
    assert launch.launch_usd < assess(load_scenario("builtin:default", [ON])).economics.launch_usd


def test_undiscounted_metrics_are_plain_ratios_with_learning():
    e = assess(load_scenario("builtin:default", [ON, "economics.discount_rate=0"])).economics
    assert e.usd_per_accelerator_hour == pytest.approx(e.total_cost_usd / e.accelerator_hours, rel=SAME)
    assert e.lcoe_usd_per_mwh == pytest.approx(e.infrastructure_cost_usd / e.it_energy_mwh, rel=SAME)
    parts = (e.accelerators_usd + e.satellite_hardware_usd + e.launch_usd + e.ground_segment_usd
             + e.operations_usd + e.rd_usd)
    assert parts == pytest.approx(e.total_cost_usd, rel=SAME)


def test_purchases_telescope():
    """The yearly purchases of the replacement stream add up to the whole, at fractional unit counts."""
    rate, before = 0.15, 6000.0
    edges = [0.0, 1158.0, 1389.6, 1621.2, 1852.8, 2084.4, 2316.0]
    pieces = sum(cost_between(a, b, rate, before) for a, b in itertools.pairwise(edges))
    assert pieces == pytest.approx(cumulative_cost(edges[-1], rate, before), rel=SAME)
    assert cumulative_cost(1.0, rate, before) == pytest.approx(1.0)  # the fleet's first unit: the catalog price
    assert cumulative_cost(2.5, 0.0) == 2.5


def test_rates_precedence():
    rates = fleet_learning_rates({"solar_array": 0.2, "battery": None}, {"battery": 0.05, "launch": 0.1})
    assert rates["solar_array"] == 0.2 and rates["battery"] == 0.05 and rates["launch"] == 0.1
    assert rates["radiator"] == HARDWARE_LEARNING_RATE and rates["accelerators"] == 0.0


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5])
def test_functions_refuse_bad_rates(bad):
    with pytest.raises(ValueError, match="learning rate"):
        cumulative_cost(10.0, bad)


def test_catalog_refuses_a_bad_learning_rate():
    fig = load_catalog().solar_arrays["starlink-silicon"].model_dump()
    fig["learning_rate"] = Figure(value=1.2, source="test", year=2026, confidence="low")
    with pytest.raises(ValidationError, match="learning_rate"):
        SolarArray.model_validate(fig)


@pytest.mark.parametrize(("override", "field"), [
    ("economics.learning_rates={solar_array = 1.0}", "economics.learning_rates.solar_array"),
    ("economics.learning_rates={solar_arrays = 0.1}", "economics.learning_rates.solar_arrays"),
    ("economics.learning_units_before={battery = -1}", "economics.learning_units_before.battery"),
])
def test_scenario_refuses_bad_learning_fields(override, field):
    with pytest.raises(InputError) as info:
        load_scenario("builtin:default", [override])
    assert info.value.field.startswith(field.rsplit(".", 1)[0])


def test_bad_learning_field_is_one_line(leodc_cli):
    out = leodc_cli("design", "builtin:default", "--set", "economics.learning_rates={launch = 2}")
    assert out.returncode == EXIT_BAD_INPUT
    assert out.stderr.count("\n") == 1 and "learning_rates" in out.stderr and "Traceback" not in out.stderr
