"""The report of a sweep run (leodc.report, its sweep part): the distribution against the terrestrial line, the tornado,
the ladder and the design search's front, stored in the run and drawn on one self-contained page."""

from __future__ import annotations

import html
import json
import re
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import chromium
from leodc.report import (
    REPORT_FILE,
    SWEEP_FIGURES,
    TORNADO_BARS,
    build_report,
    finish_sweep_run,
    read_sweep,
    sweep_figures,
)
from leodc.runs.layout import RunLayout, SweepAnalysesStage
from leodc.runs.store import RunStore
from leodc.scenario import Scenario, load_scenario
from leodc.uncertainty.evaluate import COST_METRIC, FEASIBLE, GROUND_COST_METRIC
from leodc.uncertainty.ladder import climb
from leodc.uncertainty.sensitivity import tornado
from leodc.uncertainty.sweep import (
    ANALYSIS_SEARCH_SEED,
    ANALYSIS_SEARCH_TRIALS,
    front_settings,
    sweep,
    sweep_inputs,
)

BUNDLE_OPEN = '<script type="text/javascript" id="plotly-js">'
PAGE_TIMEOUT_MS = 30_000
SAMPLES = 2000
SEED = 11


@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory):
    """A sweep of the bundled default stored by `leodc sweep`, then its report by `leodc report ID`:
    (runs home, run id, the report's text)."""
    import subprocess
    import sys

    home = tmp_path_factory.mktemp("runs")

    def cli(*args):
        out = subprocess.run([sys.executable, "-m", "leodc", *map(str, args)], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout

    run_id = json.loads(cli("sweep", "builtin:default", "--samples", SAMPLES, "--seed", SEED, "--out", home,
                            "--json"))["run"]
    report = json.loads(cli("report", run_id, "--out", home, "--json"))["report"]
    return home, run_id, open(report, encoding="utf-8").read()


def _outside_bundle(text: str) -> str:
    start = text.index(BUNDLE_OPEN)
    return text[:start] + text[text.index("</script>", start):]


def _section(text: str, anchor: str) -> str:
    section = text[text.index(f'<section id="{anchor}">'):]
    return section[:section.index("</section>")]


def test_sweep_report_has_the_four_figures_and_the_headline(sweep_run):
    home, run_id, text = sweep_run
    layout = RunLayout(RunStore(home).run_dir(run_id))
    assert layout.report.is_file()
    assert text.count("Plotly.newPlot(") == len(SWEEP_FIGURES) == 4
    for anchor, title in SWEEP_FIGURES.items():
        section = _section(text, anchor)
        assert f"<h2>{html.escape(title)}</h2>" in section and "Plotly.newPlot" in section
        assert 'class="caption"' in section
    summary = layout.read_json(layout.sweep_summary)
    head = _section(text, "summary")
    p = summary["p_orbit_cheaper"]
    assert f"P(orbit costs less than the ground per PFLOP-day) = {p:.1%}" in head
    q = summary["metrics"][COST_METRIC]
    assert all(k in head for k in ("<th>p5</th>", "<th>p50</th>", "<th>p95</th>")) and COST_METRIC in head
    assert f"{SAMPLES:,} samples (seed {SEED})" in head
    assert str(round(q["p50"])) in _section(text, "distribution").replace(",", "")
    for name in ("sweep/samples.parquet", "sweep/tornado.json", "sweep/ladder.json", "sweep/front.parquet"):
        assert name in text
    assert "terrestrial, median" in _section(text, "distribution")
    assert "terrestrial" in _section(text, "ladder") and "terrestrial" in _section(text, "front")


def test_sweep_report_is_one_self_contained_file(sweep_run):
    _, _, text = sweep_run
    assert text.count(BUNDLE_OPEN) == 1
    rest = _outside_bundle(text)
    assert "<script src" not in text.lower() and "<link" not in rest.lower()
    assert not re.findall(r"https?://", rest)


def test_sweep_report_opens_offline_in_chromium(sweep_run, tmp_path):
    """The file alone, copied away from its run, draws its four figures with no request but itself."""
    _, _, text = sweep_run
    alone = tmp_path / "alone.html"
    alone.write_text(text, encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(alone.as_uri(), timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length === 4", timeout=PAGE_TIMEOUT_MS)
        traces = page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map((d) => d.data.length)")
    assert all(n >= 2 for n in traces), traces
    assert not errors, errors
    assert requests == [alone.as_uri()], requests


def test_the_analyses_are_stored_and_match_the_uncertainty_stage(sweep_run):
    home, run_id, _ = sweep_run
    layout = RunLayout(RunStore(home).run_dir(run_id))
    assert SweepAnalysesStage.stored(layout)
    stored = SweepAnalysesStage.read(layout)
    scenario = Scenario.model_validate(layout.read_json(layout.inputs))
    summary = layout.read_json(layout.sweep_summary)
    # the tornado of the sweep's own distributions, one at a time
    inputs = sweep_inputs(scenario, summary)
    assert [i.key for i in inputs] == list(summary["distributions"])
    direct = tornado(scenario, inputs)[COST_METRIC]
    t = stored.tornado["tornado"][COST_METRIC]
    assert t["top"] == direct.top
    assert [b["key"] for b in t["bars"]] == [b.key for b in direct.bars]
    assert np.allclose([b["swing"] for b in t["bars"]], [b.swing for b in direct.bars], rtol=1e-12)
    # the built-in ladder, as `leodc ladder` climbs it
    ladder = climb(scenario).to_dict()
    assert stored.ladder["error"] is None
    assert [s["label"] for s in stored.ladder["steps"]] == [s["label"] for s in ladder["steps"]]
    assert np.allclose([s["orbit_usd_per_pflop_day"] for s in stored.ladder["steps"]],
                       [s["orbit_usd_per_pflop_day"] for s in ladder["steps"]], rtol=1e-12)
    # the front: feasible, non-dominated, with the scenario's own design and the cheapest
    settings = front_settings(stored.front)
    assert (settings["trials"], settings["seed"]) == (ANALYSIS_SEARCH_TRIALS, ANALYSIS_SEARCH_SEED)
    front = stored.front.to_pydict()
    assert sum(front["is_base"]) == 1 and sum(front["is_best"]) == 1 and sum(front["on_front"]) >= 1
    on = [(c, m) for c, m, f in zip(front["usd_per_pflop_day"], front["mass_kg_per_kw"], front["on_front"],
                                    strict=True) if f]
    assert all(front["feasible"][i] for i, f in enumerate(front["on_front"]) if f)
    for c, m in on:
        assert not any(c2 <= c and m2 <= m and (c2, m2) != (c, m) for c2, m2 in on)
    best = front["usd_per_pflop_day"][front["is_best"].index(True)]
    assert best == min(c for c, _ in on)
    assert best <= front["usd_per_pflop_day"][front["is_base"].index(True)]


def test_the_analyses_are_made_again_the_same_from_the_runs_files(sweep_run, tmp_path):
    home, run_id, _ = sweep_run
    copy = RunLayout(shutil.copytree(RunStore(home).run_dir(run_id), tmp_path / run_id))
    before = SweepAnalysesStage.read(copy)
    for path in (copy.sweep_tornado, copy.sweep_ladder, copy.sweep_front, copy.report):
        path.unlink()
    text = build_report(copy.root)  # the dashboard's path: the analyses made from the run's files and stored
    assert text.count("Plotly.newPlot(") == 4 and SweepAnalysesStage.stored(copy)
    after = SweepAnalysesStage.read(copy)
    assert after.tornado == before.tornado and after.ladder == before.ladder
    assert after.front.equals(before.front)


def test_distribution_figure_is_the_samples_against_the_ground(sweep_run):
    home, run_id, _ = sweep_run
    run = read_sweep(RunStore(home).run_dir(run_id))
    figs = sweep_figures(run)
    assert set(figs) == set(SWEEP_FIGURES) and all(figs.values())
    samples = pq.read_table(run.layout.sweep_samples).to_pydict()
    ok = np.array(samples[FEASIBLE])
    orbit = np.array(samples[COST_METRIC])[ok]
    ground = np.array(samples[GROUND_COST_METRIC])[ok]
    traces = {t["name"].split(",")[0]: t for t in figs["distribution"]["data"]}
    hist = traces["orbit (samples)"]
    # a step outline: 0, the bins' shares of the feasible samples (percent), the last share again, 0
    assert sum(hist["y"][1:-2]) == pytest.approx(100.0) and hist["y"][-2] == hist["y"][-3]
    assert min(hist["x"]) == pytest.approx(orbit.min()) and max(hist["x"]) == pytest.approx(orbit.max())
    ground_line = next(t for t in figs["distribution"]["data"] if t["name"].startswith("terrestrial, median"))
    assert ground_line["x"] == pytest.approx([np.median(ground)] * 2)
    # the tornado: at most TORNADO_BARS bars per end, each from the scenario's cost to the end's cost
    low = next(t for t in figs["tornado"]["data"] if t["name"] == "input at its low end")
    bars = run.analyses.tornado["tornado"][COST_METRIC]["bars"][:TORNADO_BARS]
    assert len(low["x"]) == len(bars)
    assert np.allclose(np.array(low["x"]) + np.array(low["base"]), [b["metric_at_low"] for b in bars[::-1]])
    # the ladder against the terrestrial line, one bar per rung
    orbit_bars, ground_line = figs["ladder"]["data"][:2]
    steps = run.analyses.ladder["steps"]
    assert orbit_bars["y"] == pytest.approx([s["orbit_usd_per_pflop_day"] for s in steps])
    assert ground_line["y"] == pytest.approx([s["ground_usd_per_pflop_day"] for s in steps])


def test_finish_sweep_run_stores_the_analyses_and_the_report(tmp_path):
    """What `leodc sweep` does after storing the sweep: the analyses and the report, in the run."""
    from leodc.files import write_json
    from leodc.runs.layout import SweepStage

    scenario = load_scenario("builtin:default", ["power.solar_array=thin-film"])
    result = sweep(scenario, 500, seed=3)
    layout = RunLayout(tmp_path / "run")
    layout.root.mkdir()
    write_json(layout.inputs, scenario.model_dump(mode="json"))
    SweepStage(result.summary, result.table()).write(layout)
    path = finish_sweep_run(layout, scenario)
    assert path == layout.report and path.read_text(encoding="utf-8").count("Plotly.newPlot(") == 4
    assert SweepAnalysesStage.stored(layout) and layout.missing() == []
    assert layout.report.name == REPORT_FILE
    assert SweepAnalysesStage.read(layout).ladder["steps"][0]["label"] == "today's parts"
