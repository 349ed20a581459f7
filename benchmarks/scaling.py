"""How the simulation scales across Dask workers, and what 10^6 satellites x 1 year at 60 s would take on
N hosts.

Measured in one run, on one scenario (the bundled default's 53 deg shell with N satellites, D days at
``--step-s``, chunks of ``--chunk-satellites``), through the public ``simulate(scenario, out_dir, ...)``:

- (a) the local executor (chunks in this process; the numba kernel threads over the chunk's satellites),
- (b) a Dask LocalCluster of 1 worker process, (c) of 2 worker processes; each cluster is started outside
  the timed region (its start is printed apart) and warmed by a small run on it, and numba's JIT is warmed
  in this process first, so compile and cache-load times are not measured;
- the model's inputs: the per-task overhead of the Dask executor (``run_tasks`` on K trivial tasks on the
  1-worker cluster, less the same call with one task, per task); the bytes a task carries to a worker
  (pickled ChunkTask, protocol 5), a chunk's result (pickled ChunkResult, from ``run_chunk``), what the
  chunks leave in the run's working folder while it runs (its ``parts/``: the finished chunks, which the
  driver reads back; the most it held at any progress report) and each output file, each fitted as
  ``fixed + per satellite x n + per step x m`` on three small one-chunk runs; the time to lay the fleet out
  (``plan``), which the driver does alone; the compute rate per worker from (b).

The model (``hours``): per-task compute in waves of N tasks at the per-host rate (the rate measured on
this machine's cores with one worker, scaled linearly by the host's cores), plus the tasks' Dask overhead
shared by N hosts, plus the bytes through the driver's one link (tasks out, the chunks' results read back,
the output files written), plus the bytes through each host's link (its chunks' parts and checkpoints
written), plus the driver's serial fleet layout. Wall-clock seconds throughout (the machine may be shared).

``--write-docs`` rewrites the Scaling section of docs/performance.md (between its markers) from what was
measured.

    .venv/bin/python benchmarks/scaling.py --write-docs
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import pickle
import platform
import resource
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from docs_section import write_section
from leodc.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE
from leodc.scenario import Scenario, load_scenario
from leodc.simulate.engine import plan, run_chunk, simulate
from leodc.simulate.executors import dask_client, run_tasks

DOCS = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
BEGIN, END = "<!-- scaling.py -->", "<!-- /scaling.py -->"

# the measured run (flags override them): 100,000 satellites x 1 day at 60 s in 10 chunks
DEFAULT_SATELLITES = 100_000
DEFAULT_DAYS = 1.0
DEFAULT_STEP_S = 60.0
DEFAULT_CHUNK_SATELLITES = 10_000
# a 53 deg shell at 550 km (a third of its steps in shadow), as benchmarks/simulate_rate.py flies
SHELL_OVERRIDES = ("orbit.kind=inclined", "orbit.altitude_km=550", "orbit.inclination_deg=53")
# numba's JIT (and each worker's load of its on-disk cache) is warmed on this small run, untimed
WARM_SATELLITES = 10
WARM_DAYS = 0.01
DASK_WORKER_COUNTS = (1, 2)  # LocalCluster sizes measured: (b) and (c)
REPEATS = 2  # timed runs per executor, taking turns, the fastest kept (--repeats): the machine may be shared
# a 1-minute load average above this per core as the benchmark begins: others are running too (said so)
SHARED_LOAD_PER_CORE = 0.5

# the Dask executor's per-task overhead: K trivial tasks through run_tasks, less one task, per task
OVERHEAD_TASKS = 200
OVERHEAD_REPEATS = 3  # the fastest of this many, for each of the two calls

# the byte fits: a fleet of FIT_SATELLITES and twice as many, FIT_DAYS and twice as long, one chunk each
FIT_SATELLITES = 5_000
FIT_DAYS = 0.5
PICKLE_PROTOCOL = 5
# where simulate writes a local run until it completes (``OUT.partial``, renamed to OUT; its docstring)
PARTIAL_SUFFIX = ".partial"

# the projection: 10^6 satellites x 1 year at 60 s, time series off
TARGET_SATELLITES = 1_000_000
TARGET_DAYS = 365.0
TARGET_STEP_S = 60.0
PROJECTED_HOSTS = (1, 2, 4, 8, 16, 32, 64)
# Hosts of this many cores (--host-cores): a common mid-size cloud VM (e.g. 16 vCPUs). The rate per host
# is the 1-worker rate measured here scaled linearly by cores (the kernel threads over satellites, which
# are independent; linear is the optimistic bound). The table also gives hosts like this machine's (no
# scaling by cores at all).
DEFAULT_HOST_CORES = 16
# Each host's link to the object store (--bandwidth-gbit-s): 1 Gbit/s, the baseline network of small cloud
# VMs and a conservative figure for one host's throughput to an object store. The driver's link carries
# the tasks out, every chunk's result read back and the output files; each worker's link its own chunks'
# parts and checkpoints (the store itself is assumed not to be the bottleneck).
DEFAULT_BANDWIDTH_GBIT_S = 1.0
BITS_PER_BYTE = 8
BITS_PER_GBIT = 1e9
BYTES_PER_KB = 1e3
BYTES_PER_MB = 1e6
BYTES_PER_GB = 1e9
MS_PER_S = 1e3
NS_PER_S = 1e9
MINUTES_PER_HOUR = 60


# ---------------------------------------------------------------------------------------------- scenarios
def scenario_of(satellites: int, days: float, step_s: float, chunk_satellites: int) -> Scenario:
    return load_scenario("builtin:default", [*SHELL_OVERRIDES, f"fleet.target_satellites={satellites}",
                                             f"simulation.days={days}", f"simulation.step_s={step_s}",
                                             f"simulation.chunk_satellites={chunk_satellites}"])


def n_steps_of(days: float, step_s: float) -> int:
    return max(1, round(days * SECONDS_PER_DAY / step_s))


def file_bytes(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except FileNotFoundError:  # removed while we looked
        return 0


def dir_bytes(path: Path) -> dict[str, int]:
    """Bytes under each top-level entry of a run directory (a folder's files summed)."""
    return {entry.name: file_bytes(entry) if entry.is_file() else sum(map(file_bytes, entry.rglob("*")))
            for entry in sorted(path.iterdir())}


class PeakBytes:
    """The most bytes each top-level entry of a local run's working folder (``OUT.partial``) held at any of
    simulate's progress reports (``on_progress``, as each chunk finishes): what the chunks wrote there as
    they went, including what the run removes when it completes."""

    def __init__(self, out: Path):
        self.work = out.with_name(out.name + PARTIAL_SUFFIX)
        self.peak: dict[str, int] = {}

    def __call__(self, **_progress) -> None:
        if self.work.is_dir():
            for name, size in dir_bytes(self.work).items():
                self.peak[name] = max(self.peak.get(name, 0), size)


@dataclass
class Timed:
    wall_s: float
    satellites: int
    steps: int
    files_bytes: dict[str, int]
    cpu_s: float  # CPU seconds of the processes that ran the chunks (this one, or the Dask workers)

    @property
    def sat_steps(self) -> int:
        return self.satellites * self.steps

    @property
    def sat_steps_per_s(self) -> float:
        return self.sat_steps / self.wall_s


def process_cpu_s() -> float:
    """This process's CPU seconds, all its threads (numba's included), user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_run(scenario: Scenario, out: Path, models: tuple[str, ...] | None, cpu_s: Callable[[], float],
              **executor) -> Timed:
    """``simulate`` end to end (plan, chunks, parts, folding, Parquet), with the CPU seconds ``cpu_s()``
    counted over it."""
    cpu0, t0 = cpu_s(), time.perf_counter()
    result = simulate(scenario, out, models=models, **executor)
    wall, cpu = time.perf_counter() - t0, cpu_s() - cpu0
    timed = Timed(wall, result.satellites, result.steps, dir_bytes(out), cpu)
    shutil.rmtree(out)
    return timed


def warm(work: Path, name: str, models: tuple[str, ...] | None, **executor) -> None:
    """A small run, untimed: numba compiles (or loads its cache) where the chunks will run."""
    out = work / f"warm-{name}"
    simulate(scenario_of(WARM_SATELLITES, WARM_DAYS, DEFAULT_STEP_S, WARM_SATELLITES), out, models=models,
             **executor)
    shutil.rmtree(out)


# ---------------------------------------------------------------------------------------------- Dask overhead
@dataclass(frozen=True)
class NoopTask:
    index: int


@dataclass(frozen=True)
class NoopResult:
    index: int
    work: int = 0


def noop(task: NoopTask, progress: Callable[[int], None] | None = None) -> NoopResult:
    """A task that does nothing: what the executor costs per task."""
    return NoopResult(task.index)


def run_noops(address: str, n: int) -> float:
    """Wall seconds of ``run_tasks`` on ``n`` trivial tasks on the scheduler at ``address`` (its client's
    connection included), the fastest of ``OVERHEAD_REPEATS``."""
    best = math.inf
    for _ in range(OVERHEAD_REPEATS):
        t0 = time.perf_counter()
        results = list(run_tasks(noop, [NoopTask(i) for i in range(n)], cluster=address))
        best = min(best, time.perf_counter() - t0)
        assert [r.index for r in results] == list(range(n))
    return best


def dask_overhead(address: str) -> dict:
    """Per task: (K tasks - 1 task) / (K - 1); per call: the one-task call (connecting a client included)."""
    one = run_noops(address, 1)
    many = run_noops(address, OVERHEAD_TASKS)
    return {"tasks": OVERHEAD_TASKS, "per_call_s": one, "per_task_s": max(0.0, (many - one) / (OVERHEAD_TASKS - 1))}


def worker_numba_threads(client) -> list[int]:
    """How many threads numba runs on in each worker process."""

    def threads() -> int:
        import numba

        return numba.get_num_threads()

    return sorted(client.run(threads).values())


@dataclass
class Executor:
    """Where a timed run's chunks go (``simulate``'s keyword arguments), the CPU seconds of the processes that
    run them, and the fastest run there so far."""

    name: str
    kwargs: dict
    cpu_s: Callable[[], float] = process_cpu_s
    cluster_start_s: float | None = None
    numba_threads: list[int] = field(default_factory=list)
    best: Timed | None = None

    def run(self, scenario: Scenario, work: Path, k: int, models: tuple[str, ...] | None) -> None:
        timed = timed_run(scenario, work / f"{self.name}-{k}", models, self.cpu_s, **self.kwargs)
        if self.best is None or timed.wall_s < self.best.wall_s:
            self.best = timed


def start_cluster(workers: int, stack: ExitStack, work: Path, models: tuple[str, ...] | None) -> Executor:
    """A LocalCluster of ``workers`` processes, its start timed (apart from the runs), warmed by a small run;
    closed when ``stack`` closes."""
    t0 = time.perf_counter()
    client, local = dask_client(workers, None)
    start_s = time.perf_counter() - t0
    stack.callback(local.close)
    stack.callback(client.close)  # the client first, then its cluster

    def workers_cpu_s() -> float:
        return sum(client.run(process_cpu_s).values())

    executor = Executor(f"dask{workers}", {"cluster": local.scheduler_address}, workers_cpu_s, start_s,
                        worker_numba_threads(client))
    warm(work, executor.name, models, **executor.kwargs)
    return executor


def race(executors: list[Executor], scenario: Scenario, work: Path, repeats: int,
         models: tuple[str, ...] | None) -> float:
    """Each executor's run ``repeats`` times, the executors taking turns (a busy spell of a shared machine
    falls on all of them alike), the fastest kept; returns the highest 1-minute load average seen after a run."""
    load = 0.0
    for k in range(repeats):
        for executor in executors:
            executor.run(scenario, work, k, models)
            load = max(load, os.getloadavg()[0])
    return load


# ---------------------------------------------------------------------------------------------- byte fits
@dataclass(frozen=True)
class Linear:
    """Bytes as ``fixed + per_satellite * n + per_step * m``, fitted exactly on three measured points."""

    fixed_bytes: float
    per_satellite_bytes: float
    per_step_bytes: float

    @classmethod
    def fit(cls, points: list[tuple[int, int, float]]) -> Linear:
        a = np.array([[1.0, n, m] for n, m, _ in points])
        b = np.array([y for _, _, y in points])
        return cls(*(float(x) for x in np.linalg.solve(a, b)))

    def __call__(self, n: float, m: float) -> float:
        return self.fixed_bytes + self.per_satellite_bytes * n + self.per_step_bytes * m


def byte_fits(step_s: float, models: tuple[str, ...] | None, work: Path) -> dict:
    """A task pickled, a chunk's result pickled, what the run's working folder held and then removed (the
    parts), and each output file, as functions of the chunk's (or fleet's) satellites and steps: three
    small one-chunk runs (n, m), (2n, m), (n, 2m)."""
    shapes = [(FIT_SATELLITES, FIT_DAYS), (2 * FIT_SATELLITES, FIT_DAYS), (FIT_SATELLITES, 2 * FIT_DAYS)]
    task_pts, result_pts, scratch_pts, file_pts = [], [], [], []
    for k, (sats, days) in enumerate(shapes):
        scenario = scenario_of(sats, days, step_s, 2 * sats)  # one chunk
        tasks, _, m = plan(scenario, models=models)
        assert len(tasks) == 1
        result = run_chunk(tasks[0])  # in memory, as planned (no parts folder)
        n = result.sat_steps // m
        task_pts.append((n, m, len(pickle.dumps(tasks[0], protocol=PICKLE_PROTOCOL))))
        result_pts.append((n, m, len(pickle.dumps(result, protocol=PICKLE_PROTOCOL))))
        out = work / f"fit-{k}"
        peak = PeakBytes(out)
        simulate(scenario, out, models=models, on_progress=peak)
        files = dir_bytes(out)
        file_pts.append((n, m, files))
        scratch_pts.append((n, m, {name: size for name, size in peak.peak.items() if name not in files}))
        shutil.rmtree(out)

    def fits(points: list) -> dict[str, Linear]:
        names = sorted(set().union(*(f for _, _, f in points)))
        return {name: Linear.fit([(n, m, f.get(name, 0)) for n, m, f in points]) for name in names}

    return {"task": Linear.fit(task_pts), "result": Linear.fit(result_pts), "scratch": fits(scratch_pts),
            "files": fits(file_pts)}


# ---------------------------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Inputs:
    """What the projection rests on, measured here, and its stated assumptions."""

    rate_per_core_sat_steps_per_s: float  # (b)'s compute rate over this machine's cores
    overhead_per_task_s: float
    overhead_per_call_s: float
    plan_s_per_satellite: float  # the driver's fleet layout, serial
    task: Linear  # pickled ChunkTask, per chunk
    result: Linear  # pickled ChunkResult, per chunk: what travels back when no parts are written
    scratch: dict[str, Linear]  # the working folder's parts, per (one-chunk) run
    files: dict[str, Linear]  # the output files, per run
    checkpoint_s: float  # simulate's default wall seconds between a chunk's checkpoints
    host_cores: int  # assumption: cores per host, the rate scaled linearly by them
    bandwidth_bytes_per_s: float  # assumption: each host's link to the object store

    @property
    def writes_parts(self) -> bool:
        """Chunks leave their results in the run's parts folder (read back by the driver) rather than hand
        them back through Dask."""
        return bool(self.scratch)

    def part_bytes(self, chunk_satellites: int, steps: int) -> float:
        """One chunk's result as it travels: its part in the store, else its pickled ChunkResult."""
        if self.writes_parts:
            return sum(max(0.0, fit(chunk_satellites, steps)) for fit in self.scratch.values())
        return self.result(chunk_satellites, steps)


