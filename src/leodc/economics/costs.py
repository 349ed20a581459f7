"""Cost of an orbital fleet over a horizon and what it delivers.

Initial fleet, ground segment and R&D are spent at t = 0. Satellites are replaced at the end of
their mission life (design life, or 5 years under the seed's reading of the FCC rule), staggered:
from t = L on, 1/L of the fleet's hardware and launch is bought each year, so a horizon H buys
1 + max(0, H - L)/L fleets. Operations are a rate per satellite-year.

LCOE counts every cost but the accelerators against the IT energy delivered; $/accelerator-hour and
$/PFLOP-day count every cost against accelerator-hours and peak dense bf16 PFLOP-days delivered.
All three are present values at the scenario's discount rate; totals are undiscounted.

With ``economics.learning_curves`` each cost item's unit price falls with the units the fleet has bought
(Wright's law in its unit form, :mod:`leodc.economics.learning`): the initial fleet is units 1..n of the
fleet's line, the replacements bought in each year of the horizon the next ones, each year's purchase
costed over its own units and discounted as that year's flow. Off, every price is the catalog's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from leodc.catalog import chosen, load_catalog
from leodc.constants import HOURS_PER_DAY, HOURS_PER_YEAR
from leodc.design import Design, dose_limited_life_years
from leodc.economics.discount import present_value
from leodc.economics.learning import cost_between, fleet_learning_rates
from leodc.errors import InputError
from leodc.scenario import Scenario
from leodc.simulate.output import SimulationFiles

W_PER_KW = 1000.0
WH_PER_MWH = 1e6
FLOPS_PER_PFLOPS = 1e15
TOKENS_PER_MILLION = 1e6


@dataclass(frozen=True)
class Delivery:
    lcoe_usd_per_mwh: float
    usd_per_accelerator_hour: float
    usd_per_pflop_day: float
    it_energy_mwh: float  # undiscounted, over the horizon
    accelerator_hours: float
    pflop_days: float


def delivery_metrics(pv_total_usd: float, pv_infrastructure_usd: float, it_power_w: float, units: int,
                     chips_per_unit: float, flops_per_unit: float, availability: float, horizon_years: float,
                     discount_rate: float) -> Delivery:
    """Metrics per unit delivered, from present values of cost and of deliveries at constant rates.

    An accelerator-hour is one chip for one hour (a 72-GPU rack counts 72).
    """
    pv_years = present_value(horizon_years, discount_rate, rate_per_year=1.0)
    mwh_per_year = it_power_w * availability * HOURS_PER_YEAR / WH_PER_MWH
    acc_h_per_year = units * chips_per_unit * availability * HOURS_PER_YEAR
    pflop_days_per_year = units * flops_per_unit / FLOPS_PER_PFLOPS * availability * HOURS_PER_YEAR / HOURS_PER_DAY
    return Delivery(
        lcoe_usd_per_mwh=pv_infrastructure_usd / (mwh_per_year * pv_years),
        usd_per_accelerator_hour=pv_total_usd / (acc_h_per_year * pv_years),
        usd_per_pflop_day=pv_total_usd / (pflop_days_per_year * pv_years),
        it_energy_mwh=mwh_per_year * horizon_years,
        accelerator_hours=acc_h_per_year * horizon_years,
        pflop_days=pflop_days_per_year * horizon_years,
    )


@dataclass(frozen=True)
class OrbitalEconomics:
    horizon_years: float
    discount_rate: float
    replacement_rule: str
    mission_life_years: float
    fleets_bought: float
    launch_cost_usd_per_kg: float
    accelerators_usd: float
    solar_array_usd: float
    battery_usd: float
    radiator_usd: float
    bus_and_shielding_usd: float
    satellite_hardware_usd: float
    launch_usd: float
    replacement_usd: float  # the part of accelerators, hardware and launch bought after t = 0
    ground_segment_usd: float
    operations_usd: float
    rd_usd: float
    total_cost_usd: float
    infrastructure_cost_usd: float  # total less accelerators
    availability: float
    life_basis: str  # "design", or the simulation run whose measurements set life and availability
    lcoe_usd_per_mwh: float
    usd_per_accelerator_hour: float
    usd_per_pflop_day: float
    launch_usd_per_kw_year: float
    it_energy_mwh: float
    accelerator_hours: float
    pflop_days: float
    # with the workload stage: cost per PFLOP-day of useful training compute (the training job's
    # goodput applied to the fleet's peak) and per million output tokens served (at the inference job's
    # tokens per accelerator-hour); None without it
    usd_per_delivered_pflop_day: float | None = None
    usd_per_million_tokens: float | None = None


def delivered_work_usd(pv_total_usd: float, units: float, chips_per_unit: float, flops_per_unit: float,
                       base_availability: float, horizon_years: float, discount_rate: float,
                       goodput: float | None, tokens_per_accelerator_hour: float | None
                       ) -> tuple[float | None, float | None]:
    """Cost per delivered PFLOP-day and per million tokens: the present value of the cost over the
    present value of the useful work. ``goodput`` (useful / peak FLOP while held) already carries the
    throttling, faults and links, so it scales only the operator's ``base_availability``."""
    pv_years = present_value(horizon_years, discount_rate, rate_per_year=1.0)
    hours_per_year = base_availability * HOURS_PER_YEAR
    per_pflop_day = per_million = None
    if goodput:
        pflop_days = units * flops_per_unit / FLOPS_PER_PFLOPS * goodput * hours_per_year / HOURS_PER_DAY
        per_pflop_day = pv_total_usd / (pflop_days * pv_years)
    if tokens_per_accelerator_hour:
        tokens = units * chips_per_unit * hours_per_year * tokens_per_accelerator_hour
        per_million = pv_total_usd / (tokens * pv_years) * TOKENS_PER_MILLION
    return per_pflop_day, per_million


