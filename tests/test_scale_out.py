"""Scale-out: the run directory in a real object store, a cluster of separate processes that shares
no disk, resume after a kill (of the client, of a worker), and bad cluster input.

The object store is moto's S3 server on 127.0.0.1 with credentials enforced (tests/object_store.py);
the cluster is `dask scheduler` and `dask worker` processes, each in its own working directory with
its own temporary folder. Every comparison is byte for byte against the local executor: the engine's
chunks are independent and their results are folded in chunk order, and a checkpoint holds a chunk's
state exactly, so nothing may differ but the manifest's timings and the executor's name.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import fields, replace
from pathlib import Path

import pytest

from conftest import WORKLOAD_TINY, free_port, one_line
from leodc.errors import EXIT_BAD_INPUT
from leodc.files import TMP_SUFFIX
from leodc.runs.layout import RunLayout
from leodc.runs.store import RunStore
from leodc.simulate.output import SimulationFiles

# three chunks of a fleet, half a day at 60 s
FLEET = ["fleet.target_satellites=6000", "simulation.chunk_satellites=2000", "simulation.days=0.5"]
# a tiny pipeline run (network over six minutes, the workload's tiny load)
TINY_RUN = ["fleet.target_satellites=40", "simulation.chunk_satellites=16", "simulation.days=0.1",
            "network.hours=0.1", *WORKLOAD_TINY]
# long enough chunks to be killed in the middle: two chunks of 20,000 satellites, twelve windows each
SLOW = ["fleet.target_satellites=40000", "simulation.chunk_satellites=20000", "simulation.days=0.5",
        "simulation.window_steps=60"]
# a pipeline run of two chunks of 4,000 satellites over a day (about a second each)
RESUMED_RUN = ["fleet.target_satellites=8000", "simulation.chunk_satellites=4000", "simulation.days=1",
               "network.hours=0.1", *WORKLOAD_TINY]
# what may differ between two runs of one scenario: when and where they ran
RUN_FIELDS = {"wall_s", "sat_steps_per_s", "executor", "out_dir", "files", "resumed_chunks"}
# bad input is answered within this (the Dask connect timeout and an object store's are 5 s each)
ANSWER_WITHIN_S = 20.0
START_TIMEOUT_S = 60.0
POLL_S = 0.005


def sets(*items: str) -> list[str]:
    return [x for s in items for x in ("--set", s)]


def leodc(*args, env=None, cwd=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leodc", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)


def local_files(root: Path) -> dict[str, bytes]:
    """Every file of a simulation directory but its manifest, by name relative to it."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


def stored_files(store, prefix: str) -> dict[str, bytes]:
    """The same for a simulation directory in the object store."""
    client = store.client()
    return {key[len(prefix) + 1:]: client.get_object(Bucket=store.bucket, Key=key)["Body"].read()
            for key in store.keys(prefix + "/") if not key.endswith("/manifest.json")}


def manifest(data: bytes | str) -> dict:
    return {k: v for k, v in json.loads(data).items() if k not in RUN_FIELDS}


# ---------------------------------------------------------------------------------------------- object store
def test_a_simulation_in_the_object_store_is_the_local_one_byte_for_byte(s3_env, tmp_path):
    from leodc.scenario import load_scenario
    from leodc.simulate.engine import simulate

    store = s3_env
    local = tmp_path / "local"
    url = f"s3://{store.bucket}/sim-a"
    sc = load_scenario("builtin:default", FLEET)
    for out in (local, url):
        simulate(sc, out, timeseries=True, timeseries_satellites=5)
    here, there = local_files(local), stored_files(store, "sim-a")
    assert sorted(there) == sorted(here) and "timeseries/chunk-00000.parquet" in here
    assert all(there[name] == here[name] for name in here)
    assert manifest((local / "manifest.json").read_bytes()) == manifest(
        store.client().get_object(Bucket=store.bucket, Key="sim-a/manifest.json")["Body"].read())
    assert not store.keys("sim-a/parts/")  # the chunks' parts are removed once the run is whole
    # read back through the same reader the pipeline uses
    back = SimulationFiles(url).read("satellites", columns=["sat_id", "sunlit_fraction"])
    mine = SimulationFiles(local).read("satellites", columns=["sat_id", "sunlit_fraction"])
    assert (back["sat_id"] == mine["sat_id"]).all() and (back["sunlit_fraction"] == mine["sunlit_fraction"]).all()


