"""The dashboard's FastAPI app: a JSON API over the run store, static pages, and the Cesium build.

    GET  /api/runs                    every run, newest first (id, status, stage, headline figures)
    GET  /api/runs/{id}               the catalog record and the headline metrics
    GET  /api/runs/{id}/figures       data for the run page: fleet time series, cost items, baselines
    GET  /api/runs/{id}/globe         a sample of satellites over time, Earth-fixed km, sunlit share
    GET  /api/scenario-schema         the JSON schema of a scenario (pydantic)
    GET  /api/scenario-default        the bundled default scenario and the catalog names per field
    POST /api/runs                    start a run (TOML text, or JSON fields over the default); 202
    GET  /api/jobs/{id}               a started run's progress: running / complete / failed, stage

Pages: ``/`` (runs), ``/runs/{id}``, ``/runs/{id}/globe``, ``/runs/{id}/report``, ``/new``, ``/docs`` (an
offline page over ``/openapi.json``; FastAPI's own /docs loads Swagger from a CDN, so it is off).
Nothing is fetched from outside the machine: Cesium is served at ``/cesium/`` from the npm package
``make web`` installs.

The app is assembled here from one module per concern: the runs API (``runs_api``), the scenario
form (``scenario_form``), the pages and files (``pages``), started runs (``jobs``), what a run's files
hold for the pages (``run_data``); the routes share the store and the jobs through ``app.state``
(``state``). Every user error (:class:`~leodc.errors.LeodcError`) is answered by one handler
(``failures``) as ``{"detail": "<the CLI's one line>"}`` with its 4xx status.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

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
    yield
    app.state.jobs.stop_all()  # runs still going when the server stops end with it (the store marks them failed)


def create_app(home: str | Path | None = None, cesium_dir: str | Path | None = None) -> FastAPI:
    """The dashboard over the runs home (``./runs``, ``LEODC_HOME`` or ``home``)."""
    app = FastAPI(title=TITLE, version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description=DESCRIPTION)
    store = RunStore(home)
    app.state.store, app.state.jobs, app.state.cesium = store, Jobs(store), find_cesium(cesium_dir)
    install_error_handlers(app)
    for router in (runs_api.router, scenario_form.router, pages.router):
        app.include_router(router)
    pages.mount_files(app, app.state.cesium)
    return app
