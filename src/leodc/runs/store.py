"""The run store: a DuckDB file as the catalog of runs, a directory of results per run.

Layout under the runs home (``./runs`` by default, ``LEODC_HOME``, or ``--out``)::

    catalog.duckdb          one row per run (see SCHEMA)
    <run id>/               what the run wrote: inputs.json, assessment.json, compare.json,
                            simulation/ (the engine's Parquet files), orbits.parquet, elements.parquet

DuckDB admits one writing process at a time, so every operation opens the catalog for one short
transaction and closes it; a process that finds the file locked waits and retries. A run is listed
as complete only after its last write; a run whose process died (SIGKILL, power) stays 'running'
in the file with its pid, and readers report it as failed at its stage once that pid is gone (and
record that the next time they write). Re-running a scenario makes a new run: ids never repeat.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from leodc.errors import ConflictError, NotFoundError

CATALOG_FILE = "catalog.duckdb"
HOME_ENV = "LEODC_HOME"
DEFAULT_HOME = "runs"
LOCK_RETRY_S = 0.05
LOCK_TIMEOUT_S = 60.0
KILLED_MESSAGE = "the run's process ended before the run completed"

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    created_utc TIMESTAMP NOT NULL,
    finished_utc TIMESTAMP,
    status VARCHAR NOT NULL,          -- running | complete | failed
    stage VARCHAR,                    -- the stage running, or where it failed
    scenario_name VARCHAR,
    scenario_digest VARCHAR,
    inputs JSON,
    leodc_version VARCHAR,
    host VARCHAR,
    pid INTEGER,
    timings JSON,                     -- seconds per stage
    metrics JSON,                     -- headline figures
    error VARCHAR
)
"""


def home_dir(explicit: str | Path | None = None) -> Path:
    return Path(explicit or os.environ.get(HOME_ENV) or DEFAULT_HOME)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class RunRecord:
    id: str
    created_utc: datetime
    finished_utc: datetime | None
    status: str
    stage: str | None
    scenario_name: str | None
    scenario_digest: str | None
    inputs: dict
    leodc_version: str | None
    host: str | None
    pid: int | None
    timings: dict
    metrics: dict
    error: str | None

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["created_utc"] = self.created_utc.isoformat() if self.created_utc else None
        d["finished_utc"] = self.finished_utc.isoformat() if self.finished_utc else None
        return d


COLUMNS = ("id", "created_utc", "finished_utc", "status", "stage", "scenario_name", "scenario_digest", "inputs",
           "leodc_version", "host", "pid", "timings", "metrics", "error")


