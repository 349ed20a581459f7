"""The run store: runs land in a DuckDB catalog, survive a kill, run concurrently, never overwrite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import WORKLOAD_TINY
from leodc.runs.pipeline import run_scenario
from leodc.runs.store import RunStore, diff
from leodc.scenario import InputError, load_scenario

TINY = ["fleet.target_satellites=30", "simulation.days=0.05", *WORKLOAD_TINY]
SET_TINY = [arg for s in TINY for arg in ("--set", s)]


def _leodc(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "leodc", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_run_stores_everything_and_reruns_make_new_runs(tmp_path):
    sc = load_scenario("builtin:default", TINY)
    a = run_scenario(sc, tmp_path)
    b = run_scenario(sc, tmp_path)
    assert a.id != b.id and a.status == b.status == "complete"
    assert a.scenario_digest == b.scenario_digest
    run = tmp_path / a.id
    for name in ("inputs.json", "assessment.json", "compare.json", "environment.json", "orbits.parquet",
                 "elements.parquet", "simulation/satellites.parquet", "simulation/fleet.parquet",
                 "network/summary.json", "workload/summary.json", "workload/requests.parquet"):
        assert (run / name).exists(), name
    assert all(a.timings[stage] > 0 for stage in ("simulate", "network", "workload"))
    assert a.metrics["satellites"] == 30 and a.metrics["total_cost_usd"] > 0
    store = RunStore(tmp_path)
    assert [r.id for r in store.list()] == [b.id, a.id]
    assert diff(a, b) == {}
    c = run_scenario(load_scenario("builtin:default", [*TINY, "orbit.altitude_km=700"]), tmp_path)
    changed = diff(a, store.get(c.id))
    assert changed["inputs.orbit.altitude_km"] == [650.0, 700.0]
    assert "metrics.total_cost_usd" in changed
    with pytest.raises(InputError, match="no run"):
        store.get("nope")


def test_cli_list_show_diff(tmp_path, leodc_cli):
    out = leodc_cli("run", "builtin:default", "--out", tmp_path, "--json", *SET_TINY)
    assert out.returncode == 0, out.stderr
    rid = json.loads(out.stdout)["id"]
    listed = json.loads(leodc_cli("runs", "list", "--out", tmp_path, "--json").stdout)
    assert [r["id"] for r in listed] == [rid] and listed[0]["status"] == "complete"
    shown = json.loads(leodc_cli("runs", "show", rid, "--out", tmp_path, "--json").stdout)
    assert shown["metrics"]["satellites"] == 30
    assert json.loads(leodc_cli("runs", "diff", rid, rid, "--out", tmp_path, "--json").stdout) == {}
    missing = leodc_cli("runs", "show", "nope", "--out", tmp_path)
    assert missing.returncode == 2 and "no run 'nope'" in missing.stderr


@pytest.mark.slow
def test_a_killed_run_shows_as_failed_at_its_stage(tmp_path):
    """SIGKILL mid-simulation: the catalog stays readable, the run is listed as failed at 'simulate',
    and the next run lands normally."""
    proc = _leodc("run", "builtin:default", "--out", tmp_path, "--json", "--set", "fleet.target_satellites=100000",
                  "--set", "simulation.days=5")
    store = RunStore(tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = store.list() if (tmp_path / "catalog.duckdb").exists() else []
        if runs and runs[0].stage == "simulate":
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the run never reached the simulate stage")
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    killed = store.list()[0]
    assert killed.status == "failed" and killed.stage == "simulate"
    assert store.reap() == 1  # and the failure is written down
    after = run_scenario(load_scenario("builtin:default", TINY), tmp_path)
    statuses = {r.id: (r.status, r.stage) for r in store.list()}
    assert statuses[killed.id] == ("failed", "simulate") and statuses[after.id][0] == "complete"


@pytest.mark.slow
def test_two_concurrent_runs_both_land(tmp_path):
    args = ["run", "builtin:default", "--out", tmp_path, "--json", *SET_TINY]
    first, second = _leodc(*args), _leodc(*args)
    outs = [p.communicate(timeout=180) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outs
    ids = {json.loads(o[0])["id"] for o in outs}
    runs = RunStore(tmp_path).list()
    assert {r.id for r in runs} == ids and len(ids) == 2
    assert all(r.status == "complete" for r in runs)
    assert all((Path(tmp_path) / r.id / "assessment.json").exists() for r in runs)
