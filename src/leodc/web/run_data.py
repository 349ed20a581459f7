"""What the dashboard reads of a stored run, through the run layout (``runs.layout``) and the stage
results: the progress of its time-domain stage and where it runs, the fleet's time series, the sample
satellites' series, the cost items, the baselines, the globe's orbit sample and the laser links of its
satellites, as JSON-ready values (NumPy columns as lists, non-finite floats as null).
"""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from leodc.design import design
from leodc.errors import NotFoundError
from leodc.network.figures import fleet_shells
from leodc.network.latency import FleetPositions, fleet_topology, itrs_positions, link_model
from leodc.network.links import GRID_TERMINALS, LinkModel, live_links
from leodc.orbits.elements import FleetElements
from leodc.orbits.epochs import julian_date, timestamps
from leodc.runs.export import read_elements
from leodc.runs.layout import RunLayout, RunProgress, table_columns
from leodc.runs.store import RunRecord
from leodc.scenario import Scenario, Shell

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
# the laser links the globe draws: those of a spread of its satellites, at most this many links (each
# link end outside the globe's sample is sent as a track of its own: this bounds the payload)
GLOBE_MAX_LASER_LINKS = 400
# the topology is rebuilt from the stored elements on request: up to this many satellites in the fleet
# (+Grid shells and formations; ~1 s at this size) ...
GLOBE_LINKS_MAX_FLEET = 100_000
# ... and up to this many for a real fleet, whose nearest neighbours are found anew at every step (~3 s)
GLOBE_NEAREST_LINKS_MAX_FLEET = 3_000


SWEEP_KIND = "sweep"  # a run of `leodc sweep` (its page draws the sweep's figures)
RUN_KIND = "run"  # a run of the pipeline
SWEEP_STAGE = "sweep"


def run_kind(record: RunRecord, layout: RunLayout) -> str:
    """``sweep`` for a run of ``leodc sweep`` (its stage is the sweep, or its directory holds ``sweep/``),
    else ``run``."""
    return SWEEP_KIND if record.stage == SWEEP_STAGE or layout.is_sweep else RUN_KIND


# ---------------------------------------------------------------------------------------------- progress
RUNNING_STATUS = "running"
PROGRESS_AGE_DECIMALS = 1  # s
NO_PROGRESS = {"progress": None, "executor": None, "progress_age_s": None}  # a run without a progress file


def read_progress(layout: RunLayout) -> RunProgress | None:
    """The run's ``progress.json`` (:class:`RunProgress`), or None when it has none, or one this version
    cannot read (a page must not fail over a progress file: it then shows no progress)."""
    try:
        return RunProgress.read(layout)
    except (OSError, ValueError, TypeError, AttributeError):  # unreadable JSON, missing or foreign fields
        return None


def progress_age_s(progress: RunProgress, now: datetime | None = None) -> float | None:
    """Seconds since the progress was last written (``updated_utc``; a time without a zone is UTC), never
    negative; None when that time cannot be read."""
    try:
        updated = datetime.fromisoformat(str(progress.updated_utc).replace("Z", "+00:00"))
    except ValueError:
        return None
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    age = ((now or datetime.now(UTC)) - updated).total_seconds()
    return round(max(0.0, age), PROGRESS_AGE_DECIMALS)


def progress_fields(record: RunRecord, layout: RunLayout, now: datetime | None = None) -> dict:
    """What the runs list and a run's detail say of its time-domain stage: ``progress`` (the
    ``progress.json`` fields and ``fraction``, or None), ``executor`` (where the stage ran or runs, or
    None without a progress file) and, for a running run, ``progress_age_s`` (how stale the progress is;
    None otherwise). The file stays once the run ends: a finished run shows its last stage's final state."""
    progress = read_progress(layout)
    if progress is None:
        return dict(NO_PROGRESS)
    age = progress_age_s(progress, now) if record.status == RUNNING_STATUS else None
    return {"progress": asdict(progress) | {"fraction": progress.fraction}, "executor": progress.executor,
            "progress_age_s": age}


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
    shown_ids = _spread(stored, max_satellites)
    satellites = [_track(cols, sat, times) for sat in shown_ids]
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
        "laser_links": globe_laser_links(layout, shown_ids, times),
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


