"""The closed-form design and economics of many samples at once: the fast path of ``leodc sweep``.

:func:`evaluate` is the function the uncertainty stage builds on (Monte Carlo, Sobol indices, the
tornado, break-even)::

    from leodc.scenario import load_scenario
    from leodc.uncertainty.evaluate import evaluate

    sc = load_scenario("builtin:default")
    metrics = evaluate(sc, {"fleet.launch_cost_usd_per_kg": np.array([100.0, 500.0, 1500.0]),
                            "catalog.solar_arrays.rosa-class.cost_usd_per_w": np.array([10.0, 100.0, 500.0])})
    metrics["economics.usd_per_pflop_day"]          # one value per sample
    metrics["comparison.orbit_to_ground_cost_ratio"]  # orbit's $/PFLOP-day over the ground's

``samples`` maps a key to one value per sample (1-D arrays of one length; keys not given keep the
scenario's value). A key is a scenario field, dotted (``fleet.launch_cost_usd_per_kg``,
``economics.discount_rate``: any of :data:`CLOSED_FORM_FIELDS`), or a catalog figure of a part the
scenario names, ``catalog.KIND.NAME.FIGURE`` (any of :data:`CATALOG_FIGURES_READ`), where no scenario
field sets that figure (``leodc.scenario.CATALOG_OVERRIDE_FIELDS``: the launch price is
``fleet.launch_cost_usd_per_kg``, not the launch vehicle's figure). A sampled integer field is rounded
to the nearest integer; a sampled fleet target (or shielding rule) replaces the one the scenario states,
as ``--set`` does.

The result maps every numeric output of :func:`leodc.assessment.assess` by its dotted JSON name
(``orbit.*``, ``satellite.*``, ``fleet.*``, ``economics.*``, ``energy.*``, ``launch_loop.*``; the names of
``leodc design --json``) to one value per sample, and adds ``terrestrial.*`` (the scenario's own
terrestrial baseline: ``economics.terrestrial_power`` in ``economics.datacenter``, as the first column of
``leodc compare``), ``comparison.orbit_to_ground_cost_ratio`` (orbit's ``usd_per_pflop_day`` over the
ground's) and ``feasible`` (bool). A sample the design refuses (a radiator that absorbs more than it
emits, a sizing eclipse of the whole orbit, no shield that meets the dose target, a battery charge path
that would create energy, a fleet beyond leodc's bound) is ``feasible = False`` with NaN metrics, where
:func:`reference` (and ``leodc design``) raises the one-line error.

How it is fast: the scenario is validated once; each sample is the closed form evaluated as NumPy
arithmetic over all samples together, in the order of :func:`leodc.design.design` and
:func:`leodc.economics.orbital_economics`. The orbit (eclipse over a year) and the shield (the AE8/AP8
dose curve) are the costly steps (~70 ms): they are computed once per distinct value of their inputs
(:data:`STRUCTURAL_FIELDS`), so sampling an orbit or shielding field costs that per sample.
:func:`reference` evaluates the same samples through :func:`leodc.assessment.assess`, one validated
scenario per sample; ``tests/test_sweep.py`` checks the two agree to 1e-9 relative.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import asdict
from functools import lru_cache

import numpy as np

from leodc.catalog import load_catalog
from leodc.constants import (
    HOURS_PER_DAY,
    HOURS_PER_YEAR,
    MJ_PER_GJ,
    SECONDS_PER_HOUR,
    WORLD_LAUNCH_ATTEMPTS_2025,
    WORLD_PAYLOADS_2025,
)
from leodc.design.orbit import design_orbit
from leodc.design.power import electrical_load
from leodc.design.radiation import GRID_MODEL, dose_at, dose_curve, shield_mass_kg, thickness_for_dose
from leodc.design.satellite import SEED_REPLACEMENT_YEARS
from leodc.design.thermal import radiator_balance
from leodc.economics.costs import FLOPS_PER_PFLOPS, W_PER_KW, WH_PER_MWH, launch_usd_per_kw_year
from leodc.economics.terrestrial import LITRES_PER_M3
from leodc.errors import InputError
from leodc.scenario import (
    CATALOG_OVERRIDE_FIELDS,
    EXCLUSIVE_FIELDS,
    MAX_SATELLITES,
    PART_FIELDS,
    Scenario,
    catalog_key,
    with_overrides,
)

# the scenario fields the closed-form design and economics read, by section
CLOSED_FORM_FIELDS = frozenset(
    [f"compute.{f}" for f in ("accelerators_per_satellite", "host_overhead_fraction", "network_overhead_fraction",
                              "power_conversion_efficiency", "bus_power_w")]
    + [f"orbit.{f}" for f in ("altitude_km", "inclination_deg", "ltan_h", "raan_deg")]
    + [f"environment.{f}" for f in ("solar_constant_w_per_m2", "earth_albedo", "earth_ir_temperature_k",
                                    "stefan_boltzmann_w_per_m2_k4")]
    + [f"power.{f}" for f in ("cell_efficiency", "packing_factor", "sun_incidence_deg", "daylight_path_efficiency",
                              "eclipse_path_efficiency", "eclipse_margin_fraction", "depth_of_discharge")]
    + [f"thermal.{f}" for f in ("radiator_temperature_k", "emissivity", "absorptivity", "solar_view_factor",
                                "earth_view_factor")]
    + [f"shielding.{f}" for f in ("dose_target_rad_per_year", "thickness_mm")]
    + [f"satellite.{f}" for f in ("bus_mass_fraction", "specific_power_w_per_kg", "drag_coefficient",
                                  "drag_area_fraction")]
    + [f"fleet.{f}" for f in ("target_it_power_w", "target_accelerators", "target_satellites",
                              "launch_cost_usd_per_kg", "payload_to_leo_kg", "launches_per_year")]
    + [f"economics.{f}" for f in ("horizon_years", "design_life_years", "discount_rate", "ground_segment_usd",
                                  "operations_usd_per_satellite_year", "rd_usd", "availability")])
# fields whose value changes the orbit's eclipse statistics or the shield: computed once per distinct value
STRUCTURAL_FIELDS = ("orbit.altitude_km", "orbit.inclination_deg", "orbit.ltan_h", "orbit.raan_deg",
                     "shielding.dose_target_rad_per_year", "shielding.thickness_mm")
INTEGER_FIELDS = frozenset({"compute.accelerators_per_satellite", "fleet.target_accelerators",
                            "fleet.target_satellites"})
# the catalog figures the closed form reads, by kind
CATALOG_FIGURES_READ = {
    "accelerators": ("chips_per_unit", "tdp_w", "peak_bf16_dense_flops", "system_mass_kg_per_unit",
                     "system_volume_m3_per_unit", "unit_price_usd", "radiation_tolerance_rad"),
    "solar_arrays": ("cell_efficiency", "packing_factor", "specific_power_w_per_kg", "cost_usd_per_w",
                     "degradation_per_year"),
    "batteries": ("specific_energy_wh_per_kg", "depth_of_discharge", "round_trip_efficiency", "cost_usd_per_wh"),
    "radiators": ("areal_density_kg_per_m2", "emissivity", "absorptivity", "cost_usd_per_m2"),
    "buses": ("mass_fraction", "stowed_density_kg_per_m3", "cost_usd_per_kg"),
    "launch_vehicles": ("payload_to_leo_kg", "fairing_volume_m3", "cost_usd_per_kg", "co2_kg_per_kg_payload",
                        "energy_kwh_per_kg_payload"),
    "power_options": ("capex_usd_per_kw", "electricity_usd_per_kwh", "heat_rate_mj_per_kwh", "fuel_usd_per_gj",
                      "fuel_co2_kg_per_gj", "co2_kg_per_kwh", "availability"),
    "datacenters": ("pue", "water_l_per_kwh", "build_usd_per_w", "operations_usd_per_w_year", "capacity_factor"),
}
FEASIBLE = "feasible"
COST_RATIO = "comparison.orbit_to_ground_cost_ratio"
# the figure on which orbit and ground are compared, and what it is
COST_METRIC = "economics.usd_per_pflop_day"
GROUND_COST_METRIC = "terrestrial.usd_per_pflop_day"
COST_BASIS = ("usd_per_pflop_day: present value of cost per peak dense bf16 PFLOP-day at the fleet's availability "
              "(a closed-form sweep has no workload goodput, so delivered means available, on orbit and ground "
              "alike), against the scenario's own terrestrial baseline")
# the headline metrics a sweep summarises and stores per sample
HEADLINE_METRICS = (
    "satellite.mass_kg", "satellite.specific_power_w_per_kg", "satellite.mission_life_years", "fleet.satellites",
    "fleet.mass_kg", "fleet.launches", "economics.total_cost_usd", "economics.lcoe_usd_per_mwh",
    "economics.usd_per_accelerator_hour", COST_METRIC, "economics.launch_usd_per_kw_year",
    "energy.energy_payback_years", "energy.carbon_payback_years", "terrestrial.usd_per_accelerator_hour",
    GROUND_COST_METRIC, COST_RATIO)


# ---------------------------------------------------------------------------------------------- keys
def _stated_in(scenario: Scenario, key: str) -> str:
    """The file that stated ``[uncertain]``'s entry for ``key`` (its leaves are recorded, not the entry)."""
    prefix = f"uncertain.{key}."
    stated = [f for path, f in scenario._origin.items() if path.startswith(prefix)]
    return stated[-1] if stated else scenario.stated_in("")


