"""The dashboard's FastAPI app: a JSON API over the run store, static pages, and the Cesium build.

    GET  /api/runs                    every run, newest first (id, status, stage, headline figures, the
                                      progress of its time-domain stage and its executor)
    GET  /api/runs/{id}               the catalog record, the headline metrics, the progress (progress.json)
                                      and executor, and for a running run how stale the progress is
    GET  /api/runs/{id}/figures       data for the run page: fleet time series, cost items, baselines
    GET  /api/runs/{id}/globe         a sample of satellites over time, Earth-fixed km, sunlit share
    GET  /api/runs/{id}/sweep         a sweep run: headline quantiles and its report's figures (Plotly JSON)
    GET  /api/scenario-schema         the JSON schema of a scenario (pydantic)
    GET  /api/scenario-default        the bundled default scenario and the catalog names per field
    POST /api/runs                    queue a run (TOML text, or JSON fields over the default); 202,
                                      or 503 with Retry-After when the queue is full
    GET  /api/jobs/{id}               a run's progress: queued (its place) / running / complete / failed
    GET  /api/queue                   the runs running and queued, and the limits

Runs are admitted through a bounded queue (``jobs``): at most ``max_running`` at once, at most
``max_queued`` waiting (``leodc serve --max-running/--max-queued``). Scenarios sent to the server are
data only: they extend built-in scenarios and name no file (``scenario.load_scenario_text``).

Pages (GET and HEAD): ``/`` (runs), ``/runs/{id}`` (a sweep run's draws its figures with plotly.js, served at
``/vendor/plotly.js`` from the Python plotly package), ``/runs/{id}/globe``, ``/runs/{id}/report``, ``/new``,
``/docs`` (an offline page over ``/openapi.json``; FastAPI's own /docs loads Swagger from a CDN, so it is off).
Nothing is fetched from outside the machine: Cesium is served at ``/cesium/`` from the npm package
``make web`` installs.

The app is assembled here from one module per concern: the runs API (``runs_api``), the scenario
form (``scenario_form``), the pages and files (``pages``), started runs (``jobs``), what a run's files
hold for the pages (``run_data``); the routes share the store and the jobs through ``app.state``
(``state``). Every user error (:class:`~leodc.errors.LeodcError`) is answered by one handler
(``failures``) as ``{"detail": "<the CLI's one line>"}`` with its 4xx status.
"""

from __future__ import annotations

import contextlib
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from leodc.errors import LeodcError
from leodc.runs.store import RunStore
from leodc.version import __version__
from leodc.web import pages, runs_api, scenario_form
from leodc.web.failures import install_error_handlers
from leodc.web.jobs import Jobs
from leodc.web.jobs import job_main as job_main  # the child process of a started run (re-exported)
from leodc.web.pages import STATIC_DIR as STATIC_DIR  # re-exported: the static pages' folder
from leodc.web.pages import find_cesium

TITLE = "leodc dashboard"
DESCRIPTION = "Runs of the leodc pipeline: list, inspect, start; data for the pages."


@asynccontextmanager
async def lifespan(app: FastAPI):
    with contextlib.suppress(LeodcError):  # a catalog that cannot be read: the routes answer its one line
        app.state.jobs.resume()  # runs a stopped server accepted and never started
    yield
    app.state.jobs.stop_all()  # runs still going when the server stops end with it (the store marks them failed)


def create_app(home: str | Path | None = None, cesium_dir: str | Path | None = None, max_running: int | None = None,
               max_queued: int | None = None) -> FastAPI:
    """The dashboard over the runs home (``./runs``, ``LEODC_HOME`` or ``home``); at most
    ``max_running`` runs at once (default: half the cores) and ``max_queued`` waiting (default 32)."""
    app = FastAPI(title=TITLE, version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description=DESCRIPTION)
    store = RunStore(home)
    app.state.store, app.state.cesium = store, find_cesium(cesium_dir)
    app.state.jobs = Jobs(store, max_running, max_queued)
    install_error_handlers(app)
    for router in (runs_api.router, scenario_form.router, pages.router):
        app.include_router(router)
    pages.mount_files(app, app.state.cesium)
    return app
