"""`leodc report`: one self-contained HTML file per run, every figure regenerated from the run's files.

The page opens with no network: Plotly's bundled plotly.js is inlined once in the head, and each
figure is a ``<div>`` plus a short script calling ``Plotly.newPlot`` on JSON built here. Nothing is
simulated again: the figures read what the run stored, through the run layout (``runs.layout``: the
design, simulate and economics stage results, the simulation's files and manifest) or recompute
closed forms from those inputs (the eclipse seasons from ``design.orbit``, the dose map from the
AE8/AP8 grid). A run stored before a stage existed shows that stage's panel as unavailable.

Sections, one function each (:data:`SECTIONS`): headline metrics, the eight figures, the simulation's
settings with its SGP4 errors, and the inputs with the catalog sources behind them.

A sweep run (``leodc sweep``) has a report of its own (:func:`write_report` and :func:`build_report` hand it
to :func:`write_sweep_report`, the "sweep runs" part below): the headline quantiles and P(orbit cheaper), the
distribution of orbit's cost per PFLOP-day against the terrestrial line, the tornado, the ladder against the
terrestrial line and the design search's front (:data:`SWEEP_FIGURES`). Those figures read the sweep's
summary and samples and the analyses stored for the report (``sweep/tornado.json``, ``sweep/ladder.json``,
``sweep/front.parquet``; :class:`leodc.runs.layout.SweepAnalysesStage`); a sweep stored without them gets
them here, made from its own files (its ``inputs.json`` and the distributions its summary lists;
:func:`leodc.uncertainty.sweep.analyses`, the design search seeded) and stored beside the rest, so the
report is the same each time it is written. Their JSON (:func:`sweep_figures`) is what the dashboard's
sweep page draws (``GET /api/runs/ID/sweep``).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow.parquet as pq

from leodc.constants import SECONDS_PER_MINUTE
from leodc.errors import InputError
from leodc.fields import flatten, fmt, jsonable, unit_of
from leodc.files import write_text
from leodc.runs.layout import (
    ASSESSMENT_FILE,
    COMPARE_FILE,
    DesignStage,
    EconomicsStage,
    NetworkStage,
    RunLayout,
    SweepAnalysesStage,
    WorkloadStage,
    table_columns,
)
from leodc.runs.layout import REPORT_FILE as REPORT_FILE  # the report's name in a run directory (re-exported)
from leodc.runs.store import CATALOG_FILE, RunRecord, RunStore
from leodc.simulate.output import FLEET_FILE, SimulationResult
from leodc.storage import Location, parquet_dataset
from leodc.uncertainty.evaluate import COST_METRIC, COST_RATIO, FEASIBLE, GROUND_COST_METRIC
from leodc.uncertainty.sweep import FRONT_FLAGS, front_settings

PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}
TEMPLATE = "plotly_white"
USD_PER_BUSD = 1e9
# the report's figures, in order: (anchor, title)
FIGURES = {
    "orbit": "Power, state of charge and radiator temperature over one orbit",
    "eclipse": "Eclipse seasons over a year",
    "dose": "Trapped-particle dose map and the South Atlantic Anomaly",
    "latency": "Latency distributions",
    "workload": "Training and inference on the fleet, against the terrestrial twin",
    "cost": "Cost waterfall against the terrestrial baseline",
    "launches": "Launches per year to build and sustain the fleet",
    "goodput": "Goodput over the mission",
}
# the catalog parts a scenario names: (label, inputs.json section, field, catalog kind)
CATALOG_PARTS = [
    ("accelerator", "compute", "accelerator", "accelerators"),
    ("solar array", "power", "solar_array", "solar_arrays"),
    ("battery", "power", "battery", "batteries"),
    ("radiator", "thermal", "radiator", "radiators"),
    ("bus", "satellite", "bus", "buses"),
    ("launch vehicle", "fleet", "launch_vehicle", "launch_vehicles"),
    ("power option", "economics", "terrestrial_power", "power_options"),
    ("datacenter", "economics", "datacenter", "datacenters"),
    ("dose-depth table", "shielding", "dose_depth", "dose_depth"),
]
ORBIT_COSTS = [("accelerators_usd", "accelerators"), ("solar_array_usd", "solar array"), ("battery_usd", "battery"),
               ("radiator_usd", "radiator"), ("bus_and_shielding_usd", "bus and shielding"), ("launch_usd", "launch"),
               ("ground_segment_usd", "ground segment"), ("operations_usd", "operations"), ("rd_usd", "R&D")]
GROUND_COSTS = [("accelerators_usd", "accelerators"), ("build_usd", "build"), ("power_plant_usd", "power plant"),
                ("energy_usd", "energy"), ("operations_usd", "operations")]
# the South Atlantic Anomaly: where to look for its peak on the dose map (deg)
SAA_LAT_DEG = (-60.0, 0.0)
SAA_LON_DEG = (-110.0, 40.0)
# the dose map's colours span this factor below its peak; lower cells (the grid's empty cells and
# interpolation leakage around them, down to 1e-20 rad/yr) are left blank
DOSE_MAP_DYNAMIC_RANGE = 1e-6
# the orbit figure counts as covering a whole orbit when it falls short by less than this (min)
ORBIT_COVER_TOLERANCE_MIN = 1.0
# the first sample satellites' time series are all in the simulation's first chunk
SAMPLE_TIMESERIES_CHUNK = 0
# the manifest's settings the simulation section lists, in order
SIMULATION_SETTINGS = ("satellites", "steps", "step_s", "days", "start_utc", "propagator", "shadow", "executor",
                       "wall_s", "sat_steps_per_s")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
SGP4_PROPAGATOR = "sgp4"  # the propagator whose errors the manifest counts

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto; max-width: 1100px;
       padding: 1.5em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.meta { color: #666; } nav ol { columns: 2; } .caption { color: #444; font-size: 0.92em; margin-top: 0.3em; }
.figure { min-height: 420px; } .caption code, td code { font-size: 0.95em; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0 1em; }
th, td { border-bottom: 1px solid #eee; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.placeholder { border: 2px dashed #bbb; background: #fafafa; padding: 2em; text-align: center; color: #555; }
.conf-low { color: #a33; } .conf-medium { color: #a70; } .conf-high { color: #272; }
"""


# ---------------------------------------------------------------------------------------------- reading the run
@dataclass(frozen=True)
class ReportRun:
    """What the report reads of a run: its catalog record (None for a bare run directory), the design
    and economics stage results and the simulation's manifest, all through the run's layout."""

    layout: RunLayout
    record: RunRecord | None
    design: DesignStage
    economics: EconomicsStage
    simulation: SimulationResult

    @property
    def run_id(self) -> str:
        return self.record.id if self.record else self.layout.root.name

    @property
    def inputs(self) -> dict:
        return self.design.inputs

    @property
    def environment(self) -> dict:
        return self.design.environment

    @property
    def assessment(self) -> dict:
        return self.economics.assessment

    @property
    def metrics(self) -> dict:
        """The catalog's headline metrics, or the same figures computed from the run's files."""
        if self.record and self.record.metrics:
            return self.record.metrics
        from leodc.runs.pipeline import headline

        return headline(self.assessment, self.simulation, self.environment)

    def name(self, path: Path | Location) -> str:
        """A file of the run, named relative to the run directory (its URL when it lives elsewhere)."""
        return path.relative_to(self.layout.root).as_posix() if isinstance(path, Path) else str(path)

    def code(self, path: Path) -> str:
        """A file of the run as HTML ``<code>``."""
        return f"<code>{html.escape(self.name(path))}</code>"

    def sample_timeseries(self) -> dict[str, np.ndarray] | None:
        """The first sample satellites' time series (the simulation's first chunk), or None."""
        path = self.layout.simulation.chunk_timeseries(SAMPLE_TIMESERIES_CHUNK)
        return table_columns(parquet_dataset(path).to_table()) if path.is_file() else None


def _resolve(record_or_run_dir, run_dir) -> tuple[RunRecord | None, Path]:
    if isinstance(record_or_run_dir, RunRecord):
        record = record_or_run_dir
        return record, Path(run_dir) if run_dir is not None else RunStore().run_dir(record.id)
    directory = Path(record_or_run_dir)
    store = RunStore(directory.parent)
    record = None
    if store.path.exists():
        try:
            record = store.get(directory.name)
        except InputError:
            record = None
    return record, directory


def read_run(record_or_run_dir: RunRecord | str | Path, run_dir: str | Path | None = None) -> ReportRun:
    """The run a report is built from: a catalog record (files under ``run_dir``, or under the default
    runs home) or a run directory; a missing directory or file is a user-facing error naming it."""
    record, directory = _resolve(record_or_run_dir, run_dir)
    if not directory.is_dir():
        raise InputError(str(directory), None, "no such run directory")
    layout = RunLayout(directory)
    return ReportRun(layout, record, DesignStage.read(layout), EconomicsStage.read(layout),
                     SimulationResult.read(layout.simulation.root))


# ---------------------------------------------------------------------------------------------- figures
def _figure(title: str, **layout):
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(title={"text": title}, template=TEMPLATE, margin={"t": 60, "l": 70, "r": 30, "b": 50},
                      legend={"orientation": "h", "y": -0.15}, **layout)
    return fig