def launch_usd_per_kw_year(mass_kg: float, launch_cost_usd_per_kg: float, power_w: float,
                           life_years: float) -> float:
    """Launch cost per kW-year of delivered power: mass × $/kg ÷ (power × life) (Suncatcher §2.4)."""
    return mass_kg * launch_cost_usd_per_kg / (power_w / W_PER_KW * life_years)


@dataclass(frozen=True)
class Measured:
    """What a simulation run measured, replacing the closed form's assumptions where given:
    delivered compute (throttling), and the dose that sets the accelerators' life."""

    compute_fraction: float  # fleet mean share of compute delivered over the run
    dose_rad_per_year: float | None  # fleet mean, behind the design's shielding
    source: str
    # the workload stage's delivered work, when it ran
    goodput: float | None = None  # the training job's useful / peak FLOP
    tokens_per_accelerator_hour: float | None = None  # output tokens served per accelerator-hour held


def measured_from_run(run_dir) -> Measured:
    """Fleet means from a simulation directory's per-satellite table (``simulate.output``)."""
    files = SimulationFiles(run_dir).require()
    try:
        sats = files.read("satellites", columns=["compute_fraction", "dose_rad_per_year"])
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(str(files.satellites), None, f"unreadable ({type(exc).__name__}); expected the "
                         "satellites table a simulation wrote") from None
    # satellites SGP4 could not fly at every step are left out of the means (their figures are NaN)
    dose = float(np.nanmean(sats["dose_rad_per_year"])) if "dose_rad_per_year" in sats else None
    return Measured(float(np.nanmean(sats["compute_fraction"])), dose, str(run_dir))


def fleets_bought(horizon_years: float, mission_life_years: float) -> float:
    return 1.0 + max(0.0, horizon_years - mission_life_years) / mission_life_years


# the catalog kind whose part sets each satellite-hardware item's learning figures (the bus's price covers
# the shielding too); accelerators and launch take theirs from the scenario or leodc's defaults
LEARNING_PART = {"solar_array": ("solar_arrays", "power", "solar_array"),
                 "battery": ("batteries", "power", "battery"),
                 "radiator": ("radiators", "thermal", "radiator"),
                 "bus_and_shielding": ("buses", "satellite", "bus")}