class RunStore:
    def __init__(self, home: str | Path | None = None):
        self.home = home_dir(home)
        self.path = self.home / CATALOG_FILE

    # -------------------------------------------------------------- connection with lock retries
    def _transaction(self, fn, read_only: bool = False):
        self.home.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only and self.path.exists())
            except duckdb.IOException as exc:  # another process holds the write lock
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(LOCK_RETRY_S)
                continue
            try:
                if not read_only:
                    con.execute(SCHEMA)
                    con.execute("BEGIN TRANSACTION")
                out = fn(con)
                if not read_only:
                    con.execute("COMMIT")
                return out
            except Exception:
                if not read_only:
                    try:
                        con.execute("ROLLBACK")
                    except duckdb.Error:
                        pass
                raise
            finally:
                con.close()

    # -------------------------------------------------------------- writes
    def begin(self, run_id: str, scenario_name: str, scenario_digest: str, inputs: dict, version: str) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        self._transaction(lambda con: con.execute(
            "INSERT INTO runs (id, created_utc, status, stage, scenario_name, scenario_digest, inputs, leodc_version,"
            " host, pid, timings, metrics) VALUES (?, ?, 'running', 'start', ?, ?, ?, ?, ?, ?, '{}', '{}')",
            [run_id, now, scenario_name, scenario_digest, json.dumps(inputs), version, socket.gethostname(),
             os.getpid()]))

    def stage(self, run_id: str, stage: str, timings: dict) -> None:
        self._transaction(lambda con: con.execute("UPDATE runs SET stage = ?, timings = ? WHERE id = ?",
                                                  [stage, json.dumps(timings), run_id]))

    def complete(self, run_id: str, timings: dict, metrics: dict) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        self._transaction(lambda con: con.execute(
            "UPDATE runs SET status = 'complete', finished_utc = ?, timings = ?, metrics = ? WHERE id = ?",
            [now, json.dumps(timings), json.dumps(metrics), run_id]))

    def fail(self, run_id: str, error: str) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        self._transaction(lambda con: con.execute(
            "UPDATE runs SET status = 'failed', finished_utc = ?, error = ? WHERE id = ?", [now, error[:2000], run_id]))

    def reap(self) -> int:
        """Mark runs whose process on this host is gone as failed (at the stage they reached)."""
        host = socket.gethostname()

        def go(con):
            rows = con.execute("SELECT id, pid FROM runs WHERE status = 'running' AND host = ?", [host]).fetchall()
            dead = [rid for rid, pid in rows if not _pid_alive(pid)]
            now = datetime.now(UTC).replace(tzinfo=None)
            for rid in dead:
                con.execute("UPDATE runs SET status = 'failed', finished_utc = ?, error = ? WHERE id = ?",
                            [now, KILLED_MESSAGE, rid])
            return len(dead)

        return self._transaction(go)

    # -------------------------------------------------------------- reads
    def _rows(self, where: str = "", args: list | None = None) -> list[RunRecord]:
        if not self.path.exists():
            return []

        def go(con):
            try:
                return con.execute(f"SELECT {', '.join(COLUMNS)} FROM runs {where} ORDER BY created_utc DESC, id DESC",
                                   args or []).fetchall()
            except duckdb.CatalogException:
                return []

        rows = self._transaction(go, read_only=True)
        host = socket.gethostname()
        out = []
        for row in rows:
            rec = dict(zip(COLUMNS, row, strict=True))
            for key in ("inputs", "timings", "metrics"):
                rec[key] = json.loads(rec[key]) if rec[key] else {}
            if rec["status"] == "running" and rec["host"] == host and not _pid_alive(rec["pid"]):
                rec["status"] = "failed"
                rec["error"] = rec["error"] or KILLED_MESSAGE
            out.append(RunRecord(**rec))
        return out

    def list(self) -> list[RunRecord]:
        return self._rows()

    def get(self, run_id: str) -> RunRecord:
        rows = self._rows("WHERE id = ?", [run_id])
        if not rows:
            raise NotFoundError(str(self.path), "run id", f"no run {run_id!r}; `leodc runs list` shows the runs")
        return rows[0]

    def get_complete(self, run_id: str) -> RunRecord:
        """The run's record; a run that is not complete (running, failed) is a :class:`ConflictError`."""
        record = self.get(run_id)
        if record.status != "complete":
            raise ConflictError(str(self.path), "run id", f"run {run_id!r} is {record.status} (at stage "
                                f"{record.stage}); expected a complete run")
        return record

    def run_dir(self, run_id: str) -> Path:
        return self.home / run_id


def diff(a: RunRecord, b: RunRecord) -> dict:
    """Inputs and metrics that differ between two runs: {path: [a, b]}."""

    def flat(d: dict, prefix: str = "") -> dict:
        out = {}
        for k, v in d.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                out.update(flat(v, key + "."))
            else:
                out[key] = v
        return out

    result = {}
    for section in ("inputs", "metrics"):
        fa, fb = flat(getattr(a, section)), flat(getattr(b, section))
        for key in sorted(set(fa) | set(fb)):
            if fa.get(key) != fb.get(key):
                result[f"{section}.{key}"] = [fa.get(key), fb.get(key)]
    return result
