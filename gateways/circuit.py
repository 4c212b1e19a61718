"""The circuit breaker of each gateway, kept on its row so every worker, beat and web process shares it.

`circuit_trip()` opens the circuit after `GATEWAY_CIRCUIT_FAILURE_THRESHOLD` consecutive failed
runs (a success closes it: `gateways.runs`); an open circuit counts as half-open once
`GATEWAY_CIRCUIT_COOLDOWN_SECONDS` have passed, and then lets one trial through (the queue mark and
the lease keep it to one): its failure opens the circuit again for another cool-down, its success
closes it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from gateways.models import Gateway

log = logging.getLogger("gateways.refresh")


def circuit_allows(gateway: Gateway, *, now: datetime | None = None) -> bool:
    """Closed or half-open (open and cooled down): a refresh may be tried."""
    if gateway.circuit_state != Gateway.Circuit.OPEN:
        return True
    now = now or timezone.now()
    opened = gateway.circuit_opened_at or now
    return now - opened >= timedelta(seconds=settings.GATEWAY_CIRCUIT_COOLDOWN_SECONDS)


def circuit_state(gateway: Gateway, *, now: datetime | None = None) -> str:
    """The state to show (`Gateway.Circuit`): `half_open` once an open circuit has cooled down."""
    if gateway.circuit_state == Gateway.Circuit.OPEN and circuit_allows(gateway, now=now):
        return Gateway.Circuit.HALF_OPEN
    return gateway.circuit_state


def circuit_reopens_at(gateway: Gateway, *, now: datetime) -> datetime:
    return (gateway.circuit_opened_at or now) + timedelta(seconds=settings.GATEWAY_CIRCUIT_COOLDOWN_SECONDS)


def circuit_trip(*, gateway_id: int, slug: str, at: datetime) -> bool:
    """Open the circuit if the gateway has failed often enough in a row; True when it opened."""
    opened = Gateway.objects.filter(pk=gateway_id, consecutive_failures__gte=settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD).update(
        circuit_state=Gateway.Circuit.OPEN, circuit_opened_at=at
    )
    if opened:
        log.warning(
            "circuit open for gateway=%s after %s consecutive failures; next trial in %s s",
            slug,
            settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD,
            settings.GATEWAY_CIRCUIT_COOLDOWN_SECONDS,
        )
    return bool(opened)
