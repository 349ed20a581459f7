"""What the dashboard reads of a stored run, through the run layout (``runs.layout``) and the stage
results: the fleet's time series, the sample satellites' series, the cost items, the baselines and
the globe's orbit sample, as JSON-ready values (NumPy columns as lists, non-finite floats as null).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from leodc.errors import NotFoundError
from leodc.runs.layout import RunLayout, table_columns

FIGURE_MAX_POINTS = 1000
# economics items that are totals of the others, not items of the breakdown
COST_TOTALS = ("total_cost_usd", "infrastructure_cost_usd", "satellite_hardware_usd")
COST_SUFFIX = "_usd"
BASELINE_FIELDS = ("total_cost_usd", "lcoe_usd_per_mwh", "usd_per_accelerator_hour", "usd_per_pflop_day")
ORBITAL_BASELINE = "orbital (this run)"
GLOBE_COLUMNS = ["sat_id", "time", "x_itrs_km", "y_itrs_km", "z_itrs_km", "sunlit"]
GLOBE_POSITION_DECIMALS = 2  # km: 10 m
GLOBE_SUNLIT_DECIMALS = 3
GLOBE_STEP_DECIMALS = 3  # s
GLOBE_FRAME = "ITRS (Earth-fixed), km"


def column_json(values: np.ndarray, digits: int | None = None) -> list:
    """A NumPy column as a JSON list: timestamps as ISO 8601 UTC (``Z``), non-finite floats as null."""
    if values.dtype.kind == "M":
        return [str(t) + "Z" for t in values.astype("datetime64[ms]")]
    if values.dtype.kind == "f":
        out = np.round(values, digits) if digits is not None else values
        return [None if not math.isfinite(v) else v for v in out.tolist()]
    return values.tolist()


def _stride(n: int, limit: int) -> slice:
    """Every k-th of ``n`` rows, so that at most about ``limit`` remain."""
    return slice(None, None, max(1, math.ceil(n / limit)))


def read_stage(stage_type, layout: RunLayout) -> Any:
    """A stage result of the run (``DesignStage``, ``EconomicsStage``), or None while the run has not
    written it (a run still going, or one that failed before that stage)."""
    try:
        return stage_type.read(layout)
    except ValueError:  # the stage's files are missing (InputError) or unreadable
        return None


def fleet_series(layout: RunLayout, max_points: int = FIGURE_MAX_POINTS) -> dict | None:
    """The fleet's time series (one row per step), thinned to about ``max_points``; None before the simulation."""
    cols = layout.simulation.read("fleet")
    if not cols:
        return None
    pick = _stride(len(next(iter(cols.values()))), max_points)
    return {name: column_json(values[pick]) for name, values in cols.items()}


def satellite_series(layout: RunLayout, max_points: int = FIGURE_MAX_POINTS) -> list[dict]:
    """The sample satellites' time series, one entry per satellite, each thinned to about ``max_points``."""
    cols = layout.simulation.read("timeseries")
    if not cols or "sat_id" not in cols:
        return []
    out = []
    for sat in np.unique(cols["sat_id"]):
        rows = np.flatnonzero(cols["sat_id"] == sat)
        rows = rows[_stride(rows.size, max_points)]
        out.append({"sat_id": int(sat), **{k: column_json(v[rows]) for k, v in cols.items() if k != "sat_id"}})
    return out


def cost_items(assessment: dict | None) -> list[dict]:
    """The economics' cost items (totals left out), named without their ``_usd``."""
    econ = (assessment or {}).get("economics") or {}
    return [{"item": key.removesuffix(COST_SUFFIX), "usd": value} for key, value in econ.items()
            if key.endswith(COST_SUFFIX) and key not in COST_TOTALS and isinstance(value, (int, float))]


def baselines(assessment: dict | None, compare: list | None) -> list[dict]:
    """This run's headline costs, then each terrestrial baseline's."""
    rows = []
    econ = (assessment or {}).get("economics")
    if econ:
        rows.append({"name": ORBITAL_BASELINE, **{k: econ.get(k) for k in BASELINE_FIELDS}})
    for base in compare or []:
        rows.append({"name": base.get("name"), **{k: base.get(k) for k in BASELINE_FIELDS}})
    return rows


