"""The webhook secret canary: a subscription's secret (and its signing key, in either encoding)
is in the 201 answer that created it and nowhere else: not in any later API answer, admin page
(changelist, change form, deliveries, attempts), log record, task argument or error message."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from catalog.models import WebhookDelivery, WebhookSubscription
from gateways import tasks
from gateways.webhook_delivery import webhooks_deliver_due

from ..webhook_receiver import Receiver
from .conftest import models

pytestmark = pytest.mark.django_db


def needles(secret: str) -> list[str]:
    key = secret.removeprefix("whsec_")
    raw = base64.b64decode(key)
    return [secret, key, key[:16], raw.hex(), base64.urlsafe_b64encode(raw).decode()[:16]]


def test_the_secret_is_shown_once_and_never_again(
    staff_api: Client,
    publish: Callable[..., Any],
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    queued: list[Any] = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda *args, **kwargs: queued.append((args, kwargs)))
    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", lambda *args, **kwargs: queued.append((args, kwargs)))

    created = staff_api.post("/catalog/v1/webhooks", {"url": receiver.url}, content_type="application/json")
    secret = created.json()["secret"]
    assert secret in created.content.decode()  # the positive control: the needle is the real secret
    subscription = WebhookSubscription.objects.get()
    receiver.secret = secret
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        publish("groq", models("acme/alpha"))
    webhooks_deliver_due()  # fails (500): an error recorded
    WebhookDelivery.objects.update(next_attempt_at=subscription.created_at)
    webhooks_deliver_due()  # delivered
    assert [r.verified for r in receiver.received] == [True, True]
    assert queued, "the commit queued a delivery task"

    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("root", "root@example.test", "pw-root-0123"))
    delivery = WebhookDelivery.objects.get()
    pages = {
        "api list": staff_api.get("/catalog/v1/webhooks"),
        "api detail": staff_api.get(f"/catalog/v1/webhooks/{subscription.pk}"),
        "admin subscriptions": staff.get("/admin/catalog/webhooksubscription/"),
        "admin subscription": staff.get(f"/admin/catalog/webhooksubscription/{subscription.pk}/change/"),
        "admin add form": staff.get("/admin/catalog/webhooksubscription/add/"),
        "admin deliveries": staff.get("/admin/catalog/webhookdelivery/"),
        "admin delivery": staff.get(f"/admin/catalog/webhookdelivery/{delivery.pk}/change/"),
        "admin delivery history": staff.get(f"/admin/catalog/webhookdelivery/{delivery.pk}/history/"),
        "schema": staff.get("/api/schema/"),
    }
    texts = {name: response.content.decode() for name, response in pages.items()}
    assert all(response.status_code == 200 for response in pages.values()), {n: r.status_code for n, r in pages.items()}
    assert str(subscription.pk) in texts["admin subscription"] and receiver.url in texts["admin subscription"]
    texts["logs"] = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records)
    texts["task arguments"] = repr(queued)
    texts["delivery row"] = repr(list(WebhookDelivery.objects.values()))
    texts["errors"] = delivery.last_error + repr(list(delivery.attempt_log.values()))
    texts["receiver bodies"] = repr([r.body for r in receiver.received])
    assert caplog.records, "the capture saw the delivery log lines"
    leaks = [(name, needle[:8]) for name, text in texts.items() for needle in needles(secret) if needle in text]
    assert leaks == []