def orbit_figure(ts: dict[str, np.ndarray], period_s: float):
    """Power, state of charge and radiator temperature of the first sample satellite over one orbit."""
    from plotly.subplots import make_subplots

    sat = int(ts["sat_id"].min())
    pick = ts["sat_id"] == sat
    time = ts["time"][pick]
    order = np.argsort(time)
    time = time[order]
    t_min = (time - time[0]).astype("timedelta64[ms]").astype(float) / 60_000.0
    keep = t_min <= period_s / 60.0 + 1e-6
    t_min = t_min[keep]
    series = {k: ts[k][pick][order][keep].astype(float) for k in ("sunlit", "power_w", "soc", "radiator_temp_k")}
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    fig.update_layout(title={"text": f"{FIGURES['orbit']} (satellite {sat})"}, template=TEMPLATE, height=620,
                      margin={"t": 60, "l": 70, "r": 30, "b": 50}, showlegend=False)
    fig.add_scatter(x=t_min, y=series["power_w"] / 1e3, name="array power", row=1, col=1, line={"color": "#d62728"})
    fig.add_scatter(x=t_min, y=series["soc"] * 100.0, name="state of charge", row=2, col=1, line={"color": "#1f77b4"})
    fig.add_scatter(x=t_min, y=series["radiator_temp_k"], name="radiator temperature", row=3, col=1,
                    line={"color": "#2ca02c"})
    # shade the steps in shadow (sunlit < 1: umbra or penumbra)
    dark = series["sunlit"] < 0.5
    edges = np.flatnonzero(np.diff(np.r_[0, dark.astype(int), 0]))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        fig.add_vrect(x0=t_min[start], x1=t_min[min(stop, t_min.size - 1)], fillcolor="#444", opacity=0.12,
                      line_width=0)
    fig.update_yaxes(title_text="array power (kW)", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="state of charge (%)", range=[0, 105], row=2, col=1)
    fig.update_yaxes(title_text="radiator temperature (K)", row=3, col=1)
    fig.update_xaxes(title_text="time since the start of the run (min)", row=3, col=1)
    covered = t_min[-1] if t_min.size else 0.0
    return fig, sat, covered, int(dark.sum())


def eclipse_figure(orbit: dict, raan_deg: float, start_utc: str):
    """Eclipse fraction of each day over one year from the run's start, in closed form."""
    from leodc.constants import JD_J2000
    from leodc.design.orbit import beta_over_year, eclipse_fraction
    from leodc.orbits.epochs import julian_date

    start = julian_date(start_utc) - JD_J2000
    days, beta = beta_over_year(orbit["altitude_km"], orbit["inclination_deg"], orbit["kind"], orbit["ltan_h"],
                                raan0_deg=raan_deg, start_days_since_j2000=start)
    f = np.asarray(eclipse_fraction(orbit["altitude_km"], beta))
    day = np.floor(days - days[0]).astype(int)
    n_days = day.max() + 1
    mean = np.bincount(day, weights=f, minlength=n_days) / np.bincount(day, minlength=n_days)
    peak = np.zeros(n_days)
    np.maximum.at(peak, day, f)
    start_date = np.datetime64(start_utc[:10], "D")
    dates = (start_date + np.arange(n_days)).astype(str)
    beta_day = np.degrees(np.bincount(day, weights=beta, minlength=n_days) / np.bincount(day, minlength=n_days))
    from plotly.subplots import make_subplots

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(title={"text": FIGURES["eclipse"]}, template=TEMPLATE, height=460,
                      margin={"t": 60, "l": 70, "r": 70, "b": 50}, legend={"orientation": "h", "y": -0.18})
    fig.add_scatter(x=dates, y=mean * 100.0, name="eclipse fraction of the orbit, daily mean", fill="tozeroy",
                    line={"color": "#333"})
    fig.add_scatter(x=dates, y=peak * 100.0, name="daily maximum", line={"color": "#999", "dash": "dot"})
    fig.add_scatter(x=dates, y=beta_day, name="beta angle (right axis)", line={"color": "#ff7f0e", "width": 1},
                    secondary_y=True)
    fig.update_yaxes(title_text="orbit in Earth's shadow (%)", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="beta angle (deg)", secondary_y=True, showgrid=False, tickformat=".0f")
    fig.update_xaxes(title_text="date (UTC)")
    return fig, int(np.count_nonzero(peak > 0.0)), float(peak.max())


def dose_figure(altitude_km: float, thickness_mm: float):
    """Dose rate (log colour) on the AE8/AP8 grid at the run's altitude behind its shield; the SAA peak marked."""
    from leodc.environment.radiation import dose_map

    lat, lon, dose = dose_map(altitude_km, thickness_mm)
    order = np.argsort(((lon + 180.0) % 360.0) - 180.0)
    lon, dose = lon[order], dose[:, order]
    peak = float(dose.max())
    floor = peak * DOSE_MAP_DYNAMIC_RANGE if peak > 0.0 else 1.0
    z = np.where(dose >= floor, np.log10(np.maximum(dose, floor)), np.nan)  # blank below the floor
    fig = _figure(FIGURES["dose"], height=520)
    lo, hi = math.floor(math.log10(floor)), math.ceil(math.log10(max(peak, floor * 10.0)))
    ticks = list(range(lo, hi + 1))
    fig.add_heatmap(x=lon, y=lat, z=z, customdata=dose, colorscale="Plasma", zmin=lo, zmax=hi,
                    hovertemplate="lat %{y:.0f}°, lon %{x:.0f}°<br>%{customdata:.3g} rad(Si)/yr<extra></extra>",
                    colorbar={"title": {"text": "dose rad(Si)/yr"}, "tickvals": ticks,
                              "ticktext": [f"1e{t}" for t in ticks]})
    box = ((lat[:, None] >= SAA_LAT_DEG[0]) & (lat[:, None] <= SAA_LAT_DEG[1])
           & (lon[None, :] >= SAA_LON_DEG[0]) & (lon[None, :] <= SAA_LON_DEG[1]))
    masked = np.where(box, dose, -np.inf)
    i, j = np.unravel_index(np.argmax(masked), masked.shape)
    fig.add_scatter(x=[lon[j]], y=[lat[i]], mode="markers+text", text=["South Atlantic Anomaly"],
                    textposition="top right", textfont={"color": "white"}, showlegend=False, hoverinfo="skip",
                    marker={"symbol": "circle-open", "size": 26, "color": "white", "line": {"width": 2}})
    fig.update_xaxes(title_text="east longitude (deg)", range=[-180, 180])
    fig.update_yaxes(title_text="geodetic latitude (deg)", range=[-90, 90])
    return fig, float(lat[i]), float(lon[j]), float(dose[i, j]), floor


def cost_figure(economics: dict, baseline: dict | None):
    """Orbit cost components as a waterfall to the total, beside the first terrestrial baseline's."""
    from plotly.subplots import make_subplots

    cols = 2 if baseline else 1
    titles = [f"orbit ({ASSESSMENT_FILE} economics)"] + ([f"ground: {baseline['name']} ({COMPARE_FILE})"]
                                                         if baseline else [])
    fig = make_subplots(rows=1, cols=cols, shared_yaxes=True, column_widths=[0.62, 0.38] if baseline else None,
                        subplot_titles=titles, horizontal_spacing=0.04)
    fig.update_layout(title={"text": FIGURES["cost"]}, template=TEMPLATE, height=500, showlegend=False,
                      margin={"t": 80, "l": 70, "r": 30, "b": 90})

    def waterfall(data: dict, parts: list[tuple[str, str]], col: int) -> float:
        names = [label for key, label in parts]
        values = [float(data.get(key) or 0.0) / USD_PER_BUSD for key, _ in parts]
        total = float(data["total_cost_usd"]) / USD_PER_BUSD
        rest = total - sum(values)
        if abs(rest) > 1e-6 * max(abs(total), 1e-9):  # components that do not add up: show what is left
            names.append("other")
            values.append(rest)
        fig.add_waterfall(x=[*names, "total"], y=[*values, total], measure=["relative"] * len(values) + ["total"],
                          text=[f"{v:.3g}" for v in [*values, total]], textposition="outside",
                          connector={"line": {"color": "#bbb"}}, row=1, col=col,
                          hovertemplate="%{x}: %{y:.4g} $B<extra></extra>")
        return total

    orbit_total = waterfall(economics, ORBIT_COSTS, 1)
    ground_total = waterfall(baseline, GROUND_COSTS, 2) if baseline else None
    fig.update_yaxes(title_text="cost over the horizon (billion $, undiscounted)", row=1, col=1)
    return fig, orbit_total, ground_total


def launches_figure(reentries: dict[str, np.ndarray], satellites_per_launch: float, launches_per_year: float):
    """Launches (satellites launched / satellites per launch, rounded up) and re-entries, per year."""
    from plotly.subplots import make_subplots

    years = reentries["year"].astype(int)
    launches = np.ceil(reentries["satellites_launched"] / satellites_per_launch - 1e-9)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(title={"text": FIGURES["launches"]}, template=TEMPLATE, height=460, barmode="group",
                      margin={"t": 60, "l": 70, "r": 70, "b": 50}, legend={"orientation": "h", "y": -0.18})
    fig.add_bar(x=years, y=launches, name="launches", marker_color="#1f77b4")
    fig.add_scatter(x=years, y=reentries["satellites_reentering"], name="satellites re-entering (right axis)",
                    mode="lines+markers", line={"color": "#d62728"}, secondary_y=True)
    fig.add_scatter(x=years, y=reentries["satellites_launched"], name="satellites launched (right axis)",
                    mode="lines+markers", line={"color": "#7f7f7f", "dash": "dot"}, secondary_y=True)
    fig.add_hline(y=launches_per_year, line={"dash": "dash", "color": "#1f77b4", "width": 1},
                  annotation_text=f"launch cadence assumed: {launches_per_year:g}/yr", annotation_position="top left")
    fig.update_yaxes(title_text="launches per year", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="satellites per year", rangemode="tozero", secondary_y=True, showgrid=False)
    fig.update_xaxes(title_text="year since the start of deployment", dtick=1)
    return fig, int(launches.sum())


