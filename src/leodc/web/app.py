"""The dashboard's FastAPI app: a JSON API over the run store, static pages, and the Cesium build.

    GET  /api/runs                    every run, newest first (id, status, stage, headline figures)
    GET  /api/runs/{id}               the catalog record and the headline metrics
    GET  /api/runs/{id}/figures       data for the run page: fleet time series, cost items, baselines
    GET  /api/runs/{id}/globe         a sample of satellites over time, Earth-fixed km, sunlit share
    GET  /api/scenario-schema         the JSON schema of a scenario (pydantic)
    GET  /api/scenario-default        the bundled default scenario and the catalog names per field
    POST /api/runs                    start a run (TOML text, or JSON fields over the default); 202
    GET  /api/jobs/{id}               a started run's progress: running / complete / failed, stage

Pages: ``/`` (runs), ``/runs/{id}``, ``/runs/{id}/globe``, ``/new``, ``/docs`` (an offline page over
``/openapi.json``; FastAPI's own /docs loads Swagger from a CDN, so it is off). Nothing is fetched from
outside the machine: Cesium is served at ``/cesium/`` from the npm package ``make web`` installs.

A started run is a child process (``python -c`` calling :func:`job_main`) so the simulation neither
holds the server's GIL nor takes the server down with it; it is given its run id up front, so the
POST can answer with it and ``/api/jobs/{id}`` reads progress from the run store.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pyarrow.parquet as pq
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from leodc import __version__
from leodc.runs.store import RunRecord, RunStore, new_run_id
from leodc.scenario import InputError, Scenario, load_scenario

STATIC_DIR = Path(__file__).with_name("static")
CESIUM_ENV = "LEODC_CESIUM_DIR"
# where `make web` puts the package (relative to the working directory, then to the source checkout)
CESIUM_SUBPATH = Path(".cache") / "cesium" / "node_modules" / "cesium" / "Build" / "Cesium"
MAX_UPLOAD_BYTES = 1_000_000
GLOBE_DEFAULT_SATELLITES = 200
GLOBE_MAX_SATELLITES = 2000
FIGURE_MAX_POINTS = 1000
# economics items that are totals of the others, not items of the breakdown
COST_TOTALS = ("total_cost_usd", "infrastructure_cost_usd", "satellite_hardware_usd")
CATALOG_FIELDS = {
    "compute.accelerator": "accelerators", "power.solar_array": "solar_arrays", "power.battery": "batteries",
    "thermal.radiator": "radiators", "satellite.bus": "buses", "fleet.launch_vehicle": "launch_vehicles",
    "economics.terrestrial_power": "power_options", "economics.datacenter": "datacenters",
}


def find_cesium(explicit: str | Path | None = None) -> Path | None:
    """The Cesium build folder (holding Cesium.js), or None when `make web` has not installed it.

    The folder named, else ``LEODC_CESIUM_DIR``, else ``.cache/cesium`` under the working directory or
    the source checkout."""
    if explicit:
        candidates = [Path(explicit)]
    elif os.environ.get(CESIUM_ENV):
        candidates = [Path(os.environ[CESIUM_ENV])]
    else:
        candidates = [Path.cwd() / CESIUM_SUBPATH, Path(__file__).resolve().parents[3] / CESIUM_SUBPATH]
    for folder in candidates:
        if (folder / "Cesium.js").is_file():
            return folder.resolve()
    return None


# ---------------------------------------------------------------- reading a run's files


def _finite(x: Any) -> Any:
    """JSON has no NaN or infinity: they become null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        return _finite(obj.item())
    return _finite(obj)


def _column(values: np.ndarray, digits: int | None = None) -> list:
    if values.dtype.kind == "M":
        return [str(t) + "Z" for t in values.astype("datetime64[ms]")]
    if values.dtype.kind == "f":
        out = np.round(values, digits) if digits is not None else values
        return [None if not math.isfinite(v) else v for v in out.tolist()]
    return values.tolist()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _stride(n: int, limit: int) -> slice:
    return slice(None, None, max(1, math.ceil(n / limit)))


