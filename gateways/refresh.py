"""One refresh of one gateway: fetch, normalize, guard, publish, record.

`gateway_refresh()` fetches live, `gateway_import()` publishes a saved body through the same
adapter and guards, `gateway_dry_run()` fetches and normalizes without publishing or recording
(the admin's "Test connection"). A failed refresh never changes the stored catalog, and every
attempt is recorded (`gateways.runs`).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from catalog.endpoints import endpoints_publish
from catalog.selectors import ModelLookup, stored_source_hashes
from catalog.services import PublishRefused, catalog_publish
from gateways import source_hash
from gateways.adapters.base import Adapter, ParseResult
from gateways.circuit import circuit_allows, circuit_reopens_at
from gateways.client import build_client
from gateways.endpoints import EndpointsFetch, fetch_endpoints
from gateways.errors import AdapterError, ErrorKind
from gateways.fetch import decode_json
from gateways.held import held_record
from gateways.keys import configuration_problem, is_configured, key_variable
from gateways.leases import lease_acquire, lease_release, lease_renew
from gateways.models import Gateway, RefreshRun
from gateways.runs import elapsed_ms, run_begin, run_finish, run_skip

log = logging.getLogger("gateways.refresh")


@dataclass(slots=True)
class DryRunResult:
    ok: bool
    models: int = 0
    rejected: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    error_kind: str = ""
    duration_ms: int = 0
    sample_ids: list[str] = field(default_factory=list)


Produce = Callable[[Adapter, Gateway], list[Any]]


class LiveFetch:
    """The live list, through the gateway's client; then, when `with_endpoints`, the endpoints
    bodies of the models the gateway's `endpoints_models` option selects (`gateways.endpoints`),
    kept in `endpoints` for the publish after the list's."""

    def __init__(self, transport: httpx.BaseTransport | None, *, with_endpoints: bool = True) -> None:
        self.transport = transport
        self.with_endpoints = with_endpoints
        self.endpoints = EndpointsFetch()

    def __call__(self, adapter: Adapter, gateway: Gateway) -> list[Any]:
        with build_client(
            slug=gateway.slug,
            base_url=gateway.base_url,
            adapter=type(adapter),
            allow_http=gateway.allow_insecure_http,
            transport=self.transport,
        ) as client:
            items = adapter.fetch(client)
            if self.with_endpoints:
                ids = [item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]
                self.endpoints = fetch_endpoints(client, adapter, ids)
            return items


def _fetch_live(transport: httpx.BaseTransport | None) -> Produce:
    return LiveFetch(transport)


def _parse(adapter: Adapter, items: list[Any], gateway: Gateway, *, skip_unchanged: bool = False) -> ParseResult:
    """The adapter's records, enriched, each naming a provider. `provider_slug` is decided here
    and nowhere else: the adapter's `author` (the id's `org/` head, else a slug-like owner field
    such as `owned_by`), else what enrichment borrowed, else the serving gateway's slug: a model
    whose id and item name no author gets the serving gateway, never `null`.

    `skip_unchanged`: items whose source hash a stored row has are not normalized again
    (`gateways.source_hash`); their ids are in `unchanged`."""
    salt = source_hash.salt(adapter, gateway) if skip_unchanged else None
    if salt is None:
        result = adapter.parse(items)
    else:
        result = adapter.parse(
            items,
            known=stored_source_hashes(gateway_id=gateway.pk),
            hasher=lambda item: source_hash.item_hash(item, salt, adapter.volatile(item)),
        )
    adapter.enrich(result, ModelLookup())
    result.models = [m if m.provider_slug else replace(m, provider_slug=gateway.slug) for m in result.models]
    return result


def _unconfigured(gateway: Gateway) -> AdapterError:
    problem = configuration_problem(gateway) or f"{key_variable(gateway.slug)} is not set"
    return AdapterError(f"{problem}; the gateway is unconfigured", kind=ErrorKind.UNCONFIGURED, permanent=True)


def gateway_refresh(
    *,
    gateway: Gateway,
    force: bool = False,
    trigger: str = RefreshRun.Trigger.SCHEDULE,
    respect_circuit: bool = False,
    transport: httpx.BaseTransport | None = None,
    run: RefreshRun | None = None,
) -> RefreshRun:
    """Fetch, normalize, guard and publish one gateway's list. Always returns the recorded run;
    a failed refresh never changes the stored catalog.

    Runs only under the gateway's lease (else the run is `skipped`). `respect_circuit` (automatic
    refreshes and retries) also skips while the circuit is open; a person's refresh goes through
    and serves as the trial. `run`: a `queued` run to fill in (from `gateways_request_refresh`)
    instead of creating one."""
    return _run(
        gateway=gateway,
        force=force,
        trigger=trigger,
        produce=_fetch_live(transport),
        respect_circuit=respect_circuit,
        run=run,
    )