def goodput_figure(fleet: dict[str, np.ndarray], assumed_availability: float, economics: dict):
    """Simulated compute available over the run's span; then simulated x assumed = the economics' availability."""
    from plotly.subplots import make_subplots

    t_h = (fleet["time"] - fleet["time"][0]).astype("timedelta64[ms]").astype(float) / 3.6e6
    available = fleet["compute_available_fraction"].astype(float)
    simulated = float(available.mean()) if available.size else float("nan")
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.1,
                        subplot_titles=[f"simulated: fleet compute available ({FLEET_FILE})",
                                        "over the mission: simulated x assumed"])
    fig.update_layout(title={"text": FIGURES["goodput"]}, template=TEMPLATE, height=460, showlegend=False,
                      margin={"t": 90, "l": 70, "r": 30, "b": 60})
    fig.add_scatter(x=t_h, y=available * 100.0, name="compute available", line={"color": "#2ca02c"}, row=1, col=1)
    mission = float(economics["availability"])
    labels = ["simulated: compute fraction", "assumed: availability", "economics: product"]
    values = [simulated * 100.0, assumed_availability * 100.0, mission * 100.0]
    fig.add_bar(x=labels, y=values, marker_color=["#2ca02c", "#aaaaaa", "#1f77b4"],
                text=[f"{v:.2f}%" for v in values], textposition="outside", row=1, col=2)
    fig.update_yaxes(title_text="compute available (% of the fleet)", range=[0, 105], row=1, col=1)
    fig.update_yaxes(title_text="fraction (%)", range=[0, 110], row=1, col=2)
    fig.update_xaxes(title_text="time since the start of the run (h)", row=1, col=1)
    return fig, simulated, mission


def latency_figure(latency: dict[str, np.ndarray], summary: list[dict]):
    """Round trips per pair over time (left) with each pair's fibre and vacuum bounds, and their
    distributions (right)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.1,
                        subplot_titles=["round trip over time (ms)", "distribution over the span (ms)"])
    fig.update_layout(title={"text": FIGURES["latency"]}, template=TEMPLATE, height=480,
                      margin={"t": 90, "l": 70, "r": 30, "b": 60}, legend={"orientation": "h", "y": -0.2})
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
    for k, row in enumerate(summary):
        mine = latency["pair"] == row["pair"]
        t = latency["time"][mine]
        t_h = (t - t[0]).astype("timedelta64[ms]").astype(float) / 3.6e6 if t.size else t
        rtt = latency["rtt_ms"][mine].astype(float)
        colour = palette[k % len(palette)]
        fig.add_scatter(x=t_h, y=rtt, name=row["pair"], line={"color": colour}, legendgroup=row["pair"], row=1, col=1)
        fig.add_scatter(x=[t_h[0], t_h[-1]] if t.size else [], y=[row["fibre_bound_ms"]] * 2, mode="lines",
                        line={"color": colour, "dash": "dash"}, name=f"{row['pair']}: fibre bound",
                        legendgroup=row["pair"], showlegend=False, row=1, col=1)
        fig.add_box(y=rtt[np.isfinite(rtt)], name=row["pair"], marker_color=colour, legendgroup=row["pair"],
                    showlegend=False, boxpoints=False, row=1, col=2)
    fig.update_xaxes(title_text="time since the start (h)", row=1, col=1)
    fig.update_yaxes(title_text="round trip (ms); dashed: fibre bound", row=1, col=1)
    return fig


def workload_figure(training: dict | None, latency_ms: dict[str, np.ndarray]):
    """The training job's wall time split into useful hours and hours lost by cause, orbit beside its
    terrestrial twin (left), and the inference requests' latencies, orbit beside ground (right)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.12,
                        subplot_titles=["training: hours of wall time by use", "inference: latency per request (ms)"])
    fig.update_layout(title={"text": FIGURES["workload"]}, template=TEMPLATE, height=480, barmode="stack",
                      margin={"t": 90, "l": 70, "r": 30, "b": 60}, legend={"orientation": "h", "y": -0.2})
    palette = {"useful": "#2ca02c", "eclipse": "#7f7f7f", "heat": "#d62728", "faults": "#ff7f0e",
               "checkpoints": "#bcbd22", "communication": "#1f77b4", "failures": "#9467bd"}
    if training and training.get("possible"):
        sides = {"orbit": training, "ground": training["terrestrial"]}
        for cause, colour in palette.items():
            values = [side["useful_h"] if cause == "useful" else side["lost_h_by_cause"].get(cause, 0.0)
                      for side in sides.values()]
            fig.add_bar(x=list(sides), y=values, name=cause, marker_color=colour, row=1, col=1)
        fig.update_yaxes(title_text="hours (log)", type="log", row=1, col=1)
    for side, colour in (("orbit", "#1f77b4"), ("ground", "#7f7f7f")):
        ms = latency_ms.get(side)
        if ms is not None and ms.size:
            fig.add_box(y=ms, name=side, marker_color=colour, boxpoints=False, showlegend=False, row=1, col=2)
    fig.update_yaxes(title_text="latency (ms)", row=1, col=2)
    return fig


# ---------------------------------------------------------------------------------------------- HTML pieces
class Section(NamedTuple):
    """One section of the page: its anchor, its heading and its HTML body."""

    anchor: str
    heading: str
    body: str


def _figure_html(fig, div_id: str) -> str:
    import plotly.io as pio

    spec = pio.to_json(fig, validate=False).replace("</", "<\\/")
    return (f'<div id="{div_id}" class="figure"></div>\n<script>(function () {{ var f = {spec}; '
            f'Plotly.newPlot("{div_id}", f.data, f.layout, {json.dumps(PLOTLY_CONFIG)}); }})();</script>')


def _caption(text: str) -> str:
    return f'<p class="caption">{text}</p>'


def _fmt(value) -> str:
    return html.escape(fmt(value))


def _unit(key: str) -> str:
    return html.escape(unit_of(key))


def _value_cell(value) -> str:
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "<br>".join(html.escape(json.dumps(v) if isinstance(v, dict) else str(v)) for v in value)
    if value is None:
        return '<span class="meta">default (catalog or derived)</span>'
    if isinstance(value, str):
        return html.escape(value).replace("\n", " ")
    return _fmt(value)


def _unavailable(what: str) -> str:
    return f'<div class="placeholder">{html.escape(what)}</div>'


def quantity_table(values: dict, header: str = "metric") -> str:
    """Named quantities as a table: name, value, unit (read off the name)."""
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td class='num'>{_fmt(v)}</td><td>{_unit(k)}</td></tr>"
                   for k, v in values.items())
    return f"<table><tr><th>{html.escape(header)}</th><th>value</th><th>unit</th></tr>{rows}</table>"


def metrics_table(metrics: dict) -> str:
    return quantity_table(metrics, "metric")


def inputs_table(inputs: dict) -> str:
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{_value_cell(v)}</td><td>{_unit(k)}</td></tr>"
                   for k, v in flatten(inputs).items())
    return f"<table><tr><th>field</th><th>value</th><th>unit</th></tr>{rows}</table>"


def sgp4_errors_table(error_steps: dict[str, int]) -> str:
    """SGP4's failures by error code ("code: message") in satellite-steps; one row "none" without any."""
    rows = "".join(f"<tr><td><code>{html.escape(str(code))}</code></td><td class='num'>{_fmt(steps)}</td></tr>"
                   for code, steps in error_steps.items())
    rows = rows or "<tr><td>none</td><td class='num'>0</td></tr>"
    return f'<table id="sgp4-errors"><tr><th>SGP4 error (code: message)</th><th>satellite-steps</th></tr>{rows}</table>'


def sources_table(inputs: dict) -> str:
    from leodc.catalog import load_catalog

    cat = load_catalog()
    rows = []
    for label, section, field, kind in CATALOG_PARTS:
        name = (inputs.get(section) or {}).get(field)
        part = cat.kind(kind).get(name) if name else None
        if part is None:
            continue
        figures = part.figures()
        head = (f"<td rowspan='{len(figures)}'>{html.escape(label)}<br><code>{html.escape(name)}</code><br>"
                f"<span class='meta'>{html.escape(part.label)}</span></td>")
        for n, (fname, fig) in enumerate(figures.items()):
            value = (", ".join(_fmt(v) for v in fig.value) if isinstance(fig.value, list) else _fmt(fig.value))
            note = f"<br><span class='meta'>{html.escape(fig.note)}</span>" if fig.note else ""
            rows.append(f"<tr>{head if n == 0 else ''}<td><code>{html.escape(fname)}</code></td>"
                        f"<td class='num'>{value}</td><td>{html.escape(fig.source)}{note}</td><td>{fig.year}</td>"
                        f"<td class='conf-{fig.confidence}'>{fig.confidence}</td></tr>")
    return ("<table><tr><th>part</th><th>figure</th><th>value</th><th>source</th><th>year</th><th>confidence</th>"
            f"</tr>{''.join(rows)}</table>")


# ---------------------------------------------------------------------------------------------- the sections
def headline_section(run: ReportRun) -> Section:
    """The headline metrics of the run."""
    layout = run.layout
    return Section("metrics", "Headline metrics", metrics_table(run.metrics) + _caption(
        f"The run's headline figures as stored in the run catalog (<code>{CATALOG_FILE}</code>), from "
        f"{run.code(layout.assessment)}, {run.code(layout.simulation.manifest)} and {run.code(layout.environment)}."))


def orbit_section(run: ReportRun) -> Section:
    """(1) One orbit of the first sample satellite, from the simulation's time series."""
    ts = run.sample_timeseries()
    if ts is None or not ts["sat_id"].size:
        return Section("orbit", FIGURES["orbit"], _unavailable(
            f"This run has no time series ({run.name(run.layout.simulation.timeseries)}/ is empty)."))
    period_min = run.assessment["orbit"]["period_s"] / SECONDS_PER_MINUTE
    fig, sat_id, covered_min, dark_steps = orbit_figure(ts, period_min * SECONDS_PER_MINUTE)
    span = ("" if covered_min + ORBIT_COVER_TOLERANCE_MIN >= period_min
            else f" The run is shorter than one orbit: {covered_min:.0f} of {period_min:.0f} min shown.")
    chunk = run.layout.simulation.chunk_timeseries(SAMPLE_TIMESERIES_CHUNK)
    return Section("orbit", FIGURES["orbit"], _figure_html(fig, "fig-orbit") + _caption(
        f"Array power, battery state of charge and radiator temperature of satellite {sat_id}, the first sample "
        f"satellite, over its first orbit ({period_min:.1f} min) from {run.code(chunk)}; grey bands: steps in "
        f"shadow ({dark_steps} here).{span}"))


