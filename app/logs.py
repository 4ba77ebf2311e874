"""Structured logs: one JSON object per line on stdout, with explicit fields only.

`log_event("timer_failed", tracking_code=..., bpmn_id=...)` is the one way the application logs.
It takes named scalar fields, never whole form data or objects, so identity (names, NIK, phone,
e-mail, address) and access codes cannot slip in by accident; field names that would carry them
are dropped as well. Requests, refusals and unexpected errors are logged by the hooks here.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, g, got_request_exception, has_request_context, request
from flask.logging import default_handler
from werkzeug.wrappers import Response

LOGGER_NAME = "layanan_pengaduan"
logger = logging.getLogger(LOGGER_NAME)

# Field names never written, whoever passes them: the complainant's identity and secrets.
# Defence in depth: the usual identity names are refused too, though no code of app/ passes
# a form's field name (tests/test_no_diagram_names_in_app.py) and form data is never logged.
FORBIDDEN_FIELDS = frozenset(
    {
        "nama",
        "name_of_complainant",
        "nik",
        "no_kk",
        "telepon",
        "phone",
        "email",
        "alamat",
        "address",
        "access_code",
        "kode",
        "kode_akses",
        "password",
        "username",
        "data",
        "form_data",
    }
)
REFUSED_STATUSES = frozenset({401, 403, 429})
Scalar = str | int | float | bool | None


def log_event(event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log EVENT with FIELDS (scalars only; others are replaced by their type name)."""
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={"fields": _clean(fields)})


def _clean(fields: dict[str, Any]) -> dict[str, Scalar]:
    clean: dict[str, Scalar] = {}
    for key, value in fields.items():
        if key in FORBIDDEN_FIELDS:
            continue
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        clean[key] = value if isinstance(value, Scalar) else f"<{type(value).__name__}>"
    return clean


def error_context(exc: BaseException, **fields: Any) -> BaseException:
    """Attach log fields (case tracking code, element id, ...) to EXC for whoever logs it."""
    context: dict[str, Any] = dict(getattr(exc, "log_context", {}))
    context.update({k: v for k, v in fields.items() if v is not None})
    try:
        exc.log_context = context  # type: ignore[attr-defined]
    except AttributeError:  # exceptions with __slots__: nothing to attach to
        pass
    return exc


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, event, then its fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render RECORD (with its exception's type, context and traceback if it has one)."""
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
        }
        if record.name == LOGGER_NAME:
            payload["event"] = str(record.msg)
        else:  # Flask's own error log ("Exception on /path [POST]") and the like
            payload["event"] = "request_failed" if record.exc_info else "app_log"
            payload["message"] = record.getMessage()
        payload.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            payload.update(current_request_fields())
            payload["error_type"] = type(exc).__name__
            payload.update(_clean(getattr(exc, "log_context", {})))
            # Frames only: an exception's message may quote the data it choked on.
            payload["traceback"] = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
        return json.dumps(payload, ensure_ascii=False, default=str)


class StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is at the time (so a redirected stdout is honoured)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        """The current standard output."""
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class _NotYetLogged(logging.Filter):
    """Drops Flask's own record of an exception that `request_failed` already logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a record whose exception carries the logged mark."""
        exc = record.exc_info[1] if record.exc_info else None
        return not getattr(exc, "log_written", False)


def _install(target: logging.Logger, level: int) -> None:
    for handler in list(target.handlers):
        if isinstance(handler, StdoutHandler) or handler is default_handler:
            target.removeHandler(handler)
    handler = StdoutHandler()
    handler.addFilter(_NotYetLogged())
    target.addHandler(handler)
    target.setLevel(level)
    target.propagate = False


def _request_failed(_sender: Flask, exception: BaseException, **_extra: Any) -> None:
    """An unhandled error in a request: one line with the request, the case and the element."""
    fields: dict[str, Any] = {**current_request_fields(), "endpoint": request.endpoint}
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        fields["user_id"] = user.get_id()
    logger.error("request_failed", exc_info=exception, extra={"fields": _clean(fields)})
    try:
        exception.log_written = True  # type: ignore[attr-defined]
    except AttributeError:
        pass


def _request_started() -> None:
    g.log_started = time.perf_counter()


def _request_finished(response: Response) -> Response:
    started = g.get("log_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    fields: dict[str, Any] = {
        "method": request.method,
        "path": request.path,  # never the query string: tracking links carry access codes there
        "status": response.status_code,
        "duration_ms": duration,
        "endpoint": request.endpoint,
    }
    user = g.get("_login_user")  # only if the request already loaded it
    if user is not None and getattr(user, "is_authenticated", False):
        fields["user_id"] = user.get_id()
    if response.status_code in REFUSED_STATUSES:
        log_event("request_refused", level=logging.WARNING, **fields)
    elif request.endpoint != "static" or response.status_code >= 400:
        log_event("request_handled", **fields)
    else:
        log_event("request_handled", level=logging.DEBUG, **fields)
    return response


def current_request_fields() -> dict[str, Any]:
    """Method and path of the current request (empty outside one)."""
    if not has_request_context():
        return {}
    return {"method": request.method, "path": request.path}


def init_app(app: Flask) -> None:
    """Send the app's logs (ours and Flask's error log) to stdout as JSON at LOG_LEVEL."""
    level = logging.getLevelName(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    if not isinstance(level, int):
        raise ValueError(f"LOG_LEVEL {app.config.get('LOG_LEVEL')!r} is not a logging level")
    _install(logger, level)
    _install(app.logger, level)
    app.before_request(_request_started)
    app.after_request(_request_finished)
    got_request_exception.connect(_request_failed, app)