def used_parts(scenario: Scenario) -> dict[str, str]:
    """The catalog part the scenario names for each kind: ``{"solar_arrays": "rosa-class", ...}``."""
    out = {}
    for field, kind in PART_FIELDS.items():
        section, name = field.split(".")
        out[kind] = getattr(getattr(scenario, section), name)
    return out


def check_keys(scenario: Scenario, keys) -> None:
    """Refuse a key the closed form does not read, naming it (an :class:`InputError`, one line)."""
    parts = used_parts(scenario)
    for key in keys:
        cat = catalog_key(key)
        if cat is None:
            if key in CLOSED_FORM_FIELDS:
                continue
            problem = ("not read by the closed-form design and economics (a sweep samples those only); expected "
                       "one of the fields listed in docs/uncertainty.md")
        else:
            kind, name, figure = cat
            if parts.get(kind) == name and figure in CATALOG_FIGURES_READ.get(kind, ()) \
                    and (kind, figure) not in CATALOG_OVERRIDE_FIELDS:
                continue
            problem = (f"not a catalog figure the closed-form design and economics read for this scenario; expected "
                       f"catalog.KIND.NAME.FIGURE for a part the scenario names and one of the figures "
                       f"{', '.join(CATALOG_FIGURES_READ.get(kind, ()))}")
        raise InputError(_stated_in(scenario, key), f"uncertain.{key}", problem)


