"""Runs started from the dashboard, admitted through a bounded queue.

Each run is a child process (``python -c`` calling :func:`job_main`), so the simulation neither
holds the server's GIL nor takes the server down with it. At most ``max_running`` children run at
once (by default half the cores, at least one: a run's simulation uses several threads, and the
server needs a core to answer); the runs beyond wait in a queue of at most ``max_queued``, which the
client sees (``status: queued`` and its place, ``GET /api/queue``). A run that finds the queue full
is refused with :class:`QueueFullError` (503 with ``Retry-After``), so nothing is accepted that will
not run.

No accepted run is lost: a run is accepted only once its catalog row is written ('queued', with its
scenario), the child turns that row into a running one, and a server that stops with runs still
queued leaves them in the catalog, where the next server on the same runs home finds and starts
them (:meth:`Jobs.resume`). The child is given its run id up front, so the request that accepted it
can answer with it, and its progress is read back from the run store.
"""

from __future__ import annotations

import collections
import math
import os
import socket
import subprocess
import sys
import threading
import time

from leodc.errors import InputError, NotFoundError
from leodc.runs.store import CatalogError, RunStore, new_run_id, pid_alive
from leodc.scenario import Scenario
from leodc.version import __version__

# how long a stopping server waits for each run's watcher to record how the run ended (s)
STOP_JOIN_S = 30.0
JOB_CODE = "from leodc.web.jobs import job_main; job_main()"
DEFAULT_MAX_QUEUED = 32
RUN_SECONDS_GUESS = 10.0  # a run's length before any has finished (for Retry-After)
RETRY_AFTER_MIN_S, RETRY_AFTER_MAX_S = 1, 600
RECENT_RUNS = 20  # how many finished runs' durations the Retry-After estimate averages
HTTP_SERVICE_UNAVAILABLE = 503


