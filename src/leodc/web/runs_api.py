"""The runs API: every run, one run's record and files, the data of its page and of its globe, a sweep
run's figures (the sweep report's, as Plotly JSON), a started run's progress, and what this server has (the
runs home, Cesium)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from leodc.errors import NotFoundError
from leodc.fields import jsonable
from leodc.report import read_sweep, sweep_payload
from leodc.runs.layout import DesignStage, EconomicsStage
from leodc.runs.store import RunRecord, RunStore
from leodc.version import __version__
from leodc.web.run_data import (
    NO_PROGRESS,
    SWEEP_KIND,
    baselines,
    cost_items,
    fleet_series,
    globe_sample,
    network_paths,
    progress_fields,
    read_stage,
    run_kind,
    satellite_series,
)
from leodc.web.state import Cesium, Record, StartedJobs, Store, run_layout

GLOBE_DEFAULT_SATELLITES = 200
GLOBE_MAX_SATELLITES = 2000
CESIUM_HINT = "Cesium is not installed: run `make web` (npm install cesium)"

router = APIRouter(prefix="/api")
TAGS = ["runs"]


def summary(r: RunRecord, store: RunStore | None = None) -> dict:
    """A run as the runs list shows it; ``kind`` is ``sweep`` for a run of ``leodc sweep``, else ``run``;
    ``progress``, ``executor`` and ``progress_age_s`` as :func:`~leodc.web.run_data.progress_fields` says
    (all None without the store)."""
    layout = run_layout(store, r) if store is not None else None
    kind = run_kind(r, layout) if layout is not None else None
    progress = progress_fields(r, layout) if layout is not None else NO_PROGRESS
    return jsonable({"id": r.id, "created_utc": r.created_utc.isoformat() if r.created_utc else None,
                     "status": r.status, "stage": r.stage, "scenario_name": r.scenario_name,
                     "metrics": r.metrics, "error": r.error, "kind": kind, **progress})


@router.get("/runs", tags=TAGS, summary="Every run, newest first")
def list_runs(store: Store) -> list[dict]:
    return [summary(r, store) for r in store.list()]


@router.get("/runs/{run_id}", tags=TAGS,
            summary="One run: catalog record, headline metrics, and its time-domain stage's progress and executor")
def get_run(record: Record, store: Store) -> dict:
    """The run's record, headline and files; ``progress`` (its ``progress.json``: stage, executor, unit,
    done, total, tasks_done, tasks, updated_utc, data_location, resumed_tasks, fraction; or null),
    ``executor``, and for a running run ``progress_age_s`` (seconds since the progress was written)."""
    layout = run_layout(store, record)
    root = layout.root
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    return jsonable({"record": record.to_dict(), "headline": record.metrics, "files": files,
                     "kind": run_kind(record, layout), **progress_fields(record, layout)})


@router.get("/runs/{run_id}/sweep", tags=TAGS,
            summary="A sweep run: headline quantiles, P(orbit cheaper), and its report's figures as Plotly JSON")
def get_sweep(record: Record, store: Store) -> dict:
    """The figures of the sweep's report (the distribution against the terrestrial line, the tornado, the
    ladder, the design search's front) as Plotly JSON, with their captions, the headline quantiles and the
    distributions sampled; a sweep stored without its report's analyses gets them made and stored first."""
    layout = run_layout(store, record)
    if run_kind(record, layout) != SWEEP_KIND:
        raise NotFoundError(record.id, None, "not a sweep run; expected the id of a run of `leodc sweep`")
    store.get_complete(record.id)  # a sweep still running, or failed: 409
    return {"status": record.status, **sweep_payload(read_sweep(record, layout.root))}


@router.get("/runs/{run_id}/figures", tags=TAGS, summary="Data for the run page's figures")
def get_figures(record: Record, store: Store) -> dict:
    layout = run_layout(store, record)
    designed, costed = read_stage(DesignStage, layout), read_stage(EconomicsStage, layout)
    assessment = costed.assessment if costed else None
    return jsonable({
        "id": record.id, "status": record.status,
        "fleet": fleet_series(layout),
        "satellites": satellite_series(layout),
        "cost_items": cost_items(assessment),
        "total_cost_usd": ((assessment or {}).get("economics") or {}).get("total_cost_usd"),
        "baselines": baselines(assessment, costed.compare if costed else None),
        "environment": designed.environment if designed else None,
        "timings": record.timings,
        "report_available": True,
    })


@router.get("/runs/{run_id}/globe", tags=TAGS,
            summary="A sample of the fleet over time: Earth-fixed positions (km) and sunlit share")
def get_globe(record: Record, store: Store, max_satellites: Annotated[int, Query(
        ge=1, le=GLOBE_MAX_SATELLITES, description="At most this many satellites")] = GLOBE_DEFAULT_SATELLITES
              ) -> dict:
    fleet = record.metrics.get("satellites") or ((record.inputs or {}).get("fleet") or {}).get("target_satellites")
    return {"id": record.id, **jsonable(globe_sample(run_layout(store, record), fleet, max_satellites))}


@router.get("/runs/{run_id}/network", tags=TAGS,
            summary="The network stage's pairs: per step, the path's Earth-fixed positions and the round trip")
def get_network(record: Record, store: Store) -> dict:
    return {"id": record.id, **jsonable(network_paths(run_layout(store, record)))}


@router.get("/jobs/{run_id}", tags=TAGS, summary="A run's progress: queued (its place), running, complete, failed")
def get_job(run_id: str, jobs: StartedJobs) -> dict:
    return jsonable(jobs.status(run_id))


@router.get("/queue", tags=TAGS, summary="The runs running and queued in this server, and its limits")
def get_queue(jobs: StartedJobs) -> dict:
    return jobs.overview()


@router.get("/info", tags=["dashboard"], summary="The runs home, whether Cesium is installed, the run limits")
def info(store: Store, cesium: Cesium, jobs: StartedJobs) -> dict:
    return {"version": __version__, "runs_home": str(store.home.resolve()), "cesium_available": cesium is not None,
            "cesium_hint": None if cesium else CESIUM_HINT, "max_running": jobs.max_running,
            "max_queued": jobs.max_queued}
