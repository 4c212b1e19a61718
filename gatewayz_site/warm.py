"""A gunicorn worker's first request, made by the worker itself before it takes clients.

The first request a fresh worker answers pays for importing the URLconf and the views, opening
the database connection, loading the catalog state and building the front page's cached part. The
`post_worker_init` hook (gatewayz_site/gunicorn.conf.py) calls `warm()` instead, which requests
`WARM_PATH` through the WSGI application itself (the whole middleware stack, as a client's request
would be) and logs one line with the time it took. The request is left out of the request
metrics; the throttle counts it, once per worker start, against 127.0.0.1. It never fails the
worker: an error (a database still starting) is logged and the worker starts cold.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from typing import Any

from health.metrics import UNCOUNTED

log = logging.getLogger("gatewayz.warm")

WARM_PATH, WARM_QUERY = "/catalog/v1/models", "limit=50"


def warm() -> int | None:
    """Request the catalog's front page in this process; its HTTP status, or None after an error."""
    started = time.perf_counter()
    try:
        from django.conf import settings
        from django.db import connection
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view
        connection.ensure_connection()
        from gatewayz_site.wsgi import application

        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*",) and not h.startswith(".")), "localhost")
        status: list[str] = []
        environ = _environ(host)
        body = application(environ, lambda status_line, headers, exc_info=None: status.append(status_line))
        try:
            for _ in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()
        code = int(status[0].split()[0])
    except Exception:  # noqa: BLE001 - a worker that cannot warm up starts cold, never fails
        log.warning("worker warm-up failed", exc_info=True, extra={"path": WARM_PATH})
        return None
    log.info(
        "worker warmed up",
        extra={"path": WARM_PATH, "status": code, "duration_ms": int((time.perf_counter() - started) * 1000)},
    )
    return code


def _environ(host: str) -> dict[str, Any]:
    """A minimal WSGI environ for a GET of the front page over HTTPS from this machine, accepting
    gzip as most clients do (so the compressed part is what is built)."""
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": WARM_PATH,
        "QUERY_STRING": WARM_QUERY,
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_ACCEPT_ENCODING": "gzip",
        "HTTP_X_FORWARDED_PROTO": "https",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        UNCOUNTED: True,  # not a client's request: not in the request metrics
    }
