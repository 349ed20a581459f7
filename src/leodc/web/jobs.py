"""Runs started from the dashboard: each one a child process (``python -c`` calling :func:`job_main`),
so the simulation neither holds the server's GIL nor takes the server down with it. The child is
given its run id up front, so the request that started it can answer with it, and its progress is
read back from the run store.
"""

from __future__ import annotations

import subprocess
import sys
import threading

from leodc.errors import InputError, NotFoundError
from leodc.runs.store import RunStore, new_run_id
from leodc.scenario import Scenario

JOB_CODE = "from leodc.web.jobs import job_main; job_main()"


def job_main() -> None:
    """The child process of ``POST /api/runs``: argv = [home, run id], the validated scenario on stdin."""
    from leodc.report import write_report
    from leodc.runs import pipeline

    home, run_id = sys.argv[1], sys.argv[2]
    scenario = Scenario.model_validate_json(sys.stdin.read())
    # this process runs one run; its id was promised to the client
    pipeline.run_scenario(scenario, home, run_id=run_id, report=write_report)


class Jobs:
    """Child processes started by this server, by run id; the run store holds their progress."""

    def __init__(self, store: RunStore):
        self.store = store
        self.lock = threading.Lock()
        self.procs: dict[str, subprocess.Popen] = {}
        self.errors: dict[str, str] = {}

    def start(self, scenario: Scenario) -> str:
        """Start a run of the scenario in a child process; returns its run id."""
        run_id = new_run_id()
        proc = subprocess.Popen([sys.executable, "-c", JOB_CODE, str(self.store.home.resolve()), run_id],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        with self.lock:
            self.procs[run_id] = proc
        threading.Thread(target=self._watch, args=(run_id, proc, scenario.model_dump_json()), daemon=True).start()
        return run_id

    def _watch(self, run_id: str, proc: subprocess.Popen, payload: str) -> None:
        try:
            _, err = proc.communicate(payload)
        except (OSError, ValueError) as exc:
            err = str(exc)
        if proc.returncode:
            lines = [line for line in (err or "").splitlines() if line.strip()]
            with self.lock:
                self.errors[run_id] = lines[-1] if lines else f"the run's process exited with {proc.returncode}"

    def _before_the_run(self, run_id: str, missing: InputError) -> dict:
        """A job the store has no row for yet: still starting, or its process died first."""
        with self.lock:
            proc, error = self.procs.get(run_id), self.errors.get(run_id)
        if proc is None:
            raise NotFoundError(missing.file, missing.field, missing.expected) from None
        if proc.poll() is None:
            return {"id": run_id, "run_id": run_id, "status": "running", "stage": "starting", "error": None}
        return {"id": run_id, "run_id": run_id, "status": "failed", "stage": "starting",
                "error": error or "the run's process ended before the run began"}

    def status(self, run_id: str) -> dict:
        """A started run's progress: running / complete / failed, its stage, the error and the timings."""
        try:
            rec = self.store.get(run_id)
        except InputError as exc:
            return self._before_the_run(run_id, exc)
        with self.lock:
            error = self.errors.get(run_id)
        return {"id": run_id, "run_id": run_id, "status": rec.status, "stage": rec.stage,
                "error": rec.error or (error if rec.status == "failed" else None),
                "timings": rec.timings}

    def stop_all(self) -> None:
        """End the runs still going (the store marks them failed)."""
        with self.lock:
            procs = list(self.procs.values())
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