def eclipse_section(run: ReportRun) -> Section:
    """(2) Eclipse seasons over a year, in closed form."""
    inputs, orbit = run.inputs, run.assessment["orbit"]
    start_utc = inputs["simulation"]["start_utc"]
    fig, eclipse_days, worst = eclipse_figure(orbit, float(inputs["orbit"].get("raan_deg", 0.0)), start_utc)
    return Section("eclipse", FIGURES["eclipse"], _figure_html(fig, "fig-eclipse") + _caption(
        f"Share of each orbit spent in Earth's cylindrical shadow, day by day for one year from "
        f"{html.escape(start_utc[:10])}, in closed form (<code>design.orbit.beta_over_year</code> and "
        f"<code>eclipse_fraction</code>) for the {html.escape(orbit['kind'])} orbit at {orbit['altitude_km']:g} km, "
        f"{orbit['inclination_deg']:.2f}° (LTAN {orbit['ltan_h']:g} h) of {run.code(run.layout.assessment)} and "
        f"{run.code(run.layout.inputs)}: {eclipse_days} days with an eclipse, longest "
        f"{worst * orbit['period_s'] / SECONDS_PER_MINUTE:.1f} min."))


def dose_section(run: ReportRun) -> Section:
    """(3) The dose map at the run's altitude behind its shield."""
    altitude_km = run.assessment["orbit"]["altitude_km"]
    thickness_mm = float(run.assessment["satellite"]["shielding_thickness_mm"])
    fig, saa_lat, saa_lon, saa_dose, floor = dose_figure(altitude_km, thickness_mm)
    return Section("dose", FIGURES["dose"], _figure_html(fig, "fig-dose") + _caption(
        f"Dose rate behind {thickness_mm:.1f} mm of aluminium at {altitude_km:g} km from the shipped AE8-MAX / "
        f"AP8-MIN grid (<code>environment.radiation.dose_map</code>; altitude and shield thickness from "
        f"{run.code(run.layout.assessment)}), log colours. The South Atlantic Anomaly peaks near {saa_lat:.0f}°, "
        f"{saa_lon:.0f}° at {saa_dose:.3g} rad(Si)/yr; cells below {floor:.2g} rad(Si)/yr are blank. Orbit average "
        f"{run.environment['dose_rad_per_year']:.3g} rad(Si)/yr ({run.code(run.layout.environment)})."))


def latency_section(run: ReportRun) -> Section:
    """(4) Latency: round trips between the scenario's pairs of ground sites through the fleet, against the
    great-circle fibre bound, from the network stage's files."""
    layout = run.layout
    if not layout.latency.is_file():
        return Section("latency", FIGURES["latency"], _unavailable(
            f"This run has no {run.name(layout.latency)}: it was stored before the network stage existed."))
    stage = NetworkStage.read(layout)
    summary = stage.summary["pairs"]
    if not summary:
        return Section("latency", FIGURES["latency"], _unavailable(
            "The scenario names no pairs of ground sites (<code>network.pairs</code>): no round trip was measured."))
    latency = table_columns(stage.latency.select(["pair", "time", "rtt_ms"]))
    fig = latency_figure(latency, summary)
    rows = "".join(
        f"<tr><td>{html.escape(r['pair'])}</td><td class='num'>{_fmt_ms(r['rtt_ms_p50'])}</td>"
        f"<td class='num'>{_fmt_ms(r['rtt_ms_p99'])}</td><td class='num'>{_fmt_ms(r['rtt_ms_min'])}</td>"
        f"<td class='num'>{_fmt_ms(r['rtt_ms_max'])}</td><td class='num'>{r['path_changes']}</td>"
        f"<td class='num'>{_fmt_ms(r['vacuum_bound_ms'])}</td><td class='num'>{_fmt_ms(r['fibre_bound_ms'])}</td>"
        f"<td class='num'>{r['reachable_fraction']:.0%}</td></tr>" for r in summary)
    table = ("<table><tr><th>pair</th><th>RTT p50 ms</th><th>p99 ms</th><th>min ms</th><th>max ms</th>"
             "<th>path changes</th><th>vacuum bound ms</th><th>fibre bound ms</th><th>reachable</th></tr>"
             f"{rows}</table>")
    s = stage.summary
    table += (_oversight_table(s.get("oversight")) + _groups_table(s.get("groups") or [])
              + _ingest_table(s.get("ingest") or [], s.get("feeder_link", "")))
    return Section("latency", FIGURES["latency"], _figure_html(fig, "fig-latency") + table + _caption(
        f"Shortest paths by light time every {s['step_s']:g} s over {s['hours']:g} h ({run.code(layout.latency)}): "
        f"{s['terminals_per_satellite']} laser terminals per satellite ({html.escape(s['laser_terminal'])}), "
        f"ground links above {s['min_elevation_deg']:g}° elevation; on average {s['laser_links_mean']:.0f} laser "
        f"links and {s['ground_links_mean']:.0f} ground links alive. The fibre bound is the great-circle "
        "distance at 2/3 of the speed of light; no path outside the Earth beats the vacuum bound. A pair is "
        "unreachable at a step when no satellite above either end's mask joins a path."))


def workload_section(run: ReportRun) -> Section:
    """(5) Workload: the training job's hours lost by cause and the requests' latencies, each against the
    same work on the ground, from the workload stage's files."""
    layout = run.layout
    if not layout.workload_summary.is_file():
        return Section("workload", FIGURES["workload"], _unavailable(
            f"This run has no {run.name(layout.workload_summary)}: it was stored before the workload stage existed."))
    stage = WorkloadStage.read(layout)
    summary = stage.summary
    columns = table_columns(stage.requests)
    latency_ms = {side: columns["latency_ms"][columns["where"] == side].astype(float) for side in ("orbit", "ground")}
    training, inference = summary.get("training"), summary.get("inference")
    fig = workload_figure(training, latency_ms)
    parts = [_figure_html(fig, "fig-workload")]
    if training and training.get("possible"):
        rows = {"time to train (h)": ("time_to_train_h",), "goodput": ("goodput",), "restarts": ("restarts",),
                "failed accelerators": ("failed_accelerators",), "checkpoint interval (s)": ("checkpoint_interval_s",)}
        body = "".join(f"<tr><td>{label}</td><td class='num'>{_fmt(training.get(key))}</td>"
                       f"<td class='num'>{_fmt(training['terrestrial'].get(key))}</td></tr>"
                       for label, (key,) in rows.items())
        parts.append(f"<table><tr><th>training</th><th>orbit ({html.escape(training['scheduler'])})</th>"
                     f"<th>ground</th></tr>{body}</table>")
    elif training:
        parts.append(f"<p>Training was not possible on this fleet: {html.escape(training.get('reason', ''))}.</p>")
    if inference:
        keys = ("latency_ms_p50", "latency_ms_p99", "slo_attainment", "served", "requests", "throughput_tokens_per_s",
                "energy_j_per_million_tokens")
        body = "".join(f"<tr><td>{k}</td><td class='num'>{_fmt(inference.get(k))}</td>"
                       f"<td class='num'>{_fmt(inference['terrestrial'].get(k))}</td></tr>" for k in keys)
        parts.append(f"<table><tr><th>inference</th><th>orbit</th><th>ground "
                     f"({html.escape(inference.get('region', ''))})</th></tr>{body}</table>")
    parts.append(_caption(
        f"Discrete-event runs of the scenario's jobs ({run.code(layout.workload_summary)}; a sample of the requests in "
        f"{run.code(layout.requests)}). Training: hours of the job's wall time, useful or lost to each cause (eclipse "
        "and heat throttling, restarts after radiation upsets, checkpoints, the all-reduce over the laser links, "
        "failed accelerators that are never repaired in orbit); the ground twin holds the same accelerators on a "
        "data-center fabric, with repairs. Inference: round trip to a satellite in view, queueing, prefill and "
        "decode; the ground twin serves the same requests from one region over fibre at the great-circle bound."))
    return Section("workload", FIGURES["workload"], "".join(parts))


def _oversight_table(oversight: dict | None) -> str:
    """A halt command from the control stations: time to reach the whole fleet, shares reached."""
    if not oversight:
        return "<p>Oversight: the site list has no control station; no halt command was followed.</p>"
    cells = [("issue times over the day", oversight["issues"]),
             ("time to reach every satellite, median (s)", oversight["time_to_all_s_p50"]),
             ("90th percentile (s)", oversight["time_to_all_s_p90"]),
             ("worst (s)", oversight["time_to_all_s_p100"]),
             ("share of the fleet reached within 1 s", oversight["reached_within_1s_fraction"]),
             ("within 1 min", oversight["reached_within_1min_fraction"]),
             ("within 1 h", oversight["reached_within_1h_fraction"])]
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td class='num'>{_fmt(v) if v is not None else 'not all'}</td></tr>"
                   for k, v in cells)
    stations = html.escape(", ".join(oversight.get("control_stations", [])))
    return (f"<h3>Oversight: a halt command from the control stations ({stations})</h3>"
            f"<table id='oversight'>{rows}</table>")


