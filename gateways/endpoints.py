"""A live refresh's per-model endpoints: for the models the gateway's `endpoints_models` option
selects (`Adapter.endpoint_models`), each model's endpoints body is fetched after the list, on the
list's client (its deadline and byte cap hold for these too), a few at a time.

A 429 or another retryable failure is retried a few times in place, never sooner than the
upstream's Retry-After (`gateways.retries.inline_retry_delay`); a model whose fetch still fails is
counted and named in the run, and the refresh goes on: one model's endpoints never fail the list.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateways.adapters.base import Adapter
from gateways.errors import AdapterError
from gateways.fetch import fetch_json
from gateways.retries import inline_retry_delay

MAX_WORKERS = 4  # endpoints bodies fetched at once
ATTEMPTS = 3  # per model: the first request and two retries
MAX_WAIT_SECONDS = 30.0  # the longest Retry-After waited for in place; longer gives the model up
sleep = time.sleep  # the test seam for the waits


@dataclass(slots=True)
class EndpointsFetch:
    """What the fetch brought: each selected model's decoded body (in selection order), the models
    that failed with why, and how many matched past the adapter's cap (not fetched)."""

    bodies: list[tuple[str, Any]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    over_cap: int = 0


def fetch_endpoints(client: httpx.Client, adapter: Adapter, model_ids: Iterable[str]) -> EndpointsFetch:
    """The endpoints bodies of the models `adapter.endpoint_models` selects among `model_ids`."""
    selected, over_cap = adapter.endpoint_models(model_ids)
    result = EndpointsFetch(over_cap=over_cap)
    if not selected:
        return result
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(selected))) as pool:
        outcomes = list(pool.map(lambda model_id: _fetch_one(client, adapter, model_id), selected))
    for model_id, (body, error) in zip(selected, outcomes, strict=True):
        if error is None:
            result.bodies.append((model_id, body))
        else:
            result.failed.append((model_id, error))
    return result


def _fetch_one(client: httpx.Client, adapter: Adapter, model_id: str) -> tuple[Any, str | None]:
    attempt = 0
    while True:
        try:
            return fetch_json(client, adapter.endpoints_url(model_id)), None
        except AdapterError as exc:
            retryable = not exc.permanent and attempt < ATTEMPTS - 1
            wait = inline_retry_delay(attempt, retry_after=exc.retry_after, ceiling=MAX_WAIT_SECONDS) if retryable else None
            if wait is None:
                return None, str(exc)
        sleep(wait)
        attempt += 1