# ---------------------------------------------------------------------------------------------- inputs
class _Inputs:
    """Every value the closed form reads, one per sample: the sample where given, else the scenario's or
    the catalog's."""

    def __init__(self, scenario: Scenario, samples: dict[str, np.ndarray], n: int):
        self.scenario, self.samples, self.n = scenario, samples, n
        self.catalog = load_catalog()
        self.parts = used_parts(scenario)

    def full(self, value: float) -> np.ndarray:
        return np.full(self.n, float(value))

    def stated(self, dotted: str) -> np.ndarray | None:
        """The sample of a scenario field, or its stated value (None when the scenario leaves it unset)."""
        if dotted in self.samples:
            values = np.asarray(self.samples[dotted], dtype=float)
            return np.rint(values) if dotted in INTEGER_FIELDS else values
        section, name = dotted.split(".")
        value = getattr(getattr(self.scenario, section), name)
        return None if value is None else self.full(value)

    def field(self, dotted: str) -> np.ndarray:
        value = self.stated(dotted)
        assert value is not None, dotted  # callers read only fields the scenario requires
        return value

    def figure(self, kind: str, figure: str) -> np.ndarray | None:
        """A catalog figure of the part the scenario names (None where the part has no such figure)."""
        name = self.parts[kind]
        key = f"catalog.{kind}.{name}.{figure}"
        if key in self.samples:
            return np.asarray(self.samples[key], dtype=float)
        fig = getattr(self.catalog.kind(kind)[name], figure)
        return None if fig is None else self.full(fig.value)

    def chosen(self, kind: str, figure: str) -> np.ndarray:
        """The scenario field that sets a catalog figure where stated or sampled, else the figure."""
        value = self.stated(CATALOG_OVERRIDE_FIELDS[kind, figure])
        return value if value is not None else self.figure(kind, figure)

    def exclusive(self, section: str) -> tuple[str, np.ndarray]:
        """Which of a section's exclusive fields applies (a sampled one replaces the one stated), and its values."""
        group = EXCLUSIVE_FIELDS[section]
        for name in group:
            if f"{section}.{name}" in self.samples:
                return name, self.field(f"{section}.{name}")
        for name in group:
            value = self.stated(f"{section}.{name}")
            if value is not None:
                return name, value
        raise AssertionError(section)  # the scenario's validators require one


# ---------------------------------------------------------------------------------------------- orbit, shield
ORBIT_FIELDS = ("altitude_km", "inclination_deg", "ltan_h", "period_s", "beta_min_deg", "beta_max_deg",
                "eclipse_fraction", "eclipse_fraction_beta0", "eclipse_fraction_max", "longest_eclipse_s",
                "eclipse_days_per_year", "sunlit_fraction")
# the design's cache of orbits and shields: distinct (orbit, shield) inputs kept per process
STRUCTURE_CACHE_ENTRIES = 4096


@lru_cache(maxsize=STRUCTURE_CACHE_ENTRIES)
def _structure(kind: str, altitude_km: float, inclination_deg: float, ltan_h: float, raan_deg: float,
               dose_model: str, rule: str, rule_value: float) -> tuple[float, ...]:
    """The orbit's figures (:data:`ORBIT_FIELDS`), then the shield's thickness (mm; inf when no wall meets the
    target) and the dose behind it (rad/year), as :func:`leodc.design.satellite.size_shielding` gives them."""
    orbit = design_orbit(altitude_km, kind, inclination_deg, ltan_h, raan_deg)
    table = None if dose_model == GRID_MODEL else load_catalog().dose_depth[dose_model]
    t, dose, _ = dose_curve(dose_model, table, orbit.altitude_km, orbit.inclination_deg)
    thickness = rule_value if rule == "thickness_mm" else thickness_for_dose(t, dose, rule_value)
    dose_behind = dose_at(t, dose, thickness) if math.isfinite(thickness) else math.nan
    return (*(float(getattr(orbit, f)) for f in ORBIT_FIELDS), thickness, dose_behind)


def _structures(inp: _Inputs) -> dict[str, np.ndarray]:
    sc = inp.scenario
    rule, rule_value = inp.exclusive("shielding")
    columns = np.stack([inp.field("orbit.altitude_km"), inp.field("orbit.inclination_deg"),
                        inp.field("orbit.ltan_h"), inp.field("orbit.raan_deg"), rule_value], axis=1)
    if any(key in inp.samples for key in STRUCTURAL_FIELDS):
        distinct, index = np.unique(columns, axis=0, return_inverse=True)
    else:  # one orbit and one shield for every sample
        distinct, index = columns[:1], np.zeros(inp.n, dtype=int)
    rows = np.array([_structure(sc.orbit.kind, *map(float, row[:4]), sc.shielding.dose_depth, rule, float(row[4]))
                     for row in distinct]).reshape(len(distinct), -1)
    values = rows[np.ravel(index)]
    out = {f"orbit.{f}": values[:, k] for k, f in enumerate(ORBIT_FIELDS)}
    out["shielding_thickness_mm"], out["dose_rad_per_year"] = values[:, -2], values[:, -1]
    return out


