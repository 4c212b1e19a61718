"""Webhooks through real processes: the worker (with the beat ticking every second) refreshes the
fake upstream; the publish writes the outbox row, its commit queues the delivery task (the
tick's sweep may get there first: either way one POST), and the worker POSTs to a real receiver on 127.0.0.1, which verifies the signature with
the documented snippet. A delivery left pending without any message (what a broker outage at
commit leaves) is swept up by the worker's per-minute tick (every second here)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone

from catalog.models import WebhookDelivery
from catalog.webhooks import webhook_subscription_create
from gateways.models import Gateway

from ..webhook_receiver import Receiver
from .conftest import Worker, tick_every_second, wait_for
from .upstream import FakeUpstream, models

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def test_the_worker_delivers_a_publish_signed_and_sweeps_a_pending_delivery(
    fake_gateway: Gateway, upstream: FakeUpstream, start_worker: Callable[..., Worker], receiver: Receiver
) -> None:
    subscription, receiver.secret = webhook_subscription_create(url=receiver.url, filters={"kind": ["added"]})
    tick_every_second()
    upstream.reply = models(5)
    worker = start_worker(upstream)

    wait_for(lambda: receiver.received, what="the webhook delivery", log=worker.log)
    (request,) = receiver.received
    assert request.verified
    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(status="delivered").first(), what="the delivered row", log=worker.log
    )
    assert (delivery.subscription_id, delivery.change_count, delivery.webhook_id) == (
        subscription.pk,
        5,
        request.headers["webhook-id"],
    )
    assert sorted(c["kind"] for c in request.changes) == ["added"] * 5

    # Pending again with no task queued for it: only the sweep in the tick can deliver it.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=timezone.now())
    wait_for(lambda: len(receiver.received) == 2, what="the sweep to deliver the pending delivery", log=worker.log)
    assert receiver.received[1].headers["webhook-id"] == delivery.webhook_id
    assert receiver.received[1].body == request.body and receiver.received[1].verified
    wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered", what="delivered again", log=worker.log)