def _groups_table(groups: list[dict]) -> str:
    """Bandwidth inside each shell or formation: links, bisection, ring all-reduce of the gradient."""
    if not groups:
        return ""
    rows = "".join(
        f"<tr><td>{g['shell']} ({html.escape(g['kind'])})</td><td class='num'>{g['satellites']}</td>"
        f"<td class='num'>{g['links_per_satellite']:.2f}</td><td class='num'>{_fmt(g['link_km_max'])}</td>"
        f"<td class='num'>{_fmt(g['link_bps_min'] / 1e9)}</td><td class='num'>{_fmt(g['bisection_bps'] / 1e9)}</td>"
        f"<td class='num'>{_fmt(g['all_reduce_s'])}</td></tr>" for g in groups)
    return ("<h3>Bandwidth inside each shell</h3><table id='groups'><tr><th>shell</th><th>satellites</th>"
            "<th>links per satellite</th><th>longest link km</th><th>slowest link Gbit/s</th>"
            "<th>bisection Gbit/s</th><th>ring all-reduce s</th></tr>" + rows + "</table>")


def _ingest_table(rows: list[dict], feeder_link: str) -> str:
    """Data sent up by each named site: capacity, share carried, backlog, days to upload the dataset."""
    if not rows:
        return "<p>Ingest: the scenario names no site sending data (<code>network.ingest</code>).</p>"
    body = "".join(
        f"<tr><td>{html.escape(r['site'])}</td><td class='num'>{_fmt(r['demand_bytes_per_day'] / 1e12)}</td>"
        f"<td class='num'>{_fmt(r['capacity_bytes_per_day_mean'] / 1e12)}</td>"
        f"<td class='num'>{_fmt(r['carried_fraction']) if r['carried_fraction'] is not None else ''}</td>"
        f"<td class='num'>{_fmt(r['backlog_bytes_final'] / 1e12)}</td>"
        f"<td class='num'>{_fmt(r['dataset_upload_days']) if r['dataset_upload_days'] else 'never'}</td>"
        f"<td>{html.escape(r.get('source', ''))}</td></tr>" for r in rows)
    return (f"<h3>Ingest through {html.escape(feeder_link)} feeder links</h3><table id='ingest'><tr><th>site</th>"
            "<th>demand TB/day</th><th>capacity TB/day</th><th>carried</th><th>backlog at the end TB</th>"
            "<th>days to upload the dataset</th><th>demand's source</th></tr>" + body + "</table>")


def _fmt_ms(value) -> str:
    return "no path" if value is None else f"{value:.1f}"


def cost_section(run: ReportRun) -> Section:
    """(5) The cost waterfall, orbit beside the first terrestrial baseline."""
    econ, compare = run.assessment["economics"], run.economics.compare
    fig, orbit_total, ground_total = cost_figure(econ, compare[0] if compare else None)
    ratio = f"; orbit / ground = {orbit_total / ground_total:.3g}x" if ground_total else ""
    return Section("cost", FIGURES["cost"], _figure_html(fig, "fig-cost") + _caption(
        f"Undiscounted costs over the {econ['horizon_years']:g}-year horizon, billion $, component by component to "
        f"the total: orbit from {run.code(run.layout.assessment)} economics ({econ['fleets_bought']:g} fleets "
        f"bought, replacements included), ground from the first baseline of {run.code(run.layout.compare)}{ratio}."))


def launches_section(run: ReportRun) -> Section:
    """(6) Launches and re-entries per year, from the simulation's replacement cycle."""
    path = run.layout.simulation.reentries
    reentries = run.layout.simulation.read("reentries")
    if reentries is None or not reentries["year"].size:
        return Section("launches", FIGURES["launches"], _unavailable(
            f"This run has no {run.name(path)} (no replacement cycle was simulated)."))
    fleet = run.assessment["fleet"]
    fig, total_launches = launches_figure(reentries, float(fleet["satellites_per_launch"]),
                                          float(fleet["launches_per_year"]))
    return Section("launches", FIGURES["launches"], _figure_html(fig, "fig-launches") + _caption(
        f"Satellites launched and re-entering per year from {run.code(path)}; launches = satellites launched / "
        f"{fleet['satellites_per_launch']:g} satellites per launch ({run.code(run.layout.assessment)} fleet, "
        f"{html.escape(str(fleet['launch_vehicle']))}), rounded up each year: {total_launches} launches over the "
        "horizon."))


def goodput_section(run: ReportRun) -> Section:
    """(7) Goodput: simulated compute availability, then the economics' availability over the mission."""
    path = run.layout.simulation.fleet
    fleet = run.layout.simulation.read("fleet")
    if fleet is None or not fleet["time"].size:
        return Section("goodput", FIGURES["goodput"], _unavailable(f"This run has no {run.name(path)}."))
    econ, sat, inputs = run.assessment["economics"], run.assessment["satellite"], run.inputs
    assumed = float(inputs["economics"]["availability"])
    fig, simulated, mission = goodput_figure(fleet, assumed, econ)
    basis = ("life and availability measured by this run's simulation"
             if str(econ.get("life_basis", "")).startswith("simulation") else "closed-form design")
    return Section("goodput", FIGURES["goodput"], _figure_html(fig, "fig-goodput") + _caption(
        f"Simulated: the fleet's compute available over the {run.simulation.days:g} simulated days "
        f"({run.code(path)}), mean {simulated:.2%}. Assumed: availability {assumed:.2%} "
        f"({run.code(run.layout.inputs)} economics). Mission ({run.code(run.layout.assessment)}): the economics' "
        f"availability {mission:.2%} over a mission life of {econ['mission_life_years']:g} years (assumed design "
        f"life {inputs['economics']['design_life_years']:g} years; dose-limited life "
        f"{sat['dose_limited_life_years']:.3g} years; {basis}), {_fmt(econ['accelerator_hours'])} "
        f"accelerator-hours delivered over the {econ['horizon_years']:g}-year horizon."))


def simulation_section(run: ReportRun) -> Section:
    """The simulation's settings and SGP4's errors by code, from the simulation's manifest."""
    sim = run.simulation
    settings = {name: getattr(sim, name) for name in SIMULATION_SETTINGS}
    if sim.sgp4_error_steps:
        failed = (f"{_fmt(sim.sgp4_error_satellites)} of {_fmt(sim.satellites)} satellites had at least one step "
                  "where SGP4 returned an error code; such steps have no position and count as shadow-free, "
                  "computeless time.")
    elif sim.propagator != SGP4_PROPAGATOR:
        failed = f"None can occur: this run propagated with the {html.escape(sim.propagator)} propagator, not SGP4."
    else:
        failed = "SGP4 returned no error code: every satellite-step has a position."
    return Section("simulation", "Simulation and SGP4 errors", quantity_table(settings, "setting") + _caption(
        f"The simulation's settings ({run.code(run.layout.simulation.manifest)}).")
        + sgp4_errors_table(sim.sgp4_error_steps) + _caption(
        f"Satellite-steps where SGP4 failed, by error code (<code>sgp4.api.SGP4_ERRORS</code>). {failed}"))


def inputs_section(run: ReportRun) -> Section:
    """Every field of the validated scenario."""
    return Section("inputs", "Inputs", inputs_table(run.inputs) + _caption(
        f"Every field of the validated scenario ({run.code(run.layout.inputs)}), defaults included; blank fields "
        "take the catalog's figure or a derived value."))


def sources_section(run: ReportRun) -> Section:
    """The catalog parts the scenario names, with their sources."""
    return Section("sources", "Catalog parts and their sources", sources_table(run.inputs) + _caption(
        "The catalog parts the scenario names, each figure with its source, year and confidence "
        "(<code>leodc catalog</code>)."))


# the page's sections, in order
SECTIONS: tuple[Callable[[ReportRun], Section], ...] = (
    headline_section, orbit_section, eclipse_section, dose_section, latency_section, workload_section, cost_section,
    launches_section, goodput_section, simulation_section, inputs_section, sources_section,
)


# ---------------------------------------------------------------------------------------------- the page
def page_html(run: ReportRun, sections: list[Section]) -> str:
    """The whole page: head with plotly.js inlined, title, table of contents and the sections."""
    import plotly
    from plotly.offline import get_plotlyjs

    toc = "".join(f'<li><a href="#{s.anchor}">{html.escape(s.heading)}</a></li>' for s in sections)
    body = "\n".join(f'<section id="{s.anchor}"><h2>{html.escape(s.heading)}</h2>\n{s.body}\n</section>'
                     for s in sections)
    record = run.record
    name = html.escape(run.inputs.get("name") or (record.scenario_name if record else "") or "")
    created = record.created_utc.strftime(TIMESTAMP_FORMAT) if record and record.created_utc else ""
    run_id = html.escape(run.run_id)
    digest = html.escape(str(run.assessment["scenario"].get("digest", "")))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leodc report {run_id}: {name}</title>
<style>{CSS}</style>
<script type="text/javascript" id="plotly-js">/* plotly.js {plotly.__version__} bundled by the Python plotly package,
inlined so the page needs no network */
{get_plotlyjs()}</script>
</head><body>
<h1>{name}</h1>
<p class="meta">run <code>{run_id}</code> {created}; scenario digest
<code>{digest}</code>; leodc {html.escape(str(run.simulation.leodc_version))}.
Every figure is regenerated from the run's stored files.</p>
<nav><h2>Contents</h2><ol>{toc}</ol></nav>
{body}
</body></html>
"""


def report_html(run: ReportRun) -> str:
    """The report of a run read by :func:`read_run`: every section, on one page."""
    return page_html(run, [section(run) for section in SECTIONS])


def _is_sweep(record_or_run_dir: RunRecord | str | Path, run_dir: str | Path | None) -> bool:
    """Whether the run is a sweep (``leodc sweep``), whose report is the sweep report (below)."""
    _, directory = _resolve(record_or_run_dir, run_dir)
    return RunLayout(directory).is_sweep


def build_report(record_or_run_dir: RunRecord | str | Path, run_dir: str | Path | None = None) -> str:
    """The report's HTML text for a run (a catalog record, or a run directory); a sweep run's is the sweep
    report (:func:`build_sweep_report`)."""
    if _is_sweep(record_or_run_dir, run_dir):
        return build_sweep_report(record_or_run_dir, run_dir)
    return report_html(read_run(record_or_run_dir, run_dir))


def write_report(record_or_run_dir: RunRecord | str | Path, path: str | Path | None = None,
                 run_dir: str | Path | None = None) -> Path:
    """Write the run's report (default: the run layout's report file) atomically; returns its path.

    ``record_or_run_dir`` is a catalog record (its files are found under ``run_dir``, or under the default
    runs home) or a run directory. A sweep run's is the sweep report (:func:`write_sweep_report`)."""
    if _is_sweep(record_or_run_dir, run_dir):
        return write_sweep_report(record_or_run_dir, path, run_dir)
    run = read_run(record_or_run_dir, run_dir)
    out = Path(path) if path is not None else run.layout.report
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_text(out, report_html(run))


