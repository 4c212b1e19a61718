"""How often one web process asks for a stale gateway's refresh.

Every catalog read that serves stale data announces it (`catalog.signals.stale_data_read`), and
asking (`gateways.scheduling.gateways_refresh_stale`) is a query on the gateway rows, even when the
refresh is already queued, and even on a 304. A gateway that never had a live list is stale on every
read. So each process asks for a slug at most once per `GATEWAY_STALE_REFRESH_ASK_SECONDS`
(default 30; 0 asks on every read): the queue mark deduplicates across processes anyway, and the
scheduler's tick queues every stale gateway within a minute whatever the reads ask.

One entry per gateway slug, shared by the threads of the process under a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

MAX_SLUGS = 4096  # far above the number of gateways; past it the table starts over


class AskLimit:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.asked_at: dict[str, float] = {}

    def due(self, slugs: Iterable[str], *, seconds: float) -> list[str]:
        """The slugs not asked for in the last `seconds`, marked as asked now."""
        now = self.clock()
        with self.lock:
            if len(self.asked_at) > MAX_SLUGS:
                self.asked_at.clear()
            due = [slug for slug in dict.fromkeys(slugs) if seconds <= 0 or now - self.asked_at.get(slug, -seconds) >= seconds]
            for slug in due:
                self.asked_at[slug] = now
        return due

    def clear(self) -> None:
        with self.lock:
            self.asked_at.clear()


ASKS = AskLimit()
