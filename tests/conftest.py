from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from leodc.errors import EXIT_BAD_INPUT

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "examples" / "published"
# the workload stage in little time, for tests that run the pipeline on tiny fleets: a small inference
# load over six minutes (tiny fleets have no laser link between the training job's satellites, so the
# stage reports training as not possible there; tests/test_workload*.py run it on real shells)
WORKLOAD_TINY = ["workload.inference.requests_per_day=1e5", "workload.inference.hours=0.1", "workload.days=0.05"]
WORKLOAD_TINY_FIELDS = dict(s.split("=", 1) for s in WORKLOAD_TINY)
# the dashboard's browser tests drive Debian's chromium (never Playwright's download)
CHROMIUM = os.environ.get("LEODC_CHROMIUM", "/usr/bin/chromium")
# headless and offline: no background fetches, component updates or sync
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# WebGL without a GPU (the globe): SwiftShader through ANGLE
CHROMIUM_WEBGL_ARGS = [*CHROMIUM_ARGS, "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
SERVE_START_S = 30  # how long `leodc serve` may take to answer
SERVE_PROBE_TIMEOUT_S = 2
SERVE_POLL_S = 0.2
SERVE_STOP_S = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_dashboard(home: str | Path, log: Path) -> Iterator[str]:
    """`leodc serve` over the runs home ``home`` in a subprocess on a free local port (its output in
    ``log``): yields the base URL once ``/api/info`` answers, and stops the server on exit."""
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "leodc", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--out", str(home)], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVE_START_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/info", timeout=SERVE_PROBE_TIMEOUT_S) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, f"leodc serve exited: {log.read_text()}"
            assert time.monotonic() < deadline, f"leodc serve did not answer: {log.read_text()}"
            time.sleep(SERVE_POLL_S)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=SERVE_STOP_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def chromium(args: list[str] = CHROMIUM_ARGS) -> Iterator:
    """Debian's chromium driven by Playwright (never Playwright's own browser), with a new empty profile
    (launch() refuses --user-data-dir); closed on exit."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser():
    """One chromium for a test module's pages."""
    with chromium() as b:
        yield b


def watch_page(page, base: str) -> tuple[list[str], list[str], list[str]]:
    """What a page does, as lists that fill as it runs: requests that leave ``base`` (the server), uncaught
    script errors, and every request's URL."""
    outside: list[str] = []
    errors: list[str] = []
    asked: list[str] = []
    page.on("request", lambda req: (asked.append(req.url), None if req.url.startswith((base, "data:", "blob:"))
                                    else outside.append(req.url)))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return outside, errors, asked


def one_line(out: subprocess.CompletedProcess, file: str | Path, field: str | None, *fragments: str) -> str:
    """Assert exit 2 and exactly one stderr line ``error: FILE: FIELD: ...``; return it."""
    assert out.returncode == EXIT_BAD_INPUT, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    prefix = f"error: {file}: {field}: " if field else f"error: {file}: "
    assert lines[0].startswith(prefix), (prefix, lines[0])
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def leodc_cli():
    """Run the installed CLI as a user would: a subprocess, with its exit code and both streams."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "leodc", *map(str, args)], capture_output=True, text=True,
                              cwd=cwd or ROOT, timeout=120)

    return run


@pytest.fixture(scope="session")
def object_store(tmp_path_factory):
    """A real S3 API (moto's server, credentials enforced) on 127.0.0.1 for the whole session."""
    from object_store import start

    store = start(tmp_path_factory.mktemp("moto") / "moto.log")
    yield store
    store.process.terminate()
    store.process.wait(timeout=10)


@pytest.fixture
def s3_env(object_store, monkeypatch):
    """This process's environment pointed at the test object store; returns the store."""
    for key in list(os.environ):
        if key.startswith("AWS_") or key == "LEODC_S3_ENDPOINT":
            monkeypatch.delenv(key)
    for key, value in object_store.env().items():
        if key.startswith("AWS_") or key == "NO_PROXY":
            monkeypatch.setenv(key, value)
    return object_store
