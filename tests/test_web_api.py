"""The dashboard's JSON API (leodc.web.app) on a runs home holding one tiny run."""

from __future__ import annotations

import time
import warnings

import pytest

from conftest import WORKLOAD_TINY
from leodc.errors import InputError, LeodcError, NotFoundError
from leodc.runs.pipeline import run_scenario
from leodc.runs.store import RunStore
from leodc.scenario import load_scenario
from leodc.web import create_app
from leodc.web.app import STATIC_DIR

with warnings.catch_warnings():  # newer Starlette prefers httpx2 and warns about httpx; either works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TINY = ["fleet.target_satellites=30", "simulation.days=0.05", *WORKLOAD_TINY]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("runs")
    run_scenario(load_scenario("builtin:default", TINY), home)
    return home


@pytest.fixture(scope="module")
def client(home):
    with TestClient(create_app(home)) as c:
        yield c


@pytest.fixture(scope="module")
def run_id(client):
    return client.get("/api/runs").json()[0]["id"]


def test_list_has_the_run(client):
    runs = client.get("/api/runs").json()
    assert len(runs) == 1
    assert runs[0]["status"] == "complete"
    assert runs[0]["metrics"]["satellites"] == 30


def test_detail_has_record_and_headline(client, run_id):
    body = client.get(f"/api/runs/{run_id}").json()
    assert body["record"]["id"] == run_id
    assert body["headline"]["satellites"] == 30
    assert body["headline"]["total_cost_usd"] > 0
    assert "orbits.parquet" in body["files"]


def test_figures_have_fleet_series_and_costs(client, run_id):
    figs = client.get(f"/api/runs/{run_id}/figures").json()
    fleet = figs["fleet"]
    assert len(fleet["time"]) == len(fleet["power_generated_w"]) > 10
    assert all(p > 0 for p in fleet["power_generated_w"])
    items = {c["item"]: c["usd"] for c in figs["cost_items"]}
    assert items["launch"] > 0 and "total_cost" not in items
    assert figs["baselines"][0]["name"] == "orbital (this run)" and len(figs["baselines"]) >= 2


def test_globe_is_a_labelled_sample_in_earth_fixed_km(client, run_id):
    g = client.get(f"/api/runs/{run_id}/globe", params={"max_satellites": 7}).json()
    assert g["fleet_satellites"] == 30
    assert g["sample_satellites"] == len(g["satellites"]) == 7
    assert g["is_sample"] is True and "7 of 30" in g["note"]
    sat = g["satellites"][0]
    assert len(sat["positions_km"]) == len(sat["sunlit"]) == len(g["times"])
    radius = [sum(c * c for c in p) ** 0.5 for p in sat["positions_km"]]
    assert all(6371 + 500 < r < 6378 + 800 for r in radius)  # the default shell is at 650 km
    assert all(0.0 <= s <= 1.0 for s in sat["sunlit"])
    whole = client.get(f"/api/runs/{run_id}/globe").json()
    assert whole["is_sample"] is False and whole["sample_satellites"] == 30


def test_scenario_schema_is_pydantics(client):
    schema = client.get("/api/scenario-schema").json()
    assert schema["title"] == "Scenario"
    assert {"fleet", "orbit", "simulation"} <= set(schema["properties"])
    assert "Fleet" in schema["$defs"]


