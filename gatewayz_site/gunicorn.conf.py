"""gunicorn's configuration for the web processes: `gunicorn -c gatewayz_site/gunicorn.conf.py`.

gunicorn reads this file in its master process, before Django starts, so it reads its own few
variables from the environment (gatewayz_site/settings.py reads everything else; docs/operations.md
lists both):

- `GUNICORN_BIND` (`127.0.0.1:8000`): address to listen on; `0.0.0.0:8000` in a container.
- `WEB_CONCURRENCY` (4): worker processes; about one per core.
- `GUNICORN_THREADS` (4): threads per worker. More than 1 selects gunicorn's threaded worker
  (`gthread`), which keeps a client's connection open between requests; 1 selects the `sync` worker,
  which closes every connection after its response.
- `GUNICORN_KEEPALIVE` (5): seconds an idle kept-alive connection is held open for the client's next
  request (`gthread` only). Keep it below the idle timeout of the proxy in front.

Sizing: each thread that answers a request uses its own database connection (Django keeps one per
thread), so one web machine holds up to `WEB_CONCURRENCY` x `GUNICORN_THREADS` connections (16 by
default), each kept open `DATABASE_CONN_MAX_AGE` seconds on PostgreSQL; the sum over every web
machine, plus the Celery workers' `--concurrency`, must stay below PostgreSQL's `max_connections`.
- `PROMETHEUS_MULTIPROC_DIR` (unset): prometheus-client's folder for the request metrics of every
  worker, so `/metrics` sums them. Emptied when gunicorn starts; a dead worker's live gauges are
  dropped from it (`child_exit`), its counters stay counted.
- Each worker warms up before taking clients (`post_worker_init`: gatewayz_site/warm.py requests
  `/catalog/v1/models?limit=50` through the application and logs the time it took).
- `LOG_FORMAT`, `LOG_LEVEL`: gunicorn's own lines (one access line per request) in the same format as
  the service's other logs.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

from gatewayz_site.logs import console_logging

wsgi_app = "gatewayz_site.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Named, not left to gunicorn (which picks gthread itself when threads > 1), so the choice is visible
# here and in `--print-config`.
worker_class = "gthread" if threads > 1 else "sync"
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# gunicornc's control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl), which two gunicorns
# on one machine would fight over; the service is managed with signals (TERM, HUP, TTIN/TTOU).
control_socket_disable = True


class AccessLogger(Logger):
    """One access line per request with named fields (the JSON formatter writes each as a key):
    method, path (no query string), status, duration_ms, bytes, the request id the service returned
    and the pid of the worker that answered. Request headers are never logged."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in resp.headers}
        self.access_log.info(
            "request",
            extra={
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "status": resp.status_code,
                "duration_ms": int(request_time.total_seconds() * 1000),
                "bytes": getattr(resp, "sent", None),
                "request_id": headers.get("x-request-id"),
                "pid": os.getpid(),
            },
        )


logger_class = AccessLogger
logconfig_dict = console_logging(
    os.environ.get("LOG_FORMAT", "auto"),
    os.environ.get("LOG_LEVEL", "INFO"),
    loggers={
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
)


def on_starting(server: Any) -> None:
    """prometheus-client's files describe the workers of one run: a new run starts with none."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def post_worker_init(worker: Any) -> None:
    """Each worker requests the catalog's front page once before taking clients (gatewayz_site/warm.py);
    a failure is logged, never raised."""
    from gatewayz_site.warm import warm

    warm()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Imported late: prometheus-client picks its storage when first imported, and workers forked
        # from a master that had imported it would keep the master's choice.
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
