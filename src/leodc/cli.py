"""Command-line interface: ``leodc design | compare | audit | simulate | run | runs | serve | report |
export | catalog``; every command has --json.

Bad input exits with code 2 and one line naming the file (or the option), the field and what was
expected; so does a path the machine will not let leodc read or write, and a catalog that cannot be
used (the line names ``leodc runs rebuild`` when it is damaged).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from leodc.catalog import KINDS, Figure, load_catalog
from leodc.errors import EXIT_BAD_INPUT, InputError, LeodcError
from leodc.fields import fmt, jsonable, unit_of
from leodc.files import writable_file
from leodc.scenario import load_scenario, load_terrestrial
from leodc.version import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="leodc: design, simulate and judge orbital AI data centers.",
)
# Tables need room: a pipe or CI log gets 120 columns rather than Rich's 80.
console = Console() if sys.stdout.isatty() else Console(width=120)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (stable field names).")]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", help="Override a scenario field: section.field=value (repeatable).")]
ScenarioArg = Annotated[Path, typer.Argument(help="Scenario TOML file.", show_default=False)]

def warn_sgp4(failed: int, satellites: int, where: str) -> None:
    """One line on stderr when SGP4 could not propagate some satellites (the run still completes)."""
    sys.stderr.write(f"warning: SGP4 failed for {failed} of {satellites} satellites (decayed, or elements far from "
                     f"the start time); the fleet figures are over the {satellites - failed} it flew; {where}\n")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(data), indent=2) + "\n")


def section_table(title: str, data: dict) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="cyan")
    table.add_column("value", justify="right")
    table.add_column("unit", style="dim")
    for key, value in data.items():
        table.add_row(key, fmt(value), unit_of(key))
    return table


RunOpt = Annotated[Path | None, typer.Option("--run", help="A `leodc simulate` output directory: its measured "
                                            "delivered compute and dose replace the closed form's.")]


def _measured(run: Path | None):
    from leodc.economics.costs import measured_from_run

    return measured_from_run(run) if run is not None else None


@app.command()
def design(scenario: ScenarioArg, set_: SetOpt = None, run: RunOpt = None, as_json: JsonOpt = False) -> None:
    """Size one satellite and the fleet, and cost them, in closed form."""
    from leodc.assessment import assess

    result = assess(load_scenario(scenario, set_), _measured(run)).to_dict()
    if as_json:
        emit_json(result)
        return
    console.print(f"[bold]{result['scenario']['name']}[/bold]  (scenario {result['scenario']['digest']})")
    notes = result["satellite"].pop("notes")
    for section in ("orbit", "satellite", "fleet", "economics", "energy", "launch_loop"):
        console.print(section_table(section, result[section]))
        console.print()
    for note in notes:
        console.print(f"[yellow]note:[/yellow] {note}")


COMPARE_ROWS = [
    ("total_cost_usd", "total cost over the horizon"),
    ("infrastructure_cost_usd", "total cost less accelerators"),
    ("accelerators_usd", "accelerators (with replacements)"),
    ("lcoe_usd_per_mwh", "LCOE of IT power"),
    ("usd_per_accelerator_hour", "per accelerator-hour"),
    ("usd_per_pflop_day", "per PFLOP-day (peak bf16 dense)"),
    ("it_energy_mwh", "IT energy delivered"),
]


@app.command()
def compare(scenario: ScenarioArg,
            earth: Annotated[Path | None, typer.Argument(
                help="Terrestrial baseline TOML (default: the catalog's grid and gas options).",
                show_default=False)] = None,
            set_: SetOpt = None, run: RunOpt = None, as_json: JsonOpt = False) -> None:
    """Put the orbital fleet beside terrestrial data centers with the same accelerators."""
    from leodc.assessment import assess
    from leodc.economics import terrestrial_economics
    from leodc.economics.terrestrial import default_baselines

    sc = load_scenario(scenario, set_)
    a = assess(sc, _measured(run))
    baselines = [load_terrestrial(earth)] if earth is not None else default_baselines(sc)
    ground = [terrestrial_economics(sc, a.design, t) for t in baselines]
    if as_json:
        out = a.to_dict()
        out["terrestrial"] = [asdict(g) for g in ground]
        emit_json(out)
        return
    orbit = asdict(a.economics)
    table = Table(title=f"{sc.name}: orbit vs ground, {fmt(sc.economics.horizon_years)} years, "
                        f"{fmt(a.design.fleet.it_power_w / 1e6)} MW IT, discount {sc.economics.discount_rate:.0%}",
                  title_justify="left")
    table.add_column("metric")
    table.add_column("unit", style="dim")
    table.add_column("orbit", justify="right", style="bold")
    for g in ground:
        table.add_column(g.name, justify="right")
    for key, label in COMPARE_ROWS:
        table.add_row(label, unit_of(key), fmt(orbit[key]), *[fmt(getattr(g, key)) for g in ground])
    table.add_row("water used", "m³", "0", *[fmt(g.water_m3) for g in ground])
    table.add_row("CO2 (orbit: launches)", "kg", fmt(a.energy.launch_co2_kg_horizon), *[fmt(g.co2_kg) for g in ground])
    console.print(table)
    console.print(f"launch cost per kW-year of power: {fmt(a.economics.launch_usd_per_kw_year)} $/kW-yr; "
                  f"energy payback {fmt(a.energy.energy_payback_years)} yr; "
                  f"carbon payback {fmt(a.energy.carbon_payback_years)} yr against {sc.economics.terrestrial_power}")


@app.command("audit")
def audit_cmd(scenario: ScenarioArg, set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Claims audit: the source's own arithmetic, and leodc's recomputation from the claim's inputs, apart."""
    from leodc.audit import KIND_TITLES, KINDS, audit, summary

    sc = load_scenario(scenario, set_)
    if not sc.audit.claims:
        raise InputError(str(scenario), "audit.claims", "no claims to audit; expected [[audit.claims]] entries")
    rows = audit(sc, str(scenario))
    if as_json:
        emit_json({"scenario": sc.name, **summary(rows)})
        return
    console.print(f"[bold]claims audit: {sc.name}[/bold]")
    counts = []
    for kind in KINDS:
        mine = [r for r in rows if r.kind == kind]
        counts.append(f"{KIND_TITLES[kind].split(' (')[0]}: {len(mine)}, {sum(not r.consistent for r in mine)} "
                      "inconsistent")
        if not mine:
            console.print(f"\n{KIND_TITLES[kind]}: none in this file")
            continue
        table = Table(title=KIND_TITLES[kind], title_justify="left")
        for col in ("claim", "stated", "recomputed", "unit", "diff", "verdict"):
            table.add_column(col, justify="right" if col in ("stated", "recomputed", "diff") else "left")
        for r in mine:
            verdict = "[green]consistent[/green]" if r.consistent else "[red]INCONSISTENT[/red]"
            stated = fmt(r.stated) if r.comparison == "=" else f"{r.comparison} {fmt(r.stated)}"
            table.add_row(r.name, stated, fmt(r.recomputed), r.unit, f"{r.relative_difference:+.1%}", verdict)
        console.print(table)
    console.print("; ".join(counts) + " (tolerances, inputs, and how each recomputation avoids the figure it "
                  "judges: --json)")