# ---------------------------------------------------------------------------------------------- the globe
def _orbit_sample(layout: RunLayout) -> dict[str, np.ndarray]:
    """The run's orbit sample (the globe's columns), sorted by satellite then time."""
    if not layout.orbits.is_file():
        raise NotFoundError(layout.root.name, None, f"the run has no orbit sample ({layout.orbits.name}) yet")
    cols = table_columns(pq.read_table(layout.orbits, columns=GLOBE_COLUMNS))
    order = np.lexsort((cols["time"], cols["sat_id"]))
    return {k: v[order] for k, v in cols.items()}


def _spread(ids: np.ndarray, limit: int) -> np.ndarray:
    """At most ``limit`` of ``ids``, spread evenly over them (as the pipeline spreads its sample over the fleet)."""
    if ids.size <= limit:
        return ids
    return ids[np.unique(np.linspace(0, ids.size - 1, limit).round().astype(int))]


def _track(cols: dict[str, np.ndarray], sat: int, times: np.ndarray) -> dict:
    """One satellite of the sample: its time indices, Earth-fixed positions (km) and sunlit share."""
    rows = np.flatnonzero(cols["sat_id"] == sat)
    xyz = np.stack([cols["x_itrs_km"][rows], cols["y_itrs_km"][rows], cols["z_itrs_km"][rows]], axis=-1)
    return {
        "sat_id": int(sat),
        "time_index": np.searchsorted(times, cols["time"][rows]).tolist(),
        "positions_km": np.round(xyz, GLOBE_POSITION_DECIMALS).tolist(),
        "sunlit": np.round(cols["sunlit"][rows].astype(float), GLOBE_SUNLIT_DECIMALS).tolist(),
    }


def globe_sample(layout: RunLayout, fleet_satellites: int | None, max_satellites: int) -> dict:
    """Up to ``max_satellites`` of the run's orbit sample over time, Earth-fixed, and what share it shows."""
    cols = _orbit_sample(layout)
    stored = np.unique(cols["sat_id"])
    times = np.unique(cols["time"])
    satellites = [_track(cols, sat, times) for sat in _spread(stored, max_satellites)]
    fleet = int(fleet_satellites) if fleet_satellites else int(stored.size)
    shown = len(satellites)
    step_s = float((times[1] - times[0]) / np.timedelta64(1, "s")) if times.size > 1 else 0.0
    return {
        "frame": GLOBE_FRAME,
        "fleet_satellites": fleet,
        "stored_sample_satellites": int(stored.size),
        "sample_satellites": shown,
        "is_sample": shown < fleet,
        "note": (f"showing {shown} of {fleet} satellites, spread evenly over the fleet" if shown < fleet
                 else f"showing all {fleet} satellites"),
        "times": column_json(times),
        "step_s": round(step_s, GLOBE_STEP_DECIMALS),
        "sunlit_share": float(np.mean(cols["sunlit"])) if cols["sunlit"].size else None,
        "satellites": satellites,
    }


def network_paths(layout: RunLayout) -> dict:
    """The network stage's pairs for the globe: per pair and step, the path's Earth-fixed positions
    (km; ground site, satellites, ground site) and the round trip, or none where no path existed."""
    if not layout.latency.is_file():
        raise NotFoundError(str(layout.root), None, "the run has no network stage (network/latency.parquet)")
    table = pq.read_table(layout.latency)
    names = table.column_names
    if "path_itrs_km" not in names:  # stored before the paths' positions were
        return {"pairs": [], "note": "this run stored no path positions"}
    pair = table.column("pair").to_numpy(zero_copy_only=False)
    times = table.column("time").to_numpy()
    rtt = table.column("rtt_ms").to_numpy(zero_copy_only=False)
    paths = table.column("path_itrs_km").to_pylist()
    out = []
    for name in dict.fromkeys(pair):
        rows = np.flatnonzero(pair == name)
        out.append({
            "pair": str(name), "times": column_json(times[rows]),
            "rtt_ms": [None if not np.isfinite(v) else round(float(v), GLOBE_STEP_DECIMALS) for v in rtt[rows]],
            "paths_km": [[[round(c, GLOBE_POSITION_DECIMALS) for c in xyz] for xyz in (paths[i] or [])]
                         for i in rows],
        })
    return {"frame": GLOBE_FRAME, "pairs": out}
