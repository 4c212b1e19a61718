"""Celery tasks: thin. Load by id, call the service, decide on a retry.

Only ids and flags travel in messages (JSON), never a key. `docs/operations.md` says how to run
the workers and the beat that drives `enqueue_due_refreshes`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task
from django.utils import timezone

from catalog.models import WebhookDelivery
from catalog.webhooks import deliveries_due
from gateways.models import AUTOMATIC_TRIGGERS, Gateway, RefreshRun
from gateways.refresh import gateway_refresh
from gateways.retries import refresh_retry_countdown
from gateways.scheduling import gateways_enqueue_due, refresh_queue_done, refresh_queue_hold
from gateways.webhook_delivery import Outcome, webhook_deliver

log = logging.getLogger(__name__)
# A failed delivery retries from its own task when the wait is this short; longer waits (and any
# message lost with a broker) are left to the sweep in `enqueue_due_refreshes`, so no task sits in
# the broker for hours.
RETRY_FROM_THE_TASK_SECONDS = 15 * 60
SWEEP_LIMIT = 1000


# max_retries=None: the cap is GATEWAY_MAX_RETRIES, applied by refresh_retry_countdown.
@shared_task(bind=True, ignore_result=True, max_retries=None)
def refresh_gateway(
    self, gateway_id: int, force: bool = False, trigger: str = RefreshRun.Trigger.SCHEDULE, run_id: int | None = None
) -> str:
    """Refresh one gateway; retry retryable failures with backoff (`refresh_retry_countdown`)."""
    gateway = Gateway.objects.filter(pk=gateway_id).first()
    if gateway is None:
        return "gone"
    # An operator's refresh pre-created its run (`queued`); a retry records a run of its own.
    queued = RefreshRun.objects.filter(pk=run_id, gateway=gateway, outcome=RefreshRun.Outcome.QUEUED).first() if run_id else None
    retrying = self.request.retries > 0
    run = gateway_refresh(
        gateway=gateway, force=force, trigger=trigger, respect_circuit=retrying or trigger in AUTOMATIC_TRIGGERS, run=queued
    )
    countdown = refresh_retry_countdown(run=run, retries=self.request.retries)
    if countdown is None:
        refresh_queue_done(gateway_id=gateway_id)
        return run.outcome
    refresh_queue_hold(gateway_id=gateway_id)
    raise self.retry(countdown=countdown, kwargs={"force": force, "trigger": trigger})


@shared_task(ignore_result=True)
def enqueue_due_refreshes() -> list[str]:
    """The one periodic task (django-celery-beat, every minute): queue each gateway that is due, and
    each webhook delivery that is due (the outbox sweep)."""
    slugs = gateways_enqueue_due()
    enqueue_webhook_deliveries(deliveries_due(now=timezone.now(), limit=SWEEP_LIMIT))
    return slugs


@shared_task(ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at one webhook delivery (`gateways.webhook_delivery`); a failure that is due again
    soon is queued again with that countdown (the same delivery: the same id and body)."""
    outcome = webhook_deliver(delivery_id=delivery_id)
    if outcome == Outcome.FAILED:
        due = WebhookDelivery.objects.filter(pk=delivery_id).values_list("next_attempt_at", flat=True).first()
        wait = (due - timezone.now()).total_seconds() if due else None
        if wait is not None and wait <= RETRY_FROM_THE_TASK_SECONDS:
            deliver_webhook.apply_async((delivery_id,), countdown=max(wait, 0))
    return outcome


def enqueue_webhook_deliveries(delivery_ids: Iterable[int]) -> int:
    """Queue a delivery task for each id; returns how many were queued. A broker that refuses is
    logged and left to the next sweep: the outbox row is already committed."""
    queued = 0
    for delivery_id in delivery_ids:
        try:
            deliver_webhook.delay(delivery_id)
        except Exception as exc:  # noqa: BLE001 - whatever the broker client raises
            log.warning("could not queue webhook deliveries (%s); the next sweep queues them", exc.__class__.__name__)
            break
        queued += 1
    return queued
