"""Webhook subscriptions and their outbox: the database half of pushing changes (issue 18).

A subscription names a URL and the change-feed filters. Each publish that records changes calls
`outbox_position()` before inserting them and `queue_deliveries()` after, both inside the publish
transaction (`catalog.services._insert_changes`, which every publish path goes through: refresh,
`import_catalog`, lifecycle, aliases). So a delivery row exists exactly when the changes it carries
committed, even if the broker is down; once the transaction commits, `webhook_deliveries_queued`
tells the apps above (the `gateways` app delivers over HTTP, and it owns the address rules the URL
must pass). The catalog itself never sends a request.

One delivery per publish per subscription carries every matching change of that publish, in the
feed's own JSON (`catalog.selectors.change_item`), with a stable `webhook_id` (Standard Webhooks'
`webhook-id`) and a body rendered once: retries and replays send the same bytes.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import transaction
from django.utils import timezone

from catalog import bulk
from catalog.models import ModelChange, WebhookDelivery, WebhookSubscription
from catalog.selectors import CHANGE_FIELDS, change_head, change_item
from catalog.signals import webhook_deliveries_queued

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
KEY_BYTES = 32  # Standard Webhooks: a 24-64 byte key
EVENT_TYPE = "catalog.changes"


def new_signing_key() -> str:
    """A random signing key, base64 (what `WebhookSubscription.signing_key` stores)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def secret_text(signing_key: str) -> str:
    """The secret as the subscriber receives it once: `whsec_` + the base64 key."""
    return SECRET_PREFIX + signing_key


@dataclass(frozen=True, slots=True)
class WebhookFilters:
    """A subscription's filters: each list matches any of its values; the filters combine with AND
    (the change feed's rules, `catalog.selectors.change_list`, over lists)."""

    gateways: frozenset[str] = frozenset()
    models: frozenset[str] = frozenset()  # lower-cased upstream ids
    kinds: frozenset[str] = frozenset()
    components: frozenset[str] = frozenset()
    min_change_percent: Decimal | None = None

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> WebhookFilters:
        percent = stored.get("min_change_percent")
        return cls(
            gateways=frozenset(stored.get("gateway") or ()),
            models=frozenset(m.lower() for m in stored.get("model") or ()),
            kinds=frozenset(stored.get("kind") or ()),
            components=frozenset(stored.get("component") or ()),
            min_change_percent=None if percent is None else Decimal(percent),
        )

    def matches(self, row: dict[str, Any]) -> bool:
        """Whether one change row (`CHANGE_FIELDS` values) passes these filters."""
        if self.gateways and row["gateway__slug"] not in self.gateways:
            return False
        if self.models and row["upstream_id"].lower() not in self.models:
            return False
        if self.kinds and row["kind"] not in self.kinds:
            return False
        if self.components and not self.components & set(row["components_text"].split(",")):
            return False
        if self.min_change_percent is not None:
            percent = row["change_percent"]
            if percent is None or Decimal(percent) < self.min_change_percent:
                return False
        return True


def stored_filters(
    *, gateway: list[str], model: list[str], kind: list[str], component: list[str], min_change_percent: Decimal | None
) -> dict[str, Any]:
    """Validated filters as the subscription stores them (JSON: the percent as a decimal string)."""
    stored: dict[str, Any] = {}
    for name, values in (("gateway", gateway), ("model", [m.lower() for m in model]), ("kind", kind), ("component", component)):
        if values:
            stored[name] = sorted(set(values))
    if min_change_percent is not None:
        stored["min_change_percent"] = f"{min_change_percent.normalize():f}"
    return stored


