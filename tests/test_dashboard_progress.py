"""The dashboard shows where a run's time-domain stage runs and how far it is: the runs list and a run's
detail carry its ``progress.json`` (``RunProgress``) and executor, and for a running run how stale the
progress is; the run page and the runs list show the stage, executor, a bar with the percentage, "N of M
chunks", tasks resumed and a data location off this machine, and follow a running run without a reload.

No pipeline runs here: a catalog row is put in 'running' (``RunStore.begin``/``stage``, this test
process's pid keeps it alive) and the test writes ``progress.json`` as the pipeline would. The API
through FastAPI's TestClient; the pages in Debian's chromium driven by Playwright, as
tests/test_dashboard_browser.py does."""

from __future__ import annotations

import os
import warnings
from datetime import UTC, datetime, timedelta

import pytest

from conftest import CHROMIUM, serve_dashboard, watch_page
from leodc.runs.layout import RunLayout, RunProgress
from leodc.runs.store import RunStore
from leodc.web import create_app

with warnings.catch_warnings():  # newer Starlette prefers httpx2 and warns about httpx; either works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PAGE_TIMEOUT_MS = 20_000
# the page must show new progress within this many of its own polling periods (one poll, plus slack)
POLL_PERIODS_ALLOWED = 3
# a page that stopped polling asks nothing more over this many polling periods (one would show a poll)
QUIET_PERIODS = 1.25
RUNNING_ID = "20260101T000000-a11ce0"
LISTED_ID = "20260101T000001-b0b000"
FINISHED_ID = "20260101T000002-c0ffee"
BARE_ID = "20260101T000003-d00d00"
CLUSTER = "dask tcp://10.0.0.5:8786"
LOCAL_CLUSTER = "dask LocalCluster(2)"
BUCKET = "s3://leodc-runs/prefix"
SAT_STEPS = 48_000
CHUNKS = 8
STALE_S = 90.0  # how old the running run's progress is said to be, in the staleness check


def _running(store: RunStore, run_id: str, stage: str = "simulate") -> None:
    """A catalog row in 'running' at ``stage``, held alive by this process's pid."""
    store.begin(run_id, "progress", "digest", {}, "0")
    store.stage(run_id, stage, {})


def _progress(store: RunStore, run_id: str, done: int, tasks_done: int, *, stage: str = "simulate",
              executor: str = CLUSTER, data_location: str | None = BUCKET, resumed: int = 0,
              age_s: float = 0.0, unit: str = "satellite-steps") -> RunProgress:
    """Write the run's progress.json as the pipeline does (``updated_utc`` ``age_s`` ago)."""
    progress = RunProgress(stage=stage, executor=executor, unit=unit, done=done, total=SAT_STEPS,
                           tasks_done=tasks_done, tasks=CHUNKS,
                           updated_utc=(datetime.now(UTC) - timedelta(seconds=age_s)).isoformat(),
                           data_location=data_location, resumed_tasks=resumed)
    layout = RunLayout(store.run_dir(run_id))
    layout.root.mkdir(parents=True, exist_ok=True)
    progress.write(layout)
    return progress