def test_openapi_and_offline_docs(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/globe", "/api/jobs/{run_id}",
            "/api/scenario-schema"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text


def test_pages_fetch_nothing_from_outside(client, run_id):
    for path in ("/", "/new", "/docs", f"/runs/{run_id}", f"/runs/{run_id}/globe"):
        page = client.get(path)
        assert page.status_code == 200, path
        for external in ('src="http', "src='http", 'href="http', "url(http", "//cdn"):
            assert external not in page.text, (path, external)
    for asset in STATIC_DIR.iterdir():
        assert "https://" not in asset.read_text(), asset.name


def test_report_page_is_the_runs_report(client, run_id):
    r = client.get(f"/runs/{run_id}/report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f"<code>{run_id}</code>" in r.text and '<table id="sgp4-errors">' in r.text


def test_unknown_run_is_404(client):
    for path in ("/api/runs/nope", "/api/runs/nope/figures", "/api/runs/nope/globe", "/api/jobs/nope",
                 "/runs/nope"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "nope" in r.json()["detail"]


def test_bad_scenario_is_422_naming_the_field(client):
    r = client.post("/api/runs", content="[fleet]\nbogus_field = 3\n", headers={"Content-Type": "application/toml"})
    assert r.status_code == 422
    assert "fleet.bogus_field" in r.json()["detail"] and "unknown field" in r.json()["detail"]
    r = client.post("/api/runs", json={"fields": {"orbit.altitude_km": "high"}})
    assert r.status_code == 422 and "orbit.altitude_km" in r.json()["detail"]
    r = client.post("/api/runs", content="[fleet\n", headers={"Content-Type": "application/toml"})
    assert r.status_code == 422 and "not valid TOML" in r.json()["detail"]
    r = client.post("/api/runs", json={"toml": 'extends = "/etc/passwd"'})
    assert r.status_code == 422 and "extends" in r.json()["detail"]
    r = client.post("/api/runs", json={"days": "many"})
    assert r.status_code == 422 and "days" in r.json()["detail"]


def test_user_errors_answer_the_clis_one_line_with_a_4xx(client, home):
    """A LeodcError raised by a request is JSON {"detail": <the line the CLI prints>} with its 4xx status."""
    with pytest.raises(InputError) as unknown:
        RunStore(home).get("nope")  # what `leodc report nope` prints
    for path in ("/api/runs/nope", "/api/runs/nope/figures", "/api/jobs/nope", "/runs/nope/report"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json() == {"detail": str(unknown.value)}, path
    with pytest.raises(InputError) as bad:
        load_scenario("builtin:default", ["orbit.altitude_km=50"])  # what `leodc run --set` prints
    r = client.post("/api/runs", json={"fields": {"orbit": {"altitude_km": 50}}})
    assert r.status_code == 422
    assert r.json() == {"detail": str(bad.value).replace("--set", "fields", 1)}
    assert "\n" not in r.json()["detail"]


def test_any_leodc_error_is_answered_with_its_own_status(home):
    errors = {"input": InputError("x.toml", "a.b", "expected c"), "missing": NotFoundError("run id", None, "no run"),
              "base": LeodcError("something the user can mend")}
    app = create_app(home)

    @app.get("/raise/{kind}")
    def raise_it(kind: str):
        raise errors[kind]

    with TestClient(app, raise_server_exceptions=False) as c:
        for kind, exc in errors.items():
            r = c.get(f"/raise/{kind}")
            assert r.status_code == exc.status_code and 400 <= r.status_code < 500, kind
            assert r.json() == {"detail": str(exc)}, kind


def test_a_failed_run_has_no_report_but_its_page_data_answers(tmp_path):
    store = RunStore(tmp_path)
    store.begin("19990101T000000-dead00", "dead", "0", {}, "0")
    store.fail("19990101T000000-dead00", "simulate: killed")
    with TestClient(create_app(tmp_path)) as c:
        r = c.get("/runs/19990101T000000-dead00/report")
        assert r.status_code == 409
        assert "failed" in r.json()["detail"] and "complete" in r.json()["detail"]
        figs = c.get("/api/runs/19990101T000000-dead00/figures")
        assert figs.status_code == 200, figs.text
        assert figs.json()["fleet"] is None and figs.json()["cost_items"] == []
        globe = c.get("/api/runs/19990101T000000-dead00/globe")
        assert globe.status_code == 404 and "orbit sample" in globe.json()["detail"]


def test_oversized_upload_is_413(client):
    r = client.post("/api/runs", content="# " + "x" * 1_100_000, headers={"Content-Type": "application/toml"})
    assert r.status_code == 413
    assert "limit" in r.json()["detail"] or "exceeds" in r.json()["detail"]


def test_post_a_run_and_follow_it_to_complete(client):
    r = client.post("/api/runs", json={"fields": {"fleet": {"target_satellites": 12}}, "days": 0.02})
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    deadline = time.monotonic() + 60
    stages = []
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{run_id}").json()
        stages.append(job["stage"])
        if job["status"] != "running":
            break
        time.sleep(0.5)
    assert job["status"] == "complete", job
    detail = client.get(f"/api/runs/{run_id}").json()
    assert detail["headline"]["satellites"] == 12
    assert detail["record"]["inputs"]["simulation"]["days"] == 0.02
    assert run_id in [x["id"] for x in client.get("/api/runs").json()]


def test_without_cesium_the_globe_says_make_web(home, tmp_path):
    with TestClient(create_app(home, cesium_dir=tmp_path / "no-cesium")) as c:
        assert c.get("/api/info").json()["cesium_available"] is False
        r = c.get("/cesium/Cesium.js")
        assert r.status_code == 404 and "make web" in r.json()["detail"]
    assert "make web" in (STATIC_DIR / "globe.js").read_text()
