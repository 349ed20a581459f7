"""The run store: a DuckDB file as the catalog of runs, a directory of results per run.

Layout under the runs home (``./runs`` by default, ``LEODC_HOME``, or ``--out``)::

    catalog.duckdb          one row per run (see SCHEMA): an index of the run directories
    catalog.lock            the lock every leodc process takes around its use of the catalog
    <run id>/               what the run wrote: inputs.json, assessment.json, compare.json,
                            simulation/ (the engine's Parquet files), orbits.parquet, elements.parquet

**The run directories are the record, the catalog is an index.** Every run directory holds its
inputs and results (``runs.layout``), so :meth:`RunStore.rebuild` (``leodc runs rebuild``) restores
the catalog from them after damage or loss, keeping the damaged file aside under a new name. A
catalog that cannot be read is a :class:`CatalogDamagedError` naming the file and that command.

**One process at a time.** Each operation opens the catalog for one short transaction and closes
it, holding ``catalog.lock`` (``flock``, exclusive) from before the open until after the close.
DuckDB's own file lock does not cover a process that is closing the file (checkpointing, removing
its write-ahead log) while another opens it read-only: with 30 processes reading and writing at
once, rows were lost and writers read half-written blocks. Under the lock file, none is. A writer
waits up to :data:`WRITE_WAIT_S` for its turn, a reader up to :data:`READ_WAIT_S`, then a
:class:`CatalogBusyError` says who holds it (one line; the dashboard answers 503 with Retry-After).

A run is listed as complete only after its last write, and only when whole (the pipeline checks
``RunLayout.missing()``). A run whose process died (SIGKILL, power) stays 'running' in the file with
its pid, and readers report it as failed at its stage once that pid is gone (and record that the
next time they write). A run the dashboard accepted but has not started yet is 'queued' (its
scenario is in ``inputs``), so a server that stops loses no accepted run: the next one starts it.
Re-running a scenario makes a new run: ids never repeat.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from leodc.errors import ConflictError, InputError, NotFoundError
from leodc.fields import flatten
from leodc.files import read_json
from leodc.runs.layout import RunLayout
from leodc.simulate.output import SimulationResult

CATALOG_FILE = "catalog.duckdb"
LOCK_FILE = "catalog.lock"
WAL_SUFFIX = ".wal"
DAMAGED_INFIX = ".damaged-"
REBUILD_SUFFIX = ".rebuild"
HOME_ENV = "LEODC_HOME"
DEFAULT_HOME = "runs"
# how long a writer (a run recording its progress) and a reader (a listing) wait for the catalog
WRITE_WAIT_S = 60.0
READ_WAIT_S = 10.0
FOREIGN_LOCK_POLL_S = (0.02, 0.08)  # DuckDB's lock held outside leodc: polled at random intervals
RETRY_AFTER_S = 5  # what a busy catalog tells a dashboard client
KILLED_MESSAGE = "the run's process ended before the run completed"
RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{6}$")
RUN_ID_TIME = "%Y%m%dT%H%M%S"
STATUSES = ("queued", "running", "complete", "failed")
# DuckDB's words for a catalog held by another process, one it may not write, and one it cannot read
BUSY_WORDS = ("conflicting lock", "could not set lock")
UNWRITABLE_WORDS = ("permission denied", "read-only file system", "read only file system")
DAMAGE_WORDS = ("not a valid duckdb", "corrupt", "could not read enough bytes", "checksum", "serializ")
DAMAGE_REASONS = (("not a valid duckdb", "not a DuckDB database file"),
                  ("could not read enough bytes", "cut short: shorter than its own index says"),
                  ("checksum", "a block fails its checksum"), ("corrupt", "a block fails its checksum"))
# what DuckDB raises on a file it cannot read (a fatal one also invalidates the file in this process)
DAMAGE_EXCEPTIONS = (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException,
                     duckdb.FatalException)
HTTP_SERVICE_UNAVAILABLE = 503
PID_IN_MESSAGE = re.compile(r"\(PID (\d+)\)")
QUOTED_PATH = re.compile(r'"[^"]*"')  # DuckDB quotes the file it names; the error names it once already

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    created_utc TIMESTAMP NOT NULL,
    finished_utc TIMESTAMP,
    status VARCHAR NOT NULL,          -- queued | running | complete | failed
    stage VARCHAR,                    -- the stage running, or where it failed
    scenario_name VARCHAR,
    scenario_digest VARCHAR,
    inputs JSON,
    leodc_version VARCHAR,
    host VARCHAR,
    pid INTEGER,
    timings JSON,                     -- seconds per stage
    metrics JSON,                     -- headline figures
    error VARCHAR,
    location VARCHAR                  -- where the run's simulation data lives: null (in the run directory)
                                      -- or a URL (an object store every host of a cluster reaches)
)
"""
# a catalog written before the location column: it gains it when next written, and reads see null
MIGRATIONS = ("ALTER TABLE runs ADD COLUMN IF NOT EXISTS location VARCHAR",)