# ============================================================================================== sweep runs
# the sweep report's figures, in order: (key, title); the keys are the figures' names in
# :func:`sweep_figures` and the dashboard's
SWEEP_FIGURES = {
    "distribution": "Orbit's cost per PFLOP-day over the samples, against the terrestrial line",
    "tornado": "Tornado: one input at a time on orbit's cost per PFLOP-day",
    "ladder": "What would have to be true: the ladder to the claim, against the terrestrial line",
    "front": "Design search: the Pareto front of cost against mass per kW",
}
HISTOGRAM_BINS = 60
# the histogram's bins (and its axis) are logarithmic when the samples span more than this factor
LOG_SPAN = 20.0
TORNADO_BARS = 15  # the largest swings drawn
RANGE_PAD = 0.05  # of the span, each side of an axis whose ends are set
ORBIT_COLOUR = "#1f5fbf"
GROUND_COLOUR = "#1b7f3b"
LOW_COLOUR = "#4f9bd9"
HIGH_COLOUR = "#d08a00"
QUANTILE_KEYS = ("p5", "p50", "p95", "mean")
USD_PER_PFLOP_DAY = "$/PFLOP-day"


# ---------------------------------------------------------------------------------------------- reading the run
def _scenario(layout: RunLayout):
    from leodc.scenario import Scenario

    return Scenario.model_validate(layout.read_json(layout.inputs))


def store_sweep_analyses(layout: RunLayout, scenario=None) -> SweepAnalysesStage:
    """Make the analyses a sweep's report draws (tornado, ladder, front) from the run's files and store
    them in the run (``sweep/tornado.json``, ``ladder.json``, ``front.parquet``).

    Parameters
    ----------
    layout : RunLayout
        A sweep run holding its inputs and summary.
    scenario : Scenario, optional
        The swept scenario (default: read back from the run's ``inputs.json``).
    """
    from leodc.uncertainty.sweep import analyses

    summary = layout.read_json(layout.sweep_summary)
    made = analyses(scenario if scenario is not None else _scenario(layout), summary)
    stage = SweepAnalysesStage(jsonable(made.tornado), jsonable(made.ladder), made.front)
    stage.write(layout)
    return stage


def sweep_analyses(layout: RunLayout) -> SweepAnalysesStage:
    """The run's stored analyses, made and stored first if the run has none (:func:`store_sweep_analyses`)."""
    if SweepAnalysesStage.stored(layout):
        return SweepAnalysesStage.read(layout)
    return store_sweep_analyses(layout)


@dataclass(frozen=True)
class SweepRun:
    """What the sweep report reads of a run: its record (None for a bare directory), inputs, summary,
    analyses, and every sample's orbit and ground cost per PFLOP-day with its feasibility."""

    layout: RunLayout
    record: RunRecord | None
    inputs: dict
    summary: dict
    analyses: SweepAnalysesStage
    costs: dict[str, np.ndarray]

    @property
    def run_id(self) -> str:
        return self.record.id if self.record else self.layout.root.name

    def name(self, path: Path) -> str:
        return path.relative_to(self.layout.root).as_posix()


def read_sweep(record_or_run_dir: RunRecord | str | Path, run_dir: str | Path | None = None) -> SweepRun:
    """The sweep run a report is built from: a catalog record (files under ``run_dir``, or the default runs
    home) or a run directory; its analyses made and stored if it has none."""
    record, directory = _resolve(record_or_run_dir, run_dir)
    if not directory.is_dir():
        raise InputError(str(directory), None, "no such run directory")
    layout = RunLayout(directory)
    if not layout.is_sweep:
        raise InputError(str(directory), None, "not a sweep run (no sweep/); expected a run of `leodc sweep`")
    summary = layout.read_json(layout.sweep_summary)
    table = pq.read_table(layout.require(layout.sweep_samples), columns=[COST_METRIC, GROUND_COST_METRIC, FEASIBLE])
    return SweepRun(layout, record, layout.read_json(layout.inputs), summary, sweep_analyses(layout),
                    table_columns(table))


# ---------------------------------------------------------------------------------------------- figures
def _sweep_figure(title: str, **layout):
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(**{"title": {"text": title}, "template": TEMPLATE,
                         "margin": {"t": 60, "l": 70, "r": 30, "b": 50}, "legend": {"orientation": "h", "y": -0.18},
                         **layout})
    return fig


def _vertical(fig, x: float, y_top: float, name: str, colour: str, dash: str = "dash") -> None:
    """A vertical line at ``x`` from 0 to ``y_top`` (a trace, so that it has a legend entry and works on
    log axes)."""
    import plotly.graph_objects as go

    fig.add_trace(go.Scatter(x=[x, x], y=[0.0, y_top], mode="lines", name=name,
                             line={"color": colour, "dash": dash, "width": 2}, hoverinfo="name"))


def distribution_figure(orbit: np.ndarray, ground: np.ndarray, p_cheaper: float | None, bins: int = HISTOGRAM_BINS):
    """Histogram of orbit's cost per PFLOP-day over the feasible samples (share of samples per bin, a step
    outline, log bins when they span more than :data:`LOG_SPAN`), the terrestrial line at the ground's
    median (and its 5-95 % band where the ground's cost varies too), orbit's median."""
    import plotly.graph_objects as go

    orbit = orbit[np.isfinite(orbit) & (orbit > 0)]
    ground = ground[np.isfinite(ground)]
    chance = "" if p_cheaper is None else f"; P(orbit cheaper) = {p_cheaper:.1%}"
    fig = _sweep_figure(f"Orbit's cost per PFLOP-day, {orbit.size:,} feasible samples{chance}",
                  xaxis_title=f"orbit's cost ({USD_PER_PFLOP_DAY})", yaxis_title="share of samples (%)")
    if not orbit.size:
        return fig
    lo, hi = float(orbit.min()), float(orbit.max())
    ground_mid = float(np.median(ground)) if ground.size else None
    log = hi / lo > LOG_SPAN or (ground_mid is not None and ground_mid > 0
                                 and max(hi, ground_mid) / min(lo, ground_mid) > LOG_SPAN)
    if hi == lo:
        edges = np.array([lo * 0.99, hi * 1.01])
    else:
        edges = np.geomspace(lo, hi, bins + 1) if log else np.linspace(lo, hi, bins + 1)
    counts, edges = np.histogram(orbit, edges)
    share = 100.0 * counts / orbit.size
    xs = np.concatenate([[edges[0]], edges, [edges[-1]]])
    ys = np.concatenate([[0.0], share, [share[-1], 0.0]])
    fig.add_trace(go.Scatter(x=xs.tolist(), y=ys.tolist(), mode="lines",
                             line={"shape": "hv", "color": ORBIT_COLOUR, "width": 1.5}, fill="tozeroy",
                             fillcolor="rgba(31,95,191,0.25)", name="orbit (samples)",
                             hovertemplate="from %{x:.4g} " + USD_PER_PFLOP_DAY + ": %{y:.2f} %<extra></extra>"))
    top = float(share.max()) * 1.08
    _vertical(fig, float(np.median(orbit)), top, f"orbit, median {fmt(float(np.median(orbit)))} {USD_PER_PFLOP_DAY}",
              ORBIT_COLOUR, "dot")
    if ground_mid is not None:
        g5, g95 = (float(q) for q in np.percentile(ground, (5, 95)))
        if g95 > g5 * (1 + 1e-9):
            fig.add_trace(go.Scatter(x=[g5, g95, g95, g5, g5], y=[0, 0, top, top, 0], mode="lines", fill="toself",
                                     fillcolor="rgba(27,127,59,0.12)", line={"width": 0}, hoverinfo="name",
                                     name=f"terrestrial, 5-95 %: {fmt(g5)}-{fmt(g95)}"))
        _vertical(fig, ground_mid, top, f"terrestrial, median {fmt(ground_mid)} {USD_PER_PFLOP_DAY}", GROUND_COLOUR)
    fig.update_xaxes(type="log" if log else "linear")
    fig.update_yaxes(rangemode="tozero")
    return fig


def _short(key: str) -> str:
    """An input key shortened for an axis label: ``catalog.KIND.NAME.FIGURE`` as ``NAME.FIGURE``."""
    parts = key.split(".")
    return ".".join(parts[2:]) if parts[0] == "catalog" and len(parts) == 4 else key


