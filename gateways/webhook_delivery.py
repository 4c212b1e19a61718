"""Webhook delivery over HTTP: sign, POST, record the attempt, schedule the retry (issue 18).

The outbox rows are the catalog's (`catalog.webhooks`); this module sends them. Standard Webhooks:
headers `webhook-id` (the delivery's stable id), `webhook-timestamp` (Unix seconds) and
`webhook-signature` (`v1,` + base64 HMAC-SHA256, keyed with the decoded signing key, over
`{id}.{timestamp}.{body}`). A 2xx answer delivers; anything else (another status, a redirect,
which is never followed, a timeout, a refused address) is a failed attempt, retried with
exponential backoff and jitter (`RETRY_SCHEDULE`) with the same id and body. A subscription whose
attempts have all failed for `WEBHOOK_DISABLE_AFTER_DAYS` is disabled, with the reason.

Only ids travel in task messages; the signing key is read from the row here and used for the
HMAC, never logged or put in an error message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from catalog.webhooks import deliveries_due
from gateways.client import build_webhook_client
from gateways.errors import AdapterError

log = logging.getLogger(__name__)

# Seconds before the next attempt after the 1st, 2nd, ... failure; then once a day.
RETRY_SCHEDULE = (30, 120, 600, 3600, 4 * 3600, 12 * 3600)
RETRY_AFTER_SCHEDULE = 24 * 3600
JITTER = 0.2  # +-20 %, so receivers that come back are not hit by every retry at once


class Outcome:
    DELIVERED = "delivered"
    FAILED = "failed"  # to be retried
    DISABLED = "disabled"  # failed, and the subscription was disabled
    NOT_DUE = "not due"  # already delivered, not due yet, being attempted elsewhere, or its subscription is disabled


def sign(*, signing_key: str, webhook_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header value for one attempt."""
    message = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(base64.b64decode(signing_key), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def retry_delay(failures: int) -> float:
    """Seconds to wait after the `failures`-th consecutive failed attempt of a delivery, jittered."""
    base = RETRY_SCHEDULE[failures - 1] if failures <= len(RETRY_SCHEDULE) else RETRY_AFTER_SCHEDULE
    return base * random.uniform(1 - JITTER, 1 + JITTER)


def _lease_seconds() -> float:
    """How long an attempt holds its delivery (longer than the attempt's own deadline): another
    worker finds it not due meanwhile, and a worker that died leaves it due again after this."""
    return settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 30


@dataclass(frozen=True, slots=True)
class Attempt:
    status_code: int | None
    error_kind: str
    latency_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        if self.status_code is not None:
            return f"HTTP {self.status_code}" + (" (redirects are not followed)" if 300 <= self.status_code < 400 else "")
        return self.error_kind


def _post(delivery: WebhookDelivery, url: str, signing_key: str, transport: httpx.BaseTransport | None) -> Attempt:
    timestamp = int(time.time())
    headers = {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            signing_key=signing_key, webhook_id=delivery.webhook_id, timestamp=timestamp, body=delivery.body
        ),
    }
    started = time.monotonic()
    status_code, error_kind = None, ""
    try:
        with build_webhook_client(url=url, transport=transport) as client:
            # The answer's body is never read: only its status counts.
            with client.stream("POST", url, content=delivery.body.encode(), headers=headers) as response:
                status_code = response.status_code
    except AdapterError as exc:  # the address guard, the deadline
        error_kind = exc.kind
    except httpx.InvalidURL:  # a URL stored before today's rules (the API and the admin check it)
        error_kind = "invalid_url"
    except httpx.TimeoutException:
        error_kind = "timeout"
    except httpx.HTTPError:
        error_kind = "connection"
    return Attempt(status_code=status_code, error_kind=error_kind, latency_ms=int((time.monotonic() - started) * 1000))


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for one attempt with one conditional UPDATE (SQLite and PostgreSQL)."""
    due = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, subscription__enabled=True
    )
    return bool(due.update(next_attempt_at=now + timedelta(seconds=_lease_seconds())))


def webhook_deliver(*, delivery_id: int, transport: httpx.BaseTransport | None = None) -> str:
    """Make one attempt at a due delivery and record it; an `Outcome`. `transport=` is the test seam."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return Outcome.NOT_DUE
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    attempt = _post(delivery, subscription.url, subscription.signing_key, transport)
    done = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=attempt.status_code,
            error_kind=attempt.error_kind,
            latency_ms=attempt.latency_ms,
        )
        attempts = delivery.attempts + 1
        if attempt.ok:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=WebhookDelivery.Status.DELIVERED, attempts=attempts, last_attempt_at=now, delivered_at=done, last_error=""
            )
            WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=None, last_success_at=done)
            outcome = Outcome.DELIVERED
        else:
            outcome = _failed(delivery, subscription, attempt, attempts=attempts, now=now)
    log.info(
        "webhook delivery %s to subscription %s: %s (%s, %d ms, attempt %d)",
        delivery.webhook_id,
        subscription.pk,
        outcome,
        attempt.describe(),
        attempt.latency_ms,
        delivery.attempts + 1,
    )
    return outcome


def _failed(
    delivery: WebhookDelivery, subscription: WebhookSubscription, attempt: Attempt, *, attempts: int, now: datetime
) -> str:
    # Only a delivered attempt ends a delivery, so its attempts so far are its failures in a row.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_attempt_at=now,
        last_error=attempt.describe(),
        next_attempt_at=now + timedelta(seconds=retry_delay(attempts)),
    )
    subscription.refresh_from_db(fields=["failing_since"])  # another delivery may have failed meanwhile
    failing_since = subscription.failing_since or now
    if subscription.failing_since is None:
        WebhookSubscription.objects.filter(pk=subscription.pk, failing_since__isnull=True).update(failing_since=now)
    period = timedelta(days=settings.WEBHOOK_DISABLE_AFTER_DAYS)
    if now - failing_since < period:
        return Outcome.FAILED
    reason = (
        f"disabled {now:%Y-%m-%d %H:%M} UTC: every delivery attempt failed since {failing_since:%Y-%m-%d %H:%M} UTC "
        f"(WEBHOOK_DISABLE_AFTER_DAYS={settings.WEBHOOK_DISABLE_AFTER_DAYS:g}); last: {attempt.describe()}"
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).update(enabled=False, disabled_reason=reason[:300])
    log.warning("webhook subscription %s disabled: %s", subscription.pk, reason)
    return Outcome.DISABLED


@dataclass(slots=True)
class DrainSummary:
    delivered: int = 0
    failed: int = 0
    disabled: int = 0
    skipped: int = 0

    def line(self) -> str:
        return (
            f"webhooks: {self.delivered} delivered, {self.failed} failed (retried later), "
            f"{self.disabled} subscriptions disabled, {self.skipped} skipped"
        )


def webhooks_deliver_due(*, limit: int = 1000, transport: httpx.BaseTransport | None = None) -> DrainSummary:
    """One attempt at each delivery due now, inline (`manage.py deliver_webhooks`). A delivery
    that fails is due again only after its backoff, so one call never loops on a receiver."""
    summary = DrainSummary()
    for delivery_id in deliveries_due(now=timezone.now(), limit=limit):
        outcome = webhook_deliver(delivery_id=delivery_id, transport=transport)
        if outcome == Outcome.DELIVERED:
            summary.delivered += 1
        elif outcome == Outcome.FAILED:
            summary.failed += 1
        elif outcome == Outcome.DISABLED:
            summary.disabled += 1
        else:
            summary.skipped += 1
    return summary