@dataclass(frozen=True)
class Job:
    satellites: int
    steps: int
    chunk_satellites: int

    @property
    def tasks(self) -> int:
        return math.ceil(self.satellites / self.chunk_satellites)


def host_rate_sat_steps_per_s(inp: Inputs, cores: int) -> float:
    """One host's compute rate: one worker per host, the kernel threading over its cores; the rate per core
    measured here times the host's cores (linear: the optimistic bound)."""
    return inp.rate_per_core_sat_steps_per_s * cores


def chunk_s(inp: Inputs, job: Job, cores: int) -> float:
    """One chunk's compute on one host."""
    return job.chunk_satellites * job.steps / host_rate_sat_steps_per_s(inp, cores)


def waves(job: Job, hosts: int) -> int:
    """Chunks run one per host at a time: the rounds it takes (the last may be partly idle)."""
    return math.ceil(job.tasks / hosts)


def compute_s(inp: Inputs, job: Job, hosts: int, cores: int) -> float:
    """The chunks in waves of ``hosts``: at least the ideal ``satellite-steps / (hosts x host rate)``."""
    return waves(job, hosts) * chunk_s(inp, job, cores)


def overhead_s(inp: Inputs, job: Job, hosts: int) -> float:
    """The Dask executor's cost per task, shared by the hosts, and once per run (connecting the client)."""
    return job.tasks * inp.overhead_per_task_s / hosts + inp.overhead_per_call_s


