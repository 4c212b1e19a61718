"""Single flight: at most one refresh of a gateway runs at a time, under its lease.

The lease is taken by one conditional UPDATE (a compare-and-set on the current holder's token and
expiry), so it works the same on SQLite and PostgreSQL, needs no Redis, and of any number of
workers, beats, manual refreshes and stale reads racing for it exactly one wins. It lasts
`GATEWAY_LEASE_SECONDS`, longer than the task's hard time limit: a lease left by a process that
died expires by itself, and whoever takes it next closes the dead process's run as failed.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from gateways.models import Gateway
from gateways.runs import runs_close_abandoned


def lease_acquire(*, gateway_id: int, now: datetime | None = None, seconds: int | None = None) -> str | None:
    """Take the gateway's refresh lease; the new token, or None while another holder's lease runs."""
    now = now or timezone.now()
    seconds = seconds or settings.GATEWAY_LEASE_SECONDS
    current = Gateway.objects.filter(pk=gateway_id).values_list("lease_token", "lease_expires_at").first()
    if current is None:
        return None
    holder, expires_at = current
    if expires_at is not None and expires_at > now:
        return None
    token = secrets.token_hex(16)
    taken = (
        Gateway.objects.filter(pk=gateway_id, lease_token=holder)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .update(lease_token=token, lease_expires_at=now + timedelta(seconds=seconds))
    )
    if taken != 1:
        return None
    if holder and expires_at is not None:
        runs_close_abandoned(gateway_id=gateway_id, lease_expired_at=expires_at, now=now)
    return token


def lease_renew(*, gateway_id: int, token: str, now: datetime | None = None) -> bool:
    """Extend a held lease; False when it is no longer ours (it ran out and someone took it)."""
    now = now or timezone.now()
    return bool(
        Gateway.objects.filter(pk=gateway_id, lease_token=token, lease_expires_at__gt=now).update(
            lease_expires_at=now + timedelta(seconds=settings.GATEWAY_LEASE_SECONDS)
        )
    )


def lease_release(*, gateway_id: int, token: str) -> None:
    Gateway.objects.filter(pk=gateway_id, lease_token=token).update(lease_token="", lease_expires_at=None)


def lease_held(gateway: Gateway, *, now: datetime | None = None) -> bool:
    """A refresh of `gateway` is running (its lease has not run out)."""
    now = now or timezone.now()
    return gateway.lease_expires_at is not None and gateway.lease_expires_at > now
