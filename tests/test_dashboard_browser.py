"""The dashboard in a real browser: `leodc serve` in a subprocess, Debian's Chromium driven by Playwright.

Chromium comes from Debian (`make test` installs it when missing), never from Playwright's own download.
The test fails, not skips, without it. WebGL runs on SwiftShader (no GPU), so the globe's canvas is read
back from a screenshot and must hold the drawn Earth (not one flat colour), and the page must have put
the sample's satellites on it. The screenshot is kept in tests/artifacts/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest

from leodc.runs.pipeline import run_scenario
from leodc.scenario import load_scenario
from leodc.web.app import find_cesium

CHROMIUM = os.environ.get("LEODC_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # WebGL without a GPU: SwiftShader through ANGLE
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]
PAGE_TIMEOUT_MS = 40_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    assert find_cesium() is not None, "Cesium is missing: `make web` installs it into .cache/cesium"
    home = tmp_path_factory.mktemp("runs")
    record = run_scenario(load_scenario("builtin:default", ["fleet.target_satellites=30", "simulation.days=0.05"]),
                          home)
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "leodc", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--out", str(home)], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/info", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, f"leodc serve exited: {log.read_text()}"
            assert time.monotonic() < deadline, f"leodc serve did not answer: {log.read_text()}"
            time.sleep(0.2)
        yield base, record.id
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # launch() gives Chromium a new empty profile of its own (it refuses --user-data-dir)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _distinct_colours(png: bytes) -> tuple[int, float]:
    """(distinct colours, share of pixels unlike the most common one) of a PNG."""
    from PIL import Image

    img = Image.open(BytesIO(png)).convert("RGB").resize((160, 120))
    counts = img.getcolors(maxcolors=160 * 120)
    top = max(n for n, _ in counts)
    return len(counts), 1.0 - top / (160 * 120)


def _watch(page, base: str) -> tuple[list[str], list[str]]:
    """Requests that leave the server, and uncaught script errors, of a page."""
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda req: None if req.url.startswith((base, "data:", "blob:")) else outside.append(req.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return outside, errors


def test_runs_list_then_globe_draws_the_constellation(server, browser):
    base, run_id = server
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    outside, errors = _watch(page, base)

    page.goto(f"{base}/", timeout=PAGE_TIMEOUT_MS)
    row = f'tr[data-run-id="{run_id}"]'
    page.wait_for_selector(row, timeout=PAGE_TIMEOUT_MS)
    assert "complete" in page.inner_text(row)

    page.click(f'{row} a[href$="/globe"]')
    page.wait_for_url(f"{base}/runs/{run_id}/globe", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function("window.leodcGlobeReady === true || window.leodcGlobeError !== undefined",
                           timeout=PAGE_TIMEOUT_MS)
    assert page.evaluate("window.leodcGlobeError") is None, page.evaluate("window.leodcGlobeError")
    # the 30 satellites, and the path of the network stage's chosen pair (the default's three pairs)
    page.wait_for_function("window.leodcPairPaths !== undefined", timeout=PAGE_TIMEOUT_MS)
    assert page.evaluate("window.leodcPairPaths") == 3
    assert page.evaluate("window.leodcViewer.entities.values.length") == 30 + 1
    assert page.evaluate("window.leodcViewer.entities.getById('pair-path').polyline !== undefined")
    shown = page.evaluate("""() => {
        const v = window.leodcViewer, t = v.clock.currentTime;
        return v.entities.values.filter((e) => e.position && e.isAvailable(t) && e.position.getValue(t)).length;
    }""")
    assert shown == 30
    assert page.inner_text("#pair-rtt") in ("no path at this step",) or "round trip" in page.inner_text("#pair-rtt")
    assert "all 30 satellites" in page.inner_text("#sample-note")

    # hold the last frame (the canvas keeps its drawing buffer) so the screenshot need not chase animation
    page.evaluate("window.leodcViewer.useDefaultRenderLoop = false")
    shot = page.locator("#cesium canvas").first.screenshot(animations="disabled", timeout=PAGE_TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "globe-canvas.png").write_bytes(shot)
    (ARTIFACTS / "globe.png").write_bytes(page.screenshot(animations="disabled", timeout=PAGE_TIMEOUT_MS))
    colours, unlike = _distinct_colours(shot)
    assert colours > 50 and unlike > 0.1, f"the globe's canvas looks blank ({colours} colours, {unlike:.0%} drawn)"
    assert not errors, errors
    assert not outside, f"the page reached outside the machine: {outside[:5]}"
    page.close()


def test_globe_says_when_it_shows_a_sample(server, browser):
    base, run_id = server
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    outside, errors = _watch(page, base)
    page.goto(f"{base}/runs/{run_id}/globe?max_satellites=10", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function("window.leodcViewer && window.leodcViewer.entities.values.length === 10",
                           timeout=PAGE_TIMEOUT_MS)
    note = page.locator("#sample-note")
    assert note.is_visible()
    assert "Sample" in note.inner_text() and "10 of 30" in note.inner_text()
    assert not errors and not outside
    page.close()


def test_run_page_and_form(server, browser):
    base, run_id = server
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    outside, errors = _watch(page, base)
    page.goto(f"{base}/runs/{run_id}", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector("#fleet-charts svg path", state="attached", timeout=PAGE_TIMEOUT_MS)
    assert "total_cost_usd" in page.inner_text("#headline")
    assert page.locator("#cost-chart rect").count() > 3

    page.goto(f"{base}/new", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector('[data-path="orbit.altitude_km"]', timeout=PAGE_TIMEOUT_MS)
    assert page.input_value('[data-path="simulation.days"]')  # prefilled from the bundled default
    page.fill('[data-path="orbit.altitude_km"]', "50")  # below the lowest altitude leodc accepts
    page.click("#submit")
    page.wait_for_selector('#job-status[data-status="rejected"]', timeout=PAGE_TIMEOUT_MS)
    assert "orbit.altitude_km" in page.inner_text("#job-status")
    assert not errors and not outside
    page.close()
