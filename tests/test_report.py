"""`leodc report`: one self-contained HTML file per run, figures regenerated from the run's files."""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import replace

import pytest
from sgp4.api import SGP4_ERRORS

from conftest import WORKLOAD_TINY
from leodc.catalog import load_catalog
from leodc.report import FIGURES, REPORT_FILE, build_report, cost_figure, write_report
from leodc.runs.layout import RunLayout
from leodc.runs.pipeline import run_scenario
from leodc.runs.store import RunStore
from leodc.scenario import load_scenario
from leodc.simulate.output import SimulationResult

BUNDLE_OPEN = '<script type="text/javascript" id="plotly-js">'


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("runs")
    record = run_scenario(load_scenario("builtin:default", ["fleet.target_satellites=30", "simulation.days=0.1",
                                                            *WORKLOAD_TINY]),
                          home)
    return home, record


@pytest.fixture(scope="module")
def report_text(tiny_run):
    home, record = tiny_run
    path = write_report(record, home / "report-test.html", run_dir=RunStore(home).run_dir(record.id))
    return path, path.read_text(encoding="utf-8")


def _section(text: str, anchor: str) -> str:
    section = text[text.index(f'<section id="{anchor}">'):]
    return section[:section.index("</section>")]


def _outside_bundle(text: str) -> str:
    start = text.index(BUNDLE_OPEN)
    return text[:start] + text[text.index("</script>", start):]


def test_report_is_one_self_contained_file(report_text):
    path, text = report_text
    assert path.exists() and not path.with_name(path.name + ".tmp").exists()
    assert path.stat().st_size > 1_000_000  # plotly.js inlined (~4.8 MB)
    assert text.count(BUNDLE_OPEN) == 1 and "Plotly" in text
    assert "<script src" not in text.lower()
    # plotly.js carries default URLs for map tiles and geo topojson that these figures never fetch;
    # everything leodc writes around it has no link at all
    rest = _outside_bundle(text)
    assert "https://cdn" not in rest
    assert not re.findall(r"https?://", rest)
    assert text.count("Plotly.newPlot(") == 8  # eight figures


def test_every_figure_has_its_title_and_caption(report_text):
    _, text = report_text
    for anchor, title in FIGURES.items():
        assert f'<section id="{anchor}"><h2>{html.escape(title)}</h2>' in text
        assert f'href="#{anchor}"' in text  # table of contents
    assert text.count('class="caption"') >= len(FIGURES)
    for name in ("chunk-00000.parquet", "reentries.parquet", "fleet.parquet", "compare.json", "beta_over_year"):
        assert name in text


def test_workload_panel_draws_orbit_beside_ground(report_text):
    """The workload stage's panel: the requests' latencies in orbit and on the ground, the inference table with
    both, and training reported as not possible on this tiny fleet (no laser link between its satellites)."""
    _, text = report_text
    section = _section(text, "workload")
    assert "Plotly.newPlot" in section and "workload/summary.json" in section and "workload/requests.parquet" in section
    assert "latency_ms_p50" in section and "Ashburn" in section
    assert "Training was not possible on this fleet" in section


def test_latency_panel_draws_the_network_stage(report_text):
    """The network stage's pairs, each with its round trips (or "no path") beside the fibre bound."""
    _, text = report_text
    section = _section(text, "latency")
    assert "Plotly.newPlot" in section and "network/latency.parquet" in section
    for pair in ("London:New York-Newark", "Manila:Dalian"):
        assert html.escape(pair) in section
    assert "fibre bound" in section


def test_simulation_section_has_an_sgp4_error_table(report_text):
    _, text = report_text
    assert 'href="#simulation"' in text
    section = _section(text, "simulation")
    assert '<table id="sgp4-errors">' in section and "SGP4 error (code: message)" in section
    assert "<tr><td>none</td>" in section  # the tiny run's SGP4 never failed
    assert "simulation/manifest.json" in section


def test_sgp4_errors_are_listed_per_code(tiny_run, tmp_path):
    """A run whose manifest records SGP4 failures lists each code with its satellite-steps."""
    home, record = tiny_run
    copy = RunLayout(shutil.copytree(RunStore(home).run_dir(record.id), tmp_path / record.id))
    sim = SimulationResult.read(copy.simulation.root)
    errors = {f"1: {SGP4_ERRORS[1]}": 1234, f"6: {SGP4_ERRORS[6]}": 56}
    replace(sim, sgp4_error_steps=errors, sgp4_error_satellites=3).write(copy.simulation.root)
    section = _section(build_report(copy.root), "simulation")
    for code, steps in errors.items():
        assert f"<tr><td><code>{html.escape(code)}</code></td><td class='num'>{steps:,}</td></tr>" in section
    assert "<tr><td>none</td>" not in section
    assert f"3 of {sim.satellites} satellites" in section


def test_sources_table_cites_the_catalog(report_text):
    _, text = report_text
    b200 = load_catalog().accelerators["b200"]
    assert html.escape(b200.unit_price_usd.source) in text
    assert html.escape(b200.tdp_w.source) in text
    assert "<code>compute.accelerator</code>" in text and "<code>fleet.launch_vehicle</code>" in text
    for label in ("solar array", "battery", "radiator", "bus", "launch vehicle", "power option", "datacenter"):
        assert f"'>{label}<br><code>" in text


def test_cost_waterfall_adds_up_to_the_stored_totals(tiny_run):
    home, record = tiny_run
    run_dir = RunStore(home).run_dir(record.id)
    econ = json.loads((run_dir / "assessment.json").read_text())["economics"]
    ground = json.loads((run_dir / "compare.json").read_text())[0]
    fig, orbit_total, ground_total = cost_figure(econ, ground)
    assert orbit_total == pytest.approx(econ["total_cost_usd"] / 1e9)
    assert ground_total == pytest.approx(ground["total_cost_usd"] / 1e9)
    for trace, total in zip(fig.data, (orbit_total, ground_total), strict=True):
        assert "other" not in trace.x  # the named components account for the whole total
        assert sum(trace.y[:-1]) == pytest.approx(total)


def test_report_from_a_run_directory_alone(tiny_run):
    home, record = tiny_run
    path = write_report(RunStore(home).run_dir(record.id))
    assert path == RunStore(home).run_dir(record.id) / REPORT_FILE and path.stat().st_size > 1_000_000


def test_cli_report_json_and_unknown_run(tiny_run, leodc_cli, tmp_path):
    home, record = tiny_run
    out = leodc_cli("report", record.id, "--out", home, "--json")
    assert out.returncode == 0, out.stderr
    path = json.loads(out.stdout)["report"]
    assert path.endswith(f"{record.id}/{REPORT_FILE}")
    target = tmp_path / "elsewhere.html"
    out = leodc_cli("report", record.id, "--out", home, "--file", target, "--json")
    assert out.returncode == 0 and json.loads(out.stdout) == {"report": str(target)} and target.exists()
    bad = leodc_cli("report", "no-such-run", "--out", home)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "no-such-run" in bad.stderr
    assert "Traceback" not in bad.stderr
    store = RunStore(home)
    store.begin("19990101T000000-dead00", "dead", "0", {}, "0")
    store.fail("19990101T000000-dead00", "simulate: killed")
    failed = leodc_cli("report", "19990101T000000-dead00", "--out", home)
    assert failed.returncode == 2 and "failed" in failed.stderr and "complete" in failed.stderr