@app.command()
def simulate(scenario: ScenarioArg,
             out: Annotated[str, typer.Option("--out", help="Run directory to create (new or empty), or an fsspec "
                                              "URL every worker reaches (s3://BUCKET/PREFIX; endpoint from "
                                              "AWS_ENDPOINT_URL, credentials from AWS_*).")],
             days: Annotated[float | None, typer.Option(help="Simulated span (overrides simulation.days).")] = None,
             step_s: Annotated[float | None, typer.Option("--step-s", help="Time step in seconds.")] = None,
             propagator: Annotated[str | None, typer.Option(help="fast or sgp4.")] = None,
             timeseries: Annotated[bool, typer.Option("--timeseries", help="Also write per satellite-step "
                                                      "sunlit, power_w, soc, radiator_temp_k.")] = False,
             workers: Annotated[int | None, typer.Option(min=1, help="Start a local Dask cluster of N workers.")]
             = None,
             cluster: Annotated[str | None, typer.Option(help="Use an existing Dask scheduler, tcp://HOST:PORT.")]
             = None,
             timeseries_satellites: Annotated[int | None, typer.Option("--timeseries-satellites", min=1,
                                                                       help="With --timeseries: only the fleet's "
                                                                       "first N satellites.")] = None,
             resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted run at --out (same "
                                                  "scenario and options) from its finished chunks and checkpoints.")]
             = False,
             checkpoint_s: Annotated[float | None, typer.Option("--checkpoint-s", min=0.0, help="Wall seconds "
                                                                "between a chunk's checkpoints (0: every window; "
                                                                "default 60).")] = None,
             set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Fly every satellite step by step: orbit, sun and shadow, power and battery, thermal."""
    from leodc.simulate.engine import CHECKPOINT_EVERY_S
    from leodc.simulate.engine import simulate as run

    sc = load_scenario(scenario, set_, {"--days": ("simulation.days", days), "--step-s": ("simulation.step_s", step_s),
                                        "--propagator": ("simulation.propagator", propagator)})
    if workers and cluster:
        raise InputError("--workers", None, "expected --workers or --cluster, not both")
    result = run(sc, out, timeseries=timeseries or timeseries_satellites is not None, workers=workers,
                 cluster=cluster, progress=not as_json, timeseries_satellites=timeseries_satellites, resume=resume,
                 checkpoint_s=CHECKPOINT_EVERY_S if checkpoint_s is None else checkpoint_s)
    if result.sgp4_error_satellites:
        warn_sgp4(result.sgp4_error_satellites, result.satellites, f"{result.out_dir}/manifest.json lists them by "
                  "error code (sgp4_error_steps)")
    if as_json:
        emit_json(asdict(result))
        return
    data = asdict(result)
    files = data.pop("files")
    console.print(section_table(f"simulate: {sc.name}", data))
    for name, path in files.items():
        console.print(f"{name}: {path}")


@app.command()
def propagate(fleet: Annotated[Path, typer.Argument(help="Scenario TOML, or a TLE/OMM file (.tle .txt .csv "
                                                         ".json .xml).", show_default=False)],
              start: Annotated[str, typer.Option(help="Start time, ISO 8601 UTC.")],
              hours: Annotated[float, typer.Option(help="Span in hours.")],
              out: Annotated[Path, typer.Option("--out", help="Parquet file to write.")],
              step_s: Annotated[float, typer.Option("--step-s", help="Time step in seconds.")] = 60.0,
              frame: Annotated[str, typer.Option(help="teme, gcrs or itrs.")] = "teme",
              propagator: Annotated[str, typer.Option(help="sgp4 (reference) or fast.")] = "sgp4",
              set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Write positions and velocities of a fleet over time to Parquet."""
    import time

    import numpy as np
    from rich.progress import Progress

    from leodc.orbits.epochs import parse_start_jd
    from leodc.orbits.propagate import write_ephemeris
    from leodc.simulate.fleet import fleet_from_file

    if hours <= 0 or step_s <= 0:
        raise InputError("--hours/--step-s", None, "expected positive numbers")
    writable_file(out, "--out")
    start_jd = parse_start_jd(start, "--start")
    elements, lines = fleet_from_file(fleet, start_jd, propagator, set_)
    t_s = np.arange(0.0, hours * 3600.0 + 1e-9, step_s)
    t0 = time.perf_counter()
    with Progress(disable=as_json, transient=True) as bar:
        job = bar.add_task("propagate", total=len(elements) * t_s.size)
        rows = write_ephemeris(elements, lines, start_jd, t_s, str(out), frame, propagator,
                               progress=lambda n: bar.advance(job, n))
    summary = {"out": str(out), "satellites": len(elements), "steps": int(t_s.size), "rows": rows, "frame": frame,
               "propagator": propagator, "wall_s": time.perf_counter() - t0}
    if as_json:
        emit_json(summary)
    else:
        console.print(section_table("propagate", summary))


