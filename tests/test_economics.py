"""Economics: present values, replacement rules, and metrics that must agree with hand arithmetic."""

from __future__ import annotations

import pytest

from leodc.assessment import assess
from leodc.catalog import load_catalog
from leodc.constants import HOURS_PER_YEAR
from leodc.economics import terrestrial_economics
from leodc.economics.costs import fleets_bought
from leodc.economics.discount import present_value
from leodc.scenario import Terrestrial, load_scenario


def test_present_value_matches_the_annuity():
    assert present_value(10.0, 0.0, lump_now=5.0, rate_per_year=2.0) == pytest.approx(25.0)
    r = 0.07
    annuity_mid_year = sum((1 + r) ** -(k + 0.5) for k in range(10))
    assert present_value(10.0, r, rate_per_year=1.0) == pytest.approx(annuity_mid_year)
    # partial last year and a late start
    assert present_value(2.5, 0.0, rate_per_year=4.0, start_years=1.0) == pytest.approx(6.0)
    assert present_value(2.5, 0.0, rate_per_year=4.0, start_years=3.0) == 0.0


def test_fleets_bought_under_staggered_replacement():
    assert fleets_bought(10.0, 5.0) == 2.0
    assert fleets_bought(10.0, 15.0) == 1.0
    assert fleets_bought(10.0, 4.0) == 2.5


def test_seed_rule_costs_more_than_fcc_rule_with_a_long_design_life():
    fcc = assess(load_scenario("builtin:default", ["economics.design_life_years=10"]))
    seed = assess(load_scenario("builtin:default", ["economics.design_life_years=10",
                                                    "economics.replacement_rule=seed-5-year"]))
    assert fcc.economics.fleets_bought == 1.0 and seed.economics.fleets_bought == 2.0
    assert seed.economics.total_cost_usd > fcc.economics.total_cost_usd
    per_year = fcc.launch_loop.sustain_satellites_per_year
    assert seed.launch_loop.sustain_satellites_per_year == pytest.approx(2 * per_year)


def test_undiscounted_metrics_are_plain_ratios():
    a = assess(load_scenario("builtin:default", ["economics.discount_rate=0"]))
    e = a.economics
    assert e.lcoe_usd_per_mwh == pytest.approx(e.infrastructure_cost_usd / e.it_energy_mwh)
    assert e.usd_per_accelerator_hour == pytest.approx(e.total_cost_usd / e.accelerator_hours)
    assert e.usd_per_pflop_day == pytest.approx(e.total_cost_usd / e.pflop_days)
    parts = (e.accelerators_usd + e.satellite_hardware_usd + e.launch_usd + e.ground_segment_usd
             + e.operations_usd + e.rd_usd)
    assert parts == pytest.approx(e.total_cost_usd)
    fleet = a.design.fleet
    assert e.launch_usd == pytest.approx(fleet.mass_kg * e.launch_cost_usd_per_kg * e.fleets_bought)
    assert e.it_energy_mwh == pytest.approx(fleet.it_power_w * 0.99 * HOURS_PER_YEAR * 10 / 1e6)


def test_launch_price_is_a_lever():
    cheap = assess(load_scenario("builtin:default", ["fleet.launch_cost_usd_per_kg=10"]))
    dear = assess(load_scenario("builtin:default", ["fleet.launch_cost_usd_per_kg=3600"]))
    assert dear.economics.launch_usd == pytest.approx(cheap.economics.launch_usd * 360)
    assert dear.economics.launch_usd_per_kw_year == pytest.approx(cheap.economics.launch_usd_per_kw_year * 360)


def test_terrestrial_grid_energy_bill_by_hand():
    s = load_scenario("builtin:default", ["economics.discount_rate=0"])
    a = assess(s)
    t = terrestrial_economics(s, a.design, Terrestrial(name="g", power_option="grid-us-industrial",
                                                       datacenter="hyperscale"))
    cat = load_catalog()
    dc, grid = cat.datacenters["hyperscale"], cat.power_options["grid-us-industrial"]
    kwh = a.design.fleet.it_power_w / 1000 * HOURS_PER_YEAR * 10 * dc.capacity_factor.value * grid.availability.value
    assert t.energy_usd == pytest.approx(kwh * dc.pue.value * grid.electricity_usd_per_kwh.value)
    assert t.co2_kg == pytest.approx(kwh * dc.pue.value * grid.co2_kg_per_kwh.value)
    assert t.water_m3 == pytest.approx(kwh * dc.water_l_per_kwh.value / 1000)
    assert t.power_plant_usd == 0.0
    assert t.accelerators_usd == pytest.approx(a.economics.accelerators_usd)


def test_gas_price_and_carbon_follow_the_heat_rate():
    s = load_scenario("builtin:default")
    a = assess(s)
    t = terrestrial_economics(s, a.design, Terrestrial(name="gas", power_option="gas-turbine-ccgt",
                                                       datacenter="hyperscale"))
    gas = load_catalog().power_options["gas-turbine-ccgt"]
    assert t.electricity_usd_per_kwh == pytest.approx(gas.heat_rate_mj_per_kwh.value / 1000 * gas.fuel_usd_per_gj.value)
    assert t.co2_kg_per_kwh == pytest.approx(gas.heat_rate_mj_per_kwh.value / 1000 * gas.fuel_co2_kg_per_gj.value)
    assert t.power_plant_usd > 0


def test_energy_and_carbon_payback():
    a = assess(load_scenario("builtin:default"))
    en, fleet = a.energy, a.design.fleet
    v = load_catalog().launch_vehicles["starship-today"]
    assert en.launch_energy_kwh == pytest.approx(fleet.mass_kg * v.energy_kwh_per_kg_payload.value)
    assert en.energy_payback_years == pytest.approx(en.launch_energy_kwh / en.orbital_energy_kwh_per_year)
    assert en.carbon_payback_years == pytest.approx(en.launch_co2_kg / en.displaced_co2_kg_per_year)
    assert en.water_saved_m3 > 0


def test_accelerator_hours_count_chips():
    """A GB200 NVL72 rack is one catalog unit of 72 chips: 72 accelerator-hours per hour."""
    a = assess(load_scenario("builtin:default", ["compute.accelerator=gb200-nvl72",
                                                 "compute.accelerators_per_satellite=1"]))
    e, fleet = a.economics, a.design.fleet
    assert e.accelerator_hours == pytest.approx(fleet.accelerators * 72 * 0.99 * HOURS_PER_YEAR * 10)
