"""A short circuit for a dependency of our own that just failed (the response cache, the broker).

A call that fails with a connection error or a timeout opens the circuit for
`OUTAGE_RETRY_SECONDS`: until then every call fails at once, without touching the socket, so a
hung Redis costs one blocked call per process and window, not one per request. The first call
after the window goes through again (a probe): success closes the circuit, a failure opens it for
another window. In-process state only (each web or worker process finds out for itself).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

log = logging.getLogger(__name__)


class ShortCircuit:
    def __init__(self, name: str) -> None:
        self.name = name
        self.open_until = 0.0
        self.blocked_calls = 0  # calls that failed on the dependency itself (each cost a timeout)
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, exc: BaseException) -> None:
        """A call failed on the dependency: stop calling it for a window."""
        seconds = settings.OUTAGE_RETRY_SECONDS
        with self.lock:
            self.blocked_calls += 1
            self.open_until = time.monotonic() + seconds
        # The exception's class only: a message can carry a URL with a password in it.
        log.warning("%s unavailable (%s); not used for %g s", self.name, exc.__class__.__name__, seconds)

    def close(self) -> None:
        if self.open_until:
            with self.lock:
                self.open_until = 0.0
            log.info("%s is back", self.name)