def webhook_subscription_create(*, url: str, filters: dict[str, Any]) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (`whsec_...`), which is returned here and never again. The
    caller has checked `url` against the address rules (`gateways.webhook_addresses`)."""
    subscription = WebhookSubscription.objects.create(url=url, filters=filters, signing_key=new_signing_key())
    return subscription, secret_text(subscription.signing_key)


def outbox_position() -> int | None:
    """Where the changes about to be inserted begin (the feed's head), or None when no subscription
    is enabled (no delivery to write, no query spent). Call it holding the version lock."""
    if not WebhookSubscription.objects.filter(enabled=True).exists():
        return None
    return change_head()


def queue_deliveries(*, after: int | None, now: datetime | None = None) -> list[int]:
    """Write the pending deliveries of the changes inserted after position `after` (this publish's:
    ids are allocated under the version lock), one per enabled subscription with a matching change.
    Their ids are announced once the transaction commits. Returns the new deliveries' ids."""
    if after is None:
        return []
    now = now or timezone.now()
    rows = list(ModelChange.objects.filter(id__gt=after).order_by("id").values(*CHANGE_FIELDS))
    if not rows:
        return []
    # Each change is serialized once, whatever the number of subscriptions it goes to.
    items = [orjson.dumps(change_item(row)) for row in rows]
    stamp = orjson.dumps(now.isoformat())
    deliveries = []
    for subscription in WebhookSubscription.objects.filter(enabled=True):
        wanted = WebhookFilters.from_stored(subscription.filters)
        matching = [item for row, item in zip(rows, items, strict=True) if wanted.matches(row)]
        if not matching:
            continue
        # What orjson.dumps({"type": ..., "timestamp": ..., "data": {"subscription": ..., "changes": [...]}}) writes.
        body = b'{"type":"%s","timestamp":%s,"data":{"subscription":%d,"changes":[%s]}}' % (
            EVENT_TYPE.encode(),
            stamp,
            subscription.pk,
            b",".join(matching),
        )
        deliveries.append(
            WebhookDelivery(
                subscription=subscription,
                webhook_id=f"msg_{uuid.uuid4().hex}",
                body=body.decode(),
                change_count=len(matching),
                next_attempt_at=now,
                created_at=now,
            )
        )
    if not deliveries:
        return []
    bulk.insert(deliveries)  # COPY on PostgreSQL: 50 bodies of 1000 changes are ~25 MB
    ids = list(WebhookDelivery.objects.filter(webhook_id__in=[d.webhook_id for d in deliveries]).values_list("pk", flat=True))
    transaction.on_commit(lambda: webhook_deliveries_queued.send(sender=WebhookDelivery, delivery_ids=ids))
    return ids


def deliveries_due(*, now: datetime, limit: int) -> list[int]:
    """Ids of pending deliveries of enabled subscriptions whose next attempt is due, oldest first."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, subscription__enabled=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def delivery_replay(*, deliveries: Any, now: datetime | None = None) -> list[int]:
    """Queue these deliveries again, with their own ids and bodies (the receiver de-duplicates by
    `webhook-id`). Announced on commit like new ones. Returns their ids."""
    now = now or timezone.now()
    ids = [d.pk for d in deliveries]
    WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now)
    transaction.on_commit(lambda: webhook_deliveries_queued.send(sender=WebhookDelivery, delivery_ids=ids))
    return ids


def subscription_enable(*, subscriptions: Any, now: datetime | None = None) -> int:
    """Enable these subscriptions again; their pending deliveries become due now."""
    now = now or timezone.now()
    ids = [s.pk for s in subscriptions]
    count = WebhookSubscription.objects.filter(pk__in=ids).update(enabled=True, disabled_reason="", failing_since=None)
    pending = list(
        WebhookDelivery.objects.filter(subscription_id__in=ids, status=WebhookDelivery.Status.PENDING).values_list(
            "pk", flat=True
        )
    )
    WebhookDelivery.objects.filter(pk__in=pending).update(next_attempt_at=now)
    if pending:
        transaction.on_commit(lambda: webhook_deliveries_queued.send(sender=WebhookDelivery, delivery_ids=pending))
    return count
