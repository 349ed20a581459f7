"""The documentation site (``make docs``): built offline, generated from the code, its tutorials executed.

The site is the one ``make docs`` built into docs/_build/html when it is newer than every source it is
made from (``make test`` builds it just before pytest); otherwise it is built here, once, into a
temporary folder with the same command (about a minute: the four tutorials execute). Checked:

* the index links the API reference, the CLI reference, the tutorials and the validation page;
* the API reference documents ``leodc.api.run`` from its docstring (its numpydoc sections);
* the CLI reference names every command of the Typer app, and the validation page every
  ``tests/test_against_*.py``;
* a tutorial holds output produced when the site was built: the fleet table of the first design is
  exactly what ``leodc.design`` and the report's table function give now, and the simulated run's page
  holds a run id, a plotly figure and tables;
* no page loads a script or a stylesheet from the network (plotly.js is a local copy, loaded in the head
  of the tutorial pages so that their figures' inline scripts find it);
* in Debian's chromium (as the dashboard's browser test), the index shows the API reference link, and
  the simulated-run tutorial draws its figures (plotly's SVG) and its tables. A screenshot is kept in
  tests/artifacts/.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BUILT = DOCS / "_build" / "html"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PAGE_TIMEOUT_MS = 30_000
BUILD_TIMEOUT_S = 600
TUTORIALS = ("first-design", "claims-audit", "simulated-run", "network-and-workload")
# what the site is made from: a build older than any of these is stale
SOURCE_GLOBS = [(DOCS, "*.md"), (DOCS, "*.rst"), (DOCS, "*.py"), (DOCS / "tutorials", "*"), (DOCS / "_static", "*"),
                (DOCS / "_templates", "**/*"), (ROOT / "src" / "leodc", "**/*"), (ROOT / "scripts", "docs_*.py"),
                (ROOT, "CHANGELOG.md"), (ROOT, "CONTRIBUTING.md"), (ROOT, "CITATION.cff"),
                (ROOT / "tests", "test_against_*.py")]
EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.IGNORECASE)


def _newest(paths) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def _sources_mtime() -> float:
    return _newest(p for base, pattern in SOURCE_GLOBS for p in base.glob(pattern)
                   if "__pycache__" not in p.parts and p.suffix != ".pyc")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The built site's folder: make docs' output when it is up to date, else a fresh build."""
    index = BUILT / "index.html"
    if index.is_file() and _newest(BUILT.rglob("*.html")) >= _sources_mtime():
        return BUILT
    out = tmp_path_factory.mktemp("docs") / "html"
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-j", "auto", str(DOCS),
               str(out)]
    build = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-8000:]
    return out


def _page(site: Path, name: str) -> str:
    path = site / name
    assert path.is_file(), f"{name} missing from the site"
    return path.read_text(encoding="utf-8")


def test_index_links_the_reference_and_the_tutorials(site):
    index = _page(site, "index.html")
    for target in ("api/index.html", "cli.html", "validation.html", "performance.html", "models.html",
                   *(f"tutorials/{t}.html" for t in TUTORIALS)):
        assert f'href="{target}' in index, target
    assert "API reference" in index


def test_api_reference_documents_the_public_api(site):
    api = _page(site, "api/index.html")
    for name in ("load_scenario", "design", "simulate", "run", "open_run", "Run", "Scenario", "InputError",
                 "workload_figures", "network_figures"):
        assert name in api, name
    run = _page(site, "api/generated/leodc.api.run.html")
    assert 'id="leodc.api.run"' in run
    # the numpydoc sections of its docstring, rendered
    for section in ("Parameters", "Returns", "Raises"):
        assert section in run, section
    assert "scenario_or_path" in run and "LEODC_HOME" in run
    assert 'id="leodc.api.Run.satellites"' in _page(site, "api/generated/leodc.api.Run.html")


def test_cli_reference_is_generated_from_the_app(site):
    import typer.main

    from leodc.cli import app

    cli = _page(site, "cli.html")
    command = typer.main.get_command(app)
    ctx = command.context_class(command, info_name="leodc")
    names = command.list_commands(ctx)
    assert len(names) >= 10
    for name in names:
        assert f"leodc {name}" in cli, name
    assert "--json" in cli and "--set" in cli


def test_validation_page_lists_every_test_against_an_authority(site):
    page = _page(site, "validation.html")
    modules = sorted(p.name for p in (ROOT / "tests").glob("test_against_*.py"))
    assert len(modules) >= 10
    for module in modules:
        assert module in page, module
    assert "Tolerance" in page


def test_tutorials_hold_output_made_when_the_site_was_built(site):
    import leodc
    from leodc.report import quantity_table

    first = _page(site, "tutorials/first-design.html")
    fleet = leodc.design(leodc.load_scenario("builtin:default")).to_dict()["fleet"]
    assert quantity_table(fleet, "fleet") in first, "the fleet table is not what leodc.design gives now"
    run = _page(site, "tutorials/simulated-run.html")
    assert re.search(r"Run\('\d{8}T\d{6}-[0-9a-f]{6}', status='complete'", run), "no stored run in the output"
    assert "Plotly.newPlot" in run and "<table" in run
    for tutorial in TUTORIALS:
        page = _page(site, f"tutorials/{tutorial}.html")
        assert "cell_output" in page, tutorial
        assert "Traceback" not in page, tutorial
        # plotly.js, a local copy, loads in the head: before the figures' inline scripts call it
        assert -1 < page.find("_static/plotly.min.js") < page.find("Plotly.newPlot"), tutorial


def test_no_page_loads_anything_from_the_network(site):
    for page in site.rglob("*.html"):
        hits = EXTERNAL.findall(page.read_text(encoding="utf-8"))
        assert not hits, f"{page.relative_to(site)}: {hits[:3]}"


def test_index_and_a_tutorial_in_chromium(site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(("file:", "data:", "blob:")) else outside.append(req.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto((site / "index.html").as_uri(), timeout=PAGE_TIMEOUT_MS)
        api_link = page.locator("article a", has_text="API reference").first
        assert api_link.is_visible()
        api_link.click()
        page.wait_for_selector("text=leodc.api.run", timeout=PAGE_TIMEOUT_MS)

        page.goto((site / "tutorials" / "simulated-run.html").as_uri(), timeout=PAGE_TIMEOUT_MS)
        # plotly.js (the local copy) draws every figure as SVG
        page.wait_for_selector(".cell_output .js-plotly-plot .main-svg", timeout=PAGE_TIMEOUT_MS)
        figures = page.locator(".cell_output .js-plotly-plot")
        assert figures.count() >= 3, figures.count()
        for k in range(figures.count()):
            assert figures.nth(k).locator(".main-svg").count() >= 1, f"figure {k} was not drawn"
        assert page.locator(".cell_output table").first.is_visible()
        box = figures.first.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 200, box
        ARTIFACTS.mkdir(exist_ok=True)
        figures.first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "docs-tutorial.png"))
    finally:
        page.close()
    assert not outside, f"the site reached the network: {outside[:5]}"
    assert not errors, errors
