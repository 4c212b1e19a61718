"""Structured logs: one JSON object per line, with the request id of the request being served.

`RequestIdMiddleware` takes a well-formed `X-Request-ID` from the caller or makes one, returns it on
the response, and logs one line per failed request (status >= 400). Headers are never logged, so an
`Authorization` header a client sends never reaches a log line. `console_logging` is the one logging
configuration of every process: Django's `LOGGING` (web, worker, beat) and gunicorn's own lines.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
request_log = logging.getLogger("gatewayz.request")


def console_logging(log_format: str, level: str, *, loggers: dict[str, Any]) -> dict[str, Any]:
    """A `dictConfig` with one console handler (stderr) in `log_format`: `json`, `plain`, or `auto`
    (plain when stderr is a terminal, json otherwise)."""
    if log_format == "auto":
        log_format = "plain" if sys.stderr.isatty() else "json"
    if log_format not in ("json", "plain"):
        raise ImproperlyConfigured(f"LOG_FORMAT must be json, plain or auto, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "gatewayz_site.logs.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "gatewayz_site.logs.JsonFormatter"},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }


class RequestIdFilter(logging.Filter):
    """The id of the request being served; a record that names its own (gunicorn's access line) keeps it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if response.status_code >= 400:
                request_log.warning(
                    "request failed",
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": int((time.monotonic() - started) * 1000),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)
