"""What every route of the dashboard shares, kept on ``app.state`` by :func:`leodc.web.app.create_app`
and handed to the routes as FastAPI dependencies: the run store, the started jobs, the Cesium build
and a run's catalog record looked up by its id."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from leodc.runs.layout import RunLayout
from leodc.runs.store import RunRecord, RunStore
from leodc.web.jobs import Jobs


def run_store(request: Request) -> RunStore:
    return request.app.state.store


def started_jobs(request: Request) -> Jobs:
    return request.app.state.jobs


def cesium_build(request: Request) -> Path | None:
    return request.app.state.cesium


Store = Annotated[RunStore, Depends(run_store)]
StartedJobs = Annotated[Jobs, Depends(started_jobs)]
Cesium = Annotated[Path | None, Depends(cesium_build)]


def run_record(run_id: str, store: Store) -> RunRecord:
    """The record of the run the path names (``{run_id}``)."""
    return store.get(run_id)  # unknown: a NotFoundError (404) naming the catalog and the id, as the CLI says


Record = Annotated[RunRecord, Depends(run_record)]


def run_layout(store: RunStore, record: RunRecord) -> RunLayout:
    """The files of a stored run."""
    return RunLayout(store.run_dir(record.id))
