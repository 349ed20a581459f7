"""Scenario files: TOML validated by pydantic, with ``extends`` and ``--set`` overrides.

A scenario names parts from the catalog and states every assumption with its unit in the field
name. Any scenario without ``extends`` extends the bundled default (``builtin:default``), so a
user file only states what differs. Errors name the file the offending field came from, the
field, and what was expected: :class:`InputError`, which the CLI turns into one line and exit 2.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from leodc.catalog import load_catalog
from leodc.constants import (
    EARTH_ALBEDO,
    EARTH_IR_TEMPERATURE_K,
    MAX_ALTITUDE_KM,
    MIN_ALTITUDE_KM,
    SOLAR_CONSTANT_W_PER_M2,
    STEFAN_BOLTZMANN_W_PER_M2_K4,
)
from leodc.errors import InputError

BUILTIN_PREFIX = "builtin:"
DEFAULT_BASE = "builtin:default"
# bounds on what a scenario may state: a fleet (the design refuses larger targets too), and text
# that tables and titles print (a 100,000-character name took 81 s to lay out in a table)
MAX_SATELLITES = 1_000_000_000
NAME_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 10_000

# The pydantic error type of a rule across fields. Its context lists the fields the rule reads
# (dotted, relative to the model that checks it, the one to name by default first); the error
# names whichever of them was stated last, in the file (or ``--set``) that stated it.
CROSS_FIELD_ERROR = "cross_field"


def cross_field_error(fields: tuple[str, ...], expected: str) -> PydanticCustomError:
    """The error a model validator raises when fields that are each valid do not fit together.

    Parameters
    ----------
    fields : tuple of str
        The fields the rule reads, dotted and relative to the validating model; the first is named
        when none of them was stated (e.g. a scenario built in code).
    expected : str
        What was expected, and what was found.
    """
    return PydanticCustomError(CROSS_FIELD_ERROR, expected, {"fields": fields})


def _catalog_name(kind: str, name: str) -> str:
    parts = load_catalog().kind(kind)
    if name not in parts:
        raise ValueError(f"unknown {kind} entry {name!r}; expected one of: {', '.join(sorted(parts))}")
    return name


class _Section(BaseModel):
    # every number a scenario states is finite: inf and nan would pass the bounds that have no upper end
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


Fraction = Field(ge=0.0, le=1.0)


class Compute(_Section):
    accelerator: str
    accelerators_per_satellite: int = Field(gt=0)
    host_overhead_fraction: float = Field(ge=0.0, le=5.0)
    network_overhead_fraction: float = Field(ge=0.0, le=5.0)
    power_conversion_efficiency: float = Field(gt=0.0, le=1.0)
    bus_power_w: float = Field(ge=0.0)

    _check = field_validator("accelerator")(lambda v: _catalog_name("accelerators", v))


class Orbit(_Section):
    altitude_km: float = Field(ge=MIN_ALTITUDE_KM, le=MAX_ALTITUDE_KM)
    kind: Literal["sun-synchronous", "inclined"]
    inclination_deg: float = Field(ge=0.0, le=180.0)
    ltan_h: float = Field(ge=0.0, lt=24.0)
    raan_deg: float = Field(ge=0.0, lt=360.0, default=0.0)  # inclined orbits: node at the start epoch


class Environment(_Section):
    solar_constant_w_per_m2: float = Field(gt=0.0, default=SOLAR_CONSTANT_W_PER_M2)
    earth_albedo: float = Field(ge=0.0, le=1.0, default=EARTH_ALBEDO)
    earth_ir_temperature_k: float = Field(gt=0.0, default=EARTH_IR_TEMPERATURE_K)
    # CODATA by default; a study reproduced with its own rounded constant may set it
    stefan_boltzmann_w_per_m2_k4: float = Field(gt=0.0, default=STEFAN_BOLTZMANN_W_PER_M2_K4)
    # solar activity for drag and decay (NRLMSIS tables at three levels; no space-weather download)
    solar_activity: Literal["low", "mean", "high"] = "mean"


class Power(_Section):
    solar_array: str
    cell_efficiency: float | None = Field(default=None, gt=0.0, le=1.0)
    packing_factor: float | None = Field(default=None, gt=0.0, le=1.0)
    sun_incidence_deg: float = Field(ge=0.0, lt=90.0)
    daylight_path_efficiency: float = Field(gt=0.0, le=1.0)
    eclipse_path_efficiency: float = Field(gt=0.0, le=1.0)
    eclipse_margin_fraction: float = Field(ge=0.0, le=1.0)  # sizing eclipse = longest x (1 + margin)
    battery: str
    depth_of_discharge: float | None = Field(default=None, gt=0.0, le=1.0)

    _check_array = field_validator("solar_array")(lambda v: _catalog_name("solar_arrays", v))
    _check_battery = field_validator("battery")(lambda v: _catalog_name("batteries", v))

    @model_validator(mode="after")
    def _charge_path_creates_no_energy(self) -> Power:
        # The engine charges at eta_c = (X_e / X_d) / eta_d with eta_d = sqrt(round trip), so that
        # it spends per orbit what the SMAD sizing provides (leodc.simulate.spacecraft); eta_c > 1
        # would create energy.
        round_trip = load_catalog().batteries[self.battery].round_trip_efficiency.value
        discharge = math.sqrt(round_trip)
        ratio = self.eclipse_path_efficiency / self.daylight_path_efficiency
        if ratio / discharge > 1.0:
            raise cross_field_error(
                ("eclipse_path_efficiency", "daylight_path_efficiency", "battery"),
                f"expected eclipse_path_efficiency / daylight_path_efficiency at most {discharge:.4g}, the "
                f"discharge efficiency of battery {self.battery!r} (the square root of its round-trip efficiency "
                f"{round_trip:g}); got {self.eclipse_path_efficiency:g} / {self.daylight_path_efficiency:g} = "
                f"{ratio:.4g}: the battery's charge path would have to create energy")
        return self


class Thermal(_Section):
    radiator: str
    radiator_temperature_k: float = Field(gt=0.0, le=1000.0)
    emissivity: float | None = Field(default=None, gt=0.0, le=1.0)
    absorptivity: float | None = Field(default=None, ge=0.0, le=1.0)
    sides: Literal[1, 2]
    solar_view_factor: float = Fraction
    earth_view_factor: float = Fraction
    earth_ir_absorptivity: Literal["emissivity", "solar"] = "emissivity"

    _check = field_validator("radiator")(lambda v: _catalog_name("radiators", v))


class Shielding(_Section):
    dose_depth: str
    dose_target_rad_per_year: float | None = Field(default=None, gt=0.0)
    thickness_mm: float | None = Field(default=None, ge=0.0)

    # "ae8ap8-grid" (the AE8/AP8 grid shipped with leodc) or a catalog dose-depth table
    _check = field_validator("dose_depth")(lambda v: v if v == "ae8ap8-grid" else _catalog_name("dose_depth", v))

    @model_validator(mode="after")
    def _one_rule(self) -> Shielding:
        if (self.dose_target_rad_per_year is None) == (self.thickness_mm is None):
            raise ValueError("give exactly one of dose_target_rad_per_year or thickness_mm")
        return self


class Satellite(_Section):
    bus: str
    bus_mass_fraction: float | None = Field(default=None, ge=0.0, lt=1.0)
    specific_power_w_per_kg: float | None = Field(default=None, gt=0.0)
    drag_coefficient: float = Field(gt=0.0, le=5.0)
    drag_area_fraction: float = Field(gt=0.0, le=2.0)  # mean drag area / (array + radiator area)
    propulsive_disposal: bool

    _check = field_validator("bus")(lambda v: _catalog_name("buses", v))


class Fleet(_Section):
    target_it_power_w: float | None = Field(default=None, gt=0.0)
    target_accelerators: int | None = Field(default=None, gt=0)
    target_satellites: int | None = Field(default=None, gt=0, le=MAX_SATELLITES)
    launch_vehicle: str
    launch_cost_usd_per_kg: float | None = Field(default=None, ge=0.0)
    payload_to_leo_kg: float | None = Field(default=None, gt=0.0)
    launches_per_year: float = Field(gt=0.0)

    _check = field_validator("launch_vehicle")(lambda v: _catalog_name("launch_vehicles", v))

    @model_validator(mode="after")
    def _one_target(self) -> Fleet:
        given = [t for t in (self.target_it_power_w, self.target_accelerators, self.target_satellites) if t is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of target_it_power_w, target_accelerators, target_satellites")
        return self


# what a fleet buys, by cost item (leodc.economics.costs), for the learning curves' per-item figures
LearningItem = Literal["accelerators", "solar_array", "battery", "radiator", "bus_and_shielding", "launch"]


class Economics(_Section):
    horizon_years: float = Field(gt=0.0, le=100.0)
    design_life_years: float = Field(gt=0.0, le=100.0)
    replacement_rule: Literal["fcc-disposal", "seed-5-year"]
    discount_rate: float = Field(ge=0.0, lt=1.0)
    ground_segment_usd: float = Field(ge=0.0)
    operations_usd_per_satellite_year: float = Field(ge=0.0)
    rd_usd: float = Field(ge=0.0)
    availability: float = Field(gt=0.0, le=1.0)
    terrestrial_power: str
    datacenter: str
    # learning curves (Wright's law, leodc.economics.learning): off unless stated; a rate per cost item
    # (share of unit cost lost per doubling) replaces its part's catalog figure and leodc's default, and
    # units of an item's line built before the fleet's first replace the part's `learning_units_before`
    learning_curves: bool = False
    learning_rates: dict[LearningItem, Annotated[float, Field(ge=0.0, lt=1.0)]] = Field(default_factory=dict)
    learning_units_before: dict[LearningItem, Annotated[float, Field(ge=0.0, le=1e12)]] = Field(
        default_factory=dict)

    _check_power = field_validator("terrestrial_power")(lambda v: _catalog_name("power_options", v))
    _check_dc = field_validator("datacenter")(lambda v: _catalog_name("datacenters", v))


class Shell(_Section):
    """One shell of a designed constellation."""

    kind: Literal["walker-delta", "walker-star", "sun-synchronous", "cluster"]
    satellites: int = Field(gt=0, le=MAX_SATELLITES)
    altitude_km: float = Field(ge=MIN_ALTITUDE_KM, le=MAX_ALTITUDE_KM)
    inclination_deg: float = Field(default=53.0, ge=0.0, le=180.0)  # Walker shells, inclined clusters
    planes: int = Field(default=1, gt=0)
    phasing: int = Field(default=0, ge=0)  # Walker F
    raan0_deg: float = Field(default=0.0, ge=0.0, lt=360.0)
    ltan_h: float = Field(default=6.0, ge=0.0, lt=24.0)  # sun-synchronous shells and clusters
    ltan_spread_h: float = Field(default=0.0, ge=0.0, le=24.0)  # planes spread over this many hours of LTAN
    reference: Literal["sun-synchronous", "inclined"] = "sun-synchronous"  # cluster's reference orbit
    radius_m: float = Field(default=1000.0, gt=0.0)  # cluster: every member within this of the reference

    @model_validator(mode="after")
    def _planes_fit(self) -> Shell:
        if self.planes > self.satellites:
            raise ValueError(f"planes ({self.planes}) cannot exceed satellites ({self.satellites})")
        return self


class Constellation(_Section):
    """Where the satellites are: designed shells, or a real fleet from a TLE/OMM file.

    With neither, the engine lays the design's fleet out as one shell from ``[orbit]``.
    """

    shells: list[Shell] = Field(default_factory=list)
    tle_file: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Constellation:
        if self.shells and self.tle_file:
            raise ValueError("give shells or tle_file, not both")
        return self


class Simulation(_Section):
    """Time-domain settings (``leodc simulate``); thermal and battery parameters of the engine."""

    start_utc: str
    days: float = Field(gt=0.0, le=3660.0)
    step_s: float = Field(gt=0.0, le=3600.0)
    propagator: Literal["fast", "sgp4"]
    shadow: Literal["cylindrical", "conical"]
    chunk_satellites: int = Field(gt=0)
    window_steps: int = Field(gt=0)
    array_age_years: float = Field(ge=0.0)
    initial_soc: float = Field(gt=0.0, le=1.0)
    chip_temperature_limit_k: float = Field(gt=0.0)
    throttle_band_k: float = Field(gt=0.0)
    chip_to_coolant_dt_k: float = Field(gt=0.0)
    coolant_to_radiator_dt_k: float = Field(gt=0.0)
    chip_heat_capacity_j_per_k_per_w: float = Field(gt=0.0)
    coolant_heat_capacity_j_per_k_per_w: float = Field(gt=0.0)
    radiator_specific_heat_j_per_kg_k: float = Field(gt=0.0)

    @field_validator("start_utc", mode="before")
    @classmethod
    def _iso(cls, v):
        from datetime import date, datetime

        if isinstance(v, (datetime, date)):  # a TOML date-time, written without quotes
            return v.isoformat()
        if not isinstance(v, str):
            raise ValueError(f"expected an ISO 8601 time such as 2026-03-20T00:00:00 (got {v!r})")
        try:
            datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected an ISO 8601 time such as 2026-03-20T00:00:00 (got {v!r})") from None
        return v


PAIR_SEPARATOR = ":"


class Ingest(_Section):
    """Data a ground site uploads to the fleet every day (the seed story's vehicle, social-platform and
    brain-computer-interface data), and where the figure comes from."""

    site: str = Field(min_length=1, max_length=200)
    bytes_per_day: float = Field(gt=0.0, le=1e21)
    source: str = Field(default="", max_length=500)


class Network(_Section):
    """The network stage (``leodc network``, ``leodc run``): laser links, ground links, the pairs of
    ground sites whose round trips are measured, and the span they are measured over."""

    laser_terminal: str
    terminals_per_satellite: int = Field(ge=0, le=16)
    atmosphere_margin_km: float = Field(ge=0.0, le=1000.0)
    min_elevation_deg: float = Field(ge=0.0, lt=90.0)
    pairs: list[str] = Field(default_factory=list, max_length=10000)
    sites_file: str | None = None  # a CSV or TOML list of sites; default: the shipped cities and stations
    ground_relays: bool = True  # paths may pass through other ground sites; false: sites only send/receive, as Hypatia
    hours: float = Field(gt=0.0, le=24.0 * 366)
    step_s: float = Field(gt=0.0, le=3600.0)
    # oversight: a halt command's forwarding delay per hop, how often over a day it is issued, and how
    # long after each issue it is followed
    per_hop_delay_ms: float = Field(ge=0.0, le=1000.0)
    oversight_every_h: float = Field(gt=0.0, le=24.0)
    oversight_horizon_h: float = Field(gt=0.0, le=24.0 * 7)
    # the gradient whose all-reduce time is reported for each group of satellites (bytes)
    gradient_bytes: float = Field(gt=0.0, le=1e16)
    # ingest: data uploaded to the fleet from named sites through their feeder links
    feeder_link: str
    feeder_antennas_per_site: int | None = Field(default=None, gt=0, le=10000)  # default: the catalog's
    ingest: list[Ingest] = Field(default_factory=list, max_length=1000)
    dataset_bytes: float = Field(gt=0.0, le=1e21)  # a training set to upload: days it takes

    _check_feeder = field_validator("feeder_link")(lambda v: _catalog_name("feeder_links", v))
    _check = field_validator("laser_terminal")(lambda v: _catalog_name("laser_terminals", v))

    @field_validator("pairs")
    @classmethod
    def _pairs(cls, pairs: list[str]) -> list[str]:
        for pair in pairs:
            ends = [e.strip() for e in pair.split(PAIR_SEPARATOR)]
            if len(ends) != 2 or not all(ends):
                raise ValueError(f"expected pairs as \"SITE:SITE\" (got {pair!r})")
            if ends[0].lower() == ends[1].lower():
                raise ValueError(f"expected two different sites (got {pair!r})")
        return pairs

    def site_pairs(self) -> list[tuple[str, str]]:
        return [tuple(e.strip() for e in p.split(PAIR_SEPARATOR)) for p in self.pairs]


class Training(_Section):
    """A synchronous data-parallel training job on the fleet (``leodc workload --job training``): one
    data-parallel group per satellite, tensor and pipeline parallelism inside it."""

    parameters: float = Field(gt=0.0, le=1e16)
    tokens: float = Field(gt=0.0, le=1e18)
    flops_per_token: float | None = Field(default=None, gt=0.0)  # default: 6 x parameters (dense)
    batch_tokens: float = Field(gt=0.0, le=1e12)  # tokens per optimiser step
    satellites: int = Field(gt=0, le=MAX_SATELLITES)  # data-parallel groups
    spare_satellites: int = Field(ge=0, le=MAX_SATELLITES)  # the pool beside them, for failures and moves
    shell: int = Field(ge=0)  # which of the constellation's shells the job's satellites come from
    model_parallel_accelerators: int = Field(gt=0, le=100000)  # one tensor x pipeline unit; a failure takes it out
    efficiency: float = Field(gt=0.0, le=1.0)  # achieved / peak FLOP/s inside a group
    gradient_bytes_per_parameter: float = Field(gt=0.0, le=16.0)
    checkpoint_bytes_per_parameter: float = Field(gt=0.0, le=64.0)
    checkpoint_write_bytes_per_s: float = Field(gt=0.0)  # per satellite; the checkpoint is sharded
    restart_s: float = Field(ge=0.0, le=1e6)
    checkpoint_interval_s: float | None = Field(default=None, gt=0.0)  # default: Daly's optimum
    scheduler: Literal["greedy", "lookahead"]
    replan_h: float = Field(gt=0.0, le=24.0 * 30)
    ground_link_bps_per_accelerator: float = Field(gt=0.0)  # the terrestrial twin's fabric
    max_days: float = Field(gt=0.0, le=3660.0)  # stop a job that has not finished by then


class Inference(_Section):
    """Requests from the population centres served by the fleet (``leodc workload --job inference``)."""

    requests_per_day: float = Field(gt=0.0, le=1e12)
    hours: float = Field(gt=0.0, le=24.0 * 31)  # simulated span from the simulation's start
    prompt_tokens: float = Field(gt=0.0, le=1e7)
    output_tokens: float = Field(gt=0.0, le=1e7)
    tokens_per_s_per_accelerator: float | None = Field(default=None, gt=0.0)  # default: the catalog's
    prefill_speedup: float = Field(gt=0.0, le=1e4)
    accelerators_per_replica: int = Field(gt=0, le=100000)
    accelerators_per_satellite: int = Field(gt=0, le=100000)  # the share of each satellite that serves
    time_per_output_token_ms: float = Field(gt=0.0, le=1e5)  # each request's decode pace: sets the batch
    slo_ms: float = Field(gt=0.0, le=1e8)
    diurnal_amplitude: float = Field(ge=0.0, le=1.0)
    diurnal_peak_h: float = Field(ge=0.0, lt=24.0)  # local solar time of the daily peak
    route_step_s: float = Field(gt=0.0, le=3600.0)  # how often the candidate satellites are recomputed
    candidates: int = Field(gt=0, le=64)  # nearest visible satellites a city's requests may go to
    max_satellites: int = Field(gt=0, le=MAX_SATELLITES)  # serve from an even sample above this many
    # the terrestrial twin's region
    region: str = Field(min_length=1, max_length=200)
    region_lat_deg: float = Field(ge=-90.0, le=90.0)
    region_lon_deg: float = Field(ge=-180.0, le=180.0)


class Workload(_Section):
    """The workload stage: training and inference on the simulated fleet, and their terrestrial twins."""

    jobs: list[Literal["training", "inference"]] = Field(min_length=1, max_length=2)
    days: float = Field(gt=0.0, le=366.0)  # span of the per-satellite series (they repeat after it)
    step_s: float = Field(gt=0.0, le=3600.0)
    seed: int = Field(ge=0)
    training: Training
    inference: Inference


class Claim(_Section):
    """A figure a source states, and how leodc recomputes it."""

    name: str
    stated: float
    unit: str
    source: str
    # the [audit.stated] figure this claim's stated figure is (its value is ``stated``), or the figures it is
    # derived from (a list); the recomputation may use none of them (leodc.audit refuses the claim otherwise)
    judges: str | list[str] | None = None
    comparison: Literal["=", ">", "<"] = "="  # "=": within tolerance; ">" or "<": a one-sided claim
    recomputed: str | None = None  # arithmetic over [audit.stated] names
    metric: str | None = None  # a leodc output field, e.g. satellite.radiator_net_flux_w_per_m2
    set: dict[str, Any] = Field(default_factory=dict)  # overrides applied before the metric
    tolerance: float = Field(default=0.01, gt=0.0)  # relative

    @model_validator(mode="after")
    def _one_way(self) -> Claim:
        if (self.recomputed is None) == (self.metric is None):
            raise ValueError("a claim needs exactly one of recomputed (an expression) or metric")
        return self


class Audit(_Section):
    stated: dict[str, float] = Field(default_factory=dict)
    claims: list[Claim] = Field(default_factory=list)


# ---------------------------------------------------------------- uncertainty: the [uncertain] table
# A scenario's ``[uncertain]`` table puts a distribution on any numeric field (``"fleet.launch_cost_usd_per_kg" =
# { dist = "triangular", low = 100, mode = 500, high = 1500 }``) or on a catalog figure of a part the scenario
# names (``"catalog.solar_arrays.rosa-class.cost_usd_per_w"``); ``leodc sweep`` samples them (leodc.uncertainty).
UNCERTAIN_SECTION = "uncertain"
CATALOG_KEY_PREFIX = "catalog."
# the scenario fields that name a catalog part, and the part's kind
PART_FIELDS = {
    "compute.accelerator": "accelerators", "power.solar_array": "solar_arrays", "power.battery": "batteries",
    "thermal.radiator": "radiators", "satellite.bus": "buses", "fleet.launch_vehicle": "launch_vehicles",
    "economics.terrestrial_power": "power_options", "economics.datacenter": "datacenters",
}
# catalog figures a scenario field replaces when stated: a distribution on the figure goes on that field
CATALOG_OVERRIDE_FIELDS = {
    ("solar_arrays", "cell_efficiency"): "power.cell_efficiency",
    ("solar_arrays", "packing_factor"): "power.packing_factor",
    ("batteries", "depth_of_discharge"): "power.depth_of_discharge",
    ("radiators", "emissivity"): "thermal.emissivity",
    ("radiators", "absorptivity"): "thermal.absorptivity",
    ("buses", "mass_fraction"): "satellite.bus_mass_fraction",
    ("launch_vehicles", "payload_to_leo_kg"): "fleet.payload_to_leo_kg",
    ("launch_vehicles", "cost_usd_per_kg"): "fleet.launch_cost_usd_per_kg",
}
# catalog figures that are shares of one (at most 1), and the ones with a floor above zero (PUE >= 1);
# every other catalog figure is a non-negative physical quantity
CATALOG_FRACTION_FIGURES = frozenset({
    "cell_efficiency", "packing_factor", "degradation_per_year", "depth_of_discharge", "round_trip_efficiency",
    "emissivity", "absorptivity", "mass_fraction", "availability", "capacity_factor"})
CATALOG_FIGURE_FLOORS = {"pue": 1.0}
DISTRIBUTIONS = ("triangular", "uniform", "lognormal", "normal")
# the parameters each distribution takes (lognormal: median and sigma, or p5 and p95)
DISTRIBUTION_PARAMETERS = {
    "triangular": (("low", "mode", "high"),),
    "uniform": (("low", "high"),),
    "lognormal": (("median", "sigma"), ("p5", "p95")),
    "normal": (("mean", "sd", "low", "high"),),
}
MAX_UNCERTAIN_FIELDS = 1000


class Distribution(_Section):
    """A distribution on one scenario field or catalog figure (``[uncertain]``).

    ``triangular`` (low, mode, high), ``uniform`` (low, high), ``lognormal`` (median and sigma of the
    logarithm, or its 5th and 95th percentiles p5 and p95), ``normal`` (mean, sd) truncated to [low, high].
    """

    dist: Literal["triangular", "uniform", "lognormal", "normal"]
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    median: float | None = Field(default=None, gt=0.0)
    sigma: float | None = Field(default=None, gt=0.0)
    p5: float | None = Field(default=None, gt=0.0)
    p95: float | None = Field(default=None, gt=0.0)
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0.0)

    def parameters(self) -> dict[str, float]:
        """The parameters stated, by name."""
        return {k: v for k, v in self.model_dump(exclude={"dist"}).items() if v is not None}

    @model_validator(mode="after")
    def _parameters_fit(self) -> Distribution:
        stated = set(self.parameters())
        forms = DISTRIBUTION_PARAMETERS[self.dist]
        if not any(stated == set(form) for form in forms):
            wanted = " or ".join(", ".join(form) for form in forms)
            raise cross_field_error(("dist",), f"a {self.dist} distribution takes {wanted}; got "
                                    f"{', '.join(sorted(stated)) or 'none'}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise cross_field_error(("low", "high"), f"expected low < high; got low = {self.low:g}, "
                                    f"high = {self.high:g}")
        if self.mode is not None and not self.low <= self.mode <= self.high:
            raise cross_field_error(("mode",), f"expected low <= mode <= high; got {self.low:g}, {self.mode:g}, "
                                    f"{self.high:g}")
        if self.mean is not None and not self.low <= self.mean <= self.high:
            raise cross_field_error(("mean",), f"expected low <= mean <= high; got {self.low:g}, {self.mean:g}, "
                                    f"{self.high:g}")
        if self.p5 is not None and not self.p5 < self.p95:
            raise cross_field_error(("p5", "p95"), f"expected p5 < p95; got p5 = {self.p5:g}, p95 = {self.p95:g}")
        return self

    def support(self) -> tuple[float, float]:
        """The smallest and largest values the distribution gives (a lognormal's reach zero and infinity)."""
        if self.dist == "lognormal":  # open at zero: its smallest value is the smallest positive number
            return math.ulp(0.0), math.inf
        return float(self.low), float(self.high)

    def centre(self) -> float:
        """Its mode, median or mean: the value a scenario with this distribution is checked at."""
        if self.dist == "lognormal":
            return float(self.median if self.median is not None else math.sqrt(self.p5 * self.p95))
        if self.dist == "normal":
            return float(self.mean)
        if self.dist == "triangular":
            return float(self.mode)
        return (float(self.low) + float(self.high)) / 2.0


def _field_info(model: type[BaseModel], dotted: str):
    """The pydantic field at a dotted path through nested sections, or None."""
    owner: Any = model
    info = None
    for part in dotted.split("."):
        if not (isinstance(owner, type) and issubclass(owner, BaseModel)) or part not in owner.model_fields:
            return None
        info = owner.model_fields[part]
        owner = info.annotation
    return info


def numeric_kind(info) -> type | None:
    """``float`` or ``int`` for a numeric field (optional or not), else None (text, bool, lists, sections)."""
    ann = info.annotation
    args = set(getattr(ann, "__args__", ())) - {type(None)} or {ann}
    if len(args) != 1:
        return None
    kind = next(iter(args))
    return kind if kind in (float, int) else None


def field_bounds(info) -> tuple[float, bool, float, bool]:
    """(lower, inclusive, upper, inclusive) of a numeric field's constraints (infinite where none)."""
    lower, lower_in, upper, upper_in = -math.inf, True, math.inf, True
    for m in info.metadata:
        if getattr(m, "gt", None) is not None:
            lower, lower_in = float(m.gt), False
        if getattr(m, "ge", None) is not None:
            lower, lower_in = float(m.ge), True
        if getattr(m, "lt", None) is not None:
            upper, upper_in = float(m.lt), False
        if getattr(m, "le", None) is not None:
            upper, upper_in = float(m.le), True
    return lower, lower_in, upper, upper_in


def _outside(support: tuple[float, float], bounds: tuple[float, bool, float, bool]) -> str | None:
    """What of a distribution's support falls outside a field's bounds, or None."""
    lo, hi = support
    lower, lower_in, upper, upper_in = bounds
    if lo < lower or (lo == lower and not lower_in):
        return f"its smallest value {lo:g} is below the field's {'minimum' if lower_in else 'bound'} {lower:g}"
    if hi > upper or (hi == upper and not upper_in):
        reach = "it has no upper end" if math.isinf(hi) else f"its largest value {hi:g}"
        return f"{reach} above the field's {'maximum' if upper_in else 'bound'} {upper:g}"
    return None


def catalog_key(key: str) -> tuple[str, str, str] | None:
    """``catalog.KIND.NAME.FIGURE`` -> (kind, name, figure); None for a scenario field's key."""
    if not key.startswith(CATALOG_KEY_PREFIX):
        return None
    parts = key[len(CATALOG_KEY_PREFIX):].split(".")
    return tuple(parts) if len(parts) == 3 and all(parts) else ("", "", "")


def uncertain_field_problem(scenario: Scenario, key: str, dist: Distribution) -> str | None:
    """Why ``key`` cannot carry ``dist`` in this scenario (unknown, not numeric, outside the field's
    bounds), or None."""
    cat = catalog_key(key)
    if cat is None:
        info = _field_info(Scenario, key)
        if info is None or key.split(".")[0] == "uncertain":
            return ("unknown field; expected a numeric scenario field (section.field, e.g. "
                    "fleet.launch_cost_usd_per_kg) or a catalog figure (catalog.KIND.NAME.FIGURE)")
        kind = numeric_kind(info)
        if kind is None:
            return "not a numeric field; a distribution goes on a number (float or integer)"
        lo, hi = dist.support()
        support = (round(lo), round(hi) if math.isfinite(hi) else hi) if kind is int else (lo, hi)
        problem = _outside(support, field_bounds(info))
        return f"{problem}; expected a distribution inside the field's bounds" if problem else None
    kind, name, figure = cat
    used = {k: getattr(getattr(scenario, f.split(".")[0]), f.split(".")[1]) for f, k in PART_FIELDS.items()}
    if kind not in used:
        return (f"unknown catalog kind {kind!r}; expected catalog.KIND.NAME.FIGURE with KIND one of: "
                f"{', '.join(sorted(used))}")
    if name != used[kind]:
        return f"the scenario uses {kind} entry {used[kind]!r}, not {name!r}; expected a part the scenario names"
    part = load_catalog().kind(kind)[name]
    fig = part.figures().get(figure)
    if fig is None or isinstance(fig.value, list):
        return (f"{kind} entry {name!r} has no numeric figure {figure!r}; expected one of: "
                f"{', '.join(k for k, f in part.figures().items() if not isinstance(f.value, list))}")
    if (kind, figure) in CATALOG_OVERRIDE_FIELDS:
        return (f"the scenario field {CATALOG_OVERRIDE_FIELDS[kind, figure]} sets this figure; expected the "
                "distribution on that field")
    bounds = (CATALOG_FIGURE_FLOORS.get(figure, 0.0), True, 1.0 if figure in CATALOG_FRACTION_FIGURES else math.inf,
              True)
    problem = _outside(dist.support(), bounds)
    return f"{problem}; expected a distribution inside the figure's bounds" if problem else None


class Scenario(_Section):
    """One validated scenario: every section of a scenario TOML file, defaults from the bundled default
    (``extends``), overrides from ``--set`` applied, units in every field name.

    Load one with :func:`load_scenario` (or :func:`leodc.load_scenario`); :meth:`digest` identifies it in
    the run catalog, :meth:`stated_in` names the file (or ``--set``) that stated a field, for errors.
    """

    # where each field was stated (a file, or --set), kept from loading, so that checks made later
    # (the design's) name the file a user must change; not part of the scenario's values or digest
    _origin: dict[str, str] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr(default="scenario")

    name: str = Field(max_length=NAME_MAX_CHARS)
    description: str = Field(default="", max_length=DESCRIPTION_MAX_CHARS)
    sources: list[str] = Field(default_factory=list)
    compute: Compute
    orbit: Orbit
    environment: Environment = Environment()
    power: Power
    thermal: Thermal
    shielding: Shielding
    satellite: Satellite
    fleet: Fleet
    economics: Economics
    constellation: Constellation = Constellation()
    simulation: Simulation
    network: Network
    workload: Workload
    audit: Audit = Audit()
    # distributions on fields and catalog figures for `leodc sweep` (keys: dotted field names)
    uncertain: dict[str, Distribution] = Field(default_factory=dict, max_length=MAX_UNCERTAIN_FIELDS)

    @model_validator(mode="after")
    def _uncertain_fields_exist(self) -> Scenario:
        for key, dist in self.uncertain.items():
            problem = uncertain_field_problem(self, key, dist)
            if problem:
                raise cross_field_error((f"uncertain.{key}",), problem)
        for section, group in EXCLUSIVE_FIELDS.items():
            sampled = [f for f in group if f"{section}.{f}" in self.uncertain]
            if len(sampled) > 1:
                raise cross_field_error((f"uncertain.{section}.{sampled[-1]}",), f"a distribution on one of "
                                        f"{', '.join(group)} at most (each replaces the others); got "
                                        f"{', '.join(sampled)}")
        return self

    def stated_in(self, field: str) -> str:
        """The file (or ``--set``) that stated a dotted field, or the scenario's own file when it was a
        default; user-facing errors name it. With no field (a check of the inputs as a whole, such as a
        design beyond floating-point range), the one that stated a field last: ``--set`` when the user
        gave one, else the user's file rather than the built-in default it extends."""
        if not field:
            return next(reversed(self._origin.values()), self._source)
        parts = field.split(".")
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in self._origin:
                return self._origin[".".join(parts[:n])]
        return self._source

    def digest(self) -> str:
        """A stable hash of the validated inputs (for run catalogs and caching)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Terrestrial(_Section):
    """A terrestrial data center to compare against (``leodc compare S.toml EARTH.toml``)."""

    name: str
    description: str = ""
    power_option: str
    datacenter: str
    electricity_usd_per_kwh: float | None = Field(default=None, ge=0.0)
    pue: float | None = Field(default=None, ge=1.0)
    capacity_factor: float | None = Field(default=None, gt=0.0, le=1.0)
    water_l_per_kwh: float | None = Field(default=None, ge=0.0)
    build_usd_per_w: float | None = Field(default=None, ge=0.0)

    _check_power = field_validator("power_option")(lambda v: _catalog_name("power_options", v))
    _check_dc = field_validator("datacenter")(lambda v: _catalog_name("datacenters", v))


# ---------------------------------------------------------------- loading


def _read_toml(ref: str, relative_to: Path | None, wanted_by: str) -> tuple[dict, str, Path | None]:
    """Read a scenario file or a built-in; return (data, display name, directory)."""
    if ref.startswith(BUILTIN_PREFIX):
        name = ref[len(BUILTIN_PREFIX):]
        res = resources.files("leodc") / "scenarios" / f"{name}.toml"
        if not res.is_file():
            raise InputError(wanted_by, "extends", f"no built-in scenario {name!r}")
        return tomllib.loads(res.read_text(encoding="utf-8")), ref, None
    path = Path(ref)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if not path.is_file():
        field = "extends" if relative_to is not None else None
        if path.is_dir():
            raise InputError(wanted_by if field else str(path), field,
                             f"{path} is a directory; expected a scenario TOML file" if field else
                             "is a directory; expected a scenario TOML file")
        raise InputError(wanted_by if field else str(path), field, f"file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), None, f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(str(path), None, "not a UTF-8 text file") from None
    except OSError as exc:
        raise InputError(str(path), None, f"expected a readable file ({exc.strerror})") from None
    return data, str(path), path.parent


# Fields of which a scenario states exactly one: stating one in a file or with --set replaces
# whichever of the others a base file stated.
EXCLUSIVE_FIELDS = {
    "fleet": ("target_it_power_w", "target_accelerators", "target_satellites"),
    "shielding": ("dose_target_rad_per_year", "thickness_mm"),
}


def _drop_exclusive(section: str, node: dict, stated: str) -> None:
    for other in EXCLUSIVE_FIELDS.get(section, ()):
        if stated in EXCLUSIVE_FIELDS[section] and other != stated:
            node.pop(other, None)


def _merge(base: dict, top: dict, origin: dict[str, str], file: str, prefix: str = "") -> dict:
    out = dict(base)
    section = prefix.rstrip(".")
    for key in top:
        _drop_exclusive(section, out, key)
    for key, value in top.items():
        path = f"{prefix}{key}"
        # an [uncertain] entry is a distribution stated whole: a later file's replaces an earlier one's
        if isinstance(value, dict) and isinstance(out.get(key), dict) and section != UNCERTAIN_SECTION:
            out[key] = _merge(out[key], value, origin, file, path + ".")
        else:
            out[key] = value
            _mark(origin, path, value, file)
    return out


def _mark(origin: dict[str, str], path: str, value: Any, file: str) -> None:
    """Record which file stated each leaf field (insertion order = order of stating)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(origin, f"{path}.{k}" if path else k, v, file)
        return
    origin.pop(path, None)
    origin[path] = file


def _resolve(ref: str, relative_to: Path | None, wanted_by: str, origin: dict[str, str], seen: tuple,
             implicit_base: str | None) -> dict:
    """Read a file and the chain of files it extends; later files override earlier ones."""
    data, name, folder = _read_toml(ref, relative_to, wanted_by)
    if name in seen:
        raise InputError(name, "extends", "a cycle of extends: " + " -> ".join((*seen, name)))
    parent = data.pop("extends", None)
    if parent is None and ref != implicit_base:
        parent = implicit_base
    if parent is not None and not isinstance(parent, str):
        raise InputError(name, "extends", "expected a file path (string) or 'builtin:NAME'")
    base = _resolve(parent, folder, name, origin, (*seen, name), implicit_base) if parent else {}
    return _merge(base, data, origin, name)


def parse_override(text: str) -> tuple[list[str], Any]:
    """``section.field=value`` -> (["section", "field"], value); value read as TOML, else text."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not p for p in key.split(".")):
        raise InputError("--set", text, "expected section.field=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def apply_overrides(data: dict, overrides: list[str] | dict[str, Any], origin: dict[str, str],
                    label: str = "--set") -> dict:
    """Set dotted fields in ``data``; ``origin`` records ``label`` as where each was stated."""
    items = overrides.items() if isinstance(overrides, dict) else (
        (".".join(p), v) for p, v in map(parse_override, overrides))
    for dotted, value in items:
        parts = dotted.split(".")
        node = data
        for p in parts[:-1]:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        _drop_exclusive(".".join(parts[:-1]), node, parts[-1])
        node[parts[-1]] = value
        _mark(origin, dotted, value, label)
    return data


def _blamed(loc: tuple[str, ...], fields: tuple[str, ...], origin: dict[str, str]) -> tuple[str, ...]:
    """Of the fields a cross-field rule reads, the one stated last (the first when none was stated)."""
    order = {path: k for k, path in enumerate(origin)}

    def stated_at(field: str) -> int:
        parts = (*loc, *field.split("."))
        for n in range(len(parts), 0, -1):  # a list (shells) is stated as a whole
            if ".".join(parts[:n]) in order:
                return order[".".join(parts[:n])]
        return -1

    return tuple(max(fields, key=stated_at).split("."))  # max keeps the first of equals


def _validate(model: type[BaseModel], data: dict, origin: dict[str, str], default_file: str):
    try:
        validated = model.model_validate(data)
        if isinstance(validated, Scenario):
            validated._origin, validated._source = dict(origin), default_file
        return validated
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(str(p) for p in err["loc"])
        if err["type"] == CROSS_FIELD_ERROR:
            loc += _blamed(loc, err["ctx"]["fields"], origin)
        field = ".".join(loc) or None
        file = default_file
        for n in range(len(loc), 0, -1):
            if ".".join(loc[:n]) in origin:
                file = origin[".".join(loc[:n])]
                break
        else:  # a section-level error: blame the file that stated its fields last
            inside = [f for p, f in origin.items() if p.startswith(f"{field}.")] if field else []
            file = inside[-1] if inside else file
        raise InputError(file, field, _expected(model, err)) from None


def _expected(model: type[BaseModel], err: dict) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        owner: Any = model
        for p in err["loc"][:-1]:
            field = owner.model_fields.get(str(p)) if isinstance(owner, type) else None
            ann = getattr(field, "annotation", None)
            owner = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
            if owner is None:
                break
        allowed = ", ".join(owner.model_fields) if owner is not None else "a known field"
        return f"unknown field; expected one of: {allowed}"
    if kind == "missing":
        return "required field is missing"
    msg = msg.removeprefix("Value error, ")
    if "input" in err and kind not in ("value_error", CROSS_FIELD_ERROR):
        msg += f" (got {err['input']!r})"
    return msg


def _apply_options(data: dict, origin: dict[str, str], overrides: list[str] | dict[str, Any] | None,
                   options: dict[str, tuple[str, Any]] | None, label: str) -> dict:
    """``--set`` overrides (named ``label``), then the options that set one field each, named by the
    option (``{"--days": ("simulation.days", 2.0)}``), so that an error names what the user typed."""
    if overrides:
        data = apply_overrides(data, overrides, origin, label)
    for option, (dotted, value) in (options or {}).items():
        if value is not None:
            data = apply_overrides(data, {dotted: value}, origin, option)
    return data


def load_scenario(path: str | Path, overrides: list[str] | dict[str, Any] | None = None,
                  options: dict[str, tuple[str, Any]] | None = None) -> Scenario:
    """Load, merge (``extends``), override (``--set``, then ``options``: ``{option: (field, value)}``)
    and validate a scenario file."""
    origin: dict[str, str] = {}
    ref = str(path)
    data = _resolve(ref, None, ref, origin, (), DEFAULT_BASE)
    data = _apply_options(data, origin, overrides, options, "--set")
    _resolve_paths(data, origin)
    return _validate(Scenario, data, origin, ref)


def load_scenario_text(text: str, source: str, overrides: list[str] | dict[str, Any] | None = None,
                       options: dict[str, tuple[str, Any]] | None = None, overrides_label: str = "--set") -> Scenario:
    """A scenario sent as TOML text (the dashboard's form and API): data only.

    It extends the bundled default or another built-in scenario, never a file, and names no file
    (``constellation.tle_file`` is refused), so nothing a sender writes reaches the files of the
    machine that validates it. Errors name ``source`` (what was sent), ``overrides_label`` and the
    options, as :func:`load_scenario` names the file and ``--set``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, None, f"not valid TOML ({exc})") from None
    parent = data.pop("extends", DEFAULT_BASE)
    if not (isinstance(parent, str) and parent.startswith(BUILTIN_PREFIX)):
        raise InputError(source, "extends", f"a scenario sent as text extends only built-in scenarios "
                         f"({BUILTIN_PREFIX}NAME), never a file")
    origin: dict[str, str] = {}
    base = _resolve(parent, None, source, origin, (source,), DEFAULT_BASE)
    data = _merge(base, data, origin, source)
    data = _apply_options(data, origin, overrides, options, overrides_label)
    for dotted in PATH_FIELDS:
        section, _, key = dotted.partition(".")
        stated = data.get(section, {}).get(key) if isinstance(data.get(section), dict) else None
        if stated is not None:
            raise InputError(origin.get(dotted, source), dotted, "a scenario sent as text names no file (the "
                             "files here are not the sender's); expected designed [[constellation.shells]], or a "
                             "real fleet from a TLE/OMM file run with `leodc run` on the command line")
    return _validate(Scenario, data, origin, source)


# File references inside a scenario, read relative to the file that states them.
PATH_FIELDS = ("constellation.tle_file", "network.sites_file")


def _resolve_paths(data: dict, origin: dict[str, str]) -> None:
    for dotted in PATH_FIELDS:
        section, _, key = dotted.partition(".")
        value = data.get(section, {}).get(key) if isinstance(data.get(section), dict) else None
        if not isinstance(value, str):
            continue  # not a path: validation names the field
        stated_in = origin.get(dotted, "")
        base = Path(stated_in).parent if stated_in and not stated_in.startswith(("--", BUILTIN_PREFIX)) else Path()
        path = base / value  # an absolute value stays as it is
        if path.is_dir():
            raise InputError(stated_in or "scenario", dotted, f"expected a file, found a directory: {path}")
        if not path.is_file():
            raise InputError(stated_in or "scenario", dotted, f"file not found: {path}")
        data[section][key] = str(path)


def load_terrestrial(path: str | Path) -> Terrestrial:
    """Load and validate a terrestrial baseline file (``extends`` allowed, no implicit base)."""
    origin: dict[str, str] = {}
    ref = str(path)
    return _validate(Terrestrial, _resolve(ref, None, ref, origin, (), None), origin, ref)


def with_overrides(scenario: Scenario, overrides: dict[str, Any], label: str = "--set") -> Scenario:
    """A copy of a validated scenario with dotted-path overrides, validated again."""
    origin: dict[str, str] = dict(scenario._origin)
    data = apply_overrides(scenario.model_dump(), overrides, origin, label)
    return _validate(Scenario, data, origin, scenario._source)