def fleet_series(run_dir: Path, max_points: int = FIGURE_MAX_POINTS) -> dict | None:
    path = run_dir / "simulation" / "fleet.parquet"
    if not path.is_file():
        return None
    table = pq.read_table(path)
    pick = _stride(table.num_rows, max_points)
    return {name: _column(table.column(name).to_numpy()[pick]) for name in table.column_names}


def satellite_series(run_dir: Path, max_points: int = FIGURE_MAX_POINTS) -> list[dict]:
    folder = run_dir / "simulation" / "timeseries"
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return []
    table = pq.read_table(files[0])
    cols = {name: table.column(name).to_numpy() for name in table.column_names}
    out = []
    for sat in np.unique(cols["sat_id"]):
        rows = np.flatnonzero(cols["sat_id"] == sat)
        rows = rows[_stride(rows.size, max_points)]
        out.append({"sat_id": int(sat), **{k: _column(v[rows]) for k, v in cols.items() if k != "sat_id"}})
    return out


def cost_items(assessment: dict | None) -> list[dict]:
    econ = (assessment or {}).get("economics") or {}
    return [{"item": key.removesuffix("_usd"), "usd": _finite(value)} for key, value in econ.items()
            if key.endswith("_usd") and key not in COST_TOTALS and isinstance(value, (int, float))]


def baselines(assessment: dict | None, compare: list | None) -> list[dict]:
    keys = ("total_cost_usd", "lcoe_usd_per_mwh", "usd_per_accelerator_hour", "usd_per_pflop_day")
    rows = []
    econ = (assessment or {}).get("economics")
    if econ:
        rows.append({"name": "orbital (this run)", **{k: _finite(econ.get(k)) for k in keys}})
    for base in compare or []:
        rows.append({"name": base.get("name"), **{k: _finite(base.get(k)) for k in keys}})
    return rows


def globe_sample(run_dir: Path, fleet_satellites: int | None, max_satellites: int) -> dict:
    path = run_dir / "orbits.parquet"
    if not path.is_file():
        raise HTTPException(404, f"run {run_dir.name} has no orbit sample (orbits.parquet) yet")
    table = pq.read_table(path, columns=["sat_id", "time", "x_itrs_km", "y_itrs_km", "z_itrs_km", "sunlit"])
    cols = {name: table.column(name).to_numpy() for name in table.column_names}
    ids = np.unique(cols["sat_id"])
    stored = ids.size
    if stored > max_satellites:  # spread the pick over the stored sample, as the pipeline does over the fleet
        ids = ids[np.unique(np.linspace(0, stored - 1, max_satellites).round().astype(int))]
    order = np.lexsort((cols["time"], cols["sat_id"]))
    cols = {k: v[order] for k, v in cols.items()}
    times = np.unique(cols["time"])
    satellites = []
    for sat in ids:
        rows = np.flatnonzero(cols["sat_id"] == sat)
        xyz = np.stack([cols["x_itrs_km"][rows], cols["y_itrs_km"][rows], cols["z_itrs_km"][rows]], axis=-1)
        satellites.append({
            "sat_id": int(sat),
            "time_index": np.searchsorted(times, cols["time"][rows]).tolist(),
            "positions_km": np.round(xyz, 2).tolist(),
            "sunlit": np.round(cols["sunlit"][rows].astype(float), 3).tolist(),
        })
    fleet = int(fleet_satellites) if fleet_satellites else stored
    shown = len(satellites)
    step = round(float((times[1] - times[0]) / np.timedelta64(1, "s")), 3) if times.size > 1 else 0.0
    return {
        "frame": "ITRS (Earth-fixed), km",
        "fleet_satellites": fleet,
        "stored_sample_satellites": int(stored),
        "sample_satellites": shown,
        "is_sample": shown < fleet,
        "note": (f"showing {shown} of {fleet} satellites, spread evenly over the fleet" if shown < fleet
                 else f"showing all {fleet} satellites"),
        "times": _column(times),
        "step_s": step,
        "sunlit_share": _finite(float(np.mean(cols["sunlit"]))) if cols["sunlit"].size else None,
        "satellites": satellites,
    }


# ---------------------------------------------------------------- starting runs


