"""The scenario form's API: the scenario's JSON schema, the bundled default with the catalog's names
per field, and starting a run from a scenario sent as TOML text or as JSON fields over the default.

A sent scenario is validated as the CLI validates a file, as data only (``load_scenario_text``: it
extends the default or another built-in, names no file, and is never written to disk); what is
wrong with it is a :class:`~leodc.web.failures.RequestError` naming the field (422), in the CLI's one
line with ``scenario.toml`` for the TOML text, ``fields`` for the JSON fields and ``days`` for the days.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from leodc.errors import InputError
from leodc.fields import flatten, jsonable
from leodc.scenario import Scenario, load_scenario, load_scenario_text
from leodc.web.failures import RequestError, TooLargeError
from leodc.web.state import StartedJobs

MAX_UPLOAD_BYTES = 1_000_000
HTTP_ACCEPTED = 202
UPLOAD_NAME = "scenario.toml"  # how errors name the TOML text sent
FIELDS_NAME = "fields"  # how errors name the JSON fields sent (the CLI's --set)
DAYS_NAME = "days"  # how errors name the days sent (the CLI's --days)
BODY_NAME = "request body"
BODY_KEYS = ("toml", "fields", "days")
DEFAULT_SCENARIO = "builtin:default"
CATALOG_FIELDS = {
    "compute.accelerator": "accelerators", "power.solar_array": "solar_arrays", "power.battery": "batteries",
    "thermal.radiator": "radiators", "satellite.bus": "buses", "fleet.launch_vehicle": "launch_vehicles",
    "economics.terrestrial_power": "power_options", "economics.datacenter": "datacenters",
}
TAGS = ["scenarios"]

router = APIRouter(prefix="/api")


# ---------------------------------------------------------------------------------------------- the request
async def read_body(request: Request) -> bytes:
    """The request body, refused (413) past ``MAX_UPLOAD_BYTES`` whether declared or streamed."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise TooLargeError(BODY_NAME, None, f"{int(declared)} bytes; the limit is {MAX_UPLOAD_BYTES}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            raise TooLargeError(BODY_NAME, None, f"exceeds {MAX_UPLOAD_BYTES} bytes")
    return bytes(body)


def _json_request(body: bytes) -> tuple[str, dict[str, Any], float | None]:
    """(TOML text, dotted fields, days) from a JSON body ``{"toml", "fields", "days"}``."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError(BODY_NAME, None, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise RequestError(BODY_NAME, None, "expected a JSON object with toml, fields and/or days")
    unknown = sorted(set(data) - set(BODY_KEYS))
    if unknown:
        raise RequestError(BODY_NAME, None, f"unknown key(s) {', '.join(unknown)}; expected {', '.join(BODY_KEYS)}")
    toml, fields, days = data.get("toml") or "", data.get("fields") or {}, data.get("days")
    if not isinstance(toml, str):
        raise RequestError(BODY_NAME, "toml", "expected the scenario's TOML text as a string")
    if not isinstance(fields, dict):
        raise RequestError(BODY_NAME, "fields", "expected an object of section.field values")
    if days is not None and (isinstance(days, bool) or not isinstance(days, (int, float))):
        raise RequestError(BODY_NAME, "days", f"expected a number of days (got {days!r})")
    return toml, flatten(fields), days


def parse_request(body: bytes, content_type: str) -> tuple[str, dict[str, Any], float | None]:
    """(TOML text, dotted fields, days) from a JSON body, or from raw TOML (any other content type)."""
    if "json" in content_type:
        return _json_request(body)
    try:
        return body.decode("utf-8"), {}, None
    except UnicodeDecodeError:
        raise RequestError(UPLOAD_NAME, None, "not a UTF-8 text file") from None


# ---------------------------------------------------------------------------------------------- validation
def validate_scenario(toml: str, fields: dict[str, Any], days: float | None) -> Scenario:
    """The CLI's validation, on data only: the TOML text extends a built-in scenario and names no file
    (``load_scenario_text``), so no request reaches the server's files; then the fleet must fit this
    machine's memory as ``leodc simulate`` requires."""
    from leodc.simulate.engine import require_fleet_fits

    try:
        scenario = load_scenario_text(toml, UPLOAD_NAME, fields, {DAYS_NAME: ("simulation.days", days)},
                                      overrides_label=FIELDS_NAME)
        require_fleet_fits(scenario)
    except InputError as exc:
        raise RequestError(exc.file, exc.field, exc.expected) from None
    return scenario


# ---------------------------------------------------------------------------------------------- the routes
@router.get("/scenario-schema", tags=TAGS, summary="The JSON schema of a scenario")
def scenario_schema() -> dict:
    return Scenario.model_json_schema()


@router.get("/scenario-default", tags=TAGS,
            summary="The bundled default scenario (what a new run starts from) and catalog names per field")
def scenario_default() -> dict:
    from leodc.catalog import load_catalog

    cat = load_catalog()
    choices = {field: sorted(cat.kind(kind)) for field, kind in CATALOG_FIELDS.items()}
    return jsonable({"scenario": load_scenario(DEFAULT_SCENARIO).model_dump(mode="json"), "choices": choices})


@router.post("/runs", tags=["runs"], status_code=HTTP_ACCEPTED, summary="Start a run",
             description="Body: a scenario as TOML text (any content type but JSON), or JSON "
                         "`{\"toml\": \"...\", \"fields\": {\"fleet.target_satellites\": 30}, \"days\": 0.1}`; "
                         "either way the scenario extends the bundled default and is validated as the CLI does. "
                         "The scenario is data only: it extends built-in scenarios and names no file (a fleet from a "
                         "TLE/OMM file runs with `leodc run`). Answers 202 with the run id, queued or running; "
                         "`/api/jobs/{id}` follows it. A full queue: 503 with Retry-After. Bodies over 1 MB: 413.",
             responses={413: {"description": "Body over 1 MB"}, 422: {"description": "Invalid scenario"},
                        503: {"description": "The run queue is full (Retry-After), or the catalog cannot be used"}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object", "properties": {
                     "toml": {"type": "string"}, "fields": {"type": "object"}, "days": {"type": "number"}}}},
                 "application/toml": {"schema": {"type": "string"}}}}})
def post_run(request: Request, jobs: StartedJobs, body: Annotated[bytes, Depends(read_body)]) -> JSONResponse:
    toml, fields, days = parse_request(body, request.headers.get("content-type", ""))
    scenario = validate_scenario(toml, fields, days)
    placed = jobs.submit(scenario)
    run_id = placed["id"]
    return JSONResponse(placed | {"scenario_name": scenario.name, "job": f"/api/jobs/{run_id}",
                                  "run": f"/runs/{run_id}"}, status_code=HTTP_ACCEPTED)