def checkpoints_per_chunk(inp: Inputs, job: Job, cores: int) -> int:
    """A chunk saves its state every ``checkpoint_s`` of its flight (none when it finishes sooner)."""
    return math.floor(chunk_s(inp, job, cores) / inp.checkpoint_s) if math.isfinite(inp.checkpoint_s) else 0


def data_bytes(inp: Inputs, job: Job) -> dict:
    """Bytes through the driver's link: tasks out, every chunk's result back (read from the parts, or
    handed back by Dask), the output files written; and the parts the workers write, all hosts together."""
    tasks = job.tasks * inp.task(job.chunk_satellites, job.steps)
    results = job.tasks * inp.part_bytes(job.chunk_satellites, job.steps)
    files = {name: max(0.0, fit(job.satellites, job.steps)) for name, fit in inp.files.items()}
    driver = tasks + results + sum(files.values())
    return {"tasks_out": tasks, "results_back": results, "files_written": sum(files.values()), "driver": driver,
            "parts_written_by_workers": results if inp.writes_parts else 0.0, "files": files}


def driver_data_s(inp: Inputs, job: Job) -> float:
    """The driver's bytes through its one link (not shared by the hosts)."""
    return data_bytes(inp, job)["driver"] / inp.bandwidth_bytes_per_s


