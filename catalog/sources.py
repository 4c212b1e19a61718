"""The catalog's record of the gateways its rows come from (`catalog.Source`).

Written by the gateways app whenever a gateway's facts change (`sources_write`, called from
`gateways/models.py`); read by the read path (`source_statuses`) with the rules of
`catalog.freshness`. So the ground floor never asks another app for anything at run time: what it
needs about a gateway is already in its own table. A read that finds data stale announces it with
the `stale_data_read` signal (`stale_read`) and never waits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog import freshness, snapshot
from catalog.models import Source
from catalog.signals import stale_data_read

WRITTEN_FIELDS = [field.attname for field in Source._meta.concrete_fields if not field.primary_key]


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One gateway's public facts and freshness, as of one moment."""

    slug: str
    name: str
    enabled: bool
    priority: int
    status: str  # catalog.freshness
    stale: bool
    age_seconds: int | None
    last_success_at: datetime | None
    # Public facts for `GET /catalog/v1/gateways` (never a key: only whether one is configured).
    kind: str = ""
    configured: bool = True
    refresh_interval_seconds: int | None = None
    stale_after_seconds: int | None = None
    missing_grace_seconds: int | None = None
    id: int | None = None  # the gateway's primary key: lists filter on it, so the planner sees the value

    def freshness(self) -> dict[str, Any]:
        return {
            "gateway": self.slug,
            "status": self.status,
            "stale": self.stale,
            "age_seconds": self.age_seconds,
            "last_success_at": self.last_success_at.isoformat() if self.last_success_at else None,
        }


def source_status(source: Source, *, now: datetime) -> SourceStatus:
    return SourceStatus(
        slug=source.slug,
        name=source.name,
        enabled=source.enabled,
        priority=source.priority,
        status=freshness.status_of(source, now=now),
        stale=freshness.is_stale(source, now=now),
        age_seconds=freshness.data_age_seconds(source, now=now),
        last_success_at=source.last_success_at,
        kind=source.kind,
        configured=source.configured,
        refresh_interval_seconds=source.refresh_interval_seconds,
        stale_after_seconds=source.stale_after_seconds,
        missing_grace_seconds=source.missing_grace_seconds,
        id=source.gateway_id,
    )


def source_statuses() -> dict[str, SourceStatus]:
    """Every gateway's status keyed by slug, highest priority first, in one query; remembered for
    a moment per process (`catalog.snapshot`), since every catalog read asks it."""
    return snapshot.remembered("gateway_statuses", _load_statuses)


def _load_statuses() -> dict[str, SourceStatus]:
    now = timezone.now()
    return {source.slug: source_status(source, now=now) for source in Source.objects.order_by("-priority", "slug")}


def sources_write(sources: Iterable[Source]) -> int:
    """Store these gateways' facts (unsaved `Source` rows, one per gateway); only rows that differ
    from the stored ones are written. Returns how many were written. The readers of this process
    see the change at once, the others within `CATALOG_STATE_SECONDS`."""
    wanted = {source.gateway_id: source for source in sources}
    stored = Source.objects.in_bulk(list(wanted))
    created = [source for gateway_id, source in wanted.items() if gateway_id not in stored]
    changed = [
        source for gateway_id, source in wanted.items() if gateway_id in stored and _values(stored[gateway_id]) != _values(source)
    ]
    if created:
        Source.objects.bulk_create(created)
    if changed:
        Source.objects.bulk_update(changed, WRITTEN_FIELDS)
    if created or changed:
        snapshot.clear()  # this process's next read sees it, and again once it is committed
        transaction.on_commit(snapshot.clear)
    return len(created) + len(changed)


def _values(source: Source) -> tuple[Any, ...]:
    return tuple(getattr(source, name) for name in WRITTEN_FIELDS)


def stale_read(statuses: Iterable[SourceStatus], *, sender: Any = None) -> None:
    """Announce that a read served stale data of these gateways (the enabled, configured ones)."""
    slugs = [s.slug for s in statuses if s.stale and s.enabled and s.status != freshness.UNCONFIGURED]
    if slugs:
        stale_data_read.send(sender=sender, slugs=slugs)