class LearnedPurchases:
    """A fleet's purchases priced on learning curves (:mod:`leodc.economics.learning`).

    The initial fleet is units 1..n of each item's line for the fleet; from t = L on the fleet buys n / L
    satellites a year, and the purchase of each year of the horizon [k, k + 1) is units n + (k − L) n / L
    to n + (k + 1 − L) n / L, costed over those units and discounted as that year's flow
    (:func:`leodc.economics.discount.present_value`, mid-year). Without learning (every rate 0) the costs
    and present values are those of the catalog prices.

    Parameters
    ----------
    scenario : Scenario
        Its parts and ``economics`` (horizon, discount rate, learning rates and units before).
    per_sat : dict of str to float
        Each cost item's catalog cost per satellite (USD).
    satellites : int
        The fleet's satellites, n.
    life_years : float
        The mission life, L.
    """

    def __init__(self, scenario: Scenario, per_sat: dict[str, float], satellites: int, life_years: float):
        cat, ec = load_catalog(), scenario.economics
        catalog_rates: dict[str, float | None] = {}
        units_before: dict[str, float] = {}
        for item, (kind, section, field) in LEARNING_PART.items():
            part = cat.kind(kind)[getattr(getattr(scenario, section), field)]
            catalog_rates[item] = None if part.learning_rate is None else float(part.learning_rate.value)
            before = part.learning_units_before
            units_before[item] = 0.0 if before is None else float(before.value)
        self.rates = fleet_learning_rates(catalog_rates, ec.learning_rates)
        self.units_before = {item: float(ec.learning_units_before.get(item, units_before.get(item, 0.0)))
                             for item in per_sat}
        self.per_sat, self.n, self.life = per_sat, float(satellites), life_years
        self.horizon, self.discount_rate = ec.horizon_years, ec.discount_rate
        self.initial = {k: self._cost(k, 0.0, self.n) for k in per_sat}
        bought = self.n * fleets_bought(self.horizon, life_years)
        self.totals = {k: self._cost(k, 0.0, bought) for k in per_sat}

    def _cost(self, item: str, first_units: float, last_units: float) -> float:
        return self.per_sat[item] * cost_between(first_units, last_units, self.rates[item], self.units_before[item])

    def _units_by(self, t_years: float) -> float:
        """Units bought by time t (the initial fleet at t = 0, then n / L a year from t = L)."""
        return self.n + max(0.0, t_years - self.life) * self.n / self.life

    def present_value(self, include_accelerators: bool, upfront_usd: float, operations_per_year: float) -> float:
        """Present value of the fleet's costs: the initial fleet, ground segment and R&D now, each year's
        replacements as that year's flow, operations at a constant rate.

        Parameters
        ----------
        include_accelerators : bool
            False for the infrastructure's cost (LCOE).
        upfront_usd : float
            Ground segment and R&D, spent at t = 0.
        operations_per_year : float
            The fleet's operations (USD per year).

        Returns
        -------
        float
            The present value (USD).
        """
        items = [k for k in self.per_sat if include_accelerators or k != "accelerators"]
        pv = present_value(self.horizon, self.discount_rate, lump_now=sum(self.initial[k] for k in items) + upfront_usd)
        pv += present_value(self.horizon, self.discount_rate, rate_per_year=operations_per_year)
        for year in range(math.ceil(self.horizon)):
            start, end = max(float(year), self.life), min(year + 1.0, self.horizon)
            if end <= start:
                continue
            first, last = self._units_by(start), self._units_by(end)
            cost = sum(self._cost(k, first, last) for k in items)
            pv += present_value(self.horizon, self.discount_rate, rate_per_year=cost / (end - start), start_years=start,
                                end_years=end)
        return pv


