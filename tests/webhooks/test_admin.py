"""The webhook admin: a disabled subscription says why; adding one shows its secret once; a
delivery lists its attempts; "Replay" queues it again with the same id and body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from catalog.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from gateways import tasks
from gateways.webhook_delivery import webhooks_deliver_due

from ..webhook_receiver import Receiver
from .conftest import models

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.test", "pw-root-0123"))
    return client


def test_a_disabled_subscription_is_shown_disabled_with_why(staff: Client, subscribe: Callable[..., tuple[int, str]]) -> None:
    subscribe("https://hooks.example.test/a")
    WebhookSubscription.objects.update(
        enabled=False, disabled_reason="disabled 2026-12-07 10:00 UTC: every delivery attempt failed"
    )
    WebhookSubscription.objects.create(url="https://hooks.example.test/b", signing_key="x", failing_since=timezone.now())
    page = staff.get("/admin/catalog/webhooksubscription/").content.decode()
    assert f"failing since {timezone.now():%Y-%m-%d} " in page
    assert "<strong>disabled</strong>: disabled 2026-12-07 10:00 UTC: every delivery attempt failed" in page


def test_adding_a_subscription_in_the_admin_shows_its_secret_once(staff: Client, gateways: Any) -> None:
    response = staff.post(
        "/admin/catalog/webhooksubscription/add/",
        {"url": "https://hooks.example.test/a", "filters": '{"gateway": ["groq"], "min_change_percent": 5}', "enabled": "on"},
        follow=True,
    )
    subscription = WebhookSubscription.objects.get()
    secret = "whsec_" + subscription.signing_key
    assert secret in response.content.decode()
    assert subscription.filters == {"gateway": ["groq"], "min_change_percent": "5"}
    assert secret not in staff.get("/admin/catalog/webhooksubscription/").content.decode()
    # Saving the change form (which shows the stored decimal string) keeps the filters and the key.
    key = subscription.signing_key
    staff.post(
        f"/admin/catalog/webhooksubscription/{subscription.pk}/change/",
        {"url": "https://hooks.example.test/b", "filters": '{"gateway": ["groq"], "min_change_percent": "5"}', "enabled": "on"},
    )
    subscription.refresh_from_db()
    assert (subscription.url, subscription.filters, subscription.signing_key) == (
        "https://hooks.example.test/b",
        {"gateway": ["groq"], "min_change_percent": "5"},
        key,
    )


def test_the_admin_refuses_bad_filters(staff: Client, gateways: Any) -> None:
    response = staff.post(
        "/admin/catalog/webhooksubscription/add/", {"url": "https://hooks.example.test/a", "filters": '{"kind": ["nope"]}'}
    )
    assert "kind[0]: " in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_delivery_shows_its_attempts_and_replay_sends_it_again_with_the_same_id(
    staff: Client,
    subscribe: Callable[..., tuple[int, str]],
    publish: Callable[..., Any],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, receiver.secret = subscribe(receiver.url)
    receiver.statuses = [500]
    publish("groq", models("acme/alpha"))
    webhooks_deliver_due()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks_deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    page = staff.get(f"/admin/catalog/webhookdelivery/{delivery.pk}/change/").content.decode()
    assert delivery.webhook_id in page and "500" in page and "acme/alpha" in page
    assert WebhookAttempt.objects.count() == 2

    queued: list[int] = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda delivery_id: queued.append(delivery_id))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/admin/catalog/webhookdelivery/", {"action": "replay", "_selected_action": [delivery.pk]}, follow=True
        )
    assert "Queued 1 delivery again, with the same ids." in response.content.decode()
    assert queued == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    tasks.deliver_webhook(delivery.pk)  # what the queued task runs
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivery.webhook_id] * 3
    assert len({r.body for r in receiver.received}) == 1 and all(r.verified for r in receiver.received)


def test_enabling_again_makes_waiting_deliveries_due(
    staff: Client, subscribe: Callable[..., tuple[int, str]], publish: Callable[..., Any], receiver: Receiver
) -> None:
    subscription_id, _ = subscribe(receiver.url)
    publish("groq", models("acme/alpha"))
    WebhookSubscription.objects.update(enabled=False, disabled_reason="x", failing_since=timezone.now())
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() + timedelta(hours=12))
    assert webhooks_deliver_due().delivered == 0
    staff.post("/admin/catalog/webhooksubscription/", {"action": "enable", "_selected_action": [subscription_id]})
    subscription = WebhookSubscription.objects.get()
    assert (subscription.enabled, subscription.disabled_reason, subscription.failing_since) == (True, "", None)
    assert webhooks_deliver_due().delivered == 1