def _check_a_run_in_the_object_store(store, home: Path, run_id: str, prefix: str) -> None:
    """A run whose simulation went to the object store: the catalog says where, and the report, the
    dashboard and the Python API read it from there."""
    import leodc as api

    record = RunStore(home).get(run_id)
    assert record.status == "complete"
    assert record.location == f"s3://{store.bucket}/{prefix}/{run_id}/simulation"
    layout = RunLayout(home / run_id)
    assert not (layout.root / "simulation").exists() and layout.missing() == []
    assert store.keys(f"{prefix}/{run_id}/simulation/satellites.parquet")
    shown = json.loads(leodc("runs", "show", run_id, "--out", home, "--json").stdout)
    assert shown["location"] == record.location
    run = api.open_run(run_id, home)
    assert len(run.satellites(columns=["sat_id"])["sat_id"]) == 40
    assert len(set(run.timeseries(columns=["sat_id"])["sat_id"])) == 3  # the report's sample, from the bucket
    assert record.location in layout.report.read_text(encoding="utf-8")  # the report names where the data is
    from fastapi.testclient import TestClient

    from leodc.web import create_app

    with TestClient(create_app(home)) as c:  # the dashboard reads the simulation from the object store too
        assert c.get(f"/api/runs/{run_id}").json()["record"]["location"] == record.location
        figures = c.get(f"/api/runs/{run_id}/figures")
        assert figures.status_code == 200, figures.text
        assert figures.json()["fleet"] and figures.json()["satellites"]


# ---------------------------------------------------------------------------------------------- a cluster of processes
def _start(args: list[str], folder: Path, env: dict) -> subprocess.Popen:
    folder.mkdir(parents=True)
    (folder / "tmp").mkdir()
    env = env | {"TMPDIR": str(folder / "tmp"), "HOME": str(folder), "DASK_TEMPORARY_DIRECTORY": str(folder / "tmp")}
    return subprocess.Popen(args, cwd=folder, env=env, stdout=(folder / "log.txt").open("wb"), stderr=subprocess.STDOUT)


def _wait_for_workers(address: str, n: int, env: dict) -> None:
    probe = ("import sys; from dask.distributed import Client; c = Client(sys.argv[1], timeout=30); "
             f"c.wait_for_workers({n}, timeout=60); c.close()")
    subprocess.run([sys.executable, "-c", probe, address], env=env, check=True, timeout=START_TIMEOUT_S + 30)


@pytest.mark.slow
def test_a_cluster_of_separate_processes_gives_the_local_run_byte_for_byte(s3_env, tmp_path):
    """A scheduler and two workers, each its own process in its own folder with its own temporary
    space; the client in a third. They share nothing but 127.0.0.1 and the object store, as hosts would.
    The run keeps its simulation in the object store, and everything that reads a run reads it there."""
    object_store = s3_env
    env = object_store.env()
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [_start([*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], tmp_path / "scheduler",
                    env)]
    for k in range(2):
        folder = tmp_path / f"worker-{k}"
        procs.append(_start([sys.executable, "-m", "distributed.cli.dask_worker", address, "--host", "127.0.0.1",
                             "--nthreads", "1", "--no-dashboard", "--local-directory", str(folder / "dask")],
                            folder, env))
    try:
        _wait_for_workers(address, 2, env)
        client = tmp_path / "client"
        client.mkdir()
        clustered = leodc("run", "builtin:default", "--out", client / "runs", "--cluster", address, "--data",
                          f"s3://{object_store.bucket}/cluster", *sets(*TINY_RUN), "--json", env=env, cwd=client)
        assert clustered.returncode == 0, clustered.stderr
        alone = leodc("run", "builtin:default", "--out", tmp_path / "alone", *sets(*TINY_RUN), "--json", env=env)
        assert alone.returncode == 0, alone.stderr
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    a, b = json.loads(clustered.stdout), json.loads(alone.stdout)
    there = stored_files(object_store, f"cluster/{a['id']}/simulation")
    here = local_files(tmp_path / "alone" / b["id"] / "simulation")
    assert sorted(there) == sorted(here) and all(there[n] == here[n] for n in here)
    for name in ("network/latency.parquet", "workload/requests.parquet"):
        assert (client / "runs" / a["id"] / name).read_bytes() == (tmp_path / "alone" / b["id"] / name).read_bytes()
    assert a["metrics"] == b["metrics"]
    progress = json.loads((client / "runs" / a["id"] / "progress.json").read_text())
    assert progress["executor"] == f"dask {address}" and progress["fraction"] == 1.0
    # the workers wrote nowhere but their own folders and the object store: no part reached the client's
    assert not list(client.rglob("parts"))
    _check_a_run_in_the_object_store(object_store, client / "runs", a["id"], "cluster")


