"""Delivering webhooks to a real receiver on 127.0.0.1: signed as Standard Webhooks says (checked
with the snippet docs/subscribing.md gives subscribers), one delivery per publish per
subscription carrying the feed's own JSON, retried with the same id and body after failures."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import ModelChange, WebhookAttempt, WebhookDelivery, WebhookSubscription
from gateways.webhook_delivery import Outcome, webhook_deliver, webhooks_deliver_due

from ..webhook_receiver import Receiver
from .conftest import models

pytestmark = pytest.mark.django_db


def make_due(delivery: WebhookDelivery) -> None:
    """Time passes: the delivery's next attempt is due now."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def feed_items(client: Client, ids: list[int]) -> list[dict[str, Any]]:
    data = client.get("/catalog/v1/changes?cursor=&limit=1000").json()["data"]
    return [item for item in data if item["id"] in ids]


def test_a_publish_reaches_the_receiver_signed_with_the_feed_json(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver, client: Client
) -> None:
    subscription_id, receiver.secret = subscribe(receiver.url)
    publish("groq", models("acme/alpha", "acme/beta"))

    summary = webhooks_deliver_due()

    assert (summary.delivered, summary.failed) == (1, 0)
    (request,) = receiver.received
    assert request.verified, "the documented verifier accepts the signature"
    delivery = WebhookDelivery.objects.get()
    assert request.headers["webhook-id"] == delivery.webhook_id
    assert request.headers["webhook-signature"].startswith("v1,")
    assert abs(int(request.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    assert request.headers["content-type"] == "application/json"
    ids = list(ModelChange.objects.order_by("id").values_list("id", flat=True))
    body = request.body.decode()
    assert request.body == delivery.body.encode()
    assert request.changes == feed_items(client, ids)  # exactly the feed's items, in commit order
    assert [c["model_id"] for c in request.changes] == ["acme/alpha", "acme/beta"]
    assert '"type":"catalog.changes"' in body and f'"subscription":{subscription_id}' in body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.change_count) == ("delivered", 1, 2)
    assert WebhookSubscription.objects.get().last_success_at is not None


def test_a_signature_made_with_another_key_is_refused_by_the_documented_verifier(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver
) -> None:
    """The positive control of the verifier: it is not a check that accepts anything."""
    subscribe(receiver.url)
    receiver.secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    publish("groq", models("acme/alpha"))
    webhooks_deliver_due()
    assert [r.verified for r in receiver.received] == [False]


def test_a_receiver_that_fails_twice_gets_the_same_id_and_body_then_accepts(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver
) -> None:
    _, receiver.secret = subscribe(receiver.url)
    receiver.statuses = [500, 500]
    publish("groq", models("acme/alpha", "acme/beta"))
    delivery = WebhookDelivery.objects.get()

    waits = []
    for expected in (Outcome.FAILED, Outcome.FAILED, Outcome.DELIVERED):
        before = timezone.now()
        assert webhook_deliver(delivery_id=delivery.pk) == expected
        delivery.refresh_from_db()
        waits.append((delivery.next_attempt_at - before).total_seconds())
        if expected == Outcome.FAILED:
            # Not due again until its backoff has passed: a second call now sends nothing.
            assert webhook_deliver(delivery_id=delivery.pk) == Outcome.NOT_DUE
            make_due(delivery)

    assert 24 <= waits[0] <= 37 and 96 <= waits[1] <= 145  # 30 s, then 2 min, +-20 %
    assert [r.answered for r in receiver.received] == [500, 500, 200]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1
    assert all(r.verified for r in receiver.received)
    assert list(WebhookAttempt.objects.order_by("id").values_list("status_code", flat=True)) == [500, 500, 200]
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")

    # Delivered: nothing is sent again, and the next publish carries only its own changes.
    assert webhooks_deliver_due().delivered == 0
    publish("groq", models("acme/alpha", "acme/beta", "acme/gamma"))
    webhooks_deliver_due()
    seen = [
        change["id"] for request in {r.headers["webhook-id"]: r for r in receiver.received}.values() for change in request.changes
    ]
    assert len(seen) == len(set(seen)) == 3
    assert receiver.received[-1].changes[0]["model_id"] == "acme/gamma"


def test_each_publish_makes_one_delivery_per_subscription(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver
) -> None:
    first, _ = subscribe(receiver.url)
    second, _ = subscribe(receiver.url + "?second")
    publish("groq", models("acme/alpha", "acme/beta"))
    publish("openrouter", models("acme/alpha"))
    publish("groq", models("acme/alpha", "acme/beta"))  # unchanged: no change, no delivery

    rows = list(WebhookDelivery.objects.order_by("id").values_list("subscription_id", "change_count"))
    assert rows == [(first, 2), (second, 2), (first, 1), (second, 1)]
    assert len(set(WebhookDelivery.objects.values_list("webhook_id", flat=True))) == 4
    assert webhooks_deliver_due().delivered == 4
    assert sorted(r.path for r in receiver.received) == ["/hook", "/hook", "/hook?second", "/hook?second"]


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver
) -> None:
    subscribe(receiver.url)
    receiver.statuses = [302]
    publish("groq", models("acme/alpha"))
    assert webhooks_deliver_due().failed == 1
    assert len(receiver.received) == 1  # only the one request: the Location was not fetched
    assert WebhookDelivery.objects.get().last_error == "HTTP 302 (redirects are not followed)"