def default_max_running() -> int:
    """Half the cores, at least one."""
    return max(1, (os.cpu_count() or 1) // 2)


class QueueFullError(CatalogError):
    """The queue is full: try again after ``retry_after`` seconds (503)."""

    status_code = HTTP_SERVICE_UNAVAILABLE

    def __init__(self, queued: int, running: int, retry_after: int):
        self.retry_after = retry_after
        super().__init__("request", None, f"the run queue is full ({queued} queued, {running} running); expected "
                         f"a free place: try again in {retry_after} s")


def job_main() -> None:
    """The child process of ``POST /api/runs``: argv = [home, run id], the validated scenario on stdin."""
    from leodc.report import write_report
    from leodc.runs import pipeline

    home, run_id = sys.argv[1], sys.argv[2]
    scenario = Scenario.model_validate_json(sys.stdin.read())
    # this process runs one run; its id was promised to the client
    pipeline.run_scenario(scenario, home, run_id=run_id, report=write_report)


class Jobs:
    """The dashboard's runs: a queue, at most ``max_running`` child processes, and what became of
    each (the run store holds their progress)."""

    def __init__(self, store: RunStore, max_running: int | None = None, max_queued: int | None = None):
        self.store = store
        self.max_running = max(1, max_running or default_max_running())
        self.max_queued = DEFAULT_MAX_QUEUED if max_queued is None else max(0, max_queued)
        self.lock = threading.Lock()
        self.queue: collections.deque[tuple[str, str]] = collections.deque()  # (run id, scenario JSON)
        self.reserved = 0  # places promised to requests writing their row
        self.procs: dict[str, subprocess.Popen] = {}
        self.errors: dict[str, str] = {}
        self.durations: collections.deque[float] = collections.deque(maxlen=RECENT_RUNS)
        self.stopping = False
        self.watchers: list[threading.Thread] = []

    # ------------------------------------------------------------------------------------------ admission
    def submit(self, scenario: Scenario) -> dict:
        """Accept a run of the scenario into the queue (its catalog row written first); its id, status
        and place. A full queue is a :class:`QueueFullError`; a catalog that cannot be written, its
        one-line error (nothing accepted)."""
        with self.lock:
            if len(self.queue) + self.reserved >= self.max_queued + self._free_slots():
                raise QueueFullError(len(self.queue), self._running(), self._retry_after())
            self.reserved += 1
        run_id = new_run_id()
        try:
            self.store.enqueue(run_id, scenario.name, scenario.digest(), scenario.model_dump(mode="json"), __version__)
            with self.lock:
                self.queue.append((run_id, scenario.model_dump_json()))
        finally:
            with self.lock:
                self.reserved -= 1
        self._start_ready()
        return self.place(run_id)

    def resume(self) -> int:
        """Queue the runs a stopped server on this host accepted and never started (their rows are
        'queued' and the process that queued them is gone); returns how many."""
        host = socket.gethostname()
        records = [r for r in self.store.queued() if r.host == host and not pid_alive(r.pid)]
        with self.lock:
            known = {rid for rid, _ in self.queue} | set(self.procs)
            for r in records:
                if r.id not in known:
                    self.queue.append((r.id, Scenario.model_validate(r.inputs).model_dump_json()))
        self._start_ready()
        return len(records)

    def place(self, run_id: str) -> dict:
        """Where a run stands in this server: queued (with its place, 1 = next) or running."""
        with self.lock:
            ids = [rid for rid, _ in self.queue]
            if run_id in ids:
                return {"id": run_id, "run_id": run_id, "status": "queued", "stage": "queued",
                        "queue_position": ids.index(run_id) + 1, "queued": len(ids), "running": self._running()}
            return {"id": run_id, "run_id": run_id, "status": "running", "stage": "starting",
                    "queued": len(ids), "running": self._running()}

    def overview(self) -> dict:
        """The queue as the client sees it (``GET /api/queue``)."""
        with self.lock:
            return {"running": sorted(rid for rid, p in self.procs.items() if p.poll() is None),
                    "queued": [rid for rid, _ in self.queue], "max_running": self.max_running,
                    "max_queued": self.max_queued, "retry_after_s": self._retry_after()}

    # ------------------------------------------------------------------------------------------ running
    def _running(self) -> int:
        return sum(p.poll() is None for p in self.procs.values())

    def _free_slots(self) -> int:
        return max(0, self.max_running - self._running())

    def _retry_after(self) -> int:
        """Seconds until a place is likely free: the queue ahead times a recent run's length, over the
        runs at once."""
        run_s = sum(self.durations) / len(self.durations) if self.durations else RUN_SECONDS_GUESS
        waves = (len(self.queue) + 1) / self.max_running
        return int(min(RETRY_AFTER_MAX_S, max(RETRY_AFTER_MIN_S, math.ceil(waves * run_s))))

    def _start_ready(self) -> None:
        """Start queued runs while places are free, oldest first (on each submission and each run's end)."""
        started, never = [], []
        with self.lock:
            while not self.stopping and self.queue and self._free_slots():
                run_id, payload = self.queue.popleft()
                try:
                    proc = self._spawn(run_id)
                except OSError as exc:
                    self.errors[run_id] = f"the run's process could not start ({exc})"
                    never.append(run_id)
                    continue
                self.procs[run_id] = proc
                started.append((run_id, proc, payload))
        for run_id, proc, payload in started:
            # not a daemon: a watcher writes to the catalog (DuckDB, C++) when its run ends, and a daemon
            # thread inside such a call when the interpreter exits aborts the process; the interpreter
            # waits for these instead (stop_all ends their runs first when the server stops)
            watcher = threading.Thread(target=self._watch, args=(run_id, proc, payload), name=f"leodc-run-{run_id}")
            with self.lock:
                self.watchers = [w for w in self.watchers if w.is_alive()] + [watcher]
            watcher.start()
        for run_id in never:
            self._never_began(run_id)

    def _never_began(self, run_id: str) -> None:
        """A run whose process ended before the run began: its queued row says so (failed)."""
        with self.lock:
            error = self.errors.get(run_id) or "the run's process ended before the run began"
        try:
            if self.store.get(run_id).status == "queued":
                self.store.fail(run_id, f"starting: {error}")
        except InputError:  # the catalog cannot say or be written: the job's status still tells the client
            pass

    def _spawn(self, run_id: str) -> subprocess.Popen:
        env = dict(os.environ)
        # the cores shared among the runs at once (numba's threads), so that they do not crowd the server
        env.setdefault("NUMBA_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // self.max_running)))
        return subprocess.Popen([sys.executable, "-c", JOB_CODE, str(self.store.home.resolve()), run_id],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, env=env)

    def _watch(self, run_id: str, proc: subprocess.Popen, payload: str) -> None:
        t0 = time.monotonic()
        try:
            _, err = proc.communicate(payload)
        except (OSError, ValueError) as exc:
            err = str(exc)
        with self.lock:
            if proc.returncode:
                lines = [line for line in (err or "").splitlines() if line.strip()]
                self.errors[run_id] = lines[-1] if lines else f"the run's process exited with {proc.returncode}"
            else:
                self.durations.append(time.monotonic() - t0)
        if proc.returncode:
            self._never_began(run_id)
        self._start_ready()

    # ------------------------------------------------------------------------------------------ status
    def _before_the_run(self, run_id: str, missing: InputError) -> dict:
        """A job the store has no row for: unknown here, or its process died before writing one."""
        with self.lock:
            proc, error = self.procs.get(run_id), self.errors.get(run_id)
        if proc is None and error is None:
            raise NotFoundError(missing.file, missing.field, missing.expected) from None
        if proc is not None and proc.poll() is None:
            return {"id": run_id, "run_id": run_id, "status": "running", "stage": "starting", "error": None}
        return {"id": run_id, "run_id": run_id, "status": "failed", "stage": "starting",
                "error": error or "the run's process ended before the run began"}

    def status(self, run_id: str) -> dict:
        """A run's progress: queued (with its place) / running / complete / failed, its stage, the error
        and the timings."""
        try:
            rec = self.store.get(run_id)
        except NotFoundError as exc:
            return self._before_the_run(run_id, exc)
        with self.lock:
            error = self.errors.get(run_id)
            proc = self.procs.get(run_id)
            waiting = any(rid == run_id for rid, _ in self.queue)
        if rec.status == "queued" and not waiting:
            if proc is not None and proc.poll() is None:
                return {"id": run_id, "run_id": run_id, "status": "running", "stage": "starting", "error": None,
                        "timings": {}}
            if proc is not None or error is not None:
                return {"id": run_id, "run_id": run_id, "status": "failed", "stage": "starting",
                        "error": error or "the run's process ended before the run began", "timings": {}}
        if rec.status == "queued":
            return self.place(run_id) | {"error": None, "timings": {}} if waiting else {
                "id": run_id, "run_id": run_id, "status": "queued", "stage": "queued", "error": None,
                "timings": {}}  # queued by another server on this runs home
        return {"id": run_id, "run_id": run_id, "status": rec.status, "stage": rec.stage,
                "error": rec.error or (error if rec.status == "failed" else None),
                "timings": rec.timings}

    def stop_all(self) -> None:
        """End the runs still going (the store marks them failed); queued runs stay in the catalog for
        the next server."""
        with self.lock:
            self.stopping = True
            procs = list(self.procs.values())
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        with self.lock:
            watchers = list(self.watchers)
        for watcher in watchers:  # each records how its run ended before the server goes
            watcher.join(STOP_JOIN_S)