@app.command()
def environment(scenario: ScenarioArg,
                dose_map: Annotated[Path | None, typer.Option("--dose-map", help="Write the dose map at the "
                                                              "shell's altitude to this HTML file.")] = None,
                set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Shell-level space environment: dose, upsets, natural decay, FCC disposal verdict."""
    from leodc.design import design as size
    from leodc.design.environment import environment_figures

    sc = load_scenario(scenario, set_)
    d = size(sc)
    figures = asdict(environment_figures(sc, d))
    if dose_map is not None:
        from leodc.environment.dose_map import write_dose_map

        writable_file(dose_map, "--dose-map")
        from leodc.environment.radiation import dose_map as grid_map

        lat, lon, dose = grid_map(d.orbit.altitude_km, d.satellite.shielding_thickness_mm)
        write_dose_map(dose_map, lat, lon, dose, f"Dose behind {d.satellite.shielding_thickness_mm:.1f} mm Al at "
                                                 f"{d.orbit.altitude_km:g} km (AE8-MAX / AP8-MIN)")
        figures["dose_map"] = str(dose_map)
    if as_json:
        emit_json(figures)
        return
    console.print(section_table(f"environment: {sc.name}", figures))


HomeOpt = Annotated[Path | None, typer.Option("--out", help="Runs directory (default ./runs, or LEODC_HOME).")]


@app.command("run")
def run_cmd(scenario: Annotated[Path | None, typer.Argument(help="Scenario TOML file (none with --resume).",
                                                            show_default=False)] = None,
            days: Annotated[float | None, typer.Option(help="Simulated span (overrides simulation.days).")] = None,
            workers: Annotated[int | None, typer.Option(min=1, help="Run the simulate and network stages on a new "
                                                        "local Dask cluster of N workers.")] = None,
            cluster: Annotated[str | None, typer.Option(help="Run them on an existing Dask scheduler, "
                                                        "tcp://HOST:PORT.")] = None,
            data: Annotated[str | None, typer.Option("--data", help="Keep the simulation's data under this URL "
                                                     "(s3://BUCKET/PREFIX, reachable by every host of the "
                                                     "cluster; endpoint from AWS_ENDPOINT_URL) instead of the run "
                                                     "directory.")] = None,
            resume: Annotated[str | None, typer.Option("--resume", metavar="ID", help="Continue the interrupted run "
                                                       "ID from its finished chunks and checkpoints (its own "
                                                       "scenario; no SCENARIO).")] = None,
            out: HomeOpt = None, set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """The whole pipeline for one scenario (design, simulate, network, workload, economics), stored as a run,
    with its report."""
    from leodc.report import write_report
    from leodc.runs.layout import RunLayout
    from leodc.runs.pipeline import Execution, resume_run, run_scenario
    from leodc.runs.store import RunStore
    from leodc.simulate.engine import require_fleet_fits

    if workers and cluster:
        raise InputError("--workers", None, "expected --workers or --cluster, not both")
    if resume is not None:
        if scenario is not None or days is not None or set_ or data:
            raise InputError("--resume", None, "a resumed run keeps its own scenario and data location; expected "
                             "no SCENARIO, --days, --set or --data with it")
        record = resume_run(resume, out, progress=not as_json, report=write_report, workers=workers, cluster=cluster)
    else:
        if scenario is None:
            raise InputError("SCENARIO", None, "expected a scenario TOML file (or --resume ID)")
        sc = load_scenario(scenario, set_, {"--days": ("simulation.days", days)})
        require_fleet_fits(sc)  # before the run is stored: a fleet this machine cannot hold leaves nothing behind
        record = run_scenario(sc, out, progress=not as_json, report=write_report,
                              execution=Execution(workers=workers, cluster=cluster, data=data))
    failed = record.metrics.get("sgp4_error_satellites") or 0
    if failed:
        warn_sgp4(failed, record.metrics.get("satellites") or 0, f"`leodc runs show {record.id}"
                  + (f" --out {out}" if out else "") + "` lists them by error code")
    report_path = RunLayout(RunStore(out).run_dir(record.id)).report
    if as_json:
        emit_json(record.to_dict() | {"report": str(report_path)})
        return
    console.print(section_table(f"run {record.id}: {record.scenario_name}", record.metrics))
    console.print(f"stored in {RunStore(out).run_dir(record.id)}")
    console.print(f"report: {report_path} (open it in a browser; no network needed)")
    console.print("dashboard: leodc serve" + (f" --out {out}" if out else "")
                  + ", then open http://127.0.0.1:8000 (`make web` installs Cesium for the globe once)")


runs_app = typer.Typer(help="The stored runs: list, show, diff, rebuild.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


@runs_app.command("list")
def runs_list(out: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Every run, newest first, with its status (a killed run shows as failed at its stage)."""
    from leodc.runs.store import RunStore

    records = RunStore(out).list()
    if as_json:
        emit_json([{k: r.to_dict()[k] for k in ("id", "created_utc", "status", "stage", "scenario_name",
                                                  "scenario_digest", "error")} for r in records])
        return
    table = Table(title=f"runs in {RunStore(out).home}", title_justify="left")
    for col in ("id", "created (UTC)", "status", "stage", "scenario", "total cost $", "$/acc-h"):
        table.add_column(col)
    for r in records:
        table.add_row(r.id, r.created_utc.strftime("%Y-%m-%d %H:%M:%S"), r.status, r.stage or "",
                      r.scenario_name or "", fmt(r.metrics.get("total_cost_usd", "")),
                      fmt(r.metrics.get("usd_per_accelerator_hour", "")))
    console.print(table)


@runs_app.command("show")
def runs_show(run_id: Annotated[str, typer.Argument(help="Run id.")], out: HomeOpt = None,
              as_json: JsonOpt = False) -> None:
    """One run: status, where its data lives, its progress, timings, headline metrics, and SGP4's failures
    by error code."""
    from leodc.runs.layout import RunLayout, RunProgress
    from leodc.runs.store import RunStore

    store = RunStore(out)
    record = store.get(run_id)
    simulation = RunLayout(store.run_dir(run_id)).simulation
    sgp4 = {}
    if simulation.manifest.is_file():
        from leodc.simulate.output import SimulationResult

        sgp4 = SimulationResult.read(simulation.root).sgp4_error_steps
    progress = RunProgress.read(RunLayout(store.run_dir(run_id)))
    if as_json:
        emit_json(record.to_dict() | {"sgp4_error_steps": sgp4,
                                      "progress": asdict(progress) | {"fraction": progress.fraction}
                                      if progress else None})
        return
    info = {k: v for k, v in record.to_dict().items() if k not in ("inputs", "timings", "metrics")}
    console.print(section_table(f"run {run_id}", info))
    if progress is not None:
        console.print(f"{progress.stage} on {progress.executor}: {progress.done:,} of {progress.total:,} "
                      f"{progress.unit} ({progress.fraction:.0%}), {progress.tasks_done} of {progress.tasks} tasks"
                      + (f", {progress.resumed_tasks} found finished on resume" if progress.resumed_tasks else "")
                      + f"; updated {progress.updated_utc}")
    console.print(section_table("timings (s; null: stage not built yet)", record.timings))
    console.print(section_table("metrics", record.metrics))
    console.print(section_table("SGP4 errors (satellite-steps by code)", sgp4) if sgp4 else "SGP4 errors: none")


@runs_app.command("diff")
def runs_diff(a: Annotated[str, typer.Argument(help="First run id.")],
              b: Annotated[str, typer.Argument(help="Second run id.")], out: HomeOpt = None,
              as_json: JsonOpt = False) -> None:
    """Inputs and metrics that differ between two runs."""
    from leodc.runs.store import RunStore, diff

    store = RunStore(out)
    changes = diff(store.get(a), store.get(b))
    if as_json:
        emit_json(changes)
        return
    table = Table(title=f"{a} vs {b}", title_justify="left")
    for col in ("field", a, b):
        table.add_column(col)
    for key, (va, vb) in changes.items():
        table.add_row(key, fmt(va), fmt(vb))
    console.print(table if changes else "no differences")


@runs_app.command("rebuild")
def runs_rebuild(out: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Restore the catalog from the run directories (after damage or loss); a damaged catalog is kept aside."""
    from leodc.runs.store import RunStore

    result = RunStore(out).rebuild(metrics=_run_metrics)
    if as_json:
        emit_json(result.to_dict())
        return
    console.print(f"catalog {result.catalog}: {result.runs} runs ({result.complete} complete), "
                  f"{result.from_directories} restored from their directories, {result.kept_rows} kept from the "
                  "old catalog", highlight=False, soft_wrap=True)
    if result.damaged_copy:
        console.print(f"the damaged catalog is kept as {result.damaged_copy}", highlight=False, soft_wrap=True)


def _run_metrics(run_dir: Path) -> dict:
    """A whole run's headline figures, read back from its files (what the pipeline stored)."""
    from leodc.runs.layout import RunLayout
    from leodc.runs.pipeline import headline
    from leodc.simulate.output import SimulationResult

    layout = RunLayout(run_dir)
    if layout.is_sweep:  # a `leodc sweep` run: its summary's figures
        from leodc.uncertainty.sweep import headline as sweep_headline

        return sweep_headline(layout.read_json(layout.sweep_summary))
    return headline(layout.read_json(layout.assessment), SimulationResult.read(layout.simulation.root),
                    layout.read_json(layout.environment), layout.read_json(layout.network_summary))


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to bind (loopback unless told otherwise).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          out: HomeOpt = None,
          cesium: Annotated[Path | None, typer.Option(
              help="Cesium build folder (default .cache/cesium/node_modules/cesium/Build/Cesium; `make web`).")]
          = None,
          max_running: Annotated[int | None, typer.Option(
              "--max-running", min=1, help="Runs at once (default: half the cores, at least 1).")] = None,
          max_queued: Annotated[int, typer.Option(
              "--max-queued", min=0, help="Runs waiting beyond those; a full queue answers 503 with Retry-After.")]
          = 32) -> None:
    """The dashboard: runs, run pages, a CesiumJS globe and a form to start runs (FastAPI + uvicorn)."""
    import uvicorn

    from leodc.web.app import create_app

    web = create_app(out, cesium, max_running, max_queued)
    console.print(f"leodc dashboard on http://{host}:{port}/ (runs in {web.state.store.home}; "
                  + ("Cesium: " + str(web.state.cesium) if web.state.cesium else "no Cesium: `make web` installs it")
                  + ")")
    uvicorn.run(web, host=host, port=port, log_level="warning")


@app.command()
def report(run_id: Annotated[str, typer.Argument(help="Run id.")], out: HomeOpt = None,
           file: Annotated[Path | None, typer.Option("--file", help="HTML file to write (default: "
                                                     "<run dir>/report.html).")] = None,
           as_json: JsonOpt = False) -> None:
    """One self-contained HTML report of a run (figures regenerated from its files; opens offline)."""
    from leodc.report import REPORT_FILE, write_report
    from leodc.runs.store import RunStore

    store = RunStore(out)
    record = store.get_complete(run_id)
    if file is not None:
        writable_file(file, "--file")
    run_dir = store.run_dir(run_id)
    path = write_report(record, file or run_dir / REPORT_FILE, run_dir=run_dir)
    if as_json:
        emit_json({"report": str(path)})
        return
    console.print(f"report: {path} ({path.stat().st_size / 1e6:.1f} MB; opens offline)")


@app.command("export")
def export_cmd(run_id: Annotated[str, typer.Argument(help="Run id.")],
               format_: Annotated[str, typer.Option("--format", help="czml (Cesium, Earth-fixed), oem (CCSDS OEM "
                                                    "KVN, EME2000, one file per sampled satellite) or omm (CCSDS "
                                                    "OMM XML, every satellite's SGP4 mean elements).")] = "czml",
               out: HomeOpt = None,
               file: Annotated[Path | None, typer.Option("--file", help="Output file (a directory for oem); default "
                                                         "under <run>/exports/.")] = None,
               as_json: JsonOpt = False) -> None:
    """Export a run's orbits for other tools: CZML, CCSDS OEM or CCSDS OMM."""
    from leodc.runs.export import export_run, summary_line

    result = export_run(run_id, format_, out, file)
    if as_json:
        emit_json(result.to_dict())
        return
    console.print(summary_line(result), highlight=False, soft_wrap=True)


@app.command()
def catalog(kind: Annotated[str | None, typer.Argument(help=f"One of: {', '.join(KINDS)}.", show_default=False)] = None,
            as_json: JsonOpt = False) -> None:
    """List reference parts with their sources, years and confidence."""
    cat = load_catalog()
    kinds = [kind] if kind else list(KINDS)
    parts = {k: cat.kind(k) for k in kinds}
    if as_json:
        emit_json({k: {name: p.model_dump() for name, p in v.items()} for k, v in parts.items()})
        return
    for k, entries in parts.items():
        table = Table(title=k, title_justify="left")
        for col in ("part", "field", "value", "source", "year", "conf."):
            table.add_column(col, overflow="fold")
        for name, part in entries.items():
            first = True
            for field, fig in part.figures().items():
                table.add_row(f"{name}\n[dim]{part.label}[/dim]" if first else "", field, _fig_value(fig),
                              fig.source, str(fig.year), fig.confidence)
                first = False
        console.print(table)


def _fig_value(fig: Figure) -> str:
    return ", ".join(fmt(v) for v in fig.value) if isinstance(fig.value, list) else fmt(fig.value)


@app.command()
def network(scenario: ScenarioArg,
            pairs: Annotated[str | None, typer.Option(help="Pairs of ground sites, \"A:B,C:D\" (default: the "
                                                      "scenario's network.pairs).")] = None,
            hours: Annotated[float | None, typer.Option(help="Span in hours (network.hours).")] = None,
            step_s: Annotated[float | None, typer.Option("--step-s", help="Step in seconds (network.step_s).")]
            = None,
            out: Annotated[Path | None, typer.Option("--out", help="Directory to write latency.parquet and "
                                                     "summary.json into (new or empty).")] = None,
            list_sites: Annotated[bool, typer.Option("--list-sites", help="List the ground sites and exit.")]
            = False,
            workers: Annotated[int | None, typer.Option(min=1, help="Start a local Dask cluster of N workers.")]
            = None,
            cluster: Annotated[str | None, typer.Option(help="Use an existing Dask scheduler, tcp://HOST:PORT.")]
            = None,
            set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Round trips between ground sites through the fleet's laser links, step by step (vacuum and fibre
    bounds beside them)."""
    import math

    import numpy as np
    from rich.progress import Progress

    from leodc.constants import SECONDS_PER_HOUR
    from leodc.design import design as size
    from leodc.network.figures import network_figures
    from leodc.network.latency import scenario_sites
    from leodc.runs.layout import LATENCY_FILE, NETWORK_SUMMARY_FILE
    from leodc.simulate.executors import executor_name

    if workers is not None and cluster:
        raise InputError("--workers", None, "expected --workers or --cluster, not both")

    overrides = list(set_ or [])
    if pairs is not None:
        overrides.append(f"network.pairs={[p.strip() for p in pairs.split(',') if p.strip()]!r}".replace("'", '"'))
    for key, value in (("hours", hours), ("step_s", step_s)):
        if value is not None:
            overrides.append(f"network.{key}={value}")
    sc = load_scenario(scenario, overrides)
    if list_sites:
        sites = scenario_sites(sc.network)
        rows = [{"name": str(n), "role": str(r), "latitude_deg": float(la), "longitude_deg": float(lo),
                 # the site's own share of good weather for its feeder links; None: the catalog's figure
                 "weather_availability": None if np.isnan(w) else float(w)}
                for n, r, la, lo, w in zip(sites.name, sites.role, sites.latitude_deg, sites.longitude_deg,
                                           sites.weather_availability, strict=True)]
        if as_json:
            emit_json(rows)
        else:
            for row in rows:
                console.print(f"{row['name']:<32} {row['role']:<8} {row['latitude_deg']:9.4f} "
                              f"{row['longitude_deg']:10.4f}", highlight=False)
        return
    if not sc.network.pairs:
        raise InputError("--pairs", None, "no pairs; expected --pairs \"A:B,C:D\" or network.pairs in the scenario")
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(str(out), None, "expected a new or empty directory")
    steps = math.ceil(sc.network.hours * SECONDS_PER_HOUR / sc.network.step_s)
    with Progress(disable=as_json, transient=True) as bar:
        job = bar.add_task("network", total=steps)
        figures = network_figures(sc, size(sc), progress=lambda n: bar.advance(job, n), workers=workers,
                                  cluster=cluster)
    summary = figures.summary["pairs"]
    settings = figures.summary | {"executor": executor_name(workers, cluster)}
    if out is not None:
        from leodc.files import write_json, write_parquet

        out.mkdir(parents=True, exist_ok=True)
        write_parquet(out / LATENCY_FILE, figures.latency.table())
        write_json(out / NETWORK_SUMMARY_FILE, settings)
    if as_json:
        emit_json(settings | ({"out": str(out)} if out is not None else {}))
        return
    table = Table(title=f"network: {sc.name}, {fmt(sc.network.hours)} h at {fmt(sc.network.step_s)} s",
                  title_justify="left")
    for col in ("pair", "RTT p50 ms", "p99 ms", "min ms", "max ms", "path changes", "fibre bound ms", "reachable"):
        table.add_column(col, justify="left" if col == "pair" else "right")
    def ms(value) -> str:  # None: no path at any step
        return "no path" if value is None else fmt(value)

    for row in summary:
        table.add_row(row["pair"], ms(row["rtt_ms_p50"]), ms(row["rtt_ms_p99"]), ms(row["rtt_ms_min"]),
                      ms(row["rtt_ms_max"]), fmt(row["path_changes"]), fmt(row["fibre_bound_ms"]),
                      f"{row['reachable_fraction']:.0%}")
    console.print(table)
    oversight = figures.summary["oversight"]
    if oversight:
        console.print(section_table("oversight: a halt command from the control stations", {
            k: v for k, v in oversight.items() if k != "control_stations"}))
    for group in figures.summary["groups"]:
        console.print(section_table(f"bandwidth inside shell {group['shell']} ({group['kind']})",
                                    {k: v for k, v in group.items() if k not in ("shell", "kind")}))
    for row in figures.summary["ingest"]:
        console.print(section_table(f"ingest from {row['site']} ({figures.summary['feeder_link']})",
                                    {k: v for k, v in row.items() if k not in ("site", "source")}))
    if out is not None:
        console.print(f"written: {out / LATENCY_FILE}, {out / NETWORK_SUMMARY_FILE}")


def _uncertain_inputs(sc, specs: list[str] | None):
    """``--input KEY=LOW:HIGH`` as uniform inputs (None without any)."""
    from leodc.uncertainty.sensitivity import uniform_input

    if not specs:
        return None
    inputs = []
    for spec in specs:
        key, sep, span = spec.rpartition("=")
        low, colon, high = span.partition(":")
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            lo = hi = None
        if not sep or not key or not colon or lo is None:
            raise InputError("--input", None, f"expected KEY=LOW:HIGH, e.g. fleet.launch_cost_usd_per_kg=200:4000 "
                             f"(got {spec!r})")
        inputs.append(uniform_input(sc, key.strip(), lo, hi, "--input", "--input"))
    return inputs


@app.command("sensitivity")
def sensitivity_cmd(scenario: ScenarioArg,
                    sobol: Annotated[int, typer.Option("--sobol", help="Sobol' base samples N, a power of two "
                                                       "(N x (inputs + 2) evaluations); 0: the tornado alone.")]
                    = 1024,
                    seed: Annotated[int, typer.Option("--seed", help="Seed of the Sobol' sequence and its "
                                                      "bootstrap.")] = 1,
                    input_: Annotated[list[str] | None, typer.Option(
                        "--input", help="An input uniform on [LOW, HIGH]: KEY=LOW:HIGH, KEY a scenario field or "
                        "catalog.KIND.NAME.FIGURE (repeatable; replaces the scenario's [uncertain] table and the "
                        "built-in drivers).")] = None,
                    sweep_inputs: Annotated[bool, typer.Option(
                        "--sweep-inputs", help="The distributions `leodc sweep` samples: the [uncertain] table over "
                        "the defaults for low-confidence catalog figures (default: the [uncertain] table, or the "
                        "built-in drivers without one).")] = False,
                    set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Which assumptions decide the cost: a tornado (one at a time, low and high) and Sobol' indices
    (first and total order, SALib), on orbit's cost per PFLOP-day and its ratio to the ground's."""
    from leodc.uncertainty.sensitivity import check_base_samples, scenario_inputs, sensitivity

    if sobol:
        check_base_samples(sobol)
    sc = load_scenario(scenario, set_)
    inputs = _uncertain_inputs(sc, input_) or (scenario_inputs(sc, sweep_inputs=True) if sweep_inputs else None)
    result = sensitivity(sc, inputs, sobol, seed)
    if as_json:
        emit_json(result.to_dict())
        return
    for metric, bars in result.tornado.items():
        unit = unit_of(metric.rpartition(".")[2]) or "orbit / ground"
        table = Table(title=f"tornado: {metric} ({unit}), {sc.name}; base {fmt(bars.base_metric)}",
                      title_justify="left")
        for col in ("input", "low", "base", "high", "at low", "at high", "swing"):
            table.add_column(col, justify="left" if col == "input" else "right")
        for b in bars.bars:
            table.add_row(b.key, fmt(b.low), fmt(b.base), fmt(b.high), fmt(b.metric_at_low), fmt(b.metric_at_high),
                          fmt(b.swing))
        console.print(table)
        if result.sobol is not None:
            s = result.sobol[metric]
            table = Table(title=f"Sobol' indices: {metric}, {s.evaluations:,} evaluations (N = {s.base_samples}, "
                                f"seed {s.seed}), 95 % bootstrap intervals", title_justify="left")
            for col in ("input", "first order", "total order"):
                table.add_column(col, justify="left" if col == "input" else "right")
            for i in s.indices:
                table.add_row(i.key, f"{i.first_order:.3f} ± {i.first_order_conf:.3f}",
                              f"{i.total_order:.3f} ± {i.total_order_conf:.3f}")
            console.print(table)
            agree = "agree" if s.top == bars.top else "differ"
            console.print(f"top driver: tornado {bars.top}, Sobol' {s.top} ({agree})")
        console.print()
    console.print(f"ground (the scenario's terrestrial baseline): {fmt(result.ground_metric)} $/PFLOP-day")


@app.command("breakeven")
def breakeven_cmd(scenario: ScenarioArg,
                  field: Annotated[list[str] | None, typer.Option(
                      "--field", help="A numeric scenario field or catalog.KIND.NAME.FIGURE (repeatable; default: "
                      "launch $/kg, the array's $/W, W/kg).")] = None,
                  low: Annotated[float | None, typer.Option("--low", help="Lower end of the bracket searched "
                                                            "(default: the field's bound, or 1/1000 of its value).")]
                  = None,
                  high: Annotated[float | None, typer.Option("--high", help="Upper end of the bracket (default: "
                                                             "1000 x the field's value, within its bound).")] = None,
                  set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """For each input, the value at which orbit's cost per PFLOP-day equals the ground's, the rest held
    (Brent's method on a bracket, checked by a direct evaluation)."""
    from leodc.uncertainty.breakeven import breakeven, default_bracket, default_keys
    from leodc.uncertainty.sensitivity import base_value

    if low is not None and high is not None and not low < high:
        raise InputError("--low/--high", None, f"expected LOW < HIGH; got {low:g} and {high:g}")
    sc = load_scenario(scenario, set_)
    results = []
    for key in field or default_keys(sc):
        bracket = None
        if low is not None or high is not None:
            from leodc.uncertainty.breakeven import check_key

            check_key(sc, key, "--field")
            a, b = default_bracket(sc, key, base_value(sc, key))
            bracket = (a if low is None else low, b if high is None else high)
        results.append(breakeven(sc, key, bracket))
    if as_json:
        emit_json({"scenario": sc.name, "breakevens": [r.to_dict() for r in results]})
        return
    table = Table(title=f"break-even against the ground: {sc.name}", title_justify="left")
    for col in ("input", "scenario", "break-even", "bracket", "orbit/ground at ends", "check"):
        table.add_column(col, justify="left" if col == "input" else "right")
    for r in results:
        check = "" if r.check_relative_difference is None else f"{r.check_relative_difference:.2%}"
        table.add_row(r.key, fmt(r.base), "none" if r.value is None else fmt(r.value),
                      f"{fmt(r.bracket[0])} .. {fmt(r.bracket[1])}", f"{fmt(r.ratio_at_low)} .. {fmt(r.ratio_at_high)}",
                      check)
    console.print(table)
    for r in results:
        console.print(r.verdict)


@app.command("ladder")
def ladder_cmd(scenario: ScenarioArg,
               ladder: Annotated[Path | None, typer.Option("--ladder", help="A TOML file of [[rungs]] (label, source, "
                                                           "set = {field = value}); default: the built-in ladder "
                                                           "to the SpaceX filing's claim.")] = None,
               set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """What would have to be true: improvements stacked one at a time from today's parts to the claim,
    each rung's cost against the ground's."""
    from leodc.uncertainty.ladder import climb, read_ladder

    sc = load_scenario(scenario, set_)
    result = climb(sc, read_ladder(ladder) if ladder is not None else None)
    if as_json:
        emit_json(result.to_dict())
        return
    table = Table(title=f"what would have to be true: {sc.name}", title_justify="left")
    for col in ("rung", "orbit $/PFLOP-day", "ground $/PFLOP-day", "orbit/ground", "orbit $/acc-h",
                "ground $/acc-h"):
        table.add_column(col, justify="left" if col == "rung" else "right")
    for i, s in enumerate(result.steps):
        table.add_row(f"{i}. {s.label}", fmt(s.orbit_usd_per_pflop_day), fmt(s.ground_usd_per_pflop_day),
                      fmt(s.orbit_to_ground), fmt(s.orbit_usd_per_accelerator_hour),
                      fmt(s.ground_usd_per_accelerator_hour))
    console.print(table)
    for i, s in enumerate(result.steps):
        console.print(f"[dim]{i}. {s.source}[/dim]")
    below = result.first_below_ground
    console.print(f"orbit costs less than the ground from rung: {below}" if below else
                  "orbit costs more than the ground at every rung")


@app.command("search")
def search_cmd(scenario: ScenarioArg,
               trials: Annotated[int, typer.Option("--trials", help="Trials (the scenario's own design first).")]
               = 200,
               seed: Annotated[int, typer.Option("--seed", help="Seed of the sampler.")] = 1,
               set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Design search (Optuna, multi-objective TPE): the cheapest design per PFLOP-day over altitude, radiator
    temperature, accelerators per satellite and array technology, within one launch's mass, the chips'
    temperature limit and the FCC disposal rule; and the front of cost against mass per kW."""
    import contextlib

    from leodc.uncertainty.search import check_trials, search

    check_trials(trials)
    sc = load_scenario(scenario, set_)
    with contextlib.nullcontext() if as_json else console.status(f"search: {trials} trials"):
        result = search(sc, trials, seed)
    if as_json:
        emit_json(result.to_dict())
        return
    table = Table(title=f"design search: {sc.name}, {trials} trials (seed {seed}), {result.feasible_trials} "
                        f"feasible; ground {fmt(result.ground_usd_per_pflop_day)} $/PFLOP-day", title_justify="left")
    for col in ("design", "altitude km", "radiator K", "accelerators", "array", "$/PFLOP-day", "kg/kW",
                "orbit/ground"):
        table.add_column(col, justify="left" if col == "design" else "right")
    rows = [("scenario", result.base)] + ([("best", result.best)] if result.best else [])
    rows += [(f"front {i + 1}", c) for i, c in enumerate(result.front)]
    for label, c in rows:
        table.add_row(label, fmt(c.altitude_km), fmt(c.radiator_temperature_k), fmt(c.accelerators_per_satellite),
                      c.solar_array, fmt(c.usd_per_pflop_day) if c.usd_per_pflop_day is not None else "refused",
                      fmt(c.mass_kg_per_kw) if c.mass_kg_per_kw is not None else "",
                      fmt(c.orbit_to_ground) if c.orbit_to_ground is not None else "")
    console.print(table)


@app.command()
def workload(scenario: ScenarioArg,
             job: Annotated[str | None, typer.Option("--job", help="training or inference (default: the scenario's "
                                                     "workload.jobs).")] = None,
             out: Annotated[Path | None, typer.Option("--out", help="Directory to write summary.json and "
                                                      "requests.parquet into (new or empty).")] = None,
             set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Training and inference on the fleet as discrete events (throttling, faults, failures, links),
    each beside the same work in a terrestrial data center."""
    from leodc.design import design as size
    from leodc.runs.layout import REQUESTS_FILE, WORKLOAD_SUMMARY_FILE
    from leodc.workload.stage import workload_figures

    if job is not None and job not in ("training", "inference"):
        raise InputError("--job", None, f"expected training or inference (got {job!r})")
    sc = load_scenario(scenario, set_, {"--job": ("workload.jobs", [job] if job else None)})
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(str(out), None, "expected a new or empty directory")
    import contextlib

    with contextlib.nullcontext() if as_json else console.status("workload: training and inference"):
        figures = workload_figures(sc, size(sc))
    if out is not None:
        from leodc.files import write_json, write_parquet

        out.mkdir(parents=True, exist_ok=True)
        write_parquet(out / REQUESTS_FILE, figures.requests)
        write_json(out / WORKLOAD_SUMMARY_FILE, figures.summary)
    if as_json:
        emit_json(figures.summary | ({"out": str(out)} if out is not None else {}))
        return
    for name, part in figures.summary.items():
        if not isinstance(part, dict):
            continue
        flat = {k: v for k, v in part.items() if not isinstance(v, dict | list)}
        console.print(section_table(f"{name}: {sc.name}", flat))
        for key, sub in part.items():
            if isinstance(sub, dict):
                console.print(section_table(f"{name}: {key.replace('_', ' ')}", {
                    k: v for k, v in sub.items() if not isinstance(v, dict | list)}))
    if out is not None:
        console.print(f"written: {out / WORKLOAD_SUMMARY_FILE}, {out / REQUESTS_FILE}")


@app.command("sweep")
def sweep_cmd(scenario: ScenarioArg,
              samples: Annotated[int, typer.Option("--samples", help="How many Monte Carlo samples.")],
              seed: Annotated[int | None, typer.Option(help="Seed, a non-negative integer (default: a fresh one, "
                                                      "recorded in the summary).")] = None,
              workers: Annotated[int | None, typer.Option(help="Start a local Dask cluster of N workers.")] = None,
              cluster: Annotated[str | None, typer.Option(help="Use an existing Dask scheduler, tcp://HOST:PORT.")]
              = None,
              defaults: Annotated[bool, typer.Option("--defaults/--no-defaults", help="Add leodc's triangular "
                                                     "distributions for the catalog figures of low confidence.")]
              = True,
              out: HomeOpt = None, set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Monte Carlo over the scenario's [uncertain] distributions on the closed-form design and economics,
    stored as a run: quantiles of every headline metric and the probability that orbit beats the ground."""
    from leodc.files import write_json
    from leodc.runs.layout import RunLayout, SweepStage
    from leodc.runs.store import RunStore, new_run_id
    from leodc.uncertainty.sweep import check_options, headline, prepare
    from leodc.uncertainty.sweep import sweep as run_sweep

    check_options(samples, seed, workers, cluster)
    sc = load_scenario(scenario, set_)
    prepare(sc, samples, seed, workers, cluster, defaults)
    store = RunStore(out)
    store.reap()
    run_id = new_run_id()
    store.begin(run_id, sc.name, sc.digest(), sc.model_dump(mode="json"), __version__)
    layout = RunLayout(store.run_dir(run_id))
    layout.root.mkdir(parents=True)
    try:
        store.stage(run_id, "sweep", {})
        result = run_sweep(sc, samples, seed, workers, cluster, progress=not as_json, defaults=defaults)
        write_json(layout.inputs, sc.model_dump(mode="json"))
        SweepStage(result.summary, result.table()).write(layout)
        from leodc.report import finish_sweep_run

        report_path = finish_sweep_run(layout, sc)  # the tornado, ladder and front, then the report
        store.complete(run_id, {"sweep": result.summary["wall_s"]}, headline(result.summary))
    except BaseException as exc:
        store.fail(run_id, f"sweep: {type(exc).__name__}: {exc}")
        raise
    summary = result.summary
    if as_json:
        emit_json({"run": run_id, "run_dir": str(layout.root), "report": str(report_path)} | summary)
        return
    table = Table(title=f"sweep {run_id}: {sc.name}, {summary['samples']:,} samples (seed {summary['seed']}), "
                        f"{summary['feasible_samples']:,} feasible", title_justify="left")
    for col in ("metric", "unit", "p5", "p50", "p95", "mean"):
        table.add_column(col, justify="left" if col in ("metric", "unit") else "right")
    for name, q in summary["metrics"].items():
        table.add_row(name, unit_of(name.split(".")[-1]), *(fmt(q[k]) if q[k] is not None else "-"
                                                            for k in ("p5", "p50", "p95", "mean")))
    console.print(table)
    p = summary["p_orbit_cheaper"]
    console.print(f"P(orbit costs less than the ground per PFLOP-day) = {'-' if p is None else f'{p:.1%}'} "
                  f"({len(summary['distributions'])} distributions; {summary['cost_basis']})", highlight=False,
                  soft_wrap=True)
    console.print(f"{fmt(summary['samples_per_s'])} samples/s ({summary['executor']}); stored in {layout.root}")
    console.print(f"report: {report_path} (the distribution, tornado, ladder and front; opens offline)")


@app.command()
def contacts(scenario: ScenarioArg,
             site: Annotated[list[str] | None, typer.Option("--site", help="A ground site by name (repeatable; "
                                                            "default: every site of the scenario).")] = None,
             hours: Annotated[float | None, typer.Option(help="Span in hours (network.hours).")] = None,
             step_s: Annotated[float | None, typer.Option("--step-s", help="Step in seconds (network.step_s).")]
             = None,
             min_elevation_deg: Annotated[float | None, typer.Option(
                 "--min-elevation-deg", help="Elevation mask in degrees (network.min_elevation_deg).")] = None,
             rule: Annotated[str, typer.Option(help="Handover rule: longest (keep a satellite until it sets, then "
                                                    "take the one that stays longest) or highest (the highest "
                                                    "satellite at every step).")] = "longest",
             out: Annotated[Path | None, typer.Option("--out", help="Directory to write contacts.parquet, "
                                                      "handovers.parquet and handovers.json into (new or empty).")]
             = None,
             set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Contact windows (rise, set, maximum elevation) of the fleet over ground sites, and handovers per site."""
    import contextlib

    from leodc.design import design as size
    from leodc.network.contacts import (
        CONTACTS_FILE,
        HANDOVERS_FILE,
        HANDOVERS_SUMMARY_FILE,
        RULES,
        scenario_contacts,
    )

    if rule not in RULES:
        raise InputError("--rule", None, f"expected one of {', '.join(RULES)} (got {rule!r})")
    sc = load_scenario(scenario, set_)
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(str(out), None, "expected a new or empty directory")
    with contextlib.nullcontext() if as_json else console.status("contact windows and handovers"):
        windows, served = scenario_contacts(sc, size(sc), site, hours=hours, step_s=step_s,
                                            min_elevation_deg=min_elevation_deg, rule=rule)
    summary = served.summary()
    for row in summary:
        mine = windows.site_names[windows.site] == row["site"]
        row["windows"] = int(mine.sum())
        row["mean_window_s"] = float(windows.duration_s[mine].mean()) if mine.any() else None
    if out is not None:
        from leodc.files import write_json, write_parquet

        out.mkdir(parents=True, exist_ok=True)
        write_parquet(out / CONTACTS_FILE, windows.table())
        write_parquet(out / HANDOVERS_FILE, served.table())
        write_json(out / HANDOVERS_SUMMARY_FILE, {"sites": summary})
    if as_json:
        emit_json({"sites": summary} | ({"out": str(out)} if out is not None else {}))
        return
    table = Table(title=f"contacts: {sc.name}, {fmt(served.span_hours)} h, rule {rule}", title_justify="left")
    for col in ("site", "windows", "mean window s", "handovers", "per hour", "outages", "covered"):
        table.add_column(col, justify="left" if col == "site" else "right")
    for row in summary:
        table.add_row(row["site"], fmt(row["windows"]), fmt(row["mean_window_s"] or 0), fmt(row["handovers"]),
                      fmt(row["handovers_per_hour"]), fmt(row["outages"]), f"{row['covered_fraction']:.0%}")
    console.print(table)
    if out is not None:
        console.print(f"written: {out / CONTACTS_FILE}, {out / HANDOVERS_FILE}, {out / HANDOVERS_SUMMARY_FILE}")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                               help="Print the version and exit.")] = False) -> None:
    """leodc: design, simulate and judge orbital AI data centers."""


def run() -> None:
    """Entry point: bad input becomes one line on stderr and exit code 2 (usage errors are Click's,
    also exit 2, with the usage line)."""
    try:
        app()
    except LeodcError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(EXIT_BAD_INPUT)
    except OSError as exc:  # the machine refused: a folder not writable, a disk full, a path not there
        sys.stderr.write(f"error: {exc.filename or 'leodc'}: {exc.strerror or exc}; expected a path leodc can "
                         "read and write\n")
        sys.exit(EXIT_BAD_INPUT)
    except MemoryError:
        sys.stderr.write("error: leodc: out of memory; expected a smaller fleet, span or simulation.chunk_satellites\n")
        sys.exit(EXIT_BAD_INPUT)
