"""Whether, and when, a failed refresh is retried (the task asks; `GATEWAY_RETRY_*` settings)."""

from __future__ import annotations

import random

from django.conf import settings

from gateways.models import Gateway, RefreshRun


def retry_backoff(retries: int, *, retry_after: float | None = None) -> float:
    """Seconds before retry number `retries + 1`: exponential from GATEWAY_RETRY_BASE_SECONDS,
    capped at GATEWAY_RETRY_MAX_SECONDS, with jitter over the upper half (so retries of many
    gateways spread out), and never sooner than the upstream's Retry-After."""
    ceiling = min(settings.GATEWAY_RETRY_BASE_SECONDS * 2**retries, settings.GATEWAY_RETRY_MAX_SECONDS)
    return max(random.uniform(ceiling / 2, ceiling), retry_after or 0.0)


def refresh_retry_countdown(*, run: RefreshRun, retries: int) -> float | None:
    """Seconds until the failed `run` is retried, or None when it is not: the run did not fail
    with a retryable error (timeouts, connection errors, 429, 5xx), GATEWAY_MAX_RETRIES retries
    already ran, the circuit is now open, or the upstream's Retry-After is longer than
    GATEWAY_RETRY_MAX_SECONDS (then `retry_not_before` holds the schedule back instead)."""
    if run.outcome != RefreshRun.Outcome.FAILED or not run.retryable:
        return None
    if retries >= settings.GATEWAY_MAX_RETRIES:
        return None
    if (run.retry_after_seconds or 0) > settings.GATEWAY_RETRY_MAX_SECONDS:
        return None
    if Gateway.objects.filter(pk=run.gateway_id, circuit_state=Gateway.Circuit.OPEN).exists():
        return None
    return retry_backoff(retries, retry_after=run.retry_after_seconds)


INLINE_RETRY_BASE_SECONDS = 1.0


def inline_retry_delay(attempt: int, *, retry_after: float | None, ceiling: float) -> float | None:
    """Seconds before retrying one request inside a running refresh (a per-model endpoints fetch,
    `gateways.endpoints`): a short exponential backoff with jitter (about 1, 2, 4 s), never sooner
    than the upstream's Retry-After; None when that asks for longer than `ceiling` (the request is
    then given up, as the task gives up a refresh whose Retry-After passes GATEWAY_RETRY_MAX_SECONDS)."""
    if retry_after is not None and retry_after > ceiling:
        return None
    backoff = INLINE_RETRY_BASE_SECONDS * 2**attempt
    return min(max(random.uniform(backoff / 2, backoff), retry_after or 0.0), ceiling)