def tornado_figure(tornado: dict, ground: float | None, bars: int = TORNADO_BARS):
    """The tornado of orbit's cost per PFLOP-day: per input (largest swing at the top), a bar from the
    scenario's cost to the cost with the input at its low end and one to its high end; the terrestrial line."""
    import plotly.graph_objects as go

    t = tornado["tornado"][COST_METRIC]
    base = t["base"]
    drawn = [b for b in t["bars"] if b["swing"] is not None][:bars][::-1]  # plotly draws the first at the bottom
    fig = _sweep_figure(f"Tornado on orbit's cost per PFLOP-day (scenario: {fmt(base)} {USD_PER_PFLOP_DAY})",
                  xaxis_title=f"orbit's cost ({USD_PER_PFLOP_DAY})", barmode="overlay",
                  height=max(420, 90 + 28 * len(drawn)), margin={"t": 60, "l": 30, "r": 30, "b": 50})
    labels = [_short(b["key"]) for b in drawn]
    for end, colour, name in (("low", LOW_COLOUR, "input at its low end"), ("high", HIGH_COLOUR,
                                                                             "input at its high end")):
        values = [b[f"metric_at_{end}"] for b in drawn]
        fig.add_trace(go.Bar(
            y=labels, x=[v - base for v in values], base=[base] * len(drawn), orientation="h", name=name,
            marker={"color": colour}, opacity=0.85, customdata=[[b["key"], b[end], v] for b, v in zip(drawn, values,
                                                                                                       strict=True)],
            hovertemplate="%{customdata[0]} = %{customdata[1]:.4g}: %{customdata[2]:.4g} " + USD_PER_PFLOP_DAY
                          + "<extra></extra>"))
    if drawn:
        fig.add_trace(go.Scatter(x=[base, base], y=[labels[0], labels[-1]], mode="lines", name="scenario",
                                 line={"color": "#222", "width": 1}, hoverinfo="name"))
        if ground is not None:
            fig.add_trace(go.Scatter(x=[ground, ground], y=[labels[0], labels[-1]], mode="lines",
                                     name=f"terrestrial {fmt(ground)} {USD_PER_PFLOP_DAY}",
                                     line={"color": GROUND_COLOUR, "dash": "dash", "width": 2}, hoverinfo="name"))
        ends = [base, *(b[f"metric_at_{e}"] for b in drawn for e in ("low", "high")),
                *([ground] if ground is not None else [])]
        fig.update_xaxes(range=_padded(min(ends), max(ends)))
    fig.update_yaxes(automargin=True)
    return fig


def _padded(lo: float, hi: float, log: bool = False, pad: float = RANGE_PAD) -> list[float]:
    """An axis range around [lo, hi] with a margin on both sides (a log axis's range is in log10 units), so
    that a line at either end is not hidden on the axis."""
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    span = (hi - lo) or (abs(hi) or 1.0)
    return [lo - pad * span, hi + pad * span]


def ladder_figure(ladder: dict):
    """The ladder's rungs (cumulative), orbit's cost per PFLOP-day at each as a bar (with its ratio to the
    ground's) and the terrestrial line, on a log axis."""
    import plotly.graph_objects as go

    steps = ladder["steps"]
    first = ladder.get("first_below_ground")
    fig = _sweep_figure("The ladder: " + (f"orbit beats the ground from '{first}'" if first else
                                    "orbit stays above the ground at every rung"),
                  yaxis_title=f"cost ({USD_PER_PFLOP_DAY}, log)", yaxis_type="log")
    labels = [f"{i}. {s['label']}" if i else s["label"] for i, s in enumerate(steps)]
    fig.add_trace(go.Bar(x=labels, y=[s["orbit_usd_per_pflop_day"] for s in steps], name="orbit",
                         marker={"color": ORBIT_COLOUR},
                         text=[f"{s['orbit_to_ground']:.3g}x" if s["orbit_to_ground"] is not None else ""
                               for s in steps], textposition="outside",
                         hovertemplate="%{x}: %{y:.4g} " + USD_PER_PFLOP_DAY + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=labels, y=[s["ground_usd_per_pflop_day"] for s in steps], mode="lines+markers",
                             name="terrestrial", line={"color": GROUND_COLOUR, "dash": "dash", "width": 2},
                             hovertemplate="%{x}: ground %{y:.4g} " + USD_PER_PFLOP_DAY + "<extra></extra>"))
    fig.update_xaxes(automargin=True)
    return fig


def front_figure(front: dict[str, np.ndarray], settings: dict):
    """The design search's Pareto front (cost per PFLOP-day against the satellite's mass per kW), the
    scenario's own design and the cheapest, and the terrestrial line."""
    import plotly.graph_objects as go

    fig = _sweep_figure(f"Design search: {settings.get('trials')} trials (seed {settings.get('seed')}), "
                  f"{settings.get('feasible_trials')} feasible",
                  xaxis_title=f"orbit's cost ({USD_PER_PFLOP_DAY}, log)", xaxis_type="log",
                  yaxis_title="satellite mass per kW of IT power (kg/kW)")
    n = len(front.get("trial", []))
    cost = np.array([np.nan if v is None else v for v in front.get("usd_per_pflop_day", [])], dtype=float)
    mass = np.array([np.nan if v is None else v for v in front.get("mass_kg_per_kw", [])], dtype=float)

    def hover(i: int) -> str:
        return (f"trial {front['trial'][i]}: {front['altitude_km'][i]:.0f} km, radiator "
                f"{front['radiator_temperature_k'][i]:.0f} K, {front['accelerators_per_satellite'][i]} accelerators, "
                f"{front['solar_array'][i]}")

    def points(pick: np.ndarray, name: str, **style) -> None:
        idx = np.flatnonzero(pick & np.isfinite(cost) & np.isfinite(mass))
        if idx.size:
            fig.add_trace(go.Scatter(x=cost[idx].tolist(), y=mass[idx].tolist(), name=name,
                                     text=[hover(i) for i in idx],
                                     hovertemplate="%{text}<br>%{x:.4g} " + USD_PER_PFLOP_DAY
                                                   + ", %{y:.4g} kg/kW<extra></extra>", **style))

    if n:
        flags = {f: np.asarray(front[f], dtype=bool) for f in FRONT_FLAGS}
        order = np.argsort(cost)
        on = flags["on_front"][order]
        fig.add_trace(go.Scatter(x=cost[order][on].tolist(), y=mass[order][on].tolist(), mode="lines",
                                 line={"color": ORBIT_COLOUR, "shape": "hv", "width": 1}, showlegend=False,
                                 hoverinfo="skip"))
        points(flags["on_front"], "Pareto front", mode="markers", marker={"color": ORBIT_COLOUR, "size": 9})
        points(flags["is_base"], "the scenario's design", mode="markers",
               marker={"color": "#222", "symbol": "diamond-open", "size": 14, "line": {"width": 2}})
        points(flags["is_best"], "cheapest found", mode="markers",
               marker={"color": HIGH_COLOUR, "symbol": "star", "size": 14})
    ground = settings.get("ground_usd_per_pflop_day")
    finite = mass[np.isfinite(mass)]
    xs = [*cost[np.isfinite(cost) & (cost > 0)], *([ground] if ground is not None and ground > 0 else [])]
    if xs:
        fig.update_xaxes(range=_padded(min(xs), max(xs), log=True))
    if ground is not None and finite.size:
        span = float(finite.max() - finite.min()) or max(float(finite.max()), 1.0) * 0.1
        fig.add_trace(go.Scatter(x=[ground, ground], y=[float(finite.min()) - span, float(finite.max()) + span],
                                 mode="lines", name=f"terrestrial {fmt(ground)} {USD_PER_PFLOP_DAY}",
                                 line={"color": GROUND_COLOUR, "dash": "dash", "width": 2}, hoverinfo="name"))
    return fig


# ---------------------------------------------------------------------------------------------- figures as JSON
def _spec(fig) -> dict:
    import plotly.io as pio

    return json.loads(pio.to_json(fig, validate=False))


def _column_lists(table) -> dict[str, list]:
    return {name: table.column(name).to_pylist() for name in table.column_names}


def sweep_figures(run: SweepRun) -> dict[str, dict | None]:
    """The four figures as Plotly JSON (``{"data": [...], "layout": {...}}``), by :data:`SWEEP_FIGURES`'
    keys; None for one the run cannot give (a ladder the scenario refuses, a search with no feasible design)."""
    tornado, ladder, front = run.analyses.tornado, run.analyses.ladder, run.analyses.front
    ground = tornado.get("ground_usd_per_pflop_day")
    columns = _column_lists(front)
    return {
        "distribution": _spec(distribution_figure(run.costs[COST_METRIC][run.costs[FEASIBLE]],
                                                  run.costs[GROUND_COST_METRIC][run.costs[FEASIBLE]],
                                                  run.summary.get("p_orbit_cheaper"))),
        "tornado": _spec(tornado_figure(tornado, ground)) if tornado["tornado"][COST_METRIC]["bars"] else None,
        "ladder": _spec(ladder_figure(ladder)) if ladder.get("steps") else None,
        "front": _spec(front_figure(columns, front_settings(front))) if front.num_rows else None,
    }


def sweep_notes(run: SweepRun) -> dict[str, str]:
    """One plain-text caption per figure: what it shows and which of the run's files it reads."""
    name = run.name
    layout, summary, tornado = run.layout, run.summary, run.analyses.tornado
    settings = front_settings(run.analyses.front)
    bars = tornado["tornado"][COST_METRIC]["bars"]
    refused = [b["key"] for b in bars if b["swing"] is None]
    ladder = run.analyses.ladder
    front = run.analyses.front
    on_front = sum(front.column("on_front").to_pylist()) if front.num_rows else 0
    q = summary["metrics"][COST_METRIC]
    g = summary["metrics"][GROUND_COST_METRIC]
    return {
        "distribution": (
            f"Orbit's cost per PFLOP-day over the {summary['feasible_samples']:,} feasible samples of "
            f"{summary['samples']:,} (seed {summary['seed']}): 5th, 50th and 95th percentiles {fmt(q['p5'])}, "
            f"{fmt(q['p50'])} and {fmt(q['p95'])} {USD_PER_PFLOP_DAY}; the terrestrial baseline's median "
            f"{fmt(g['p50'])} {USD_PER_PFLOP_DAY} (its band where the samples move the ground's cost too). "
            f"{_sentence(summary.get('cost_basis'))}From {name(layout.sweep_samples)}."),
        "tornado": (
            f"Each of the sweep's {len(bars)} inputs set to its low and then its high end (a distribution's low and "
            f"high, a lognormal's 5th and 95th percentiles), the others at the scenario's values; the "
            f"{min(len(bars), TORNADO_BARS)} largest swings, largest at the top. Top driver: "
            f"{tornado['tornado'][COST_METRIC]['top']}."
            + (f" The design refuses an end of {', '.join(refused)} (not drawn)." if refused else "")
            + f" From {name(layout.sweep_tornado)}."),
        "ladder": (
            f"The built-in ladder, rungs applied cumulatively from the scenario's parts to the claim (Starship at "
            f"its target price, a thin-film array, 100 W of compute per kg); the label on each bar is orbit's cost "
            f"over the ground's. From {name(layout.sweep_ladder)}."
            if not ladder.get("error") else f"The built-in ladder cannot be climbed from this scenario: "
                                            f"{ladder['error']}"),
        "front": (
            f"Optuna's multi-objective TPE over altitude, radiator temperature, accelerators per satellite and "
            f"array technology, {settings.get('trials')} trials (seed {settings.get('seed')}), constrained to one "
            f"launch per satellite, the chips' temperature limit and the FCC's five-year disposal rule; the front "
            f"holds the feasible designs no other matches or beats on both objectives ({on_front} here; one where "
            f"the cheapest design is also the lightest per kW), beside the scenario's own design. From "
            f"{name(layout.sweep_front)}."
            + (f" The search failed: {settings['error']}" if settings.get("error") else "")),
    }