# ---------------------------------------------------------------------------------------------- errors
class CatalogError(InputError):
    """The runs home or its catalog is not in a state to be used: not the request's fault, so the
    dashboard answers 503 (the CLI prints the one line and exits 2)."""

    status_code = HTTP_SERVICE_UNAVAILABLE
    retry_after: int | None = None


class CatalogBusyError(CatalogError):
    """Another process held the catalog for longer than this one waits."""

    retry_after = RETRY_AFTER_S


class CatalogDamagedError(CatalogError):
    """The catalog cannot be read (damaged, cut short, emptied, or lost while runs remain)."""


def rebuild_command(home: Path) -> str:
    return f"`leodc runs rebuild --out {home}`"


def home_dir(explicit: str | Path | None = None) -> Path:
    return Path(explicit or os.environ.get(HOME_ENV) or DEFAULT_HOME)


def new_run_id() -> str:
    return datetime.now(UTC).strftime(RUN_ID_TIME) + "-" + os.urandom(3).hex()


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_lock(fd: int, wait_s: float) -> bool:
    """Take an exclusive ``flock`` on ``fd`` within ``wait_s``. The kernel hands the lock on as soon
    as it is released (polling would let quick re-lockers starve a waiter), so a thread blocks on it;
    if the wait ends first, the thread releases the lock as soon as it gets it (closing ``fd``)."""
    with contextlib.suppress(BlockingIOError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    got, guard, state = threading.Event(), threading.Lock(), {"abandoned": False}

    def wait() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        with guard:
            if state["abandoned"]:
                os.close(fd)
                return
        got.set()

    threading.Thread(target=wait, name="leodc-catalog-lock", daemon=True).start()
    if got.wait(wait_s):
        return True
    with guard:
        if got.is_set():
            return True
        state["abandoned"] = True
    return False


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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
    location: str | None = None  # the simulation data's URL when it is not in the run directory

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["created_utc"] = self.created_utc.isoformat() if self.created_utc else None
        d["finished_utc"] = self.finished_utc.isoformat() if self.finished_utc else None
        return d


COLUMNS = ("id", "created_utc", "finished_utc", "status", "stage", "scenario_name", "scenario_digest", "inputs",
           "leodc_version", "host", "pid", "timings", "metrics", "error", "location")


@dataclass(frozen=True)
class RebuildResult:
    """What :meth:`RunStore.rebuild` did."""

    catalog: str
    runs: int  # rows in the rebuilt catalog
    complete: int
    from_directories: int  # rows made from a run directory (not in the old catalog, or it was unreadable)
    kept_rows: int  # rows taken over from the old catalog
    damaged_copy: str | None  # where the unreadable catalog was put aside

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class RunStore:
    def __init__(self, home: str | Path | None = None):
        self.home = home_dir(home)
        self.path = self.home / CATALOG_FILE

    # -------------------------------------------------------------- the runs home and its lock
    def _check_home(self, create: bool) -> bool:
        """True when the home is a folder (made when ``create``); a file in its place, or a folder
        that cannot be made, is a one-line error."""
        if self.home.exists() and not self.home.is_dir():
            raise CatalogError(str(self.home), None, "is a file; expected the runs directory (a folder: --out or "
                               f"{HOME_ENV})")
        if not create:
            return self.home.is_dir()
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(str(self.home), None, f"cannot create the runs directory ({exc.strerror}); expected "
                               f"a writable folder (--out or {HOME_ENV})") from None
        return True

    def _unwritable(self, reason: str) -> CatalogError:
        return CatalogError(str(self.path), None, f"the catalog cannot be written ({reason}); expected a writable "
                            f"runs directory (--out or {HOME_ENV})")

    def _damaged(self, reason: str) -> CatalogDamagedError:
        return CatalogDamagedError(str(self.path), None, f"the catalog is damaged ({reason}); "
                                   f"{rebuild_command(self.home)} restores it from the run directories")

    @contextlib.contextmanager
    def _lock(self, wait_s: float, write: bool) -> Iterator[None]:
        """Hold ``catalog.lock`` exclusively; wait up to ``wait_s``. A home where it cannot be made is
        one nobody writes to: a reader goes ahead, a writer is told it cannot write."""
        lock_path = self.home / LOCK_FILE
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            if write:
                raise self._unwritable(exc.strerror or str(exc)) from None
            try:
                fd = os.open(lock_path, os.O_RDONLY)
            except OSError:
                yield
                return
        if not _take_lock(fd, wait_s):  # the descriptor now belongs to the waiting thread
            raise CatalogBusyError(str(self.path), None, f"the catalog is busy: other leodc processes held it for "
                                   f"more than {wait_s:g} s; expected it free (try again)")
        try:
            yield
        finally:
            os.close(fd)  # releases the lock

    # -------------------------------------------------------------- one transaction
    def _classify(self, exc: duckdb.Error) -> str:
        """``busy`` (held by a process outside leodc's lock), ``unwritable``, ``damaged`` or ``other``."""
        text = str(exc).lower()
        if any(w in text for w in BUSY_WORDS):
            return "busy"
        if any(w in text for w in UNWRITABLE_WORDS):
            return "unwritable"
        if any(w in text for w in DAMAGE_WORDS) or isinstance(exc, DAMAGE_EXCEPTIONS):
            return "damaged"
        return "other"

    def _error(self, kind: str, exc: duckdb.Error, wait_s: float) -> CatalogError:
        if kind == "busy":
            pid = PID_IN_MESSAGE.search(str(exc))
            who = f"process {pid.group(1)}" if pid else "another process"
            return CatalogBusyError(str(self.path), None, f"the catalog is busy: {who} has held it open for "
                                    f"writing for more than {wait_s:g} s; expected it free (close that program, or "
                                    "try again)")
        if kind == "unwritable":
            return self._unwritable(_first_line(exc))
        text = _first_line(exc)
        reason = next((said for words, said in DAMAGE_REASONS if words in text.lower()), None)
        return self._damaged(reason or " ".join(QUOTED_PATH.sub("", text).removeprefix("IO Error: ").split()))

    def _run(self, fn, read_only: bool, wait_s: float, path: Path | None = None):
        """Open the catalog (``path``, the catalog by default), run ``fn(con)`` in one transaction,
        close it; the caller holds the lock. DuckDB's own lock, held by a process outside leodc, is
        waited on until ``wait_s`` has passed."""
        path = path or self.path
        deadline = time.monotonic() + wait_s
        while True:
            try:
                con = duckdb.connect(str(path), read_only=read_only and path.exists())
                break
            except duckdb.Error as exc:
                kind = self._classify(exc)
                if kind == "busy" and time.monotonic() < deadline:
                    time.sleep(random.uniform(*FOREIGN_LOCK_POLL_S))
                    continue
                if kind == "other":
                    raise
                raise self._error(kind, exc, wait_s) from None
        try:
            if not read_only:
                con.execute(SCHEMA)
                for statement in MIGRATIONS:
                    con.execute(statement)
                con.execute("BEGIN TRANSACTION")
            out = fn(con)
            if not read_only:
                con.execute("COMMIT")
            return out
        except duckdb.Error as exc:
            if not read_only:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
            kind = self._classify(exc)
            if kind == "other" or isinstance(exc, duckdb.CatalogException):
                raise
            raise self._error(kind, exc, wait_s) from None
        except BaseException:
            if not read_only:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
            raise
        finally:
            with contextlib.suppress(duckdb.Error):
                con.close()

    def _transaction(self, fn, read_only: bool = False):
        wait_s = READ_WAIT_S if read_only else WRITE_WAIT_S
        self._check_home(create=not read_only)
        with self._lock(wait_s, write=not read_only):
            if not self.path.exists():
                self._require_no_orphans()
            return self._run(fn, read_only, wait_s)

    def _require_no_orphans(self) -> None:
        """No catalog, yet run directories: the catalog was lost; say how to restore it rather than
        start an empty one that hides them."""
        orphans = [d for d in self.run_dirs() if (RunLayout(d).inputs).is_file()]
        if orphans:
            raise CatalogDamagedError(str(self.path), None, f"the catalog is missing and {len(orphans)} run "
                                      f"directories are here; {rebuild_command(self.home)} restores it from them")

    # -------------------------------------------------------------- writes
    def enqueue(self, run_id: str, scenario_name: str, scenario_digest: str, inputs: dict, version: str) -> None:
        """Record a run accepted but not started yet ('queued'); :meth:`begin` starts it."""
        self._transaction(lambda con: con.execute(
            "INSERT INTO runs (id, created_utc, status, stage, scenario_name, scenario_digest, inputs, leodc_version,"
            " host, pid, timings, metrics) VALUES (?, ?, 'queued', 'queued', ?, ?, ?, ?, ?, ?, '{}', '{}')",
            [run_id, _now(), scenario_name, scenario_digest, json.dumps(inputs), version, socket.gethostname(),
             os.getpid()]))

    def begin(self, run_id: str, scenario_name: str, scenario_digest: str, inputs: dict, version: str) -> None:
        """Record a run starting in this process: a new row, or the row of a queued run."""

        def go(con):
            row = con.execute("SELECT status FROM runs WHERE id = ?", [run_id]).fetchone()
            values = [scenario_name, scenario_digest, json.dumps(inputs), version, socket.gethostname(), os.getpid()]
            if row is None:
                con.execute("INSERT INTO runs (id, created_utc, status, stage, scenario_name, scenario_digest, inputs,"
                            " leodc_version, host, pid, timings, metrics) VALUES (?, ?, 'running', 'start', ?, ?, ?,"
                            " ?, ?, ?, '{}', '{}')", [run_id, _now(), *values])
            elif row[0] == "queued":
                con.execute("UPDATE runs SET status = 'running', stage = 'start', scenario_name = ?, "
                            "scenario_digest = ?, inputs = ?, leodc_version = ?, host = ?, pid = ? WHERE id = ?",
                            [*values, run_id])
            else:
                raise ConflictError(str(self.path), "run id", f"run {run_id!r} exists ({row[0]}); expected a new id")

        self._transaction(go)

    def locate(self, run_id: str, location: str | None) -> None:
        """Record where the run's simulation data lives (a URL; None: in its directory)."""
        self._transaction(lambda con: con.execute("UPDATE runs SET location = ? WHERE id = ?", [location, run_id]))

    def reopen(self, run_id: str) -> RunRecord:
        """Mark a failed (interrupted) run of this catalog running again in this process, to resume it; a
        run that is complete, queued or running elsewhere is a :class:`ConflictError`."""
        record = self.get(run_id)
        if record.status != "failed":
            raise ConflictError(str(self.path), "run id", f"run {run_id!r} is {record.status}; expected an "
                                "interrupted (failed) run to resume")

        def go(con):
            con.execute("UPDATE runs SET status = 'running', finished_utc = NULL, error = NULL, host = ?, pid = ? "
                        "WHERE id = ?", [socket.gethostname(), os.getpid(), run_id])

        self._transaction(go)
        return self.get(run_id)

    def stage(self, run_id: str, stage: str, timings: dict) -> None:
        self._transaction(lambda con: con.execute("UPDATE runs SET stage = ?, timings = ? WHERE id = ?",
                                                  [stage, json.dumps(timings), run_id]))

    def complete(self, run_id: str, timings: dict, metrics: dict) -> None:
        self._transaction(lambda con: con.execute(
            "UPDATE runs SET status = 'complete', finished_utc = ?, timings = ?, metrics = ? WHERE id = ?",
            [_now(), json.dumps(timings), json.dumps(metrics), run_id]))

    def fail(self, run_id: str, error: str) -> None:
        self._transaction(lambda con: con.execute(
            "UPDATE runs SET status = 'failed', finished_utc = ?, error = ? WHERE id = ?",
            [_now(), error[:2000], run_id]))

    def reap(self) -> int:
        """Mark runs whose process on this host is gone as failed (at the stage they reached). It reads
        every row, so that a run starts only on a catalog that can be read whole (a damaged one is its
        one-line error here, before the run makes its directory)."""
        host = socket.gethostname()

        def go(con):
            rows = con.execute(f"SELECT {_select(con)} FROM runs").fetchall()
            dead = [rec["id"] for rec in (dict(zip(COLUMNS, row, strict=True)) for row in rows)
                    if rec["status"] == "running" and rec["host"] == host and not pid_alive(rec["pid"])]
            now = _now()
            for rid in dead:
                con.execute("UPDATE runs SET status = 'failed', finished_utc = ?, error = ? WHERE id = ?",
                            [now, KILLED_MESSAGE, rid])
            return len(dead)

        return self._transaction(go)

    # -------------------------------------------------------------- reads
    def _rows(self, where: str = "", args: list | None = None) -> list[RunRecord]:
        if not self._check_home(create=False):
            return []
        if not self.path.exists():
            self._require_no_orphans()
            return []

        def go(con):
            try:
                return con.execute(f"SELECT {_select(con)} FROM runs {where} ORDER BY created_utc DESC, id DESC",
                                   args or []).fetchall()
            except duckdb.CatalogException:
                return []

        rows = self._transaction(go, read_only=True)
        host = socket.gethostname()
        return [_record(row, host) for row in rows]

    def list(self) -> list[RunRecord]:
        return self._rows()

    def queued(self) -> list[RunRecord]:
        """Runs accepted by a dashboard and not started, oldest first."""
        return sorted(self._rows("WHERE status = 'queued'"), key=lambda r: (r.created_utc, r.id))

    def check(self) -> None:
        """Raise the catalog's one-line error if it cannot be read (damaged, busy, a file for a home)."""
        self._rows("WHERE false")

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

    def run_dirs(self) -> list[Path]:
        """The run directories under the home (named as run ids), oldest first."""
        if not self.home.is_dir():
            return []
        return sorted(d for d in self.home.iterdir() if RUN_ID_PATTERN.match(d.name) and d.is_dir())

    # -------------------------------------------------------------- recovery
    def rebuild(self, metrics: Callable[[Path], dict] | None = None) -> RebuildResult:
        """Restore the catalog from the run directories (``leodc runs rebuild``).

        Rows of the old catalog are kept when it can be read (each one's status checked against its
        directory: complete only when whole); an unreadable catalog is renamed aside, never deleted.
        Each run directory without a row gets one: its inputs, scenario name and digest from
        ``inputs.json``, its time from its id, status complete only when ``RunLayout.missing()`` is
        empty (else failed at the first stage whose files are missing), and its headline figures from
        ``metrics(run_dir)`` (the pipeline's, handed in from above) when complete.
        """
        self._check_home(create=True)
        with self._lock(WRITE_WAIT_S, write=True):
            old, damaged_copy = self._salvage()
            rows: dict[str, dict] = {}
            made = kept = 0
            for run_dir in self.run_dirs():
                rec = old.pop(run_dir.name, None)
                if rec is not None:
                    rows[run_dir.name] = _rechecked(rec, run_dir)
                    kept += 1
                else:
                    rows[run_dir.name] = _row_from_directory(run_dir, metrics)
                    made += 1
            for rid, rec in old.items():  # queued runs have no directory yet; a row without one stays as it was
                rows[rid] = rec
                kept += 1
            self._write_fresh(list(rows.values()))
        complete = sum(r["status"] == "complete" for r in rows.values())
        return RebuildResult(str(self.path), len(rows), complete, made, kept, damaged_copy)

    def _salvage(self) -> tuple[dict[str, dict], str | None]:
        """The old catalog's rows by id, or ({}, where it was put aside) when it cannot be read."""
        if not self.path.exists():
            return {}, None
        try:
            rows = self._run(lambda con: con.execute(f"SELECT {_select(con)} FROM runs").fetchall(),
                             read_only=True, wait_s=WRITE_WAIT_S)
            return {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows}, None
        except (CatalogDamagedError, duckdb.Error):  # unreadable (or not a catalog of runs): put it aside
            stamp = datetime.now(UTC).strftime(RUN_ID_TIME)
            aside = self.path.with_name(f"{CATALOG_FILE}{DAMAGED_INFIX}{stamp}")
            n = 1
            while aside.exists():
                n += 1
                aside = self.path.with_name(f"{CATALOG_FILE}{DAMAGED_INFIX}{stamp}-{n}")
            os.replace(self.path, aside)
            wal = Path(str(self.path) + WAL_SUFFIX)
            if wal.exists():
                os.replace(wal, Path(str(aside) + WAL_SUFFIX))
            return {}, str(aside)

    def _write_fresh(self, rows: list[dict]) -> None:
        """Write ``rows`` into a new catalog beside the old one, then rename it into place."""
        fresh = self.path.with_name(CATALOG_FILE + REBUILD_SUFFIX)
        for leftover in (fresh, Path(str(fresh) + WAL_SUFFIX)):
            leftover.unlink(missing_ok=True)

        def go(con):
            for rec in rows:
                values = [rec[c] if c not in ("inputs", "timings", "metrics") or isinstance(rec[c], str)
                          else json.dumps(rec[c] or {}) for c in COLUMNS]
                con.execute(f"INSERT INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                            values)

        self._run(go, read_only=False, wait_s=WRITE_WAIT_S, path=fresh)
        Path(str(fresh) + WAL_SUFFIX).unlink(missing_ok=True)  # checkpointed on close
        os.replace(fresh, self.path)


# ---------------------------------------------------------------------------------------------- rows
def _select(con) -> str:
    """The select list for :data:`COLUMNS`: a column an older catalog lacks reads as null."""
    have = {row[0] for row in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'runs'").fetchall()}
    return ", ".join(c if c in have else f"NULL AS {c}" for c in COLUMNS)


def _record(row: tuple, host: str) -> RunRecord:
    rec = dict(zip(COLUMNS, row, strict=True))
    for key in ("inputs", "timings", "metrics"):
        rec[key] = json.loads(rec[key]) if rec[key] else {}
    if rec["status"] == "running" and rec["host"] == host and not pid_alive(rec["pid"]):
        rec["status"] = "failed"
        rec["error"] = rec["error"] or KILLED_MESSAGE
    return RunRecord(**rec)


def _stage_files(layout: RunLayout) -> list[tuple[str, list[Path]]]:
    """Each stage and the files it leaves in a run directory, in pipeline order."""
    sim = layout.simulation
    return [("design", [layout.inputs, layout.environment]),
            ("simulate", [sim.satellites, sim.fleet, sim.manifest, layout.orbits, layout.elements]),
            ("network", [layout.latency, layout.network_summary]),
            ("economics", [layout.assessment, layout.compare]),
            ("report", [layout.report])]


def _recovered_error(layout: RunLayout, missing: list[str]) -> str:
    shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
    return f"recovered from its directory by `leodc runs rebuild`: not whole (missing or temporary: {shown})"


def _rechecked(rec: dict, run_dir: Path) -> dict:
    """An old row, with a 'complete' that its directory does not bear out turned into 'failed'."""
    if rec["status"] == "complete":
        layout = RunLayout(run_dir)
        missing = layout.missing()
        if missing:
            rec = rec | {"status": "failed", "stage": _failed_stage(layout), "error": _recovered_error(layout, missing)}
    return rec


def _failed_stage(layout: RunLayout) -> str:
    for stage, files in _stage_files(layout):
        if not all(p.is_file() for p in files):
            return stage
    return "report"


def _digest(inputs: dict) -> str | None:
    """The scenario's digest (``Scenario.digest``: the validated inputs' JSON, keys sorted)."""
    if not inputs:
        return None
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def _row_from_directory(run_dir: Path, metrics: Callable[[Path], dict] | None) -> dict:
    """A catalog row for a run directory the catalog does not know."""
    layout = RunLayout(run_dir)
    inputs, version = {}, None
    with contextlib.suppress(OSError, ValueError):
        inputs = read_json(layout.inputs) if layout.inputs.is_file() else {}
    with contextlib.suppress(OSError, ValueError, InputError):
        version = SimulationResult.read(layout.simulation.root).leodc_version or None
    missing = layout.missing()
    try:
        created = datetime.strptime(run_dir.name.split("-")[0], RUN_ID_TIME)
    except ValueError:
        created = datetime.fromtimestamp(run_dir.stat().st_mtime, UTC).replace(tzinfo=None)
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    finished = datetime.fromtimestamp(max(p.stat().st_mtime for p in files), UTC).replace(tzinfo=None) if files \
        else None
    figures = {}
    if not missing and metrics is not None:
        with contextlib.suppress(Exception):  # a figure that cannot be read back leaves the row without it
            figures = metrics(run_dir)
    return {
        "id": run_dir.name, "created_utc": created, "finished_utc": finished,
        "status": "complete" if not missing else "failed",
        "stage": "report" if not missing else _failed_stage(layout),
        "scenario_name": inputs.get("name") if isinstance(inputs, dict) else None,
        "scenario_digest": _digest(inputs) if isinstance(inputs, dict) else None,
        "inputs": inputs if isinstance(inputs, dict) else {}, "leodc_version": version, "host": None, "pid": None,
        "timings": {}, "metrics": figures, "error": None if not missing else _recovered_error(layout, missing),
        "location": layout.simulation_location,
    }


def diff(a: RunRecord, b: RunRecord) -> dict:
    """Inputs and metrics that differ between two runs: {path: [a, b]}."""

    result = {}
    for section in ("inputs", "metrics"):
        fa, fb = flatten(getattr(a, section)), flatten(getattr(b, section))
        for key in sorted(set(fa) | set(fb)):
            if fa.get(key) != fb.get(key):
                result[f"{section}.{key}"] = [fa.get(key), fb.get(key)]
    return result
