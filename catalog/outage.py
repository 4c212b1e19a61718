"""Our own database outage, as the catalog's read path sees it.

- `DATABASE_UNAVAILABLE`: the errors that mean "the database cannot be reached" (PostgreSQL
  stopped, the connection refused or dropped; SQLite locked or gone), as psycopg and sqlite3 raise
  them through Django. A view that meets one answers 503 with `Retry-After`
  (`catalog.access.catalog_exception_handler`, `gatewayz_site.errors`), never a 500.
- Stale-if-error: what a read asks before its query (the catalog version, each gateway's status;
  `catalog.snapshot`) falls back to the last answer this process had when the database is
  unavailable, and the response cache may still hold the page. Such a read is served, and marked:
  `served_stale()` is true for the rest of the request, and the response says so
  (`STALE_HEADER`). docs/operations.md ("The database is down") tells operators what is served.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 10

# The response header of a read served from what this process last knew, and its one value.
STALE_HEADER = "X-Catalog-Stale"
STALE_REASON = "database-unavailable"
# The first sentence of a list's `note` then.
STALE_NOTE = "The catalog's database is unavailable: this is the last copy this server holds, and freshness is as of then."

_request = threading.local()
_logged_until = [0.0]


def begin_request() -> None:
    """A new request on this thread: nothing served stale yet."""
    _request.stale = False


def served_stale() -> bool:
    return getattr(_request, "stale", False)


def fell_back(what: str, exc: Exception) -> None:
    """`what` was answered from this process's last copy because the database is unavailable.
    Logged once per `OUTAGE_RETRY_SECONDS`, not once per request."""
    _request.stale = True
    now = time.monotonic()
    if now >= _logged_until[0]:
        _logged_until[0] = now + settings.OUTAGE_RETRY_SECONDS
        log.warning("catalog database unavailable (%s); serving the last %s this process read", exc.__class__.__name__, what)