def gateway_import(*, gateway: Gateway, body: bytes | str, force: bool = False, accept_drift: bool = False) -> RefreshRun:
    """Publish a saved upstream body exactly as a live fetch would: same adapter, same guards.
    `accept_drift`: the person importing has reviewed this body; the drift guard holds nothing. A
    per-model endpoints body (`Adapter.is_endpoints_body`) publishes that model's per-provider
    offers only; the rest of the stored list is left as it is."""

    decoded: list[Any] = []

    def read() -> Any:
        if not decoded:
            decoded.append(decode_json(body))  # once: the shape check and the list read share it
        return decoded[0]

    def produce(adapter: Adapter, gateway: Gateway) -> list[Any]:
        return adapter.items(read())

    return _run(
        gateway=gateway,
        force=force,
        trigger=RefreshRun.Trigger.IMPORT,
        produce=produce,
        require_key=False,
        accept_drift=accept_drift,
        endpoints_body=read,
    )


def gateway_dry_run(*, gateway: Gateway, transport: httpx.BaseTransport | None = None) -> DryRunResult:
    """Test connection: fetch and normalize without publishing or recording anything."""
    started = time.monotonic()
    if not is_configured(gateway):
        return DryRunResult(ok=False, error_kind=ErrorKind.UNCONFIGURED, errors=[str(_unconfigured(gateway))])
    try:
        adapter = gateway.adapter_class(options=gateway.options)
        result = _parse(adapter, LiveFetch(transport, with_endpoints=False)(adapter, gateway), gateway)
    except AdapterError as exc:
        return DryRunResult(ok=False, error_kind=exc.kind, errors=[str(exc)], duration_ms=elapsed_ms(started))
    return DryRunResult(
        ok=bool(result.models),
        models=len(result.models),
        rejected=result.rejected,
        skipped=result.skipped,
        errors=result.errors[:5],
        duration_ms=elapsed_ms(started),
        sample_ids=[m.id for m in result.models[:5]],
    )


_gc_pauses = 0
_gc_was_enabled = True
_gc_lock = threading.Lock()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a list is parsed and published. A refresh builds a few
    hundred thousand small objects that all stay alive until it ends, so each automatic collection
    rescans every one made so far: 15 % of a 20,000-model publish, more at 100,000. Nested and
    concurrent refreshes keep it off until the last one ends; what they leave is collected then."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _run(
    *,
    gateway: Gateway,
    force: bool,
    trigger: str,
    produce: Produce,
    require_key: bool = True,
    respect_circuit: bool = False,
    run: RefreshRun | None = None,
    accept_drift: bool = False,
    endpoints_body: Callable[[], Any] | None = None,
) -> RefreshRun:
    now = timezone.now()
    run = run_begin(gateway=gateway, trigger=trigger, force=force, now=now, run=run)
    started = time.monotonic()

    if require_key and not is_configured(gateway):
        # Unconfigured is a state, not a failure: no error counts, no circuit, no log spam.
        return run_finish(run, started, outcome=RefreshRun.Outcome.SKIPPED, error=_unconfigured(gateway))
    if respect_circuit and not circuit_allows(gateway, now=now):
        return run_skip(
            run,
            f"the circuit is open after {gateway.consecutive_failures} failures; "
            f"next trial after {circuit_reopens_at(gateway, now=now):%H:%M:%S} UTC",
        )
    token = lease_acquire(gateway_id=gateway.pk, now=now)
    if token is None:
        return run_skip(run, "another refresh of this gateway is in progress")
    Gateway.objects.filter(pk=gateway.pk).update(last_attempt_at=now)
    try:
        with _collector_paused():
            return _refresh_under_lease(
                run,
                started,
                gateway=gateway,
                token=token,
                force=force,
                now=now,
                produce=produce,
                accept_drift=accept_drift,
                endpoints_body=endpoints_body,
            )
    except AdapterError as exc:
        return run_finish(run, started, outcome=RefreshRun.Outcome.FAILED, error=exc)
    except SoftTimeLimitExceeded:
        # The worker's soft time limit: record the run (retryable, like any timeout) and let the
        # `finally` release the lease, instead of losing both to the hard limit's kill.
        return run_finish(
            run,
            started,
            outcome=RefreshRun.Outcome.FAILED,
            error=AdapterError(
                f"the refresh ran past the task's soft time limit ({settings.CELERY_TASK_SOFT_TIME_LIMIT} s) and was stopped",
                kind=ErrorKind.TIMEOUT,
                permanent=False,
            ),
        )
    except Exception as exc:  # noqa: BLE001 - a bug in one adapter must not kill the worker loop
        log.exception("refresh of %s crashed", gateway.slug)
        return run_finish(
            run,
            started,
            outcome=RefreshRun.Outcome.FAILED,
            error=AdapterError(f"internal error: {exc.__class__.__name__}", kind=ErrorKind.INTERNAL, permanent=True),
        )
    finally:
        lease_release(gateway_id=gateway.pk, token=token)