def orbital_economics(scenario: Scenario, d: Design, measured: Measured | None = None) -> OrbitalEconomics:
    """Costs and deliveries over the horizon; with ``measured`` (a simulation run), the run's
    delivered compute scales availability and its dose caps the mission life."""
    cat = load_catalog()
    ec, sat, fl = scenario.economics, d.satellite, d.fleet
    acc = cat.accelerators[sat.accelerator]
    array = cat.solar_arrays[scenario.power.solar_array]
    batt = cat.batteries[scenario.power.battery]
    radiator = cat.radiators[scenario.thermal.radiator]
    bus = cat.buses[scenario.satellite.bus]
    vehicle = cat.launch_vehicles[scenario.fleet.launch_vehicle]
    usd_per_kg = chosen(scenario.fleet.launch_cost_usd_per_kg, vehicle.cost_usd_per_kg)

    n = fl.satellites
    life = sat.mission_life_years
    availability = ec.availability
    life_basis = "design"
    if measured is not None:
        availability *= measured.compute_fraction
        life_basis = f"simulation run {measured.source}"
        life = min(life, dose_limited_life_years(acc, measured.dose_rad_per_year))
    per_sat = {
        "accelerators": sat.accelerators * acc.unit_price_usd.value,
        "solar_array": sat.solar_array_bol_power_w * array.cost_usd_per_w.value,
        "battery": sat.battery_energy_wh * batt.cost_usd_per_wh.value,
        "radiator": sat.radiator_area_m2 * radiator.cost_usd_per_m2.value,
        # with a stated specific power the structure shrinks or grows with the stated mass
        "bus_and_shielding": ((sat.bus_mass_kg + sat.shielding_mass_kg) * bus.cost_usd_per_kg.value
                              * sat.mass_kg / sat.bottom_up_mass_kg),
        "launch": sat.mass_kg * usd_per_kg,
    }
    fleets = fleets_bought(ec.horizon_years, life)
    operations_per_year = n * ec.operations_usd_per_satellite_year
    if ec.learning_curves:
        learned = LearnedPurchases(scenario, per_sat, n, life)
        fleet_capex = sum(learned.initial.values())
        totals = learned.totals
    else:
        learned = None
        fleet_capex = n * sum(per_sat.values())
        totals = {k: n * v * fleets for k, v in per_sat.items()}
    hardware = totals["solar_array"] + totals["battery"] + totals["radiator"] + totals["bus_and_shielding"]
    total = sum(totals.values()) + ec.ground_segment_usd + operations_per_year * ec.horizon_years + ec.rd_usd

    def pv(include_accelerators: bool) -> float:
        if learned is not None:
            return learned.present_value(include_accelerators, ec.ground_segment_usd + ec.rd_usd,
                                         operations_per_year)
        capex = fleet_capex - (0.0 if include_accelerators else n * per_sat["accelerators"])
        upfront = capex + ec.ground_segment_usd + ec.rd_usd
        return (present_value(ec.horizon_years, ec.discount_rate, lump_now=upfront)
                + present_value(ec.horizon_years, ec.discount_rate, rate_per_year=capex / life, start_years=life)
                + present_value(ec.horizon_years, ec.discount_rate, rate_per_year=operations_per_year))

    delivered = delivery_metrics(pv(True), pv(False), fl.it_power_w, fl.accelerators, acc.chips_per_unit.value,
                                 acc.peak_bf16_dense_flops.value, availability, ec.horizon_years,
                                 ec.discount_rate)
    per_pflop_day, per_million = delivered_work_usd(
        pv(True), fl.accelerators, acc.chips_per_unit.value, acc.peak_bf16_dense_flops.value, ec.availability,
        ec.horizon_years, ec.discount_rate, measured.goodput if measured else None,
        measured.tokens_per_accelerator_hour if measured else None)
    return OrbitalEconomics(
        horizon_years=ec.horizon_years,
        discount_rate=ec.discount_rate,
        replacement_rule=ec.replacement_rule,
        mission_life_years=life,
        fleets_bought=fleets,
        launch_cost_usd_per_kg=usd_per_kg,
        accelerators_usd=totals["accelerators"],
        solar_array_usd=totals["solar_array"],
        battery_usd=totals["battery"],
        radiator_usd=totals["radiator"],
        bus_and_shielding_usd=totals["bus_and_shielding"],
        satellite_hardware_usd=hardware,
        launch_usd=totals["launch"],
        replacement_usd=(fleet_capex * (fleets - 1.0) if learned is None
                         else sum(totals.values()) - fleet_capex),
        ground_segment_usd=ec.ground_segment_usd,
        operations_usd=operations_per_year * ec.horizon_years,
        rd_usd=ec.rd_usd,
        total_cost_usd=total,
        infrastructure_cost_usd=total - totals["accelerators"],
        availability=availability,
        life_basis=life_basis,
        lcoe_usd_per_mwh=delivered.lcoe_usd_per_mwh,
        usd_per_accelerator_hour=delivered.usd_per_accelerator_hour,
        usd_per_pflop_day=delivered.usd_per_pflop_day,
        launch_usd_per_kw_year=launch_usd_per_kw_year(sat.mass_kg, usd_per_kg, sat.power_w, life),
        it_energy_mwh=delivered.it_energy_mwh,
        accelerator_hours=delivered.accelerator_hours,
        pflop_days=delivered.pflop_days,
        usd_per_delivered_pflop_day=per_pflop_day,
        usd_per_million_tokens=per_million,
    )