def _sentence(text: str | None) -> str:
    """``text`` as a sentence followed by a space (empty for none)."""
    return f"{text.rstrip().rstrip('.')}. " if text else ""


def quantile_rows(summary: dict) -> list[dict]:
    """The summary's quantiles, one row per headline metric (``metric``, ``unit``, p5, p50, p95, mean)."""
    return [{"metric": m, "unit": unit_of(m.split(".")[-1]), **{k: q.get(k) for k in QUANTILE_KEYS}}
            for m, q in summary["metrics"].items()]


def sweep_headline(summary: dict) -> dict:
    """The sweep's headline figures: samples, seed, feasible share, P(orbit cheaper), the cost quantiles."""
    q, g, r = (summary["metrics"][k] for k in (COST_METRIC, GROUND_COST_METRIC, COST_RATIO))
    return {"samples": summary["samples"], "seed": summary["seed"], "feasible_samples": summary["feasible_samples"],
            "p_orbit_cheaper": summary["p_orbit_cheaper"],
            "usd_per_pflop_day_p5": q["p5"], "usd_per_pflop_day_p50": q["p50"], "usd_per_pflop_day_p95": q["p95"],
            "ground_usd_per_pflop_day_p50": g["p50"], "orbit_to_ground_cost_ratio_p50": r["p50"],
            "distributions": len(summary["distributions"]), "executor": summary.get("executor")}


def sweep_payload(run: SweepRun) -> dict:
    """What the dashboard's sweep page draws (``GET /api/runs/ID/sweep``): headline, quantiles, distributions,
    the figures' JSON and their captions."""
    return jsonable({
        "id": run.run_id, "scenario": run.summary.get("scenario"), "headline": sweep_headline(run.summary),
        "quantiles": quantile_rows(run.summary), "cost_basis": run.summary.get("cost_basis"),
        "distributions": run.summary["distributions"], "titles": SWEEP_FIGURES,
        "figures": sweep_figures(run), "notes": sweep_notes(run),
        "first_below_ground": run.analyses.ladder.get("first_below_ground"),
        "top_driver": run.analyses.tornado["tornado"][COST_METRIC]["top"],
        "files": [run.name(p) for p in (run.layout.sweep_summary, run.layout.sweep_samples, run.layout.sweep_tornado,
                                        run.layout.sweep_ladder, run.layout.sweep_front)],
    })


# ---------------------------------------------------------------------------------------------- the page
def _num(value) -> str:
    return html.escape(fmt(value)) if value is not None else "-"


def _spec_html(spec: dict, div_id: str) -> str:
    text = json.dumps(spec).replace("</", "<\\/")
    return (f'<div id="{div_id}" class="figure"></div>\n<script>(function () {{ var f = {text}; '
            f'Plotly.newPlot("{div_id}", f.data, f.layout, {json.dumps(PLOTLY_CONFIG)}); }})();</script>')


def _text_caption(text: str) -> str:
    return f'<p class="caption">{html.escape(text)}</p>'


def sweep_summary_section(run: SweepRun) -> Section:
    """The headline: P(orbit cheaper), the quantiles of every headline metric, the sweep's settings."""
    s = run.summary
    p = s.get("p_orbit_cheaper")
    rows = "".join(f"<tr><td><code>{html.escape(r['metric'])}</code></td><td>{html.escape(r['unit'])}</td>"
                   + "".join(f"<td class='num'>{_num(r[k])}</td>" for k in QUANTILE_KEYS) + "</tr>"
                   for r in quantile_rows(s))
    ratio = s["metrics"][COST_RATIO]
    lead = (f"<p><strong>P(orbit costs less than the ground per PFLOP-day) = {'-' if p is None else f'{p:.1%}'}"
            f"</strong>; orbit over ground, median {_num(ratio['p50'])}x (5-95 %: {_num(ratio['p5'])}x to "
            f"{_num(ratio['p95'])}x).</p>")
    settings = (f"{s['samples']:,} samples (seed {s['seed']}), {s['feasible_samples']:,} feasible; "
                f"{len(s['distributions'])} distributions; executor {s.get('executor', '-')}, "
                f"{_num(s.get('wall_s'))} s.")
    table = ("<table><tr><th>metric</th><th>unit</th><th>p5</th><th>p50</th><th>p95</th><th>mean</th></tr>"
             f"{rows}</table>")
    return Section("summary", "Headline quantiles", lead + table + _text_caption(
        f"{settings} Quantiles over the feasible samples, from {run.name(run.layout.sweep_summary)}. "
        f"{_sentence(s.get('cost_basis'))}".strip()))


def sweep_figure_section(key: str):
    def section(run: SweepRun, figures: dict, notes: dict) -> Section:
        spec = figures[key]
        body = (_spec_html(spec, f"fig-{key}") if spec is not None
                else f'<div class="placeholder">{html.escape(notes[key])}</div>')
        return Section(key, SWEEP_FIGURES[key], body + _text_caption(notes[key]))

    return section


def sweep_distributions_section(run: SweepRun) -> Section:
    """The distributions sampled, their parameters and sources."""
    rows = []
    for key, d in run.summary["distributions"].items():
        params = ", ".join(f"{k} = {fmt(v)}" for k, v in d.items() if k not in ("dist", "source"))
        rows.append(f"<tr><td><code>{html.escape(key)}</code></td><td>{html.escape(d['dist'])}</td>"
                    f"<td>{html.escape(params)}</td><td>{html.escape(str(d.get('source', '')))}</td></tr>")
    return Section("distributions", "Distributions sampled",
                   "<table><tr><th>input</th><th>distribution</th><th>parameters</th><th>source</th></tr>"
                   f"{''.join(rows)}</table>")


def sweep_inputs_section(run: SweepRun) -> Section:
    return Section("inputs", "Scenario inputs", inputs_table(run.inputs) + _text_caption(
        f"Every field of the validated scenario, from {run.name(run.layout.inputs)}."))


def sweep_report_html(run: SweepRun) -> str:
    """The whole page: plotly.js inlined, the headline, the four figures, the distributions, the inputs."""
    import plotly
    from plotly.offline import get_plotlyjs

    figures, notes = sweep_figures(run), sweep_notes(run)
    sections = [sweep_summary_section(run), *(sweep_figure_section(k)(run, figures, notes) for k in SWEEP_FIGURES),
                sweep_distributions_section(run), sweep_inputs_section(run)]
    toc = "".join(f'<li><a href="#{s.anchor}">{html.escape(s.heading)}</a></li>' for s in sections)
    body = "\n".join(f'<section id="{s.anchor}"><h2>{html.escape(s.heading)}</h2>\n{s.body}\n</section>'
                     for s in sections)
    record = run.record
    name = html.escape(str((run.summary.get("scenario") or {}).get("name") or run.inputs.get("name") or ""))
    created = record.created_utc.strftime(TIMESTAMP_FORMAT) if record and record.created_utc else ""
    run_id = html.escape(run.run_id)
    digest = html.escape(str((run.summary.get("scenario") or {}).get("digest", "")))
    version = html.escape(str(record.leodc_version if record and record.leodc_version else ""))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leodc sweep report {run_id}: {name}</title>
<style>{CSS}</style>
<script type="text/javascript" id="plotly-js">/* plotly.js {plotly.__version__} bundled by the Python plotly package,
inlined so the page needs no network */
{get_plotlyjs()}</script>
</head><body>
<h1>{name}: sweep</h1>
<p class="meta">sweep run <code>{run_id}</code> {created}; scenario digest <code>{digest}</code>; leodc {version}.
Every figure is regenerated from the run's stored files.</p>
<nav><h2>Contents</h2><ol>{toc}</ol></nav>
{body}
</body></html>
"""


def build_sweep_report(record_or_run_dir: RunRecord | str | Path, run_dir: str | Path | None = None) -> str:
    """The sweep report's HTML text for a run (a catalog record, or a run directory)."""
    return sweep_report_html(read_sweep(record_or_run_dir, run_dir))


def write_sweep_report(record_or_run_dir: RunRecord | str | Path, path: str | Path | None = None,
                       run_dir: str | Path | None = None) -> Path:
    """Write a sweep run's report (default: the run's ``report.html``) atomically; returns its path."""
    run = read_sweep(record_or_run_dir, run_dir)
    out = Path(path) if path is not None else run.layout.report
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_text(out, sweep_report_html(run))


def finish_sweep_run(layout: RunLayout, scenario=None) -> Path:
    """What ``leodc sweep`` does once the sweep's files are stored: make and store the report's analyses and
    write the report (``report.html``); returns its path."""
    store_sweep_analyses(layout, scenario)
    return write_sweep_report(layout.root)