def worker_data_s(inp: Inputs, job: Job, hosts: int, cores: int) -> float:
    """The busiest host's writes through its own link: its chunks' parts, and as many checkpoints of each
    (a checkpoint taken as large as the part: the chunk's state and its whole fleet series)."""
    if not inp.writes_parts:
        return 0.0
    per_chunk = inp.part_bytes(job.chunk_satellites, job.steps) * (1 + checkpoints_per_chunk(inp, job, cores))
    return waves(job, hosts) * per_chunk / inp.bandwidth_bytes_per_s


def serial_s(inp: Inputs, job: Job) -> float:
    """The driver lays the fleet out alone before any chunk runs."""
    return inp.plan_s_per_satellite * job.satellites


def hours(inp: Inputs, job: Job, hosts: int, cores: int) -> dict[str, float]:
    """Projected wall hours on ``hosts`` hosts of ``cores`` cores: compute + Dask overhead + the driver's
    bytes + the busiest worker's bytes + the driver's serial layout, summed (nothing overlapped: an upper
    estimate on the model's terms)."""
    parts = {"compute_h": compute_s(inp, job, hosts, cores), "overhead_h": overhead_s(inp, job, hosts),
             "driver_data_h": driver_data_s(inp, job), "worker_data_h": worker_data_s(inp, job, hosts, cores),
             "serial_h": serial_s(inp, job)}
    parts = {k: v / SECONDS_PER_HOUR for k, v in parts.items()}
    return parts | {"total_h": sum(parts.values())}