def job_main() -> None:
    """The child process of ``POST /api/runs``: argv = [home, run id], the validated scenario on stdin."""
    from leodc.runs import pipeline

    home, run_id = sys.argv[1], sys.argv[2]
    scenario = Scenario.model_validate_json(sys.stdin.read())
    # this process runs one run; its id was promised to the client
    pipeline.run_scenario(scenario, home, run_id=run_id)


JOB_CODE = "from leodc.web.app import job_main; job_main()"


class Jobs:
    """Child processes started by this server, by run id; the run store holds their progress."""

    def __init__(self, store: RunStore):
        self.store = store
        self.lock = threading.Lock()
        self.procs: dict[str, subprocess.Popen] = {}
        self.errors: dict[str, str] = {}

    def start(self, scenario: Scenario) -> str:
        run_id = new_run_id()
        proc = subprocess.Popen([sys.executable, "-c", JOB_CODE, str(self.store.home.resolve()), run_id],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        with self.lock:
            self.procs[run_id] = proc
        threading.Thread(target=self._watch, args=(run_id, proc, scenario.model_dump_json()), daemon=True).start()
        return run_id

    def _watch(self, run_id: str, proc: subprocess.Popen, payload: str) -> None:
        try:
            _, err = proc.communicate(payload)
        except (OSError, ValueError) as exc:
            err = str(exc)
        if proc.returncode:
            lines = [line for line in (err or "").splitlines() if line.strip()]
            with self.lock:
                self.errors[run_id] = lines[-1] if lines else f"the run's process exited with {proc.returncode}"

    def status(self, run_id: str) -> dict:
        with self.lock:
            proc, error = self.procs.get(run_id), self.errors.get(run_id)
        try:
            rec = self.store.get(run_id)
        except InputError:
            rec = None
        if rec is None:
            if proc is None:
                raise HTTPException(404, f"no job {run_id!r}")
            if proc.poll() is None:
                return {"id": run_id, "run_id": run_id, "status": "running", "stage": "starting", "error": None}
            return {"id": run_id, "run_id": run_id, "status": "failed", "stage": "starting",
                    "error": error or "the run's process ended before the run began"}
        return {"id": run_id, "run_id": run_id, "status": rec.status, "stage": rec.stage,
                "error": rec.error or (error if rec.status == "failed" else None),
                "timings": rec.timings}

    def stop_all(self) -> None:
        with self.lock:
            procs = list(self.procs.values())
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()


def _flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"the request body is {int(declared)} bytes; the limit is {MAX_UPLOAD_BYTES}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"the request body exceeds {MAX_UPLOAD_BYTES} bytes")
    return bytes(body)


def _parse_request(body: bytes, content_type: str) -> tuple[str, dict[str, Any], float | None]:
    """(TOML text, dotted overrides, days) from a JSON body or raw TOML."""
    if "json" not in content_type:
        try:
            return body.decode("utf-8"), {}, None
        except UnicodeDecodeError:
            raise HTTPException(422, "scenario.toml: not a UTF-8 text file") from None
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(422, f"the body is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise HTTPException(422, "expected a JSON object with toml, fields and/or days")
    unknown = sorted(set(data) - {"toml", "fields", "days"})
    if unknown:
        raise HTTPException(422, f"unknown key(s) {', '.join(unknown)}; expected toml, fields, days")
    toml, fields, days = data.get("toml") or "", data.get("fields") or {}, data.get("days")
    if not isinstance(toml, str):
        raise HTTPException(422, "toml: expected the scenario's TOML text as a string")
    if not isinstance(fields, dict):
        raise HTTPException(422, "fields: expected an object of section.field values")
    if days is not None and (isinstance(days, bool) or not isinstance(days, (int, float))):
        raise HTTPException(422, f"days: expected a number of days (got {days!r})")
    return toml, _flatten(fields), days


def validate_scenario(toml: str, fields: dict[str, Any], days: float | None) -> Scenario:
    """The CLI's validation: the TOML goes to a file that `load_scenario` reads (extending the default)."""
    overrides = dict(fields)
    if days is not None:
        overrides["simulation.days"] = days
    with tempfile.TemporaryDirectory(prefix="leodc-upload-") as tmp:
        path = Path(tmp) / "scenario.toml"
        path.write_text(toml, encoding="utf-8")
        try:
            import tomllib

            stated = tomllib.loads(toml)
        except tomllib.TOMLDecodeError as exc:
            raise HTTPException(422, f"scenario.toml: not valid TOML ({exc})") from None
        parent = stated.get("extends")
        if parent is not None and not (isinstance(parent, str) and parent.startswith("builtin:")):
            raise HTTPException(422, "scenario.toml: extends: from the dashboard only built-in scenarios "
                                     "(builtin:NAME) can be extended")
        try:
            return load_scenario(path, overrides)
        except InputError as exc:
            file = {str(path): "scenario.toml", "--set": "fields"}.get(exc.file, exc.file)
            where = f"{file}: {exc.field}" if exc.field else file
            raise HTTPException(422, f"{where}: {exc.expected}") from None


# ---------------------------------------------------------------- the app


def create_app(home: str | Path | None = None, cesium_dir: str | Path | None = None) -> FastAPI:
    """The dashboard over the runs home (``./runs``, ``LEODC_HOME`` or ``home``)."""
    store = RunStore(home)
    jobs = Jobs(store)
    cesium = find_cesium(cesium_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        jobs.stop_all()  # runs still going when the server stops end with it (the store marks them failed)

    app = FastAPI(title="leodc dashboard", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Runs of the leodc pipeline: list, inspect, start; data for the pages.")
    app.state.store, app.state.jobs, app.state.cesium = store, jobs, cesium

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=422)

    def record(run_id: str) -> RunRecord:
        try:
            return store.get(run_id)
        except InputError:
            raise HTTPException(404, f"no run {run_id!r}") from None

    def summary(r: RunRecord) -> dict:
        return _clean({"id": r.id, "created_utc": r.created_utc.isoformat() if r.created_utc else None,
                       "status": r.status, "stage": r.stage, "scenario_name": r.scenario_name,
                       "metrics": r.metrics, "error": r.error})

    # ------------------------------------------------------------ API
    @app.get("/api/runs", tags=["runs"], summary="Every run, newest first")
    def list_runs() -> list[dict]:
        return [summary(r) for r in store.list()]

    @app.get("/api/runs/{run_id}", tags=["runs"], summary="One run: catalog record and headline metrics")
    def get_run(run_id: str) -> dict:
        r = record(run_id)
        run_dir = store.run_dir(r.id)
        files = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file()) \
            if run_dir.is_dir() else []
        return _clean({"record": r.to_dict(), "headline": r.metrics, "files": files})

    @app.get("/api/runs/{run_id}/figures", tags=["runs"], summary="Data for the run page's figures")
    def get_figures(run_id: str) -> dict:
        r = record(run_id)
        run_dir = store.run_dir(r.id)
        assessment = _read_json(run_dir / "assessment.json")
        compare = _read_json(run_dir / "compare.json")
        return _clean({
            "id": r.id, "status": r.status,
            "fleet": fleet_series(run_dir),
            "satellites": satellite_series(run_dir),
            "cost_items": cost_items(assessment),
            "total_cost_usd": ((assessment or {}).get("economics") or {}).get("total_cost_usd"),
            "baselines": baselines(assessment, compare if isinstance(compare, list) else None),
            "environment": _read_json(run_dir / "environment.json"),
            "timings": r.timings,
            "report_available": _report_builder() is not None,
        })

    @app.get("/api/runs/{run_id}/globe", tags=["runs"],
             summary="A sample of the fleet over time: Earth-fixed positions (km) and sunlit share")
    def get_globe(run_id: str, max_satellites: Annotated[int, Query(
            ge=1, le=GLOBE_MAX_SATELLITES, description="At most this many satellites")] = GLOBE_DEFAULT_SATELLITES
                  ) -> dict:
        r = record(run_id)
        fleet = r.metrics.get("satellites") or ((r.inputs or {}).get("fleet") or {}).get("target_satellites")
        return {"id": r.id, **_clean(globe_sample(store.run_dir(r.id), fleet, max_satellites))}

    @app.get("/api/scenario-schema", tags=["scenarios"], summary="The JSON schema of a scenario")
    def scenario_schema() -> dict:
        return Scenario.model_json_schema()

    @app.get("/api/scenario-default", tags=["scenarios"],
             summary="The bundled default scenario (what a new run starts from) and catalog names per field")
    def scenario_default() -> dict:
        from leodc.catalog import load_catalog

        cat = load_catalog()
        choices = {field: sorted(cat.kind(kind)) for field, kind in CATALOG_FIELDS.items()}
        return _clean({"scenario": load_scenario("builtin:default").model_dump(mode="json"), "choices": choices})

    @app.post("/api/runs", tags=["runs"], status_code=202, summary="Start a run",
              description="Body: a scenario as TOML text (any content type but JSON), or JSON "
                          "`{\"toml\": \"...\", \"fields\": {\"fleet.target_satellites\": 30}, \"days\": 0.1}`; "
                          "either way the scenario extends the bundled default and is validated as the CLI does. "
                          "Answers 202 with the run id; `/api/jobs/{id}` follows it. Bodies over 1 MB: 413.",
              responses={413: {"description": "Body over 1 MB"}, 422: {"description": "Invalid scenario"}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": {"type": "object", "properties": {
                      "toml": {"type": "string"}, "fields": {"type": "object"}, "days": {"type": "number"}}}},
                  "application/toml": {"schema": {"type": "string"}}}}})
    async def post_run(request: Request) -> JSONResponse:
        body = await _read_body(request)
        toml, fields, days = _parse_request(body, request.headers.get("content-type", ""))
        scenario = validate_scenario(toml, fields, days)
        run_id = jobs.start(scenario)
        return JSONResponse({"id": run_id, "run_id": run_id, "status": "running", "scenario_name": scenario.name,
                             "job": f"/api/jobs/{run_id}", "run": f"/runs/{run_id}"}, status_code=202)

    @app.get("/api/jobs/{run_id}", tags=["runs"], summary="A started run's progress")
    def get_job(run_id: str) -> dict:
        return _clean(jobs.status(run_id))

    @app.get("/api/info", tags=["dashboard"], summary="The runs home and whether Cesium is installed")
    def info() -> dict:
        return {"version": __version__, "runs_home": str(store.home.resolve()), "cesium_available": cesium is not None,
                "cesium_hint": None if cesium else "Cesium is not installed: run `make web` (npm install cesium)"}

    # ------------------------------------------------------------ pages
    def page(name: str) -> FileResponse:
        return FileResponse(STATIC_DIR / name, media_type="text/html")

    @app.get("/", include_in_schema=False)
    def index_page():
        return page("index.html")

    @app.get("/new", include_in_schema=False)
    def new_page():
        return page("new.html")

    @app.get("/docs", include_in_schema=False)
    def docs_page():
        return page("docs.html")

    @app.get("/runs/{run_id}", include_in_schema=False)
    def run_page(run_id: str):
        record(run_id)
        return page("run.html")

    @app.get("/runs/{run_id}/globe", include_in_schema=False)
    def globe_page(run_id: str):
        record(run_id)
        return page("globe.html")

    @app.get("/runs/{run_id}/report", include_in_schema=False)
    def report_page(run_id: str):
        r = record(run_id)
        build = _report_builder()
        if build is None:
            raise HTTPException(404, "the HTML report is not available in this version (leodc.report)")
        try:
            return HTMLResponse(build(r, store.run_dir(r.id)))
        except Exception as exc:  # a report that cannot be built is this run's problem, not the server's
            raise HTTPException(409, f"the report of run {r.id} could not be built: {exc}") from None

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.get("/runs", include_in_schema=False)
    def runs_redirect():
        return RedirectResponse("/")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if cesium is not None:
        app.mount("/cesium", StaticFiles(directory=cesium), name="cesium")
    else:
        @app.get("/cesium/{path:path}", include_in_schema=False)
        def no_cesium(path: str):
            raise HTTPException(404, "Cesium is not installed: run `make web` (npm install cesium into .cache/cesium)")

    return app


def _report_builder():
    """``leodc.report.build_report(record, run_dir) -> html`` where that module exists, else None."""
    try:
        from leodc.report import build_report
    except ImportError:
        return None
    return build_report
