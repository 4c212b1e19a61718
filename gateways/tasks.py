"""Celery tasks: thin. Load by id, call the service, decide on a retry."""

from __future__ import annotations

import random

from celery import shared_task
from django.conf import settings

from gateways.models import Gateway, RefreshRun
from gateways.services import gateway_refresh, gateways_enqueue_due


def backoff(retries: int, *, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never sooner than the upstream's Retry-After."""
    base = min(30 * 2**retries, 1800)
    delay = random.uniform(base / 2, base)
    return max(delay, retry_after or 0)


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def refresh_gateway(
    self, gateway_id: int, force: bool = False, trigger: str = RefreshRun.Trigger.SCHEDULE, run_id: int | None = None
) -> str:
    gateway = Gateway.objects.filter(pk=gateway_id).first()
    if gateway is None:
        return "gone"
    # An operator's refresh pre-created its run (`queued`); a retry records a run of its own.
    queued = RefreshRun.objects.filter(pk=run_id, gateway=gateway, outcome=RefreshRun.Outcome.QUEUED).first() if run_id else None
    run = gateway_refresh(gateway=gateway, force=force, trigger=trigger, run=queued)
    if run.retryable and self.request.retries < settings.GATEWAY_MAX_RETRIES:
        raise self.retry(
            countdown=backoff(self.request.retries, retry_after=run.retry_after_seconds),
            kwargs={"force": force, "trigger": trigger},
        )
    return run.outcome


@shared_task(ignore_result=True)
def enqueue_due_refreshes() -> list[str]:
    """The one periodic task (every minute): enqueue each gateway whose data is due."""
    return gateways_enqueue_due()
