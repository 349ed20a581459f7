"""Field names for people: units read from a field's name, numbers formatted for tables, values made
JSON-safe, nested dictionaries flattened to dotted names.

leodc names every quantity with its unit (``altitude_km``, ``cost_usd_per_kg``); the command line,
the report and the dashboard all print from these names, through this module.
"""

from __future__ import annotations

import math
from typing import Any

# Units read off the suffix of a field name, for tables (the longest matching suffix wins).
UNIT_SUFFIXES = [
    ("_usd_per_accelerator_hour", "$/acc-h"), ("_usd_per_pflop_day", "$/PFLOP-day"),
    ("_usd_per_kw_year", "$/kW-yr"), ("_usd_per_mwh", "$/MWh"), ("_usd_per_kg", "$/kg"),
    ("_usd_per_kwh", "$/kWh"), ("_usd_per_year", "$/yr"), ("_usd", "$"), ("_w_per_m2", "W/m²"),
    ("_w_per_kg", "W/kg"), ("_w", "W"), ("_wh", "Wh"), ("_kwh_per_year", "kWh/yr"), ("_kwh", "kWh"),
    ("_mwh", "MWh"), ("_m2", "m²"), ("_m3", "m³"), ("_kg_per_year", "kg/yr"), ("_kg_horizon", "kg"),
    ("_kg", "kg"), ("_km", "km"), ("_deg", "°"), ("_mm", "mm"), ("_k", "K"), ("_s", "s"), ("_h", "h"),
    ("_years", "yr"), ("_per_year", "/yr"), ("_per_s", "/s"), ("_per_day", "/day"),
    ("_kg_per_m2", "kg/m²"), ("_m_s", "m/s"), ("_rad_per_year", "rad/yr"), ("_days_per_year", "d/yr"),
]
_BY_LENGTH = sorted(UNIT_SUFFIXES, key=lambda s: -len(s[0]))


def unit_of(field: str) -> str:
    """The unit a field's name states (``"launch_usd_per_kw_year"`` -> ``"$/kW-yr"``), or ``""``."""
    for suffix, unit in _BY_LENGTH:
        if f"_{field}".endswith(suffix):
            return unit
    return ""


def fmt(value: Any) -> str:
    """A number as people read it in a table: integers with thousands separators, 4 significant digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    if abs(value) >= 1e6 or (0 < abs(value) < 1e-3):
        return f"{value:.4g}"
    return f"{value:,.4g}" if abs(value) >= 1000 else f"{value:.4g}"


def jsonable(obj: Any) -> Any:
    """The value with every non-finite float as None (JSON has no inf or NaN), tuples as lists and
    NumPy scalars as Python numbers."""
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "shape", None) == ():  # NumPy scalar
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``: nested dictionaries as dotted field names."""
    out: dict[str, Any] = {}
    for key, value in d.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out
