"""The dashboard shows a stored sweep: GET /api/runs/ID/sweep (the sweep report's figures as Plotly JSON), the
run page of a sweep drawing them with the dashboard's own plotly.js, and the runs list with sweeps mixed in
among pipeline runs. The endpoint through FastAPI's TestClient; the pages in Debian's Chromium driven by
Playwright, as tests/test_dashboard_browser.py does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

from conftest import CHROMIUM, WORKLOAD_TINY, serve_dashboard, watch_page
from leodc.report import SWEEP_FIGURES, read_sweep, sweep_figures
from leodc.runs.layout import RunLayout, SweepAnalysesStage
from leodc.runs.pipeline import run_scenario
from leodc.runs.store import RunStore
from leodc.scenario import load_scenario
from leodc.uncertainty.evaluate import COST_METRIC
from leodc.web import create_app

with warnings.catch_warnings():  # newer Starlette prefers httpx2 and warns about httpx; either works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PAGE_TIMEOUT_MS = 40_000
OVERRIDES = ["fleet.target_satellites=30", "simulation.days=0.05", *WORKLOAD_TINY]
SAMPLES = 1500
SEED = 5


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A runs home with a pipeline run of the bundled default (30 satellites) and a sweep stored by
    `leodc sweep`: (home, pipeline run id, sweep run id)."""
    home = tmp_path_factory.mktemp("runs")
    run_id = run_scenario(load_scenario("builtin:default", OVERRIDES), home).id
    out = subprocess.run([sys.executable, "-m", "leodc", "sweep", "builtin:default", "--samples", str(SAMPLES),
                          "--seed", str(SEED), "--out", str(home), "--json"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return home, run_id, json.loads(out.stdout)["run"]


@pytest.fixture(scope="module")
def client(home):
    with TestClient(create_app(home[0])) as c:
        yield c


@pytest.fixture(scope="module")
def served_sweep(client, home):
    """GET /api/runs/ID/sweep of the stored sweep."""
    r = client.get(f"/api/runs/{home[2]}/sweep")
    assert r.status_code == 200, r.text
    return r.json()


# ---------------------------------------------------------------------------------------------- the API
def test_sweep_endpoint_serves_the_reports_figures(served_sweep, home):
    h, _, sweep_id = home
    body = served_sweep
    layout = RunLayout(RunStore(h).run_dir(sweep_id))
    summary = layout.read_json(layout.sweep_summary)
    assert body["id"] == sweep_id and body["status"] == "complete"
    assert body["headline"]["p_orbit_cheaper"] == summary["p_orbit_cheaper"]
    assert body["headline"]["samples"] == SAMPLES and body["headline"]["seed"] == SEED
    assert body["headline"]["usd_per_pflop_day_p50"] == summary["metrics"][COST_METRIC]["p50"]
    assert {q["metric"] for q in body["quantiles"]} == set(summary["metrics"])
    assert set(body["distributions"]) == set(summary["distributions"])
    assert list(body["titles"]) == list(SWEEP_FIGURES) == list(body["figures"]) == list(body["notes"])
    # the figures are the report's own JSON, made from the analyses the request stored in the run
    assert SweepAnalysesStage.stored(layout)
    assert body["figures"] == json.loads(json.dumps(sweep_figures(read_sweep(layout.root))))
    for key, fig in body["figures"].items():
        assert fig["data"] and fig["layout"]["title"]["text"], key
    assert any(t["name"].startswith("terrestrial, median") for t in body["figures"]["distribution"]["data"])
    assert body["top_driver"] == body["figures"]["tornado"]["data"][0]["customdata"][-1][0]


def test_runs_list_and_detail_tell_sweeps_from_runs(client, home):
    _, run_id, sweep_id = home
    runs = {r["id"]: r for r in client.get("/api/runs").json()}
    assert set(runs) == {run_id, sweep_id}
    assert runs[run_id]["kind"] == "run" and runs[run_id]["metrics"]["satellites"] == 30
    assert runs[sweep_id]["kind"] == "sweep" and runs[sweep_id]["metrics"]["samples"] == SAMPLES
    assert client.get(f"/api/runs/{sweep_id}").json()["kind"] == "sweep"
    assert client.get(f"/api/runs/{run_id}").json()["kind"] == "run"


def test_pages_and_plotly_are_served_locally(client, home):
    _, run_id, sweep_id = home
    assert "/static/sweep.js" in client.get(f"/runs/{sweep_id}").text
    assert "/static/run.js" in client.get(f"/runs/{run_id}").text
    js = client.get("/vendor/plotly.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert len(js.content) > 1_000_000 and b"Plotly" in js.content[:5000]
    report = client.get(f"/runs/{sweep_id}/report")
    assert report.status_code == 200 and report.text.count("Plotly.newPlot(") == len(SWEEP_FIGURES)


def test_sweep_endpoint_refuses_what_is_not_a_finished_sweep(client, home, tmp_path):
    _, run_id, _ = home
    r = client.get(f"/api/runs/{run_id}/sweep")
    assert r.status_code == 404 and "not a sweep run" in r.json()["detail"]
    assert client.get("/api/runs/no-such-run/sweep").status_code == 404
    # a sweep still running: its page is the sweep page, its figures are not there yet (409)
    store = RunStore(tmp_path)
    store.begin("20260101T000000-abcdef", "s", "digest", {}, "0")
    store.stage("20260101T000000-abcdef", "sweep", {})
    with TestClient(create_app(tmp_path)) as c:
        r = c.get("/api/runs/20260101T000000-abcdef/sweep")
        assert r.status_code == 409 and "running" in r.json()["detail"]
        assert "/static/sweep.js" in c.get("/runs/20260101T000000-abcdef").text


# ---------------------------------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def server(home, served_sweep, tmp_path_factory):
    assert os.path.isfile(CHROMIUM), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with serve_dashboard(home[0], tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield base


def test_runs_list_with_a_sweep_then_its_page_draws_the_figures(server, browser, home, served_sweep):
    base = server
    _, run_id, sweep_id = home
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    outside, errors = watch_page(page, base)[:2]

    page.goto(f"{base}/", timeout=PAGE_TIMEOUT_MS)
    sweep_row, run_row = f'tr[data-run-id="{sweep_id}"]', f'tr[data-run-id="{run_id}"]'
    page.wait_for_selector(sweep_row, timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(run_row, timeout=PAGE_TIMEOUT_MS)
    # the pipeline run as before (its globe), the sweep with its medians and no globe
    assert "complete" in page.inner_text(run_row) and page.locator(f'{run_row} a[href$="/globe"]').count() == 1
    assert page.get_attribute(sweep_row, "data-kind") == "sweep"
    assert page.locator(f'{sweep_row} a[href$="/globe"]').count() == 0
    assert "(p50)" in page.inner_text(sweep_row) and "sweep" in page.inner_text(sweep_row)

    page.click(f"{sweep_row} a.run-link")
    page.wait_for_url(f"{base}/runs/{sweep_id}", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function("window.leodcSweepFigures !== undefined || window.leodcSweepError !== undefined",
                           timeout=PAGE_TIMEOUT_MS)
    assert page.evaluate("window.leodcSweepError") is None, page.evaluate("window.leodcSweepError")
    assert page.evaluate("window.leodcSweepFigures") == len(SWEEP_FIGURES)
    for key, fig in served_sweep["figures"].items():
        plot = f"#sweep-{key}"
        assert page.locator(f"{plot}.js-plotly-plot").count() == 1, key
        assert page.evaluate(f"document.querySelector('{plot}').data.length") == len(fig["data"]), key
        assert page.locator(f"{plot} .main-svg").count() >= 1, key  # drawn, not only handed the data
    p = served_sweep["headline"]["p_orbit_cheaper"]
    assert f"{100 * p:.1f} %" in page.inner_text("#chance")
    assert "p_orbit_cheaper" in page.inner_text("#headline")
    assert page.locator("#quantiles tbody tr").count() == len(served_sweep["quantiles"])
    assert page.locator("#distributions tbody tr").count() == len(served_sweep["distributions"])
    assert page.locator('#links a[href$="/report"]').count() == 1
    assert not errors, errors
    assert not outside, f"the page reached outside the machine: {outside[:5]}"

    # the pipeline run's page is unchanged by the sweep beside it
    page.goto(f"{base}/runs/{run_id}", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector("#fleet-charts svg path", state="attached", timeout=PAGE_TIMEOUT_MS)
    assert "total_cost_usd" in page.inner_text("#headline")
    assert not errors and not outside
    page.close()
