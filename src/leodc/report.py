"""`leodc report`: one self-contained HTML file per run, every figure regenerated from the run's files.

The page opens with no network: Plotly's bundled plotly.js is inlined once in the head, and each
figure is a ``<div>`` plus a short script calling ``Plotly.newPlot`` on JSON built here. Nothing is
simulated again: the figures read what the run stored (``simulation/*.parquet``, ``assessment.json``,
``compare.json``, ``inputs.json``) or recompute closed forms from those inputs (the eclipse seasons
from ``design.orbit``, the dose map from the AE8/AP8 grid). The network stage is not built yet, so
the latency panel says so instead of drawing anything.

Sections: headline metrics, the seven figures, and the inputs with the catalog sources behind them.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow.parquet as pq

from leodc.runs.store import RunRecord, RunStore
from leodc.scenario import InputError

REPORT_FILE = "report.html"
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}
TEMPLATE = "plotly_white"
USD_PER_BUSD = 1e9
# the report's figures, in order: (anchor, title)
FIGURES = {
    "orbit": "Power, state of charge and radiator temperature over one orbit",
    "eclipse": "Eclipse seasons over a year",
    "dose": "Trapped-particle dose map and the South Atlantic Anomaly",
    "latency": "Latency distributions",
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
def _read_json(run_dir: Path, name: str):
    path = run_dir / name
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(str(path), None, "the run has no such file; a report needs a complete run") from None


def _read_table(run_dir: Path, name: str) -> dict[str, np.ndarray] | None:
    path = run_dir / name
    if not path.exists():
        return None
    table = pq.read_table(path)
    return {c: table.column(c).to_numpy() for c in table.column_names}


def _timeseries(run_dir: Path) -> dict[str, np.ndarray] | None:
    chunks = sorted((run_dir / "simulation" / "timeseries").glob("chunk-*.parquet"))
    if not chunks:
        return None
    return _read_table(run_dir, str(chunks[0].relative_to(run_dir)))


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
    titles = ["orbit (assessment.json economics)"] + ([f"ground: {baseline['name']} (compare.json)"]
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
                        subplot_titles=["simulated: fleet compute available (fleet.parquet)",
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


# ---------------------------------------------------------------------------------------------- HTML pieces
def _figure_html(fig, div_id: str) -> str:
    import plotly.io as pio

    spec = pio.to_json(fig, validate=False).replace("</", "<\\/")
    return (f'<div id="{div_id}" class="figure"></div>\n<script>(function () {{ var f = {spec}; '
            f'Plotly.newPlot("{div_id}", f.data, f.layout, {json.dumps(PLOTLY_CONFIG)}); }})();</script>')


def _caption(text: str) -> str:
    return f'<p class="caption">{text}</p>'


def _fmt(value) -> str:
    from leodc.fields import fmt

    return html.escape(fmt(value))


def _unit(key: str) -> str:
    from leodc.fields import unit_of

    return html.escape(unit_of(key))


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in d.items():
        if isinstance(value, dict) and value:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


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


def metrics_table(metrics: dict) -> str:
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td class='num'>{_fmt(v)}</td><td>{_unit(k)}</td></tr>"
                   for k, v in metrics.items())
    return f"<table><tr><th>metric</th><th>value</th><th>unit</th></tr>{rows}</table>"


def inputs_table(inputs: dict) -> str:
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{_value_cell(v)}</td><td>{_unit(k)}</td></tr>"
                   for k, v in _flatten(inputs).items())
    return f"<table><tr><th>field</th><th>value</th><th>unit</th></tr>{rows}</table>"


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


def _unavailable(what: str) -> str:
    return f'<div class="placeholder">{html.escape(what)}</div>'


# ---------------------------------------------------------------------------------------------- the page
def _resolve(record_or_run_dir, run_dir) -> tuple[RunRecord | None, Path]:
    if isinstance(record_or_run_dir, RunRecord):
        record = record_or_run_dir
        return record, Path(run_dir) if run_dir is not None else RunStore().run_dir(record.id)
    directory = Path(record_or_run_dir)
    record = None
    if (directory.parent / "catalog.duckdb").exists():
        try:
            record = RunStore(directory.parent).get(directory.name)
        except InputError:
            record = None
    return record, directory


def build_report(record_or_run_dir: RunRecord | str | Path, run_dir: str | Path | None = None) -> str:
    """The report's HTML text for a run (a catalog record, or a run directory)."""
    import plotly
    from plotly.offline import get_plotlyjs

    from leodc.runs.pipeline import headline

    record, run_dir = _resolve(record_or_run_dir, run_dir)
    if not run_dir.is_dir():
        raise InputError(str(run_dir), None, "no such run directory")
    inputs = _read_json(run_dir, "inputs.json")
    assessment = _read_json(run_dir, "assessment.json")
    compare = _read_json(run_dir, "compare.json")
    environment = _read_json(run_dir, "environment.json")
    manifest = _read_json(run_dir, "simulation/manifest.json")
    orbit, sat, fleet_design, econ = (assessment["orbit"], assessment["satellite"], assessment["fleet"],
                                      assessment["economics"])
    metrics = record.metrics if record and record.metrics else headline(assessment, SimpleNamespace(**manifest),
                                                                        environment)
    run_id = record.id if record else run_dir.name
    sections: list[tuple[str, str, str]] = []  # (anchor, heading, body)

    sections.append(("metrics", "Headline metrics", metrics_table(metrics) + _caption(
        "The run's headline figures as stored in the run catalog (<code>catalog.duckdb</code>), from "
        "<code>assessment.json</code>, <code>simulation/manifest.json</code> and <code>environment.json</code>.")))

    # (1) one orbit of the first sample satellite
    ts = _timeseries(run_dir)
    if ts is not None and ts["sat_id"].size:
        fig, sat_id, covered, dark_steps = orbit_figure(ts, orbit["period_s"])
        span = ("" if covered + 1.0 >= orbit["period_s"] / 60.0
                else f" The run is shorter than one orbit: {covered:.0f} of {orbit['period_s'] / 60:.0f} min shown.")
        body = _figure_html(fig, "fig-orbit") + _caption(
            f"Array power, battery state of charge and radiator temperature of satellite {sat_id}, the first sample "
            f"satellite, over its first orbit ({orbit['period_s'] / 60:.1f} min) from "
            f"<code>simulation/timeseries/chunk-00000.parquet</code>; grey bands: steps in shadow "
            f"({dark_steps} here).{span}")
    else:
        body = _unavailable("This run has no time series (simulation/timeseries/ is empty).")
    sections.append(("orbit", FIGURES["orbit"], body))

    # (2) eclipse seasons
    fig, eclipse_days, worst = eclipse_figure(orbit, float(inputs["orbit"].get("raan_deg", 0.0)),
                                              inputs["simulation"]["start_utc"])
    sections.append(("eclipse", FIGURES["eclipse"], _figure_html(fig, "fig-eclipse") + _caption(
        f"Share of each orbit spent in Earth's cylindrical shadow, day by day for one year from "
        f"{html.escape(inputs['simulation']['start_utc'][:10])}, in closed form (<code>design.orbit.beta_over_year"
        f"</code> and <code>eclipse_fraction</code>) for the {html.escape(orbit['kind'])} orbit at "
        f"{orbit['altitude_km']:g} km, {orbit['inclination_deg']:.2f}° (LTAN {orbit['ltan_h']:g} h) of "
        f"<code>assessment.json</code> and <code>inputs.json</code>: {eclipse_days} days with an eclipse, longest "
        f"{worst * orbit['period_s'] / 60:.1f} min.")))

    # (3) dose map
    thickness = float(sat["shielding_thickness_mm"])
    fig, saa_lat, saa_lon, saa_dose, floor = dose_figure(orbit["altitude_km"], thickness)
    sections.append(("dose", FIGURES["dose"], _figure_html(fig, "fig-dose") + _caption(
        f"Dose rate behind {thickness:.1f} mm of aluminium at {orbit['altitude_km']:g} km from the shipped AE8-MAX / "
        f"AP8-MIN grid (<code>environment.radiation.dose_map</code>; altitude and shield thickness from "
        f"<code>assessment.json</code>), log colours. The South Atlantic Anomaly peaks near {saa_lat:.0f}°, "
        f"{saa_lon:.0f}° at {saa_dose:.3g} rad(Si)/yr; cells below {floor:.2g} rad(Si)/yr are blank. Orbit average "
        f"{environment['dose_rad_per_year']:.3g} rad(Si)/yr (<code>environment.json</code>).")))

    # (4) latency: the network stage is not built
    timing = json.dumps(record.timings.get("network")) if record else "not recorded (no catalog record)"
    sections.append(("latency", FIGURES["latency"], _unavailable(
        "The network stage is not built yet: no ground contacts, laser links or routing have been simulated, so "
        "there are no latency distributions to show. This panel is a placeholder; it draws no data.") + _caption(
        "Placeholder. The run's timings record the network stage as "
        f"<code>{html.escape(timing)}</code> (not run).")))

    # (5) cost waterfall
    baseline = compare[0] if compare else None
    fig, orbit_total, ground_total = cost_figure(econ, baseline)
    ratio = f"; orbit / ground = {orbit_total / ground_total:.3g}x" if ground_total else ""
    sections.append(("cost", FIGURES["cost"], _figure_html(fig, "fig-cost") + _caption(
        f"Undiscounted costs over the {econ['horizon_years']:g}-year horizon, billion $, component by component to "
        f"the total: orbit from <code>assessment.json</code> economics ({econ['fleets_bought']:g} fleets bought, "
        f"replacements included), ground from the first baseline of <code>compare.json</code>{ratio}.")))

    # (6) launches per year
    reentries = _read_table(run_dir, "simulation/reentries.parquet")
    if reentries is not None and reentries["year"].size:
        fig, total_launches = launches_figure(reentries, float(fleet_design["satellites_per_launch"]),
                                              float(fleet_design["launches_per_year"]))
        body = _figure_html(fig, "fig-launches") + _caption(
            f"Satellites launched and re-entering per year from <code>simulation/reentries.parquet</code>; launches = "
            f"satellites launched / {fleet_design['satellites_per_launch']:g} satellites per launch "
            f"(<code>assessment.json</code> fleet, {html.escape(str(fleet_design['launch_vehicle']))}), rounded up "
            f"each year: {total_launches} launches over the horizon.")
    else:
        body = _unavailable("This run has no simulation/reentries.parquet (no replacement cycle was simulated).")
    sections.append(("launches", FIGURES["launches"], body))

    # (7) goodput
    fleet = _read_table(run_dir, "simulation/fleet.parquet")
    if fleet is not None and fleet["time"].size:
        assumed = float(inputs["economics"]["availability"])
        fig, simulated, mission = goodput_figure(fleet, assumed, econ)
        basis = ("life and availability measured by this run's simulation"
                 if str(econ.get("life_basis", "")).startswith("simulation") else "closed-form design")
        body = _figure_html(fig, "fig-goodput") + _caption(
            f"Simulated: the fleet's compute available over the {manifest['days']:g} simulated days "
            f"(<code>simulation/fleet.parquet</code>), mean {simulated:.2%}. Assumed: availability "
            f"{assumed:.2%} (<code>inputs.json</code> economics). Mission (<code>assessment.json</code>): the "
            f"economics' availability {mission:.2%} over a mission life of {econ['mission_life_years']:g} years "
            f"(assumed design life {inputs['economics']['design_life_years']:g} years; dose-limited life "
            f"{sat['dose_limited_life_years']:.3g} years; {basis}), {_fmt(econ['accelerator_hours'])} "
            f"accelerator-hours delivered over the {econ['horizon_years']:g}-year horizon.")
    else:
        body = _unavailable("This run has no simulation/fleet.parquet.")
    sections.append(("goodput", FIGURES["goodput"], body))

    sections.append(("inputs", "Inputs", inputs_table(inputs) + _caption(
        "Every field of the validated scenario (<code>inputs.json</code>), defaults included; blank fields take the "
        "catalog's figure or a derived value.")))
    sections.append(("sources", "Catalog parts and their sources", sources_table(inputs) + _caption(
        "The catalog parts the scenario names, each figure with its source, year and confidence "
        "(<code>leodc catalog</code>).")))

    toc = "".join(f'<li><a href="#{a}">{html.escape(h)}</a></li>' for a, h, _ in sections)
    body = "\n".join(f'<section id="{a}"><h2>{html.escape(h)}</h2>\n{b}\n</section>' for a, h, b in sections)
    name = html.escape(inputs.get("name") or (record.scenario_name if record else "") or "")
    created = record.created_utc.strftime("%Y-%m-%d %H:%M:%S UTC") if record and record.created_utc else ""
    version = html.escape(str(manifest.get("leodc_version", "")))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leodc report {html.escape(run_id)}: {name}</title>
<style>{CSS}</style>
<script type="text/javascript" id="plotly-js">/* plotly.js {plotly.__version__} bundled by the Python plotly package,
inlined so the page needs no network */
{get_plotlyjs()}</script>
</head><body>
<h1>{name}</h1>
<p class="meta">run <code>{html.escape(run_id)}</code> {created}; scenario digest
<code>{html.escape(str(assessment['scenario'].get('digest', '')))}</code>; leodc {version}.
Every figure is regenerated from the run's stored files.</p>
<nav><h2>Contents</h2><ol>{toc}</ol></nav>
{body}
</body></html>
"""


def write_report(record_or_run_dir: RunRecord | str | Path, path: str | Path | None = None,
                 run_dir: str | Path | None = None) -> Path:
    """Write the run's report (default ``<run dir>/report.html``) through a temporary file; returns its path.

    ``record_or_run_dir`` is a catalog record (its files are found under ``run_dir``, or under the default
    runs home) or a run directory."""
    record, directory = _resolve(record_or_run_dir, run_dir)
    text = build_report(record if record is not None else directory, directory)
    out = Path(path) if path is not None else directory / REPORT_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out