# ---------------------------------------------------------------------------------------------- the run
def main() -> None:
    parser = argparse.ArgumentParser(description="Simulation throughput on 1 and 2 Dask workers; hours for "
                                                 "10^6 satellites x 1 year on N hosts.")
    parser.add_argument("--satellites", type=int, default=DEFAULT_SATELLITES)
    parser.add_argument("--days", type=float, default=DEFAULT_DAYS)
    parser.add_argument("--step-s", type=float, default=DEFAULT_STEP_S)
    parser.add_argument("--chunk-satellites", type=int, default=DEFAULT_CHUNK_SATELLITES)
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed runs per executor (the fastest)")
    parser.add_argument("--without-models", action="store_true",
                        help="fly without the space-environment models (default: with them, as simulate does)")
    parser.add_argument("--host-cores", type=int, default=DEFAULT_HOST_CORES)
    parser.add_argument("--bandwidth-gbit-s", type=float, default=DEFAULT_BANDWIDTH_GBIT_S)
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    m = measure(args)
    print(json.dumps(m, indent=2) if args.json else "\n".join(report(m)))
    if args.write_docs:
        write_section(DOCS, BEGIN, END, section(m))


def measure(args: argparse.Namespace) -> dict:
    models = () if args.without_models else None
    scenario = scenario_of(args.satellites, args.days, args.step_s, args.chunk_satellites)
    cores_here = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="leodc-scaling-"))
    try:
        with ExitStack() as stack:
            warm(work, "local", models)
            t0 = time.perf_counter()
            tasks, _, _ = plan(scenario, models=models)
            plan_s = time.perf_counter() - t0
            task_bytes = [len(pickle.dumps(t, protocol=PICKLE_PROTOCOL)) for t in tasks]
            del tasks
            local = Executor("local", {})
            one, two = (start_cluster(w, stack, work, models) for w in DASK_WORKER_COUNTS)
            load_runs = race([local, one, two], scenario, work, args.repeats, models)
            overhead = dask_overhead(one.kwargs["cluster"])
        fits = byte_fits(args.step_s, models, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    b = one.best
    # (b)'s compute rate per core: satellite-steps over the worker's CPU seconds (its numba threads
    # included), which a shared machine does not depress as it does wall time; beside it the wall-clock
    # figure, (b)'s wall less the driver's fleet layout, over this machine's cores
    rate_per_core = b.sat_steps / b.cpu_s
    compute_wall_s = b.wall_s - plan_s
    assert compute_wall_s > 0, (b.wall_s, plan_s)
    rate_per_core_wall = b.sat_steps / compute_wall_s / cores_here
    inp = Inputs(rate_per_core, overhead["per_task_s"], overhead["per_call_s"],
                 plan_s / b.satellites, fits["task"], fits["result"], fits["scratch"], fits["files"],
                 inspect.signature(simulate).parameters["checkpoint_s"].default, args.host_cores,
                 args.bandwidth_gbit_s * BITS_PER_GBIT / BITS_PER_BYTE)
    job = Job(TARGET_SATELLITES, n_steps_of(TARGET_DAYS, TARGET_STEP_S), args.chunk_satellites)
    projection = [{"hosts": n, "host_cores": args.host_cores, **hours(inp, job, n, args.host_cores),
                   "checkpoints_per_chunk": checkpoints_per_chunk(inp, job, args.host_cores),
                   "total_h_hosts_like_this_one": hours(inp, job, n, cores_here)["total_h"]}
                  for n in PROJECTED_HOSTS]
    speedup = b.wall_s / two.best.wall_s

    def run_dict(t: Timed) -> dict:
        return {"wall_s": t.wall_s, "sat_steps_per_s": t.sat_steps_per_s, "cpu_s": t.cpu_s,
                "files_bytes": t.files_bytes}

    def cluster_dict(c: Executor) -> dict:
        return run_dict(c.best) | {"cluster_start_s": c.cluster_start_s, "numba_threads_per_worker": c.numba_threads}

    return {
        "command": shlex.join([".venv/bin/python", "benchmarks/scaling.py", *sys.argv[1:]]),
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {cores_here} cores, Python {platform.python_version()}",
        "cores": cores_here,
        # the 1-minute load average as the benchmark began (others' work) and the most after a timed run (its
        # own runs included)
        "load_average_1min": {"start": round(load_before, 2), "max_after_runs": round(load_runs, 2)},
        "scenario": {"satellites": b.satellites, "days": args.days, "step_s": args.step_s, "steps": b.steps,
                     "chunk_satellites": args.chunk_satellites, "tasks": len(task_bytes),
                     "sat_steps": b.sat_steps, "models": "none" if models == () else "all (simulate's default)"},
        "measured": {
            "local": run_dict(local.best), "dask_1": cluster_dict(one), "dask_2": cluster_dict(two),
            "speedup_2_vs_1_workers": speedup,
            "parallel_efficiency_2_workers": speedup * DASK_WORKER_COUNTS[0] / DASK_WORKER_COUNTS[1],
            "dask_1_vs_local": local.best.wall_s / b.wall_s,
            "cpu_2_vs_1_workers": two.best.cpu_s / b.cpu_s,
            "repeats": args.repeats,
        },
        "inputs": {
            "plan_s": plan_s, "plan_s_per_satellite": inp.plan_s_per_satellite,
            "dask_overhead_per_task_s": inp.overhead_per_task_s, "dask_overhead_per_call_s": inp.overhead_per_call_s,
            "overhead_tasks": OVERHEAD_TASKS,
            "task_bytes_per_satellite": sum(task_bytes) / b.satellites,
            "task_bytes_mean": sum(task_bytes) / len(task_bytes),
            "result_bytes_per_chunk_here": inp.result(args.chunk_satellites, b.steps),
            "part_bytes_per_chunk_here": inp.part_bytes(args.chunk_satellites, b.steps),
            "writes_parts": inp.writes_parts,
            "fits_bytes": {"task": vars(inp.task), "result": vars(inp.result),
                           "scratch": {k: vars(v) for k, v in inp.scratch.items()},
                           "files": {k: vars(v) for k, v in inp.files.items()}},
            "compute_wall_s_per_sat_step_per_worker": 1.0 / (rate_per_core_wall * cores_here),
            "rate_per_core_wall_sat_steps_per_s": rate_per_core_wall,
            "compute_cpu_s_per_sat_step": 1.0 / rate_per_core,
            "rate_per_core_sat_steps_per_s": rate_per_core,
            "checkpoint_s": inp.checkpoint_s,
        },
        "assumptions": {"host_cores": args.host_cores, "bandwidth_gbit_s": args.bandwidth_gbit_s,
                        "one_worker_per_host": True, "rate_linear_in_cores": True,
                        "driver_link_carries_tasks_results_files": True, "checkpoint_bytes_as_part": True,
                        "terms_summed_no_overlap": True},
        "target": {"satellites": job.satellites, "days": TARGET_DAYS, "step_s": TARGET_STEP_S, "steps": job.steps,
                   "sat_steps": job.satellites * job.steps, "tasks": job.tasks, "timeseries": False,
                   "chunk_s_per_host": chunk_s(inp, job, args.host_cores)},
        "data_bytes": data_bytes(inp, job),
        "projection": projection,
    }


# ---------------------------------------------------------------------------------------------- output
def mb(n: float) -> str:
    return f"{n / BYTES_PER_MB:,.1f} MB"


def gb(n: float) -> str:
    return f"{n / BYTES_PER_GB:,.2f} GB"


def fit_text(f: dict) -> str:
    return (f"{f['fixed_bytes']:,.0f} + {f['per_satellite_bytes']:.1f}/satellite + "
            f"{f['per_step_bytes']:.1f}/step")


MEASURED_HEAD = ["executor", "wall", "satellite-steps/s", "CPU of the chunks' processes", "cores busy (CPU / wall)",
                 "cluster start (untimed)", "numba threads per worker"]


def measured_rows(m: dict) -> list[list[str]]:
    me = m["measured"]
    rows = []
    for key, label in (("local", "(a) local executor, in-process"), ("dask_1", "(b) Dask LocalCluster, 1 worker"),
                       ("dask_2", "(c) Dask LocalCluster, 2 workers")):
        r = me[key]
        start = f"{r['cluster_start_s']:.2f} s" if "cluster_start_s" in r else "-"
        threads = ", ".join(map(str, r.get("numba_threads_per_worker", []))) or "-"
        rows.append([label, f"{r['wall_s']:.2f} s", f"{r['sat_steps_per_s']:,.0f}", f"{r['cpu_s']:.2f} s",
                     f"{r['cpu_s'] / r['wall_s']:.2f}", start, threads])
    return rows


def projection_head(m: dict) -> list[str]:
    return ["hosts", f"compute ({m['assumptions']['host_cores']}-core hosts)", "Dask overhead",
            "driver's bytes", "busiest worker's bytes", "fleet layout (driver)", "total",
            "speed-up vs 1 host", f"total, {m['cores']}-core hosts"]


def hm(h: float) -> str:
    """A duration given in hours, readably: ``h:mm h`` from an hour, minutes under it, seconds under a minute."""
    s = h * SECONDS_PER_HOUR
    if s < SECONDS_PER_MINUTE:
        return f"{s:.1f} s"
    if s < SECONDS_PER_HOUR:
        return f"{s / SECONDS_PER_MINUTE:.1f} min"
    minutes = round(s / SECONDS_PER_MINUTE)
    return f"{minutes // MINUTES_PER_HOUR}:{minutes % MINUTES_PER_HOUR:02d} h"


def projection_rows(m: dict) -> list[list[str]]:
    one = m["projection"][0]["total_h"]
    return [[str(p["hosts"]), hm(p["compute_h"]), hm(p["overhead_h"]), hm(p["driver_data_h"]),
             hm(p["worker_data_h"]), hm(p["serial_h"]), hm(p["total_h"]), f"{one / p['total_h']:.1f}x",
             hm(p["total_h_hosts_like_this_one"])]
            for p in m["projection"]]


def inputs_lines(m: dict) -> list[str]:
    i, s, d, t = m["inputs"], m["scenario"], m["data_bytes"], m["target"]
    f = i["fits_bytes"]
    files = ", ".join(f"{k} {mb(v)}" for k, v in d["files"].items())
    back = (f"the chunks' parts, written by the workers to the run's working folder and read back by the driver: "
            f"{'; '.join(f'{k} {fit_text(v)}' for k, v in f['scratch'].items())} "
            f"({mb(i['part_bytes_per_chunk_here'])} per chunk here)" if i["writes_parts"] else
            "no parts in the run's working folder: results travel back through Dask")
    return [
        f"- Dask overhead per task (K = {i['overhead_tasks']} trivial tasks through `run_tasks` on the 1-worker "
        f"cluster, less one task): {i['dask_overhead_per_task_s'] * MS_PER_S:.2f} ms; per call (client "
        f"connection): {i['dask_overhead_per_call_s'] * MS_PER_S:.0f} ms",
        f"- a chunk's input, which the driver sends to its worker (on a cluster through the store, "
        f"`parts/input-NNNNN.npz`, the task itself carrying a reference; measured as the pickled ChunkTask): "
        f"{i['task_bytes_per_satellite']:.0f} bytes per satellite "
        f"({i['task_bytes_mean'] / BYTES_PER_KB:,.0f} kB per task of {s['chunk_satellites']:,}); fitted: "
        f"{fit_text(f['task'])}",
        f"- a chunk's result (pickled ChunkResult): fitted {fit_text(f['result'])} "
        f"({mb(i['result_bytes_per_chunk_here'])} per chunk here)",
        f"- {back}",
        "- files written, fitted: " + "; ".join(f"{k} {fit_text(v)}" for k, v in f["files"].items()),
        "- compute per satellite-step per worker, from (b): "
        f"{i['compute_wall_s_per_sat_step_per_worker'] * NS_PER_S:.1f} ns wall on {m['cores']} cores (less the "
        f"driver's fleet layout, {i['plan_s']:.2f} s; "
        f"{i['rate_per_core_wall_sat_steps_per_s']:,.0f} satellite-steps/s per core), "
        f"{i['compute_cpu_s_per_sat_step'] * NS_PER_S:.1f} ns of the worker's CPU "
        f"({i['rate_per_core_sat_steps_per_s']:,.0f} satellite-steps/s per core: the rate the projection uses)",
        f"- projected job: {t['satellites']:,} satellites x {t['days']:g} days at {t['step_s']:g} s = "
        f"{t['sat_steps']:,} satellite-steps in {t['tasks']} tasks of {s['chunk_satellites']:,} "
        f"({hm(t['chunk_s_per_host'] / SECONDS_PER_HOUR)} each on a {m['assumptions']['host_cores']}-core host, "
        f"{m['projection'][0]['checkpoints_per_chunk']} checkpoint(s) each at simulate's default of one per "
        f"{i['checkpoint_s']:g} s); results: {files} (time series off), {gb(d['files_written'])} in all",
        f"- bytes through the driver's link {gb(d['driver'])} (tasks out {gb(d['tasks_out'])}, results back "
        f"{gb(d['results_back'])}, files {gb(d['files_written'])}); parts written by the workers "
        f"{gb(d['parts_written_by_workers'])}, all hosts together, checkpoints besides",
    ]


def assumptions_lines(m: dict) -> list[str]:
    a = m["assumptions"]
    return [
        f"- one Dask worker per host, the kernel threading over the host's cores; hosts of {a['host_cores']} cores "
        f"(a common mid-size cloud VM); the rate per host is the per-core rate measured here (satellite-steps per "
        "CPU second of the 1-worker run, which other work on a shared machine does not depress as it does wall "
        "time) times its cores: linear in cores, optimistic",
        "- chunks run in waves of N (one chunk per host at a time): ceil(tasks / N) x the time per chunk",
        f"- each host's link to the object store carries {a['bandwidth_gbit_s']:g} Gbit/s (a small cloud VM's "
        "baseline network; a conservative figure for one host's throughput to an object store), the store itself "
        "not the bottleneck; the driver's link carries the tasks out, every chunk's result back and the output "
        "files; each worker's its own chunks' parts and checkpoints, a checkpoint taken as large as the part",
        "- the driver lays the fleet out alone first (the measured `plan` time per satellite)",
        "- the terms are summed, nothing overlapped: an upper estimate on the model's terms; the cluster's start "
        "is not included",
        "- byte sizes are exact linear fits (fixed + per satellite + per step) on three small one-chunk runs, "
        "extrapolated",
    ]


def loaded(m: dict) -> bool:
    """Others were running too: the 1-minute load average as the benchmark began above ``SHARED_LOAD_PER_CORE``
    per core."""
    return m["load_average_1min"]["start"] > SHARED_LOAD_PER_CORE * m["cores"]


def ratio_lines(m: dict) -> list[str]:
    me = m["measured"]
    threads = me["dask_1"]["numba_threads_per_worker"]
    lines = [
        f"2 workers vs 1: {me['speedup_2_vs_1_workers']:.2f}x wall-clock speed-up, parallel efficiency "
        f"{me['parallel_efficiency_2_workers']:.0%}; the workers' CPU seconds {me['cpu_2_vs_1_workers']:.2f}x "
        f"(b)'s for the same work; 1 worker vs the local executor: {me['dask_1_vs_local']:.2f}x the rate.",
        f"This machine has {m['cores']} cores and the numba kernel already threads over satellites ({threads[0]} "
        "threads in each worker), so one worker already uses every core: 2 workers share the same cores and "
        "cannot be expected to double the rate here. What this measures is the executor's cost on one machine, "
        "not a multi-host speed-up; the projection takes the measured per-core rate and the measured per-task and "
        "per-byte costs to N hosts.",
    ]
    if loaded(m):
        lines.append(
            f"The machine was shared during this run (1-minute load average {m['load_average_1min']['start']:g} on "
            f"{m['cores']} cores as it began): the kernel's share of the cores is what the other work leaves, and 2 "
            "worker processes take a larger share of them than 1, so the wall-clock figures are low and the speed-up "
            "says more about that share than about Dask; the CPU seconds compare the work itself.")
    return lines


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    """Plain-text columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]

    def line(row: list[str]) -> str:
        return "  ".join(x.rjust(w) if k else x.ljust(w) for k, (x, w) in enumerate(zip(row, widths, strict=True)))

    return [line(head), line(["-" * w for w in widths]), *map(line, rows)]


def projection_title(m: dict) -> str:
    t = m["target"]
    return (f"Projected wall time for {t['satellites']:,} satellites x {t['days']:g} days at {t['step_s']:g} s "
            f"({t['sat_steps']:,} satellite-steps, time series off) on N hosts:")


def load_text(m: dict) -> str:
    load = m["load_average_1min"]
    return (f"1-minute load average {load['start']:g} as it began (others' work), at most {load['max_after_runs']:g} "
            f"after a timed run (its own included), on {m['cores']} cores"
            + (": others were running too" if loaded(m) else ""))


def report(m: dict) -> list[str]:
    s = m["scenario"]
    return [
        f"{m['machine']}, {m['when_utc']}; {load_text(m)}",
        f"{s['satellites']:,} satellites x {s['days']:g} day(s) at {s['step_s']:g} s ({s['sat_steps']:,} "
        f"satellite-steps), {s['tasks']} chunks of {s['chunk_satellites']:,}, models: {s['models']}", "",
        *table(MEASURED_HEAD, measured_rows(m)), "", *ratio_lines(m), "", "Model inputs, measured:",
        *inputs_lines(m), "", projection_title(m), *table(projection_head(m), projection_rows(m)), "",
        "Assumptions:", *assumptions_lines(m),
    ]


def markdown(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(r) + " |" for r in rows)]


def section(m: dict) -> list[str]:
    s = m["scenario"]
    return [
        "## Scaling", "",
        "Regenerated by `benchmarks/scaling.py --write-docs`; do not edit by hand.", "",
        f"Measured {m['when_utc']} on {m['machine']} with `{m['command']}`; {load_text(m)}. Wall-clock "
        "seconds; each Dask cluster started outside the timed region and warmed by a small run, numba's "
        "JIT warmed first.", "",
        f"{s['satellites']:,} satellites x {s['days']:g} day(s) at {s['step_s']:g} s ({s['sat_steps']:,} "
        f"satellite-steps), {s['tasks']} chunks of {s['chunk_satellites']:,}, models: {s['models']}; "
        "`simulate(scenario, out_dir, ...)` end to end (fleet layout, chunks, parts, Parquet).", "",
        *markdown(MEASURED_HEAD, measured_rows(m)), "", *(x for line in ratio_lines(m) for x in (line, "")),
        "Model inputs, measured:", "", *inputs_lines(m), "",
        projection_title(m), "", *markdown(projection_head(m), projection_rows(m)), "",
        "Assumptions:", "", *assumptions_lines(m), "",
    ]


if __name__ == "__main__":
    main()
