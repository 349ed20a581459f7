"""Terrestrial baselines: the same accelerators and horizon in a data center on the ground.

Capex at t = 0: accelerators, the building with its power and cooling plant ($/W of IT), and the
power option's own plant (a gas turbine's $/kW, sized for IT × PUE). Accelerators are replaced on
the orbital fleet's mission life, so the comparison isolates the infrastructure. Running costs:
energy (IT × PUE × hours × capacity factor × price; gas price = heat rate × fuel price) and
operations. Water and CO2 follow the IT energy through WUE, PUE and the power's carbon intensity.
"""

from __future__ import annotations

from dataclasses import dataclass

from leodc.catalog import PowerOption, chosen, load_catalog
from leodc.constants import HOURS_PER_YEAR, MJ_PER_GJ
from leodc.design import Design
from leodc.economics.costs import W_PER_KW, delivered_work_usd, delivery_metrics, fleets_bought
from leodc.economics.discount import present_value
from leodc.scenario import Scenario, Terrestrial

LITRES_PER_M3 = 1000.0


@dataclass(frozen=True)
class TerrestrialEconomics:
    name: str
    power_option: str
    datacenter: str
    pue: float
    capacity_factor: float
    electricity_usd_per_kwh: float
    co2_kg_per_kwh: float
    accelerators_usd: float
    build_usd: float
    power_plant_usd: float
    energy_usd: float
    operations_usd: float
    total_cost_usd: float
    infrastructure_cost_usd: float
    lcoe_usd_per_mwh: float
    usd_per_accelerator_hour: float
    usd_per_pflop_day: float
    it_energy_mwh: float
    facility_energy_mwh: float
    water_m3: float
    co2_kg: float
    # with the workload stage: the terrestrial twins' delivered work (see costs.delivered_work_usd)
    usd_per_delivered_pflop_day: float | None = None
    usd_per_million_tokens: float | None = None


def electricity_price_usd_per_kwh(option: PowerOption) -> float:
    if option.electricity_usd_per_kwh is not None:
        return option.electricity_usd_per_kwh.value
    return option.heat_rate_mj_per_kwh.value / MJ_PER_GJ * option.fuel_usd_per_gj.value


def carbon_kg_per_kwh(option: PowerOption) -> float:
    if option.co2_kg_per_kwh is not None:
        return option.co2_kg_per_kwh.value
    return option.heat_rate_mj_per_kwh.value / MJ_PER_GJ * option.fuel_co2_kg_per_gj.value


def default_baselines(scenario: Scenario) -> list[Terrestrial]:
    """The scenario's own terrestrial power option, and the grid and gas options of the catalog."""
    names = [scenario.economics.terrestrial_power, "grid-us-industrial", "gas-turbine-ccgt"]
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return [Terrestrial(name=n, power_option=n, datacenter=scenario.economics.datacenter) for n in seen]


def terrestrial_economics(scenario: Scenario, d: Design, t: Terrestrial, goodput: float | None = None,
                          tokens_per_accelerator_hour: float | None = None) -> TerrestrialEconomics:
    """The same accelerators on the ground; ``goodput`` and ``tokens_per_accelerator_hour``: the workload
    stage's terrestrial twins, for the cost of delivered work."""
    cat = load_catalog()
    option = cat.power_options[t.power_option]
    dc = cat.datacenters[t.datacenter]
    acc = cat.accelerators[d.satellite.accelerator]
    ec = scenario.economics
    pue = chosen(t.pue, dc.pue)
    cf = chosen(t.capacity_factor, dc.capacity_factor)
    price = (t.electricity_usd_per_kwh if t.electricity_usd_per_kwh is not None
             else electricity_price_usd_per_kwh(option))
    water = chosen(t.water_l_per_kwh, dc.water_l_per_kwh)
    build_per_w = chosen(t.build_usd_per_w, dc.build_usd_per_w)
    co2 = carbon_kg_per_kwh(option)
    availability = cf * option.availability.value

    it_w = d.fleet.it_power_w
    life = d.satellite.mission_life_years
    fleets = fleets_bought(ec.horizon_years, life)
    accelerators_once = d.fleet.accelerators * acc.unit_price_usd.value
    build = it_w * build_per_w
    plant = it_w * pue / W_PER_KW * option.capex_usd_per_kw.value
    it_kwh_per_year = it_w / W_PER_KW * HOURS_PER_YEAR * availability
    energy_per_year = it_kwh_per_year * pue * price
    ops_per_year = it_w * dc.operations_usd_per_w_year.value
    h, r = ec.horizon_years, ec.discount_rate

    def pv(include_accelerators: bool) -> float:
        acc_now = accelerators_once if include_accelerators else 0.0
        return (present_value(h, r, lump_now=acc_now + build + plant)
                + present_value(h, r, rate_per_year=acc_now / life, start_years=life)
                + present_value(h, r, rate_per_year=energy_per_year + ops_per_year))

    delivered = delivery_metrics(pv(True), pv(False), it_w, d.fleet.accelerators, acc.chips_per_unit.value,
                                 acc.peak_bf16_dense_flops.value, availability, h, r)
    per_pflop_day, per_million = delivered_work_usd(pv(True), d.fleet.accelerators, acc.chips_per_unit.value,
                                                    acc.peak_bf16_dense_flops.value, availability, h, r, goodput,
                                                    tokens_per_accelerator_hour)
    accelerators = accelerators_once * fleets
    total = accelerators + build + plant + (energy_per_year + ops_per_year) * h
    return TerrestrialEconomics(
        name=t.name,
        power_option=t.power_option,
        datacenter=t.datacenter,
        pue=pue,
        capacity_factor=cf,
        electricity_usd_per_kwh=price,
        co2_kg_per_kwh=co2,
        accelerators_usd=accelerators,
        build_usd=build,
        power_plant_usd=plant,
        energy_usd=energy_per_year * h,
        operations_usd=ops_per_year * h,
        total_cost_usd=total,
        infrastructure_cost_usd=total - accelerators,
        lcoe_usd_per_mwh=delivered.lcoe_usd_per_mwh,
        usd_per_accelerator_hour=delivered.usd_per_accelerator_hour,
        usd_per_pflop_day=delivered.usd_per_pflop_day,
        it_energy_mwh=delivered.it_energy_mwh,
        facility_energy_mwh=delivered.it_energy_mwh * pue,
        water_m3=it_kwh_per_year * h * water / LITRES_PER_M3,
        co2_kg=it_kwh_per_year * pue * co2 * h,
        usd_per_delivered_pflop_day=per_pflop_day,
        usd_per_million_tokens=per_million,
    )
