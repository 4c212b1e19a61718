"""Held runs (the drift guard, `catalog.drift`): recording what a publish held, and staff review.

A refresh whose publish held suspect values is recorded `held`: its reasons on the run, one
`HeldValue` per model (the model's whole new row), `review_state = pending`, and the gateway's
`review_pending` set (its status is `held`, `catalog.freshness`). Then exactly one of:

- `held_approve()`: the held rows are published as the live publish would have published them
  (`catalog.services.catalog_publish_held`: change rows, price spans, merged entries, version).
- `held_reject()`: the held values are discarded; the stored values stay served.
- A later refresh of the gateway publishes: the pending run is `superseded` and its values
  discarded, since they describe a list that is no longer the latest. If that refresh finds the
  same suspect values, it holds them again, in its own run.

Approval and rejection take the gateway's refresh lease, so they never interleave with a publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from catalog.services import PublishResult, catalog_publish_held
from gateways.leases import lease_acquire, lease_release
from gateways.models import Gateway, HeldValue, RefreshRun

REASONS_KEPT = 50  # on the run; every model's own reasons stay on its `HeldValue`


class ReviewRefused(Exception):
    """The run cannot be reviewed now; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ReviewResult:
    run: RefreshRun
    models: int  # held models the decision covered
    published: PublishResult | None = None  # approval only


def held_record(*, run: RefreshRun, published: PublishResult) -> None:
    """Store what `published` held on `run` (not saved here: `run_finish` saves the run) and
    supersede the gateway's older pending reviews. Called for every publish of the gateway."""
    with transaction.atomic():
        held_supersede(gateway_id=run.gateway_id, before=run)
        if not published.held:
            return
        reasons = [*published.drift_reasons, *(reason for model in published.held for reason in model.reasons)]
        if len(reasons) > REASONS_KEPT:
            reasons = [*reasons[:REASONS_KEPT], f"... and {len(reasons) - REASONS_KEPT} more (see the held values)"]
        run.drift_reasons = reasons
        run.models_held = len(published.held)
        run.review_state = RefreshRun.Review.PENDING
        run.save(update_fields=["drift_reasons", "models_held", "review_state"])
        HeldValue.objects.bulk_create(
            HeldValue(
                run=run,
                ai_model_id=model.ai_model_id,
                upstream_id=model.upstream_id,
                held=model.held,
                reasons=model.reasons,
                values=model.values,
            )
            for model in published.held
        )
        Gateway.objects.filter(pk=run.gateway_id).update(review_pending=True)


def held_supersede(*, gateway_id: int, before: RefreshRun) -> int:
    """Mark the gateway's pending reviews older than `before` superseded; returns how many."""
    pending = RefreshRun.objects.filter(gateway_id=gateway_id, review_state=RefreshRun.Review.PENDING).exclude(pk=before.pk)
    pks = list(pending.values_list("pk", flat=True))
    if not pks:
        return 0
    HeldValue.objects.filter(run_id__in=pks).delete()
    RefreshRun.objects.filter(pk__in=pks).update(review_state=RefreshRun.Review.SUPERSEDED, reviewed_at=timezone.now())
    _sync_pending(gateway_id)
    return len(pks)


def _sync_pending(gateway_id: int) -> None:
    pending = RefreshRun.objects.filter(gateway_id=gateway_id, review_state=RefreshRun.Review.PENDING).exists()
    Gateway.objects.filter(pk=gateway_id).update(review_pending=pending)


def held_approve(*, run: RefreshRun, reviewer: str, now: datetime | None = None) -> ReviewResult:
    """Publish `run`'s held values, exactly as the live publish would have; raises `ReviewRefused`."""
    return _review(run=run, reviewer=reviewer, approve=True, now=now or timezone.now())


def held_reject(*, run: RefreshRun, reviewer: str, now: datetime | None = None) -> ReviewResult:
    """Discard `run`'s held values; the stored values stay served. Raises `ReviewRefused`."""
    return _review(run=run, reviewer=reviewer, approve=False, now=now or timezone.now())


def _review(*, run: RefreshRun, reviewer: str, approve: bool, now: datetime) -> ReviewResult:
    token = lease_acquire(gateway_id=run.gateway_id, now=now)
    if token is None:
        raise ReviewRefused("a refresh of this gateway is in progress; review its held values once it has finished")
    try:
        with transaction.atomic():
            run = RefreshRun.objects.select_for_update().select_related("gateway").get(pk=run.pk)
            if run.review_state != RefreshRun.Review.PENDING:
                state = run.get_review_state_display() or "not held"
                raise ReviewRefused(f"this run's review is {state}; only a pending held run can be approved or rejected")
            held = list(run.held_values.order_by("upstream_id").values_list("upstream_id", "values"))
            published = catalog_publish_held(gateway=run.gateway, held=held, now=now, run_id=run.pk) if approve else None
            run.held_values.all().delete()
            run.review_state = RefreshRun.Review.APPROVED if approve else RefreshRun.Review.REJECTED
            run.reviewed_at, run.reviewed_by = now, reviewer[:150]
            run.save(update_fields=["review_state", "reviewed_at", "reviewed_by"])
            _sync_pending(run.gateway_id)
    finally:
        lease_release(gateway_id=run.gateway_id, token=token)
    return ReviewResult(run=run, models=len(held), published=published)