# ---------------------------------------------------------------------------------------------- helpers
def _present_value_rate(horizon_years: np.ndarray, discount_rate: np.ndarray, rate_per_year: np.ndarray,
                        start_years: np.ndarray | float = 0.0) -> np.ndarray:
    """:func:`leodc.economics.discount.present_value` of a constant rate from ``start_years`` to the horizon,
    per sample (years past a sample's horizon add nothing)."""
    years = math.ceil(float(np.max(horizon_years))) if horizon_years.size else 0
    k = np.arange(years, dtype=float)[None, :]
    lo = np.maximum(k, np.broadcast_to(start_years, horizon_years.shape)[:, None])
    hi = np.minimum(k + 1.0, horizon_years[:, None])
    length = np.clip(hi - lo, 0.0, None)
    mid = (lo + hi) / 2.0
    return np.sum(rate_per_year[:, None] * length * (1.0 + discount_rate[:, None]) ** -mid, axis=1)


def _launches(satellites: np.ndarray, item_size: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """:func:`leodc.design.fleet._launches`, per sample."""
    per_launch = np.floor(capacity / item_size)
    whole = np.ceil(satellites / np.where(per_launch >= 1, per_launch, 1.0))
    return np.where(per_launch >= 1, whole, np.ceil(satellites * item_size / capacity))


def _delivery(pv_total, pv_infrastructure, it_power_w, units, chips_per_unit, flops_per_unit, availability,
              horizon_years, discount_rate) -> dict[str, np.ndarray]:
    """:func:`leodc.economics.costs.delivery_metrics`, per sample."""
    pv_years = _present_value_rate(horizon_years, discount_rate, np.ones_like(horizon_years))
    mwh_per_year = it_power_w * availability * HOURS_PER_YEAR / WH_PER_MWH
    acc_h_per_year = units * chips_per_unit * availability * HOURS_PER_YEAR
    pflop_days_per_year = units * flops_per_unit / FLOPS_PER_PFLOPS * availability * HOURS_PER_YEAR / HOURS_PER_DAY
    return {
        "lcoe_usd_per_mwh": pv_infrastructure / (mwh_per_year * pv_years),
        "usd_per_accelerator_hour": pv_total / (acc_h_per_year * pv_years),
        "usd_per_pflop_day": pv_total / (pflop_days_per_year * pv_years),
        "it_energy_mwh": mwh_per_year * horizon_years,
        "accelerator_hours": acc_h_per_year * horizon_years,
        "pflop_days": pflop_days_per_year * horizon_years,
    }


def _option_figures(inp: _Inputs) -> tuple[np.ndarray, np.ndarray]:
    """The terrestrial power option's electricity price ($/kWh) and carbon intensity (kg/kWh)
    (:mod:`leodc.economics.terrestrial`)."""
    price = inp.figure("power_options", "electricity_usd_per_kwh")
    if price is None:
        price = inp.figure("power_options", "heat_rate_mj_per_kwh") / MJ_PER_GJ * inp.figure("power_options",
                                                                                             "fuel_usd_per_gj")
    co2 = inp.figure("power_options", "co2_kg_per_kwh")
    if co2 is None:
        co2 = inp.figure("power_options", "heat_rate_mj_per_kwh") / MJ_PER_GJ * inp.figure("power_options",
                                                                                           "fuel_co2_kg_per_gj")
    return price, co2


# ---------------------------------------------------------------------------------------------- the closed form
def _satellite(inp: _Inputs, s: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`leodc.design.satellite.size_satellite`, per sample; and which samples the design accepts."""
    sc = inp.scenario
    fig = inp.figure
    n_acc = inp.field("compute.accelerators_per_satellite")
    # shielding and life
    shield_kg = shield_mass_kg(s["shielding_thickness_mm"], n_acc * fig("accelerators", "system_volume_m3_per_unit"))
    tolerance = fig("accelerators", "radiation_tolerance_rad")
    dose = s["dose_rad_per_year"]
    if tolerance is None:
        dose_limited = np.full(inp.n, math.inf)
    else:
        dose_limited = np.where((tolerance != 0) & (dose != 0), tolerance / np.where(dose != 0, dose, 1.0), math.inf)
    by_rule = inp.field("economics.design_life_years")
    if sc.economics.replacement_rule == "seed-5-year":
        by_rule = np.minimum(by_rule, SEED_REPLACEMENT_YEARS)
    life = np.minimum(by_rule, dose_limited)
    # load
    load = electrical_load(n_acc, fig("accelerators", "tdp_w"), inp.field("compute.host_overhead_fraction"),
                           inp.field("compute.network_overhead_fraction"),
                           inp.field("compute.power_conversion_efficiency"), inp.field("compute.bus_power_w"))
    it_w, power_w = load.it_power_w, load.power_w
    # solar array and battery (SMAD eq. 11-5)
    margin = 1.0 + inp.field("power.eclipse_margin_fraction")
    eclipse = np.minimum(1.0, s["orbit.eclipse_fraction_max"] * margin)
    x_e, x_d = inp.field("power.eclipse_path_efficiency"), inp.field("power.daylight_path_efficiency")
    t_e, t_d = eclipse, 1.0 - eclipse
    eol_w = (power_w * t_e / x_e + power_w * t_d / x_d) / t_d
    life_factor = (1.0 - fig("solar_arrays", "degradation_per_year")) ** life
    density = (inp.field("environment.solar_constant_w_per_m2") * inp.chosen("solar_arrays", "cell_efficiency")
               * inp.chosen("solar_arrays", "packing_factor"))
    array_m2 = eol_w / (density * np.cos(np.radians(inp.field("power.sun_incidence_deg"))) * life_factor)
    bol_w = array_m2 * density
    array_kg = bol_w / fig("solar_arrays", "specific_power_w_per_kg")
    round_trip = fig("batteries", "round_trip_efficiency")
    battery_wh = (power_w * (s["orbit.longest_eclipse_s"] * margin) / SECONDS_PER_HOUR
                  / (inp.chosen("batteries", "depth_of_discharge") * np.sqrt(round_trip)))
    battery_kg = battery_wh / fig("batteries", "specific_energy_wh_per_kg")
    # radiator
    balance = radiator_balance(
        inp.field("thermal.radiator_temperature_k"), inp.chosen("radiators", "emissivity"),
        inp.chosen("radiators", "absorptivity"), sc.thermal.sides, inp.field("environment.solar_constant_w_per_m2"),
        inp.field("thermal.solar_view_factor"), inp.field("thermal.earth_view_factor"),
        inp.field("environment.earth_albedo"), inp.field("environment.earth_ir_temperature_k"),
        sc.thermal.earth_ir_absorptivity, inp.field("environment.stefan_boltzmann_w_per_m2_k4"))
    net = balance.net_w_per_m2
    heat_w = power_w
    radiator_m2 = heat_w / net
    radiator_kg = radiator_m2 * fig("radiators", "areal_density_kg_per_m2")
    # mass
    compute_kg = n_acc * fig("accelerators", "system_mass_kg_per_unit")
    subsystems_kg = compute_kg + array_kg + battery_kg + radiator_kg + shield_kg
    bottom_up_kg = subsystems_kg / (1.0 - inp.chosen("buses", "mass_fraction"))
    stated_sp = inp.stated("satellite.specific_power_w_per_kg")
    mass_kg = bottom_up_kg if stated_sp is None else it_w / stated_sp
    drag_m2 = inp.field("satellite.drag_area_fraction") * (array_m2 + radiator_m2)
    feasible = (eclipse < 1.0) & (net > 0.0) & np.isfinite(s["shielding_thickness_mm"]) \
        & (x_e / x_d / np.sqrt(round_trip) <= 1.0)
    out = {
        "accelerators": n_acc, "it_power_w": it_w, "power_w": power_w, "heat_w": heat_w,
        "solar_array_eol_power_w": eol_w, "solar_array_bol_power_w": bol_w, "solar_array_area_m2": array_m2,
        "solar_array_mass_kg": array_kg, "battery_energy_wh": battery_wh, "battery_mass_kg": battery_kg,
        "radiator_temperature_k": inp.field("thermal.radiator_temperature_k"),
        "radiator_emitted_w_per_m2": balance.emitted_w_per_m2,
        "radiator_absorbed_sun_w_per_m2": balance.absorbed_sun_w_per_m2,
        "radiator_absorbed_albedo_w_per_m2": balance.absorbed_albedo_w_per_m2,
        "radiator_absorbed_earth_ir_w_per_m2": balance.absorbed_earth_ir_w_per_m2, "radiator_net_flux_w_per_m2": net,
        "radiator_area_m2": radiator_m2, "radiator_mass_kg": radiator_kg,
        "shielding_thickness_mm": s["shielding_thickness_mm"], "shielding_mass_kg": shield_kg,
        "dose_rad_per_year": dose, "dose_limited_life_years": dose_limited, "compute_mass_kg": compute_kg,
        "bus_mass_kg": bottom_up_kg - subsystems_kg, "bottom_up_mass_kg": bottom_up_kg, "mass_kg": mass_kg,
        "specific_power_w_per_kg": it_w / mass_kg, "bottom_up_specific_power_w_per_kg": it_w / bottom_up_kg,
        "mission_life_years": life, "drag_area_m2": drag_m2,
        "ballistic_coefficient_kg_per_m2": mass_kg / (inp.field("satellite.drag_coefficient") * drag_m2),
    }
    return out, feasible


def _fleet(inp: _Inputs, sat: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`leodc.design.fleet.satellites_for_target` and :func:`~leodc.design.fleet.size_fleet`, per sample."""
    target, value = inp.exclusive("fleet")
    if target == "target_satellites":
        n = value
    elif target == "target_accelerators":
        n = np.ceil(value / sat["accelerators"])
    else:
        n = np.ceil(value / sat["it_power_w"])
    payload_kg = inp.chosen("launch_vehicles", "payload_to_leo_kg")
    fairing_m3 = inp.figure("launch_vehicles", "fairing_volume_m3")
    stowed_m3 = sat["mass_kg"] / inp.figure("buses", "stowed_density_kg_per_m3")
    by_mass = _launches(n, sat["mass_kg"], payload_kg)
    by_volume = _launches(n, stowed_m3, fairing_m3)
    launches = np.maximum(by_mass, by_volume)
    per_launch = np.minimum(payload_kg / sat["mass_kg"], fairing_m3 / stowed_m3)
    per_year = inp.field("fleet.launches_per_year")
    out = {
        "satellites": n, "accelerators": n * sat["accelerators"], "it_power_w": n * sat["it_power_w"],
        "power_w": n * sat["power_w"], "mass_kg": n * sat["mass_kg"], "payload_to_leo_kg": payload_kg,
        "fairing_volume_m3": fairing_m3,
        "satellites_per_launch": np.where(per_launch >= 1, np.floor(per_launch), per_launch),
        "launches_by_mass": by_mass, "launches_by_volume": by_volume, "launches": launches,
        "launches_per_year": per_year, "years_to_deploy": launches / per_year,
    }
    return out, n <= MAX_SATELLITES


def _economics(inp: _Inputs, sat: dict[str, np.ndarray], fl: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`leodc.economics.orbital_economics` (no simulation run), per sample."""
    fig = inp.figure
    horizon, rate = inp.field("economics.horizon_years"), inp.field("economics.discount_rate")
    ground, rd = inp.field("economics.ground_segment_usd"), inp.field("economics.rd_usd")
    availability = inp.field("economics.availability")
    usd_per_kg = inp.chosen("launch_vehicles", "cost_usd_per_kg")
    n, life = fl["satellites"], sat["mission_life_years"]
    per_sat = {
        "accelerators": sat["accelerators"] * fig("accelerators", "unit_price_usd"),
        "solar_array": sat["solar_array_bol_power_w"] * fig("solar_arrays", "cost_usd_per_w"),
        "battery": sat["battery_energy_wh"] * fig("batteries", "cost_usd_per_wh"),
        "radiator": sat["radiator_area_m2"] * fig("radiators", "cost_usd_per_m2"),
        "bus_and_shielding": ((sat["bus_mass_kg"] + sat["shielding_mass_kg"]) * fig("buses", "cost_usd_per_kg")
                              * sat["mass_kg"] / sat["bottom_up_mass_kg"]),
        "launch": sat["mass_kg"] * usd_per_kg,
    }
    fleets = 1.0 + np.maximum(0.0, horizon - life) / life
    per_sat_total = 0.0
    for value in per_sat.values():
        per_sat_total = per_sat_total + value
    fleet_capex = n * per_sat_total
    totals = {k: n * v * fleets for k, v in per_sat.items()}
    hardware = totals["solar_array"] + totals["battery"] + totals["radiator"] + totals["bus_and_shielding"]
    operations_per_year = n * inp.field("economics.operations_usd_per_satellite_year")
    summed = 0.0
    for value in totals.values():
        summed = summed + value
    total = summed + ground + operations_per_year * horizon + rd

    def pv(include_accelerators: bool) -> np.ndarray:
        capex = fleet_capex - (0.0 if include_accelerators else n * per_sat["accelerators"])
        upfront = capex + ground + rd
        return (upfront + _present_value_rate(horizon, rate, capex / life, life)
                + _present_value_rate(horizon, rate, operations_per_year))

    delivered = _delivery(pv(True), pv(False), fl["it_power_w"], fl["accelerators"],
                          fig("accelerators", "chips_per_unit"), fig("accelerators", "peak_bf16_dense_flops"),
                          availability, horizon, rate)
    return {
        "horizon_years": horizon, "discount_rate": rate, "mission_life_years": life, "fleets_bought": fleets,
        "launch_cost_usd_per_kg": usd_per_kg, "accelerators_usd": totals["accelerators"],
        "solar_array_usd": totals["solar_array"], "battery_usd": totals["battery"], "radiator_usd": totals["radiator"],
        "bus_and_shielding_usd": totals["bus_and_shielding"], "satellite_hardware_usd": hardware,
        "launch_usd": totals["launch"], "replacement_usd": fleet_capex * (fleets - 1.0), "ground_segment_usd": ground,
        "operations_usd": operations_per_year * horizon, "rd_usd": rd, "total_cost_usd": total,
        "infrastructure_cost_usd": total - totals["accelerators"], "availability": availability,
        "lcoe_usd_per_mwh": delivered["lcoe_usd_per_mwh"],
        "usd_per_accelerator_hour": delivered["usd_per_accelerator_hour"],
        "usd_per_pflop_day": delivered["usd_per_pflop_day"],
        "launch_usd_per_kw_year": launch_usd_per_kw_year(sat["mass_kg"], usd_per_kg, sat["power_w"], life),
        "it_energy_mwh": delivered["it_energy_mwh"], "accelerator_hours": delivered["accelerator_hours"],
        "pflop_days": delivered["pflop_days"],
    }


def _energy(inp: _Inputs, fl: dict[str, np.ndarray], econ: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`leodc.economics.energy_balance`, per sample."""
    _, co2_per_kwh = _option_figures(inp)
    launch_kwh = fl["mass_kg"] * inp.figure("launch_vehicles", "energy_kwh_per_kg_payload")
    launch_co2 = fl["mass_kg"] * inp.figure("launch_vehicles", "co2_kg_per_kg_payload")
    orbital_kwh = fl["power_w"] / W_PER_KW * HOURS_PER_YEAR * econ["availability"]
    it_kwh = fl["it_power_w"] / W_PER_KW * HOURS_PER_YEAR * econ["availability"]
    displaced = it_kwh * inp.figure("datacenters", "pue") * co2_per_kwh
    return {
        "launch_energy_kwh": launch_kwh, "launch_co2_kg": launch_co2,
        "launch_co2_kg_horizon": launch_co2 * econ["fleets_bought"], "orbital_energy_kwh_per_year": orbital_kwh,
        "energy_payback_years": launch_kwh / orbital_kwh, "displaced_co2_kg_per_year": displaced,
        "carbon_payback_years": np.where(displaced > 0, launch_co2 / np.where(displaced > 0, displaced, 1.0),
                                         math.inf),
        "water_saved_m3": it_kwh * econ["horizon_years"] * inp.figure("datacenters", "water_l_per_kwh")
        / LITRES_PER_M3,
    }


def _launch_loop(fl: dict[str, np.ndarray], econ: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`leodc.economics.launch_loop`, per sample."""
    life, fleets = econ["mission_life_years"], econ["fleets_bought"]
    sustain_launches = fl["launches"] / life
    return {
        "build_launches": fl["launches"], "build_years": fl["years_to_deploy"],
        "build_launches_per_year": np.minimum(fl["launches_per_year"], fl["launches"]),
        "sustain_satellites_per_year": fl["satellites"] / life, "sustain_launches_per_year": sustain_launches,
        "sustain_launch_usd_per_year": econ["launch_usd"] / fleets / life,
        "sustain_hardware_usd_per_year": (econ["accelerators_usd"] + econ["satellite_hardware_usd"]) / fleets / life,
        "sustain_share_of_world_launches_2025": sustain_launches / WORLD_LAUNCH_ATTEMPTS_2025,
        "sustain_share_of_world_payloads_2025": fl["satellites"] / life / WORLD_PAYLOADS_2025,
    }


def _terrestrial(inp: _Inputs, sat: dict[str, np.ndarray], fl: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`leodc.economics.terrestrial_economics` for the scenario's own baseline, per sample."""
    fig = inp.figure
    pue, cf = fig("datacenters", "pue"), fig("datacenters", "capacity_factor")
    price, co2 = _option_figures(inp)
    water = fig("datacenters", "water_l_per_kwh")
    availability = cf * fig("power_options", "availability")
    horizon, rate = inp.field("economics.horizon_years"), inp.field("economics.discount_rate")
    it_w, life = fl["it_power_w"], sat["mission_life_years"]
    fleets = 1.0 + np.maximum(0.0, horizon - life) / life
    accelerators_once = fl["accelerators"] * fig("accelerators", "unit_price_usd")
    build = it_w * fig("datacenters", "build_usd_per_w")
    plant = it_w * pue / W_PER_KW * fig("power_options", "capex_usd_per_kw")
    it_kwh_per_year = it_w / W_PER_KW * HOURS_PER_YEAR * availability
    energy_per_year = it_kwh_per_year * pue * price
    ops_per_year = it_w * fig("datacenters", "operations_usd_per_w_year")

    def pv(include_accelerators: bool) -> np.ndarray:
        acc_now = accelerators_once if include_accelerators else np.zeros(inp.n)
        return ((acc_now + build + plant) + _present_value_rate(horizon, rate, acc_now / life, life)
                + _present_value_rate(horizon, rate, energy_per_year + ops_per_year))

    delivered = _delivery(pv(True), pv(False), it_w, fl["accelerators"], fig("accelerators", "chips_per_unit"),
                          fig("accelerators", "peak_bf16_dense_flops"), availability, horizon, rate)
    accelerators = accelerators_once * fleets
    total = accelerators + build + plant + (energy_per_year + ops_per_year) * horizon
    return {
        "pue": pue, "capacity_factor": cf, "electricity_usd_per_kwh": price, "co2_kg_per_kwh": co2,
        "accelerators_usd": accelerators, "build_usd": build, "power_plant_usd": plant,
        "energy_usd": energy_per_year * horizon, "operations_usd": ops_per_year * horizon, "total_cost_usd": total,
        "infrastructure_cost_usd": total - accelerators, "lcoe_usd_per_mwh": delivered["lcoe_usd_per_mwh"],
        "usd_per_accelerator_hour": delivered["usd_per_accelerator_hour"],
        "usd_per_pflop_day": delivered["usd_per_pflop_day"], "it_energy_mwh": delivered["it_energy_mwh"],
        "facility_energy_mwh": delivered["it_energy_mwh"] * pue,
        "water_m3": it_kwh_per_year * horizon * water / LITRES_PER_M3,
        "co2_kg": it_kwh_per_year * pue * co2 * horizon,
    }


def _sample_count(samples: dict[str, np.ndarray]) -> int:
    lengths = {np.shape(v) for v in samples.values()}
    if len(lengths) > 1 or any(len(shape) != 1 for shape in lengths):
        raise ValueError(f"samples must be 1-D arrays of one length; got shapes {sorted(lengths)}")
    return next(iter(lengths))[0] if lengths else 1


def evaluate(scenario: Scenario, samples: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The closed-form design and economics of every sample, vectorised (see the module's docstring).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`leodc.scenario.load_scenario`): every field not sampled keeps its value.
    samples : dict of str to numpy.ndarray
        One value per sample for each key: a dotted scenario field of :data:`CLOSED_FORM_FIELDS`, or
        ``catalog.KIND.NAME.FIGURE`` for a figure of :data:`CATALOG_FIGURES_READ` of a part the scenario names.
        All arrays 1-D and of one length; an empty dict evaluates the scenario itself once.

    Returns
    -------
    dict of str to numpy.ndarray
        Every numeric output of :func:`leodc.assessment.assess` by its dotted JSON name, ``terrestrial.*``
        (the scenario's own baseline), :data:`COST_RATIO` and :data:`FEASIBLE`; float64 arrays (``feasible``:
        bool), NaN where a sample is not feasible.

    Raises
    ------
    leodc.errors.InputError
        A key the closed form does not read, naming it.
    """
    if scenario.economics.learning_curves:
        # learning curves cost each year's purchases over their own cumulative units (economics.costs,
        # economics.learning): the per-sample reference path, exact and ~1,000x slower
        return reference(scenario, samples)
    check_keys(scenario, samples)
    n = _sample_count(samples)
    inp = _Inputs(scenario, samples, n)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        structure = _structures(inp)
        sat, feasible = _satellite(inp, structure)
        fl, fits = _fleet(inp, sat)
        econ = _economics(inp, sat, fl)
        ground = _terrestrial(inp, sat, fl)
        out: dict[str, np.ndarray] = {k: v for k, v in structure.items() if k.startswith("orbit.")}
        for section, values in (("satellite", sat), ("fleet", fl), ("economics", econ),
                                ("energy", _energy(inp, fl, econ)), ("launch_loop", _launch_loop(fl, econ)),
                                ("terrestrial", ground)):
            out.update({f"{section}.{k}": np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in values.items()})
        out[COST_RATIO] = econ["usd_per_pflop_day"] / ground["usd_per_pflop_day"]
    ok = feasible & fits & np.isfinite(out[COST_METRIC])
    result = {k: np.where(ok, v, math.nan) for k, v in out.items()}
    result[FEASIBLE] = ok
    return result


# ---------------------------------------------------------------------------------------------- the reference
@contextlib.contextmanager
def catalog_figures(values: dict[tuple[str, str, str], float]) -> Iterator[None]:
    """Inside the block, :func:`leodc.catalog.load_catalog` serves the given figures' values
    (``{(kind, name, figure): value}``); restored after it. It swaps entries of the cached catalog in place,
    so it is for :func:`reference` in one thread, never for concurrent work."""
    catalog = load_catalog()
    saved = {}
    try:
        for (kind, name, figure), value in values.items():
            parts = catalog.kind(kind)
            saved.setdefault((kind, name), parts[name])
            part = parts[name]
            changed = getattr(part, figure).model_copy(update={"value": float(value)})
            parts[name] = part.model_copy(update={figure: changed})
        yield
    finally:
        for (kind, name), part in saved.items():
            catalog.kind(kind)[name] = part


def _flat(prefix: str, data: dict) -> dict[str, float]:
    return {f"{prefix}.{k}": float(v) for k, v in data.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and v is not None}


def reference(scenario: Scenario, samples: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same as :func:`evaluate`, one sample at a time through :func:`leodc.assessment.assess` and
    :func:`leodc.economics.terrestrial_economics`: each sample's scenario validated again
    (:func:`leodc.scenario.with_overrides`), its catalog figures set (:func:`catalog_figures`). Slow
    (~70 ms a sample); the check of the fast path."""
    from leodc.assessment import assess
    from leodc.economics import terrestrial_economics
    from leodc.economics.terrestrial import default_baselines

    check_keys(scenario, samples)
    n = _sample_count(samples)
    rows: list[dict[str, float]] = []
    for i in range(n):
        fields, figures = {}, {}
        for key, values in samples.items():
            cat = catalog_key(key)
            if cat is None:
                fields[key] = int(np.rint(values[i])) if key in INTEGER_FIELDS else float(values[i])
            else:
                figures[cat] = float(values[i])
        try:
            with catalog_figures(figures):
                sc = with_overrides(scenario, fields, "[uncertain]")
                a = assess(sc)
                ground = terrestrial_economics(sc, a.design, default_baselines(sc)[0])
        except InputError:
            rows.append({FEASIBLE: 0.0})
            continue
        d = a.to_dict()
        row = {FEASIBLE: 1.0}
        for section in ("orbit", "satellite", "fleet", "economics", "energy", "launch_loop"):
            row.update(_flat(section, d[section]))
        row.update(_flat("terrestrial", asdict(ground)))
        row[COST_RATIO] = row[COST_METRIC] / row[GROUND_COST_METRIC]
        rows.append(row)
    keys = next((list(r) for r in rows if r[FEASIBLE]), [FEASIBLE])
    out = {k: np.array([r.get(k, math.nan) for r in rows]) for k in keys}
    out[FEASIBLE] = out[FEASIBLE].astype(bool)
    return out