# ---------------------------------------------------------------------------------------------- the API
@pytest.fixture
def api_home(tmp_path):
    """A runs home with a running run (with progress), a complete one (with the progress it ended on)
    and a running one without any: (store, TestClient)."""
    store = RunStore(tmp_path)
    _running(store, RUNNING_ID)
    _progress(store, RUNNING_ID, SAT_STEPS // 4, CHUNKS // 4, resumed=1)
    _running(store, FINISHED_ID, stage="network")
    _progress(store, FINISHED_ID, SAT_STEPS, CHUNKS, stage="network", executor=LOCAL_CLUSTER, data_location=None)
    store.complete(FINISHED_ID, {}, {"satellites": 30})
    _running(store, BARE_ID, stage="design")
    with TestClient(create_app(tmp_path)) as client:
        yield store, client


def test_detail_and_list_carry_the_progress_and_executor(api_home):
    store, client = api_home
    body = client.get(f"/api/runs/{RUNNING_ID}").json()
    assert body["record"]["status"] == "running" and body["kind"] == "run"  # the fields it had are kept
    assert {"record", "headline", "files", "kind"} <= set(body)
    p = body["progress"]
    assert body["executor"] == p["executor"] == CLUSTER
    assert (p["stage"], p["unit"], p["done"], p["total"], p["tasks_done"], p["tasks"]) == (
        "simulate", "satellite-steps", SAT_STEPS // 4, SAT_STEPS, CHUNKS // 4, CHUNKS)
    assert p["fraction"] == pytest.approx(0.25) and p["resumed_tasks"] == 1 and p["data_location"] == BUCKET
    assert 0.0 <= body["progress_age_s"] < 60  # just written
    assert "progress.json" in body["files"]

    # the pipeline writes again: the next GET has the new numbers
    _progress(store, RUNNING_ID, 3 * SAT_STEPS // 4, 3 * CHUNKS // 4, resumed=1, age_s=STALE_S)
    body = client.get(f"/api/runs/{RUNNING_ID}").json()
    assert body["progress"]["done"] == 3 * SAT_STEPS // 4 and body["progress"]["tasks_done"] == 3 * CHUNKS // 4
    assert body["progress"]["fraction"] == pytest.approx(0.75)
    assert body["progress_age_s"] >= STALE_S  # how stale it is

    rows = {r["id"]: r for r in client.get("/api/runs").json()}
    assert rows[RUNNING_ID]["progress"] == body["progress"] and rows[RUNNING_ID]["executor"] == CLUSTER
    assert rows[RUNNING_ID]["status"] == "running" and rows[RUNNING_ID]["kind"] == "run"


def test_a_finished_run_keeps_its_executor_and_a_run_without_progress_has_null(api_home):
    _, client = api_home
    done = client.get(f"/api/runs/{FINISHED_ID}").json()
    assert done["record"]["status"] == "complete" and done["executor"] == LOCAL_CLUSTER
    assert done["progress"]["fraction"] == 1.0 and done["progress"]["stage"] == "network"
    assert done["progress_age_s"] is None  # staleness is a running run's
    bare = client.get(f"/api/runs/{BARE_ID}").json()
    assert bare["progress"] is None and bare["executor"] is None and bare["progress_age_s"] is None
    rows = {r["id"]: r for r in client.get("/api/runs").json()}
    assert rows[BARE_ID]["progress"] is None and rows[BARE_ID]["executor"] is None
    assert rows[FINISHED_ID]["executor"] == LOCAL_CLUSTER


def test_an_unreadable_progress_file_is_no_progress(api_home):
    store, client = api_home
    RunLayout(store.run_dir(RUNNING_ID)).progress.write_text("{not json")
    r = client.get(f"/api/runs/{RUNNING_ID}")
    assert r.status_code == 200 and r.json()["progress"] is None and r.json()["executor"] is None
    assert client.get("/api/runs").status_code == 200


# ---------------------------------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`leodc serve` over a runs home with two running runs, each with progress: (store, base URL)."""
    assert os.path.isfile(CHROMIUM), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    store = RunStore(tmp_path_factory.mktemp("runs"))
    for run_id in (RUNNING_ID, LISTED_ID):
        _running(store, run_id)
        _progress(store, run_id, SAT_STEPS // 4, CHUNKS // 4, resumed=1)
    with serve_dashboard(store.home, tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield store, base


def _poll_interval_ms(page) -> int:
    """The page's own polling period (common.js)."""
    return int(page.evaluate("POLL_INTERVAL_MS"))


def _poll_timeout_ms(page) -> int:
    return _poll_interval_ms(page) * POLL_PERIODS_ALLOWED


def test_run_page_follows_a_running_run_then_shows_where_it_ran(served, browser):
    store, base = served
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    outside, errors, asked = watch_page(page, base)
    page.goto(f"{base}/runs/{RUNNING_ID}", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector("#progress .progress-percent", timeout=PAGE_TIMEOUT_MS)
    card = page.inner_text("#progress")
    assert CLUSTER in page.inner_text("#progress .progress-executor") and "simulate" in card
    assert page.inner_text("#progress .progress-percent") == "25.0 %"
    assert "2 of 8 chunks" in card and "1 resumed" in card and BUCKET in card
    assert "12,000 of 48,000 satellite-steps" in card and "updated" in card
    page.evaluate("window.leodcNotReloaded = true")  # gone if the page were loaded again

    _progress(store, RUNNING_ID, 3 * SAT_STEPS // 4, 3 * CHUNKS // 4, resumed=1)
    page.wait_for_function("document.querySelector('#progress .progress-percent')?.textContent === '75.0 %'",
                           timeout=_poll_timeout_ms(page))
    assert "6 of 8 chunks" in page.inner_text("#progress")
    assert page.evaluate("window.leodcNotReloaded") is True

    # the run ends: the page says so, shows the executor it ran on, and stops asking
    store.complete(RUNNING_ID, {}, {"satellites": 30})
    page.wait_for_function("document.querySelector('#message').textContent === ''", timeout=_poll_timeout_ms(page))
    assert page.locator("#progress-card").is_hidden()
    record = page.inner_text("#record")
    assert "complete" in record and CLUSTER in record
    polls = sum(url.endswith(f"/api/runs/{RUNNING_ID}") for url in asked)
    page.wait_for_timeout(_poll_interval_ms(page) * QUIET_PERIODS)
    assert sum(url.endswith(f"/api/runs/{RUNNING_ID}") for url in asked) == polls
    assert not errors, errors
    assert not outside, f"the page reached outside the machine: {outside[:5]}"
    page.close()


def test_runs_list_row_shows_the_progress_and_follows_it(served, browser):
    store, base = served
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    outside, errors, _ = watch_page(page, base)
    page.goto(f"{base}/", timeout=PAGE_TIMEOUT_MS)
    cell = f'tr[data-run-id="{LISTED_ID}"] .progress-cell'
    page.wait_for_selector(f"{cell} .progress-percent", timeout=PAGE_TIMEOUT_MS)
    text = page.inner_text(cell)
    assert CLUSTER in text and "simulate" in text and "25.0 %" in text
    assert "2 of 8 chunks" in text and "1 resumed" in text and BUCKET in text
    assert page.locator(f"{cell} progress").count() == 1

    _progress(store, LISTED_ID, SAT_STEPS // 2, CHUNKS // 2, resumed=1, data_location="/local/runs/part")
    page.wait_for_function(f"document.querySelector('{cell} .progress-percent')?.textContent === '50.0 %'",
                           timeout=_poll_timeout_ms(page))
    text = page.inner_text(cell)
    assert "4 of 8 chunks" in text and "/local/runs" not in text  # a local data location is not called out
    # a stale progress is called out
    _progress(store, LISTED_ID, SAT_STEPS // 2, CHUNKS // 2, age_s=STALE_S)
    page.wait_for_selector(f"{cell} .progress-age.stale", timeout=_poll_timeout_ms(page))
    assert not errors, errors
    assert not outside, f"the page reached outside the machine: {outside[:5]}"
    page.close()


def test_network_stage_counts_blocks(served, browser):
    store, base = served
    _progress(store, LISTED_ID, SAT_STEPS // 2, CHUNKS // 2, stage="network", executor="local", unit="steps")
    page = browser.new_page()
    page.goto(f"{base}/runs/{LISTED_ID}", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector("#progress .progress-percent", timeout=PAGE_TIMEOUT_MS)
    text = page.inner_text("#progress")
    assert "4 of 8 blocks" in text and "network on local" in text
    page.close()
