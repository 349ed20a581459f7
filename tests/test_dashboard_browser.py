"""The dashboard in a real browser: `leodc serve` in a subprocess, Debian's Chromium driven by Playwright.

Chromium comes from Debian (`make test` installs it when missing), never from Playwright's own download.
The test fails, not skips, without it. WebGL runs on SwiftShader (no GPU), so the globe's canvas is read
back from a screenshot and must hold the drawn Earth (not one flat colour), and the page must have put
the sample's satellites and their laser links on it. The screenshot is kept in tests/artifacts/.

The laser links the globe is served are checked against the network layer itself: the fleet's topology
and the links it keeps live at each of the orbit sample's steps, for the satellites whose links are drawn.
"""

from __future__ import annotations

import json
import urllib.request
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from conftest import CHROMIUM, CHROMIUM_WEBGL_ARGS, WORKLOAD_TINY, chromium, serve_dashboard, watch_page
from leodc.design import design
from leodc.network.figures import fleet_shells
from leodc.network.latency import FleetPositions, fleet_topology, itrs_positions, link_model
from leodc.network.links import live_links
from leodc.orbits.epochs import julian_date
from leodc.orbits.shells import fleet_elements
from leodc.runs.layout import RunLayout
from leodc.runs.pipeline import run_scenario
from leodc.scenario import Shell, load_scenario
from leodc.simulate.fleet import fleet_of
from leodc.web.app import find_cesium
from leodc.web.run_data import globe_sample, sample_laser_links

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PAGE_TIMEOUT_MS = 40_000
OVERRIDES = ["fleet.target_satellites=30", "simulation.days=0.05", *WORKLOAD_TINY]
FLEET_SATELLITES = 30
SAMPLE_SATELLITES = 10  # the globe asked for fewer satellites than the fleet holds


@pytest.fixture(scope="module")
def stored_run(tmp_path_factory):
    """A stored run of the bundled default with 30 satellites: (runs home, run id)."""
    home = tmp_path_factory.mktemp("runs")
    return home, run_scenario(load_scenario("builtin:default", OVERRIDES), home).id


