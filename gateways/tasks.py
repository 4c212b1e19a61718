"""Celery tasks: thin. Load by id, call the service, decide on a retry.

Only ids and flags travel in messages (JSON), never a key. `docs/operations.md` says how to run
the workers and the beat that drives `enqueue_due_refreshes`.
"""

from __future__ import annotations

from celery import shared_task

from gateways.models import AUTOMATIC_TRIGGERS, Gateway, RefreshRun
from gateways.refresh import gateway_refresh
from gateways.retries import refresh_retry_countdown
from gateways.scheduling import gateways_enqueue_due, refresh_queue_done, refresh_queue_hold


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
    """The one periodic task (django-celery-beat, every minute): queue each gateway that is due."""
    return gateways_enqueue_due()
