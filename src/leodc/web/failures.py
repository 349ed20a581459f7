"""How the dashboard answers what a user got wrong: every :class:`~leodc.errors.LeodcError` becomes
JSON ``{"detail": "<the one line the CLI prints>"}`` with the error's own 4xx status, never a 500. A
catalog the server cannot use (damaged: the line names ``leodc runs rebuild``; busy; a runs home it
cannot write) and a full run queue are 503s, with ``Retry-After`` where waiting helps.

The request errors only the dashboard can meet (a body too large, a body that is not a scenario, a
run not ready for what was asked) are LeodcErrors too, with their own status.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from leodc.errors import InputError, LeodcError

HTTP_TOO_LARGE = 413
HTTP_UNPROCESSABLE = 422


class RequestError(InputError):
    """A request body that is not a scenario the dashboard can run (422)."""

    status_code = HTTP_UNPROCESSABLE


class TooLargeError(InputError):
    """A request body over the upload limit (413)."""

    status_code = HTTP_TOO_LARGE


async def leodc_error(request: Request, exc: LeodcError) -> JSONResponse:
    """Any user-facing error: its one line, with its status (and ``Retry-After`` when it says when to
    try again: a full run queue, a busy catalog)."""
    retry = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(int(retry))} if retry else None
    return JSONResponse({"detail": str(exc)}, status_code=exc.status_code, headers=headers)


async def request_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A query or path parameter FastAPI rejected: the first problem as one line (422)."""
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid request')}"},
                        status_code=HTTP_UNPROCESSABLE)


def install_error_handlers(app: FastAPI) -> None:
    """Register the dashboard's answers to user errors on ``app``."""
    app.add_exception_handler(LeodcError, leodc_error)
    app.add_exception_handler(RequestValidationError, request_validation_error)
