"""`leodc report`: one self-contained HTML file per run, every figure regenerated from the run's files.

The page opens with no network: Plotly's bundled plotly.js is inlined once in the head, and each
figure is a ``<div>`` plus a short script calling ``Plotly.newPlot`` on JSON built here. Nothing is
simulated again: the figures read what the run stored, through the run layout (``runs.layout``: the
design, simulate and economics stage results, the simulation's files and manifest) or recompute
closed forms from those inputs (the eclipse seasons from ``design.orbit``, the dose map from the
AE8/AP8 grid). A run stored before a stage existed shows that stage's panel as unavailable.

Sections, one function each (:data:`SECTIONS`): headline metrics, the eight figures, the simulation's
settings with its SGP4 errors, and the inputs with the catalog sources behind them.
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
from leodc.fields import flatten, fmt, unit_of
from leodc.files import write_text
from leodc.runs.layout import (
    ASSESSMENT_FILE,
    COMPARE_FILE,
    DesignStage,
    EconomicsStage,
    NetworkStage,
    RunLayout,
    WorkloadStage,
    table_columns,
)
from leodc.runs.layout import REPORT_FILE as REPORT_FILE  # the report's name in a run directory (re-exported)
from leodc.runs.store import CATALOG_FILE, RunRecord, RunStore
from leodc.simulate.output import FLEET_FILE, SimulationResult

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

    def name(self, path: Path) -> str:
        """A file of the run, named relative to the run directory."""
        return path.relative_to(self.layout.root).as_posix()

    def code(self, path: Path) -> str:
        """A file of the run as HTML ``<code>``."""
        return f"<code>{html.escape(self.name(path))}</code>"

    def sample_timeseries(self) -> dict[str, np.ndarray] | None:
        """The first sample satellites' time series (the simulation's first chunk), or None."""
        path = self.layout.simulation.chunk_timeseries(SAMPLE_TIMESERIES_CHUNK)
        return table_columns(pq.read_table(path)) if path.is_file() else None


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


def build_report(record_or_run_dir: RunRecord | str | Path, run_dir: str | Path | None = None) -> str:
    """The report's HTML text for a run (a catalog record, or a run directory)."""
    return report_html(read_run(record_or_run_dir, run_dir))


def write_report(record_or_run_dir: RunRecord | str | Path, path: str | Path | None = None,
                 run_dir: str | Path | None = None) -> Path:
    """Write the run's report (default: the run layout's report file) atomically; returns its path.

    ``record_or_run_dir`` is a catalog record (its files are found under ``run_dir``, or under the default
    runs home) or a run directory."""
    run = read_run(record_or_run_dir, run_dir)
    out = Path(path) if path is not None else run.layout.report
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_text(out, report_html(run))