def _refresh_under_lease(
    run: RefreshRun,
    started: float,
    *,
    gateway: Gateway,
    token: str,
    force: bool,
    now: datetime,
    produce: Produce,
    accept_drift: bool = False,
    endpoints_body: Callable[[], Any] | None = None,
) -> RefreshRun:
    adapter = gateway.adapter_class(options=gateway.options)
    if endpoints_body is not None:
        body = endpoints_body()
        if adapter.is_endpoints_body(body):
            return _import_endpoints(run, started, adapter=adapter, gateway=gateway, body=body, now=now)
    result = _parse(adapter, produce(adapter, gateway), gateway, skip_unchanged=True)
    listed = len(result.models) + len(result.unchanged)
    run.models_seen = listed + result.rejected + result.skipped
    run.models_rejected = result.rejected
    run.models_skipped = result.skipped
    run.rejections = result.errors
    run.warnings = result.warnings
    if not lease_renew(gateway_id=gateway.pk, token=token):
        raise AdapterError(
            f"the refresh outlived its {settings.GATEWAY_LEASE_SECONDS} s lease; nothing was published",
            kind=ErrorKind.INTERNAL,
            permanent=True,
        )
    try:
        published = catalog_publish(
            gateway=gateway,
            models=result.models,
            unchanged=result.unchanged,
            force=force,
            rejected=result.rejected,
            now=now,
            accept_drift=accept_drift,
            run_id=run.pk,
        )
    except PublishRefused as exc:
        raise AdapterError(str(exc), kind=ErrorKind.GUARD, permanent=True) from None
    held_record(run=run, published=published)
    run.models_added = published.added
    run.models_changed = published.changed
    run.models_unchanged = published.unchanged
    run.models_deactivated = published.deactivated
    run.models_missing = published.missing
    if isinstance(produce, LiveFetch):
        _publish_fetched_endpoints(run, adapter=adapter, gateway=gateway, fetched=produce.endpoints, now=now)
    outcome = RefreshRun.Outcome.DEGRADED if result.degraded_reason else RefreshRun.Outcome.SUCCESS
    if published.held:  # the drift guard held values: the run needs review, whatever else it was
        outcome = RefreshRun.Outcome.HELD
    return run_finish(run, started, outcome=outcome, model_count=listed, degraded_reason=result.degraded_reason or "")


MAX_ENDPOINT_WARNINGS = 20


def _publish_fetched_endpoints(
    run: RefreshRun, *, adapter: Adapter, gateway: Gateway, fetched: EndpointsFetch, now: datetime
) -> None:
    """After the list is published: each fetched endpoints body published for its model. A body
    that fails (fetch, shape or publish guard) is counted in `endpoints_failed` and named in the
    warnings; the run still succeeds."""
    failures = list(fetched.failed)
    for model_id, body in fetched.bodies:
        try:
            parsed = adapter.parse_endpoints(body)
            endpoints_publish(gateway=gateway, endpoints=parsed.endpoints, now=now)
        except (AdapterError, PublishRefused) as exc:
            failures.append((model_id, str(exc)))
            continue
        run.endpoints_published += 1
        run.models_rejected += parsed.rejected
        run.rejections = [*run.rejections, *parsed.errors][: ParseResult.MAX_ERRORS]
    run.endpoints_failed = len(failures)
    notes = [f"endpoints of {model_id} not published: {reason}"[:300] for model_id, reason in failures]
    if fetched.over_cap:
        notes.append(
            f"{fetched.over_cap} more models match endpoints_models past the cap of {adapter.max_endpoint_models}; not fetched"
        )
    run.warnings = [*run.warnings, *notes[:MAX_ENDPOINT_WARNINGS]]


def _import_endpoints(
    run: RefreshRun, started: float, *, adapter: Adapter, gateway: Gateway, body: Any, now: datetime
) -> RefreshRun:
    """`import_catalog` of one model's endpoints body: that model's per-provider offers published
    (`catalog.endpoints.endpoints_publish`), nothing else of the list touched. The run is recorded;
    the gateway's health and freshness are not (the list was not refreshed)."""
    try:
        parsed = adapter.parse_endpoints(body)  # a malformed body raises: the run fails, nothing changes
        run.models_seen = len(parsed.endpoints.endpoints) + parsed.rejected
        run.models_rejected = parsed.rejected
        run.rejections = parsed.errors
        try:
            published = endpoints_publish(gateway=gateway, endpoints=parsed.endpoints, now=now)
        except PublishRefused as exc:
            raise AdapterError(str(exc), kind=ErrorKind.GUARD, permanent=True) from None
    except AdapterError as exc:
        return run_finish(run, started, outcome=RefreshRun.Outcome.FAILED, error=exc, list_refreshed=False)
    run.models_added, run.models_changed, run.models_unchanged = published.added, published.changed, published.unchanged
    run.models_deactivated = published.removed
    run.endpoints_published = 1
    return run_finish(run, started, outcome=RefreshRun.Outcome.SUCCESS, list_refreshed=False)