def test_a_receiver_that_is_down_is_an_attempt_with_an_error_kind(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver
) -> None:
    url = receiver.url
    receiver.stop()
    subscribe(url)
    publish("groq", models("acme/alpha"))
    assert webhooks_deliver_due().failed == 1
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error_kind) == (None, "connection")
    assert WebhookSubscription.objects.get().failing_since is not None


def test_a_slow_receiver_times_out(publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], settings: Any) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    try:
        subscribe(f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
        publish("groq", models("acme/alpha"))
        assert webhooks_deliver_due().failed == 1
    finally:
        listener.close()
    attempt = WebhookAttempt.objects.get()
    assert attempt.error_kind == "timeout" and attempt.latency_ms < 5000


def test_deliveries_wait_past_the_retry_schedule_when_it_runs_out() -> None:
    from gateways.webhook_delivery import RETRY_AFTER_SCHEDULE, RETRY_SCHEDULE, retry_delay

    assert RETRY_SCHEDULE == (30, 120, 600, 3600, 4 * 3600, 12 * 3600)
    for failures, base in [*enumerate(RETRY_SCHEDULE, 1), (7, RETRY_AFTER_SCHEDULE), (50, RETRY_AFTER_SCHEDULE)]:
        waits = {retry_delay(failures) for _ in range(20)}
        assert all(base * 0.8 <= wait <= base * 1.2 for wait in waits)
        assert len(waits) > 1  # jittered


def test_a_subscription_failing_for_the_configured_period_is_disabled_with_the_reason(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_DAYS = 2
    subscribe(receiver.url)
    receiver.statuses = [503] * 10
    publish("groq", models("acme/alpha"))
    delivery = WebhookDelivery.objects.get()
    assert webhook_deliver(delivery_id=delivery.pk) == Outcome.FAILED
    subscription = WebhookSubscription.objects.get()
    # Failing for a day and 23 hours: still enabled.
    WebhookSubscription.objects.update(failing_since=timezone.now() - timedelta(days=1, hours=23))
    make_due(delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == Outcome.FAILED
    assert WebhookSubscription.objects.get().enabled
    # Two days: disabled, and its deliveries are no longer attempted.
    WebhookSubscription.objects.update(failing_since=timezone.now() - timedelta(days=2, minutes=1))
    make_due(delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == Outcome.DISABLED
    subscription.refresh_from_db()
    assert not subscription.enabled
    assert "every delivery attempt failed since" in subscription.disabled_reason
    assert "WEBHOOK_DISABLE_AFTER_DAYS=2" in subscription.disabled_reason and "HTTP 503" in subscription.disabled_reason
    make_due(delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == Outcome.NOT_DUE
    assert len(receiver.received) == 3
    publish("groq", models("acme/alpha", "acme/beta"))
    assert WebhookDelivery.objects.count() == 1  # a disabled subscription gets no new deliveries


def test_one_success_resets_the_failure_clock(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver
) -> None:
    subscribe(receiver.url)
    receiver.statuses = [500]
    publish("groq", models("acme/alpha"))
    delivery = WebhookDelivery.objects.get()
    webhook_deliver(delivery_id=delivery.pk)
    assert WebhookSubscription.objects.get().failing_since is not None
    make_due(delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == Outcome.DELIVERED
    assert WebhookSubscription.objects.get().failing_since is None


def test_the_command_drains_due_deliveries_with_a_summary_line(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]], receiver: Receiver
) -> None:
    from io import StringIO

    from django.core.management import call_command

    _, receiver.secret = subscribe(receiver.url)
    subscribe(receiver.url + "?fails")
    receiver.statuses = [200, 500]  # the first request (the first subscription's) succeeds
    publish("groq", models("acme/alpha"))
    out = StringIO()
    call_command("deliver_webhooks", stdout=out)
    assert out.getvalue() == "webhooks: 1 delivered, 1 failed (retried later), 0 subscriptions disabled, 0 skipped\n"
    assert receiver.received[0].verified
    out = StringIO()
    call_command("deliver_webhooks", stdout=out)  # the failed one waits for its backoff
    assert out.getvalue() == "webhooks: 0 delivered, 0 failed (retried later), 0 subscriptions disabled, 0 skipped\n"
    assert len(receiver.received) == 2


def test_a_stored_url_httpx_cannot_parse_is_a_recorded_failure_not_a_stuck_delivery(
    publish: Callable[..., Any], subscribe: Callable[..., tuple[int, str]]
) -> None:
    subscribe("https://hooks.example.test/x")
    WebhookSubscription.objects.update(url="http://[::1/x")  # written around the API's and admin's checks
    publish("groq", models("acme/alpha"))
    assert webhooks_deliver_due().failed == 1
    assert WebhookAttempt.objects.get().error_kind == "invalid_url"
    assert WebhookDelivery.objects.get().next_attempt_at > timezone.now() + timedelta(seconds=20)
