"""What every route of the dashboard shares, kept on ``app.state`` by :func:`leodc.web.app.create_app`
and handed to the routes as FastAPI dependencies: the run store, the started jobs, the Cesium build
and a run's catalog record looked up by its id."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from leodc.errors import InputError, NotFoundError
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


def find_record(store: RunStore, run_id: str) -> RunRecord:
    """The run's catalog record; an unknown id is a 404 with the store's one-line message."""
    try:
        return store.get(run_id)
    except NotFoundError:
        raise
    except InputError as exc:  # the store names the catalog and the id, as the CLI prints it
        raise NotFoundError(exc.file, exc.field, exc.expected) from None


def run_record(run_id: str, store: Store) -> RunRecord:
    """The record of the run the path names (``{run_id}``)."""
    return find_record(store, run_id)


Record = Annotated[RunRecord, Depends(run_record)]


def run_layout(store: RunStore, record: RunRecord) -> RunLayout:
    """The files of a stored run."""
    return RunLayout(store.run_dir(record.id))
