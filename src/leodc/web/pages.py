"""The dashboard's pages and files: the static pages (runs, run, sweep, globe, new-run form, offline API
docs), a run's HTML report, the static assets, plotly.js (from the Python plotly package) and the Cesium
build.

Nothing is fetched from outside the machine: Cesium is served at ``/cesium/`` from the npm package
``make web`` installs (``.cache/cesium``), or that route says how to install it.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from leodc.errors import ConflictError, LeodcError, NotFoundError
from leodc.report import build_report
from leodc.web.run_data import SWEEP_KIND, run_kind
from leodc.web.state import Record, Store, run_layout

STATIC_DIR = Path(__file__).with_name("static")
CESIUM_ENV = "LEODC_CESIUM_DIR"
# where `make web` puts the package (relative to the working directory, then to the source checkout)
CESIUM_SUBPATH = Path(".cache") / "cesium" / "node_modules" / "cesium" / "Build" / "Cesium"
CESIUM_ENTRY = "Cesium.js"
CHECKOUT_PARENTS = 3  # src/leodc/web/pages.py -> the source checkout
NO_CESIUM = "Cesium is not installed: run `make web` (npm install cesium into .cache/cesium)"
HTML = "text/html"
PAGE_METHODS = ["GET", "HEAD"]  # health checks probe pages with HEAD
# plotly.js for the sweep page, served from the Python plotly package (the one the reports inline)
PLOTLY_JS_PATH = "/vendor/plotly.js"
JAVASCRIPT = "text/javascript"
PLOTLY_JS_MAX_AGE_S = 86_400

router = APIRouter(include_in_schema=False)


def find_cesium(explicit: str | Path | None = None) -> Path | None:
    """The Cesium build folder (holding Cesium.js), or None when `make web` has not installed it.

    The folder named, else ``LEODC_CESIUM_DIR``, else ``.cache/cesium`` under the working directory or
    the source checkout."""
    if explicit:
        candidates = [Path(explicit)]
    elif os.environ.get(CESIUM_ENV):
        candidates = [Path(os.environ[CESIUM_ENV])]
    else:
        candidates = [Path.cwd() / CESIUM_SUBPATH, Path(__file__).resolve().parents[CHECKOUT_PARENTS] / CESIUM_SUBPATH]
    for folder in candidates:
        if (folder / CESIUM_ENTRY).is_file():
            return folder.resolve()
    return None


def page(name: str) -> FileResponse:
    """A static HTML page."""
    return FileResponse(STATIC_DIR / name, media_type=HTML)


@router.api_route("/", methods=PAGE_METHODS)
def index_page():
    return page("index.html")


@router.api_route("/new", methods=PAGE_METHODS)
def new_page():
    return page("new.html")


@router.api_route("/docs", methods=PAGE_METHODS)
def docs_page():
    return page("docs.html")


@router.api_route("/runs", methods=PAGE_METHODS)
def runs_redirect():
    return RedirectResponse("/")


@router.api_route("/runs/{run_id}", methods=PAGE_METHODS)
def run_page(record: Record, store: Store):
    """A run's page; a sweep run's (``leodc sweep``) draws the sweep's figures."""
    return page("sweep.html" if run_kind(record, run_layout(store, record)) == SWEEP_KIND else "run.html")


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@router.api_route(PLOTLY_JS_PATH, methods=PAGE_METHODS)
def plotly_js():
    """plotly.js, from the Python plotly package: the sweep page draws the report's figures with it."""
    return Response(_plotly_js(), media_type=JAVASCRIPT,
                    headers={"Cache-Control": f"public, max-age={PLOTLY_JS_MAX_AGE_S}"})


@router.api_route("/runs/{run_id}/globe", methods=PAGE_METHODS)
def globe_page(record: Record):
    return page("globe.html")


@router.api_route("/runs/{run_id}/report", methods=PAGE_METHODS)
def report_page(record: Record, store: Store):
    """The run's report, built from its files (a run not complete has none: 409)."""
    store.get_complete(record.id)
    try:
        return HTMLResponse(build_report(record, run_layout(store, record).root))
    except LeodcError:
        raise
    except Exception as exc:  # a report that cannot be built is this run's problem, not the server's
        raise ConflictError(record.id, None, f"the report could not be built: {exc}") from None


@router.api_route("/favicon.ico", methods=PAGE_METHODS)
def favicon():
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def no_cesium(path: str):
    """``/cesium/...`` when no Cesium build is installed: say how to install it."""
    raise NotFoundError("/cesium", None, NO_CESIUM)


def mount_files(app: FastAPI, cesium: Path | None) -> None:
    """Serve the static assets at ``/static`` and the Cesium build at ``/cesium`` (or say it is missing)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if cesium is not None:
        app.mount("/cesium", StaticFiles(directory=cesium), name="cesium")
    else:
        app.add_api_route("/cesium/{path:path}", no_cesium, methods=PAGE_METHODS, include_in_schema=False)
