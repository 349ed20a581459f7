"""The scenario form's API: the scenario's JSON schema, the bundled default with the catalog's names
per field, and starting a run from a scenario sent as TOML text or as JSON fields over the default.

A sent scenario is validated as the CLI validates a file (``load_scenario``, extending the default);
what is wrong with it is a :class:`~leodc.web.failures.RequestError` naming the field (422), in the
CLI's one line with ``scenario.toml`` for the TOML text and ``fields`` for the JSON fields.
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from leodc.errors import InputError
from leodc.fields import flatten, jsonable
from leodc.scenario import Scenario, load_scenario
from leodc.web.failures import RequestError, TooLargeError
from leodc.web.state import StartedJobs

MAX_UPLOAD_BYTES = 1_000_000
HTTP_ACCEPTED = 202
UPLOAD_NAME = "scenario.toml"  # how errors name the TOML text sent
FIELDS_NAME = "fields"  # how errors name the JSON fields sent (the CLI's --set)
BODY_NAME = "request body"
BODY_KEYS = ("toml", "fields", "days")
BUILTIN_PREFIX = "builtin:"
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
def _check_extends(toml: str) -> None:
    """The TOML parses, and extends nothing but a built-in scenario (the server's files are not the user's)."""
    try:
        stated = tomllib.loads(toml)
    except tomllib.TOMLDecodeError as exc:
        raise RequestError(UPLOAD_NAME, None, f"not valid TOML ({exc})") from None
    parent = stated.get("extends")
    if parent is not None and not (isinstance(parent, str) and parent.startswith(BUILTIN_PREFIX)):
        raise RequestError(UPLOAD_NAME, "extends",
                           f"from the dashboard only built-in scenarios ({BUILTIN_PREFIX}NAME) can be extended")


def validate_scenario(toml: str, fields: dict[str, Any], days: float | None) -> Scenario:
    """The CLI's validation: the TOML goes to a file that `load_scenario` reads (extending the default)."""
    _check_extends(toml)
    overrides = dict(fields) | ({"simulation.days": days} if days is not None else {})
    with tempfile.TemporaryDirectory(prefix="leodc-upload-") as tmp:
        path = Path(tmp) / UPLOAD_NAME
        path.write_text(toml, encoding="utf-8")
        try:
            return load_scenario(path, overrides)
        except InputError as exc:  # name what was sent, not the server's scratch file
            file = {str(path): UPLOAD_NAME, "--set": FIELDS_NAME}.get(exc.file, exc.file)
            raise RequestError(file, exc.field, exc.expected) from None


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
                         "Answers 202 with the run id; `/api/jobs/{id}` follows it. Bodies over 1 MB: 413.",
             responses={413: {"description": "Body over 1 MB"}, 422: {"description": "Invalid scenario"}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object", "properties": {
                     "toml": {"type": "string"}, "fields": {"type": "object"}, "days": {"type": "number"}}}},
                 "application/toml": {"schema": {"type": "string"}}}}})
async def post_run(request: Request, jobs: StartedJobs) -> JSONResponse:
    toml, fields, days = parse_request(await read_body(request), request.headers.get("content-type", ""))
    scenario = validate_scenario(toml, fields, days)
    run_id = jobs.start(scenario)
    return JSONResponse({"id": run_id, "run_id": run_id, "status": "running", "scenario_name": scenario.name,
                         "job": f"/api/jobs/{run_id}", "run": f"/runs/{run_id}"}, status_code=HTTP_ACCEPTED)