@pytest.fixture(scope="module")
def server(stored_run, tmp_path_factory):
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    assert find_cesium() is not None, "Cesium is missing: `make web` installs it into .cache/cesium"
    home, run_id = stored_run
    with serve_dashboard(home, tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield base, run_id


@pytest.fixture(scope="module")
def browser():
    with chromium(CHROMIUM_WEBGL_ARGS) as b:  # the globe draws with WebGL
        yield b


def _distinct_colours(png: bytes) -> tuple[int, float]:
    """(distinct colours, share of pixels unlike the most common one) of a PNG."""
    from PIL import Image

    img = Image.open(BytesIO(png)).convert("RGB").resize((160, 120))
    counts = img.getcolors(maxcolors=160 * 120)
    top = max(n for n, _ in counts)
    return len(counts), 1.0 - top / (160 * 120)


def _served_globe(base: str, run_id: str, query: str = "") -> dict:
    with urllib.request.urlopen(f"{base}/api/runs/{run_id}/globe{query}", timeout=30) as r:
        return json.load(r)


def _live_at(links: list[dict], k: int) -> set[tuple[int, int]]:
    """The served links live at step ``k``."""
    return {(link["a"], link["b"]) for link in links if any(a <= k <= b for a, b in link["live_steps"])}


# the laser-link entities available at the clock's time set to a step, and the ends of one of them
LINKS_AT_STEP_JS = """([iso, linkId]) => {
    const v = window.leodcViewer, t = Cesium.JulianDate.fromIso8601(iso);
    v.clock.shouldAnimate = false;
    v.clock.currentTime = t;
    const links = v.entities.values.filter((e) => e.id.startsWith("laser-") && e.isAvailable(t));
    const ends = v.entities.getById(linkId).polyline.positions.getValue(t);
    return { ids: links.map((e) => e.id), ends: ends.map((p) => [p.x, p.y, p.z]) };
}"""
SATELLITE_AT_JS = """([iso, id]) => {
    const p = window.leodcViewer.entities.getById(id).position.getValue(Cesium.JulianDate.fromIso8601(iso));
    return [p.x, p.y, p.z];
}"""


def test_runs_list_then_globe_draws_the_constellation(server, browser):
    base, run_id = server
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    outside, errors = watch_page(page, base)[:2]

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
    page.wait_for_function("window.leodcPairPaths !== undefined && window.leodcLaserLinks !== undefined",
                           timeout=PAGE_TIMEOUT_MS)
    assert page.evaluate("window.leodcPairPaths") == 3
    # and the laser links the server gives for them, each one line (polyline) entity
    served = _served_globe(base, run_id)["laser_links"]
    assert len(served["linked_sat_ids"]) == 30 and not served["neighbours"]  # every link end is shown
    links = page.evaluate("window.leodcLaserLinks")
    assert links == len(served["links"]) > 0
    assert page.evaluate("window.leodcViewer.entities.values.length") == 30 + 1 + links
    assert page.evaluate("window.leodcViewer.entities.values.filter((e) => e.polyline).length") == 1 + links
    assert page.evaluate("window.leodcViewer.entities.getById('pair-path').polyline !== undefined")
    shown = page.evaluate("""() => {
        const v = window.leodcViewer, t = v.clock.currentTime;
        return v.entities.values.filter((e) => e.position && e.isAvailable(t) && e.position.getValue(t)).length;
    }""")
    assert shown == 30
    assert page.inner_text("#pair-rtt") in ("no path at this step",) or "round trip" in page.inner_text("#pair-rtt")
    assert "all 30 satellites" in page.inner_text("#sample-note")
    assert "Laser links" in page.inner_text("#sample-note")

    # at a step, the links drawn are those live then, each a line between its two satellites
    times = _served_globe(base, run_id)["times"]
    step = len(times) // 2
    first = served["links"][0]
    drawn = page.evaluate(LINKS_AT_STEP_JS, [times[step], f"laser-{first['a']}-{first['b']}"])
    assert {tuple(int(x) for x in i.split("-")[1:]) for i in drawn["ids"]} == _live_at(served["links"], step)
    for end, sat in zip(drawn["ends"], (first["a"], first["b"]), strict=True):
        assert np.allclose(end, page.evaluate(SATELLITE_AT_JS, [times[step], f"sat-{sat}"]), atol=1.0)  # m

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
    outside, errors = watch_page(page, base)[:2]
    page.goto(f"{base}/runs/{run_id}/globe?max_satellites={SAMPLE_SATELLITES}", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function("window.leodcLaserLinks !== undefined || window.leodcGlobeError !== undefined",
                           timeout=PAGE_TIMEOUT_MS)
    assert page.evaluate("window.leodcGlobeError") is None, page.evaluate("window.leodcGlobeError")
    points = page.evaluate("window.leodcViewer.entities.values.filter((e) => e.point).length")
    assert points == SAMPLE_SATELLITES
    note = page.locator("#sample-note")
    assert note.is_visible()
    assert "Sample" in note.inner_text() and "10 of 30" in note.inner_text()
    # the links of the satellites shown reach neighbours that are not: those ends move on tracks of their own
    served = _served_globe(base, run_id, f"?max_satellites={SAMPLE_SATELLITES}")["laser_links"]
    assert page.evaluate("window.leodcLaserLinks") == len(served["links"]) > 0 and served["neighbours"]
    not_shown = {t["sat_id"] for t in served["neighbours"]}
    link = next(x for x in served["links"] if x["a"] in not_shown or x["b"] in not_shown)
    times = _served_globe(base, run_id)["times"]
    k = link["live_steps"][0][0]
    drawn = page.evaluate(LINKS_AT_STEP_JS, [times[k], f"laser-{link['a']}-{link['b']}"])
    track = next(t for t in served["neighbours"] if t["sat_id"] in (link["a"], link["b"]))
    assert any(np.allclose(end, np.array(track["positions_km"][k]) * 1000.0, atol=1.0) for end in drawn["ends"])
    assert not errors and not outside
    page.close()


def test_run_page_and_form(server, browser):
    base, run_id = server
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    outside, errors = watch_page(page, base)[:2]
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


# ---------------------------------------------------------------------------------------------- the served links
def _network_layer_live(elements, shells, model, start_jd, step_s, n_steps, linked_index
                        ) -> list[set[tuple[int, int]]]:
    """Per step, the laser links the network layer keeps live that touch the satellites at
    ``linked_index``: its topology, its positions, its line-of-sight and range test."""
    topology = fleet_topology(shells, len(elements), model, itrs_positions(elements, start_jd, 0.0))
    clock = FleetPositions(elements, start_jd, step_s)
    ids = elements.sat_id
    out = []
    for k in range(n_steps):
        r = clock.at(k)
        live, _ = live_links(topology.edges_at(r, model), r, model)
        out.append({(int(ids[a]), int(ids[b])) for a, b in np.sort(live, axis=1)
                    if a in linked_index or b in linked_index})
    return out


@pytest.mark.parametrize("max_satellites", [FLEET_SATELLITES, SAMPLE_SATELLITES])
def test_served_laser_links_are_the_network_layers_live_links(stored_run, max_satellites):
    home, run_id = stored_run
    globe = globe_sample(RunLayout(home / run_id), FLEET_SATELLITES, max_satellites)
    served = globe["laser_links"]
    # the fleet rebuilt from the scenario, as the network stage builds it
    scenario = load_scenario("builtin:default", OVERRIDES)
    d = design(scenario)
    start_jd = julian_date(scenario.simulation.start_utc)
    elements, _ = fleet_of(scenario, d, start_jd)
    shells, model = fleet_shells(scenario, d), link_model(scenario.network)
    shown = [s["sat_id"] for s in globe["satellites"]]
    assert served["linked_sat_ids"] == shown  # a sample this small: every shown satellite's links
    linked_index = set(np.flatnonzero(np.isin(elements.sat_id, shown)).tolist())
    assert served["links"]
    expected = _network_layer_live(elements, shells, model, start_jd, globe["step_s"], len(globe["times"]),
                                   linked_index)
    assert [_live_at(served["links"], k) for k in range(len(globe["times"]))] == expected
    # the ends outside the sample: the network layer's positions, to the payload's 10 m
    clock = FleetPositions(elements, start_jd, globe["step_s"])
    for track in served["neighbours"]:
        assert track["sat_id"] not in shown
        i = int(np.flatnonzero(elements.sat_id == track["sat_id"])[0])
        expected = np.array([clock.at(k)[i] for k in range(len(globe["times"]))])
        assert np.allclose(track["positions_km"], expected, atol=0.01)
    assert bool(served["neighbours"]) == (max_satellites < FLEET_SATELLITES)


@pytest.mark.parametrize("nearest", [False, True], ids=["grid", "nearest-each-step"])
def test_sample_links_switch_with_the_network_layers_line_of_sight(nearest):
    """A Walker shell whose cross-plane links come and go over the span, as +Grid and as a real fleet
    (nearest neighbours found anew at every step): the links of a sample, step by step, are the network
    layer's."""
    shell = Shell(kind="walker-delta", satellites=120, altitude_km=550.0, inclination_deg=53.0, planes=8, phasing=1)
    start_jd = julian_date("2026-03-20T00:00:00")
    elements = fleet_elements([shell], start_jd)
    shells = None if nearest else [shell]
    model = link_model(load_scenario("builtin:default").network)
    step_s, n_steps = 60.0, 60
    sample = elements.sat_id[::7]
    served = sample_laser_links(elements, shells, model, start_jd, step_s, n_steps, sample)
    assert any(link["live_steps"] != [[0, n_steps - 1]] for link in served["links"])  # some come and go
    linked_index = set(np.flatnonzero(np.isin(elements.sat_id, sample)).tolist())
    expected = _network_layer_live(elements, shells, model, start_jd, step_s, n_steps, linked_index)
    assert [_live_at(served["links"], k) for k in range(n_steps)] == expected