# ---------------------------------------------------------------------------------------------- laser links
def sample_laser_links(elements: FleetElements, shells: list[Shell] | None, model: LinkModel, start_jd: float,
                       step_s: float, n_steps: int, sat_ids: np.ndarray) -> dict:
    """The laser links of the satellites ``sat_ids`` at the steps ``k * step_s`` (s from ``start_jd``,
    ``k < n_steps``), by the network stage's own model: the fleet's topology (``fleet_topology``: +Grid
    inside shells, formation neighbours, nearest neighbours found anew at every step for a real fleet),
    the positions it routes on (``FleetPositions``) and the links it keeps at each step (``live_links``:
    within range, clear of the Earth plus the margin).

    Returns ``links``: each link once (``a < b``, satellite ids) with the runs of steps at which it is
    live (``live_steps``: first and last step, inclusive; a link never live is left out), and
    ``neighbours``: the Earth-fixed tracks (km, one position per step) of the link ends not in
    ``sat_ids``."""
    order = np.argsort(elements.sat_id, kind="stable")
    chosen_index = order[np.searchsorted(elements.sat_id, sat_ids, sorter=order)]
    n = len(elements)
    chosen = np.zeros(n, dtype=bool)
    chosen[chosen_index] = True
    # formations take their neighbours from the start's positions
    topology = fleet_topology(shells, n, model, itrs_positions(elements, start_jd, 0.0))
    nearest = topology.dynamic.size > 0
    if nearest:  # nearest neighbours each step: every satellite's position at every step
        subset = np.arange(n)
        clock = FleetPositions(elements, start_jd, step_s)
    else:  # fixed links: only the chosen satellites' links and the satellites at their other ends
        incident = topology.fixed[chosen[topology.fixed].any(axis=1)]
        subset = np.unique(np.concatenate([chosen_index, incident.ravel()]))
        local_edges = np.searchsorted(subset, incident)
        clock = FleetPositions(elements.take(subset), start_jd, step_s)
    steps: dict[tuple[int, int], list[int]] = {}
    for k in range(n_steps):
        r = clock.at(k)
        if nearest:
            edges = topology.edges_at(r, model)
            edges = edges[chosen[edges].any(axis=1)]
        else:
            edges = local_edges
        live, _ = live_links(edges, r, model)
        for a, b in np.sort(subset[live], axis=1).tolist():
            steps.setdefault((a, b), []).append(k)
    pairs = sorted(steps)
    ends = np.setdiff1d(np.array(pairs, dtype=np.int64).ravel(), chosen_index)
    tracks = np.zeros((ends.size, n_steps, 3))
    if ends.size:
        ends_clock = FleetPositions(elements.take(ends), start_jd, step_s)
        for k in range(n_steps):
            tracks[:, k] = ends_clock.at(k)
    ids = elements.sat_id
    return {
        "links": [{"a": int(ids[a]), "b": int(ids[b]), "live_steps": _runs(steps[(a, b)])} for a, b in pairs],
        "neighbours": [{"sat_id": int(ids[i]), "positions_km": np.round(tracks[j], GLOBE_POSITION_DECIMALS).tolist()}
                       for j, i in enumerate(ends)],
    }


def _runs(steps: list[int]) -> list[list[int]]:
    """Sorted step indices as runs of consecutive steps, ``[first, last]`` each."""
    out: list[list[int]] = []
    for k in steps:
        if out and k == out[-1][1] + 1:
            out[-1][1] = k
        else:
            out.append([k, k])
    return out


def globe_laser_links(layout: RunLayout, shown_ids: np.ndarray, times: np.ndarray) -> dict:
    """The laser links of (a spread of) the globe's satellites at the orbit sample's times, with the
    fleet rebuilt from the run's inputs and stored elements; no links, and a note saying why, where the
    run cannot give them."""
    def none(why: str) -> dict:
        return {"links": [], "neighbours": [], "linked_sat_ids": [], "note": why}

    try:
        scenario = Scenario.model_validate(layout.read_json(layout.inputs))
        elements = read_elements(layout.root)
        shells = fleet_shells(scenario, design(scenario))
    except ValueError:  # a run from before its inputs or elements were stored, or from another version
        return none("none: this run's inputs or elements cannot be read back")
    limit = GLOBE_LINKS_MAX_FLEET if shells else GLOBE_NEAREST_LINKS_MAX_FLEET
    if len(elements) > limit:
        return none(f"none: the fleet's {len(elements):,} satellites are more than the globe rebuilds links for "
                    f"({limit:,})")
    start_jd = julian_date(scenario.simulation.start_utc)
    t_s = (times - timestamps(start_jd, np.zeros(1))[0]) / np.timedelta64(1, "s")
    step_s = float(t_s[1] - t_s[0]) if t_s.size > 1 else 1.0
    steps = np.round(t_s / step_s)
    if not np.allclose(steps * step_s, t_s) or (steps != np.arange(t_s.size)).any():
        return none("none: the orbit sample's times are not steps from the start")
    if not np.isin(shown_ids, elements.sat_id).all():
        return none("none: the orbit sample's satellites are not among the stored elements")
    model = link_model(scenario.network)
    # each satellite has at most this many links at a time (+Grid: four; nearest neighbours: its terminals)
    per_satellite = max(model.terminals_per_satellite, GRID_TERMINALS)
    linked = _spread(shown_ids, max(1, GLOBE_MAX_LASER_LINKS // per_satellite))
    found = sample_laser_links(elements, shells, model, start_jd, step_s, t_s.size, linked)
    links = found["links"]
    while len(links) > GLOBE_MAX_LASER_LINKS:  # nearest neighbours change over the span: fewer satellites
        linked = _spread(linked, len(linked) // 2)
        links = [link for link in links if np.isin([link["a"], link["b"]], linked).any()]
    ends = {link["a"] for link in links} | {link["b"] for link in links}
    shown_set = set(shown_ids.tolist())
    neighbours = [t for t in found["neighbours"] if t["sat_id"] in ends and t["sat_id"] not in shown_set]
    n_linked, n_shown = len(linked), len(shown_ids)
    whose = f"{n_linked} of the {n_shown} satellites shown" if n_linked < n_shown else f"the {n_shown} satellites shown"
    return {"links": links, "neighbours": neighbours, "linked_sat_ids": [int(i) for i in linked],
            "note": (f"{len(links)} links of {whose}, each drawn while live" if links
                     else f"none of {whose} has a live link over the sample")}