# ---------------------------------------------------------------------------------------------- resume
def _stop_at(proc: subprocess.Popen, parts: Path, prefix: str) -> list[str]:
    """Freeze ``proc`` as soon as its parts folder holds a whole object (not one still being written under
    its temporary name) whose name starts with ``prefix``, then kill it; what the folder held then."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        names = os.listdir(parts) if parts.is_dir() else []
        if any(n.startswith(prefix) and not n.endswith(TMP_SUFFIX) for n in names):
            os.kill(proc.pid, signal.SIGSTOP)
            held = sorted(os.listdir(parts))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return held
        assert proc.poll() is None, proc.communicate()
        time.sleep(POLL_S)
    raise AssertionError("no checkpoint appeared")


@pytest.mark.slow
def test_a_simulation_killed_in_the_middle_of_a_chunk_resumes_to_the_same_bytes(tmp_path):
    args = ["builtin:default", "--timeseries-satellites", "3", "--checkpoint-s", "0", *sets(*SLOW), "--json"]
    whole = leodc("simulate", *args, "--out", tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "leodc", "simulate", *args, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    held = _stop_at(proc, tmp_path / "killed.partial" / "parts", "chunk-00000.ckpt-")
    assert "chunk-00000.npz" not in held  # killed inside chunk 0 ...
    assert any(n.startswith("series-00000-") for n in held)  # ... with part of its time series cut into a segment
    resumed = leodc("simulate", *args, "--out", out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert local_files(out) == local_files(tmp_path / "whole")
    assert manifest((out / "manifest.json").read_bytes()) == manifest((tmp_path / "whole" / "manifest.json")
                                                                      .read_bytes())
    assert not (tmp_path / "killed.partial").exists()
    # a complete run, or one that never started, has nothing to resume: one line each
    one_line(leodc("simulate", *args, "--out", out, "--resume"), out, None, "complete; nothing to resume")
    one_line(leodc("simulate", *args, "--out", tmp_path / "never", "--resume"), tmp_path / "never", None,
             "no interrupted run")


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_retried_without_corrupting_the_output(tmp_path):
    from dask.distributed import Client, LocalCluster

    from leodc.scenario import load_scenario
    from leodc.simulate.engine import simulate

    sc = load_scenario("builtin:default", SLOW)  # twelve windows a chunk: the kill lands mid-chunk
    reference = simulate(sc, tmp_path / "alone", timeseries=True, timeseries_satellites=3)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = client.run(os.getpid)  # {worker address: its process}
        out = tmp_path / "clustered"
        box = {}
        thread = threading.Thread(target=lambda: box.update(result=simulate(
            sc, out, timeseries=True, timeseries_satellites=3, cluster=cluster.scheduler_address, checkpoint_s=0.0)))
        thread.start()
        parts = tmp_path / "clustered.partial" / "parts"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (parts.is_dir() and any(".ckpt-" in n for n in os.listdir(parts))):
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(POLL_S)
        busy = [address for address, tasks in client.processing().items() if tasks]
        os.kill(pids[busy[0]], signal.SIGKILL)  # a worker dies with a chunk half flown
        thread.join(timeout=300)
    assert "result" in box
    assert local_files(out) == local_files(tmp_path / "alone")
    assert box["result"].fleet_sunlit_fraction == reference.fleet_sunlit_fraction


@pytest.mark.slow
def test_leodc_run_resume_continues_a_killed_run_to_the_same_result(tmp_path):
    home = tmp_path / "runs"
    args = ["builtin:default", "--out", str(home), *sets(*RESUMED_RUN), "--json"]
    proc = subprocess.Popen([sys.executable, "-m", "leodc", "run", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (home.is_dir() and any(home.glob("*/simulation.partial/parts"))):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(POLL_S)
    run_dir = next(home.glob("*/simulation.partial")).parent
    # the pipeline saves a chunk's state every minute: these chunks take a second, so the kill falls
    # after chunk 0's result and before chunk 1's
    held = _stop_at(proc, run_dir / "simulation.partial" / "parts", "chunk-00000.npz")
    assert "chunk-00001.npz" not in held
    assert RunStore(home).get(run_dir.name).status == "failed"  # the killed run is not shown running
    resumed = leodc("run", "--resume", run_dir.name, "--out", home, "--json")
    assert resumed.returncode == 0, resumed.stderr
    record = json.loads(resumed.stdout)
    assert record["id"] == run_dir.name and record["status"] == "complete"
    assert RunLayout(run_dir).missing() == []
    whole = leodc("run", *args)
    assert whole.returncode == 0, whole.stderr
    other = json.loads(whole.stdout)
    assert record["metrics"] == other["metrics"]
    assert local_files(run_dir / "simulation") == local_files(home / other["id"] / "simulation")
    progress = json.loads((run_dir / "progress.json").read_text())
    assert progress["stage"] == "network"  # the last time-domain stage's record
    assert json.loads((run_dir / "simulation" / "manifest.json").read_text())["resumed_chunks"] == 1
    one_line(leodc("run", "--resume", run_dir.name, "--out", home), home / "catalog.duckdb", "run id",
             "is complete")


# ---------------------------------------------------------------------------------------------- bad input
def _quick_one_line(args, env, *fragments):
    t0 = time.monotonic()
    done = leodc(*args, env=env, timeout=60)
    took = time.monotonic() - t0
    assert done.returncode == EXIT_BAD_INPUT, (done.stdout, done.stderr)
    assert took < ANSWER_WITHIN_S, took
    line = done.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def test_bad_cluster_and_storage_input_is_one_line_within_seconds(object_store, tmp_path):
    env = object_store.env()
    home = tmp_path / "runs"
    run = ["run", "builtin:default", "--out", home, *sets(*TINY_RUN), "--json"]
    sim = ["simulate", "builtin:default", *sets(*FLEET)]
    _quick_one_line([*run, "--cluster", "tcp://127.0.0.1:1"], env, "no Dask scheduler answered")
    _quick_one_line([*sim, "--out", "s3:/leodc-runs/x"], env, "is not a URL")
    _quick_one_line([*run, "--data", "s3://no-such-bucket/x"], env, "does not exist")
    _quick_one_line([*sim, "--out", f"s3://{object_store.bucket}/x"], env | {"AWS_SECRET_ACCESS_KEY": "wrong"},
                    "refused the credentials")
    _quick_one_line(["run", "--resume", "20260101T000000-abcdef", "--out", home], env, "no run")
    # nothing was stored by any of them: no run in the catalog, nothing in the bucket
    assert RunStore(home).list() == []
    assert not object_store.keys("x/")


@pytest.mark.parametrize(("where", "env", "fragment"), [
    ("nosuch://bucket/x", {}, "unknown storage scheme"),
    ("s3://", {}, "names no bucket"),
    ("s3://{bucket}/x", {"AWS_ACCESS_KEY_ID": "AKIANOSUCHKEY"}, "refused the credentials"),
    ("s3://{bucket}/x", {"AWS_ENDPOINT_URL": "http://127.0.0.1:1"}, "no object store answered"),
])
def test_a_storage_location_that_cannot_be_written_is_refused(s3_env, monkeypatch, where, env, fragment):
    """The same checks in this process (the CLI cases above go through them)."""
    from leodc.errors import InputError
    from leodc.storage import open_location

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    t0 = time.monotonic()
    with pytest.raises(InputError, match=fragment):
        open_location(where.format(bucket=s3_env.bucket), "--out")
    assert time.monotonic() - t0 < ANSWER_WITHIN_S


@pytest.mark.parametrize("fleet", [FLEET, ["constellation.tle_file=" + str(Path(__file__).parent / "data" /
                                                                          "celestrak-stations-2023-07-07.tle"),
                                          "simulation.propagator=sgp4"]])
def test_a_chunk_stored_for_a_worker_reads_back_equal(tmp_path, fleet):
    """What a Dask task carries is a reference; the chunk it reads back from the store is the one planned."""
    import numpy as np

    from leodc.scenario import load_scenario
    from leodc.simulate.engine import load_task, plan, store_task

    tasks, _, _ = plan(load_scenario("builtin:default", fleet))
    task = replace(tasks[-1], parts=str(tmp_path / "parts"), checkpoint_s=60.0)
    back = load_task(store_task(task))
    for f in fields(task):
        mine, theirs = getattr(task, f.name), getattr(back, f.name)
        if isinstance(mine, np.ndarray):
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), f.name
        elif f.name == "tle_lines" and mine is not None:
            assert [tuple(x) for x in theirs] == [tuple(x) for x in mine]
        else:
            assert theirs == mine, f.name
