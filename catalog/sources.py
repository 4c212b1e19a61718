"""What the catalog's read path needs to know about the gateways its rows came from.

`catalog` does not import `gateways` or `health` (they depend on it, never the reverse). The read
path still needs three things from that side: which gateway slugs exist, how fresh each one's data
is, and a way to ask for a refresh when a read finds data stale. The `health` app registers the
provider at start-up (`HealthConfig.ready`), the way django-health-check's plugins register
themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class SourceStatus:
    slug: str
    name: str
    enabled: bool
    priority: int
    status: str  # see health/selectors.py for the rules
    stale: bool
    age_seconds: int | None
    last_success_at: datetime | None
    # Public facts for `GET /catalog/v1/gateways` (never a key: only whether one is configured).
    kind: str = ""
    configured: bool = True
    refresh_interval_seconds: int | None = None
    stale_after_seconds: int | None = None
    id: int | None = None  # the gateway's primary key: lists filter on it, so the planner sees the value

    def freshness(self) -> dict[str, Any]:
        return {
            "gateway": self.slug,
            "status": self.status,
            "stale": self.stale,
            "age_seconds": self.age_seconds,
            "last_success_at": self.last_success_at.isoformat() if self.last_success_at else None,
        }


class CatalogSources(Protocol):
    def statuses(self, *, slugs: Iterable[str] | None = None) -> dict[str, SourceStatus]:
        """Status of the named gateways (all when None), keyed by slug, in one query."""

    def refresh_if_stale(self, statuses: Iterable[SourceStatus]) -> None:
        """Ask for a background refresh of the stale ones; never waits, never fetches here."""


_provider: CatalogSources | None = None


def register(provider: CatalogSources) -> None:
    global _provider
    _provider = provider


def sources() -> CatalogSources:
    if _provider is None:
        raise RuntimeError("no catalog source provider registered; is the 'health' app installed?")
    return _provider
