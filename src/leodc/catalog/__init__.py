"""Reference parts shipped with leodc, every number with its source, year and confidence.

The data live in ``catalog/data/<kind>.toml``; each top-level table is one part, each numeric
field an inline table ``{ value, source, year, confidence [, note] }``. This module validates
them with pydantic and serves them by kind and name::

    from leodc.catalog import load_catalog
    h100 = load_catalog().accelerators["h100-sxm"]
    h100.tdp_w.value  # 700.0
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leodc.errors import LeodcError

Confidence = Literal["high", "medium", "low"]


class Figure(BaseModel):
    """One number with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float | list[float]
    source: str = Field(min_length=3)
    year: int = Field(ge=1950, le=2100)
    confidence: Confidence
    note: str | None = None


def chosen(override: float | None, figure: Figure) -> float:
    """The scenario's value where it states one, else the catalog figure's."""
    return float(figure.value) if override is None else float(override)


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str

    def figures(self) -> dict[str, Figure]:
        return {k: v for k, v in self if isinstance(v, Figure)}


class Accelerator(Part):
    """One purchasable compute unit: a chip (H100) or a rack (GB200 NVL72)."""

    chips_per_unit: Figure
    tdp_w: Figure
    peak_bf16_dense_flops: Figure
    hbm_bytes: Figure
    mass_kg: Figure
    system_mass_kg_per_unit: Figure
    system_volume_m3_per_unit: Figure
    unit_price_usd: Figure
    radiation_tolerance_rad: Figure | None = None  # total dose tested without hard failure
    # dose per single event, per chip (Suncatcher's proton tests)
    rad_per_sdc: Figure
    rad_per_uecc: Figure
    rad_per_crash: Figure
    rad_per_host_cpu_event: Figure
    rad_per_host_ram_event: Figure
    # the workload stage: permanent hardware failures per chip-year (no repairs in orbit), and output
    # tokens per second per accelerator serving a reference model (None where nothing is published)
    failures_per_chip_year: Figure | None = None
    inference_tokens_per_s: Figure | None = None


class Produced(Part):
    """A part a fleet buys by the thousand, whose price may fall with cumulative production
    (``leodc.economics.learning``, on with ``economics.learning_curves``).

    ``learning_rate``: the share of unit cost lost per doubling of cumulative production, in [0, 1);
    ``learning_units_before``: units of the line built before the catalog's price, which is the next
    unit's. A part without them takes leodc's default rate for its cost item and is priced as its line's
    first unit.
    """

    learning_rate: Figure | None = None
    learning_units_before: Figure | None = None

    @model_validator(mode="after")
    def _learning_in_range(self) -> Produced:
        rate, before = self.learning_rate, self.learning_units_before
        if rate is not None and (isinstance(rate.value, list) or not 0.0 <= rate.value < 1.0):
            raise ValueError(f"learning_rate: expected a share in [0, 1); got {rate.value!r}")
        if before is not None and (isinstance(before.value, list) or not before.value >= 0.0):
            raise ValueError(f"learning_units_before: expected a count >= 0; got {before.value!r}")
        return self


class LaunchVehicle(Part):
    payload_to_leo_kg: Figure
    fairing_volume_m3: Figure
    cost_usd_per_kg: Figure
    co2_kg_per_kg_payload: Figure
    energy_kwh_per_kg_payload: Figure


class SolarArray(Produced):
    cell_efficiency: Figure
    packing_factor: Figure
    specific_power_w_per_kg: Figure
    cost_usd_per_w: Figure
    degradation_per_year: Figure


class Radiator(Produced):
    areal_density_kg_per_m2: Figure
    emissivity: Figure
    absorptivity: Figure
    cost_usd_per_m2: Figure


class Battery(Produced):
    specific_energy_wh_per_kg: Figure
    depth_of_discharge: Figure
    round_trip_efficiency: Figure
    cost_usd_per_wh: Figure


class Bus(Produced):
    mass_fraction: Figure
    stowed_density_kg_per_m3: Figure
    cost_usd_per_kg: Figure


class PowerOption(Part):
    """A terrestrial way to power a data center."""

    capex_usd_per_kw: Figure
    electricity_usd_per_kwh: Figure | None = None
    heat_rate_mj_per_kwh: Figure | None = None
    fuel_usd_per_gj: Figure | None = None
    fuel_co2_kg_per_gj: Figure | None = None
    co2_kg_per_kwh: Figure | None = None
    availability: Figure


class Datacenter(Part):
    pue: Figure
    water_l_per_kwh: Figure
    build_usd_per_w: Figure
    operations_usd_per_w_year: Figure
    capacity_factor: Figure


class DoseDepth(Part):
    """Trapped-particle dose behind aluminium against shield thickness, for one orbit."""

    altitude_km: Figure
    inclination_deg: Figure
    thickness_mm: Figure
    dose_rad_per_year: Figure
    altitude_scale_height_km: Figure
    altitude_fit_range_km: Figure


class LaserTerminal(Part):
    """An optical inter-satellite link terminal (``network.links``: capacity by distance)."""

    max_range_km: Figure
    rate_at_range_bps: Figure
    peak_rate_bps: Figure


class FeederLink(Part):
    """A ground-to-fleet feeder link: one antenna's rate, the weather's share of time, antennas per site."""

    rate_bps: Figure
    weather_availability: Figure
    antennas_per_site: Figure


KINDS: dict[str, type[Part]] = {
    "accelerators": Accelerator,
    "launch_vehicles": LaunchVehicle,
    "solar_arrays": SolarArray,
    "radiators": Radiator,
    "batteries": Battery,
    "buses": Bus,
    "power_options": PowerOption,
    "datacenters": Datacenter,
    "dose_depth": DoseDepth,
    "laser_terminals": LaserTerminal,
    "feeder_links": FeederLink,
}


class CatalogError(LeodcError):
    """A catalog file or a reference to it is wrong."""


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    accelerators: dict[str, Accelerator]
    launch_vehicles: dict[str, LaunchVehicle]
    solar_arrays: dict[str, SolarArray]
    radiators: dict[str, Radiator]
    batteries: dict[str, Battery]
    buses: dict[str, Bus]
    power_options: dict[str, PowerOption]
    datacenters: dict[str, Datacenter]
    dose_depth: dict[str, DoseDepth]
    laser_terminals: dict[str, LaserTerminal]
    feeder_links: dict[str, FeederLink]

    def kind(self, kind: str) -> dict[str, Part]:
        if kind not in KINDS:
            raise CatalogError(f"catalog: KIND: unknown catalog kind {kind!r}; expected one of: {', '.join(KINDS)}")
        return getattr(self, kind)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """Read and validate every catalog file shipped in the package (cached)."""
    data: dict[str, dict[str, Part]] = {}
    root = resources.files(__package__) / "data"
    for kind, model in KINDS.items():
        path = root / f"{kind}.toml"
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CatalogError(f"catalog/data/{kind}.toml: {exc}") from None
        parts = {}
        for name, fields in raw.items():
            try:
                parts[name] = model.model_validate(fields)
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = ".".join(str(p) for p in err["loc"])
                raise CatalogError(f"catalog/data/{kind}.toml: [{name}] {loc}: {err['msg']}") from None
        data[kind] = parts
    return Catalog(**data)
