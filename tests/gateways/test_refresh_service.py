"""The refresh service against the database: publish, unchanged refresh, changes, and every failure
mode leaving the stored catalog byte-for-byte as it was."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import AIModel, MergedModel, ModelChange
from gateways.leases import lease_acquire
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_refresh

from ..conftest import json_transport
from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db

BODY = openai_body(
    openai_item("acme/alpha", "0.000001", "0.000002", 8192),
    openai_item("acme/beta", "0.0000005", "0.0000015", 32768),
    openai_item("acme/gamma", "0", "0", 4096),
)


def refresh(gateway: Gateway, body: Any = BODY, **kwargs: Any) -> RefreshRun:
    return gateway_refresh(gateway=gateway, transport=json_transport({"/v1/models": body}), **kwargs)


def snapshot() -> list[tuple[Any, ...]]:
    models = list(
        AIModel.objects.order_by("pk").values_list("upstream_id", "is_active", "public_json", "content_hash", "pricing")
    )
    merged = list(MergedModel.objects.order_by("canonical_key").values_list("canonical_key", "public_json"))
    return models + merged


@pytest.fixture
def gateway(gateway_keys: Any) -> Gateway:
    gateway_keys(acme="sk-test-acme")
    return make_gateway("acme", min_expected_models=2)


def test_first_publish_stores_every_model_with_exact_prices(gateway: Gateway) -> None:
    run = refresh(gateway)

    assert (run.outcome, run.models_seen, run.models_added, run.models_rejected) == ("success", 3, 3, 0)
    stored = {m.upstream_id: m for m in AIModel.objects.all()}
    assert set(stored) == {"acme/alpha", "acme/beta", "acme/gamma"}
    assert json.loads(stored["acme/beta"].public_json)["pricing"] == {"prompt": "0.0000005", "completion": "0.0000015"}
    assert stored["acme/beta"].context_length == 32768
    gateway.refresh_from_db()
    assert gateway.last_success_at is not None and gateway.last_model_count == 3 and gateway.consecutive_failures == 0
    assert ModelChange.objects.filter(kind="added").count() == 3
    assert MergedModel.objects.count() == 3


def test_unchanged_refresh_writes_no_model_rows(gateway: Gateway) -> None:
    refresh(gateway)
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        run = refresh(gateway)

    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE") and "catalog_" in q["sql"]]
    # Only the gateway's freshness record moves (its last success is now); no model row is written.
    assert [sql.split('"')[1] for sql in writes] == ["catalog_source"]
    assert (run.outcome, run.models_unchanged, run.models_added, run.models_changed) == ("success", 3, 0, 0)
    assert snapshot() == before


def test_changed_price_is_updated_and_recorded_as_a_change(gateway: Gateway) -> None:
    refresh(gateway)
    changed = openai_body(
        openai_item("acme/alpha", "0.0000012", "0.000002", 8192),
        openai_item("acme/beta", "0.0000005", "0.0000015", 65536),
        openai_item("acme/gamma", "0", "0", 4096),
    )

    run = refresh(gateway, changed)

    assert (run.models_changed, run.models_unchanged) == (2, 1)
    alpha = AIModel.objects.get(upstream_id="acme/alpha")
    assert alpha.pricing["prompt"] == "0.0000012"
    change = ModelChange.objects.get(kind="price_changed")
    assert (change.upstream_id, change.before, change.after) == (
        "acme/alpha",
        {
            "prompt": "0.000001",
            "completion": "0.000002",
            "prices": [{"component": "input_token", "unit": "token", "usd": "0.000001"}],
        },
        {
            "prompt": "0.0000012",
            "completion": "0.000002",
            "prices": [{"component": "input_token", "unit": "token", "usd": "0.0000012"}],
        },
    )
    assert change.components_text == ",input_token,"
    context = ModelChange.objects.get(kind="context_changed")
    assert (context.upstream_id, context.before, context.after) == (
        "acme/beta",
        {"context_length": 32768},
        {"context_length": 65536},
    )


def test_vanished_model_is_missing_then_removed_and_comes_back_as_added(gateway: Gateway) -> None:
    gateway.missing_grace_seconds = 0  # removed at the second list without it
    gateway.save()
    refresh(gateway)
    without_gamma = openai_body(openai_item("acme/alpha"), openai_item("acme/beta", "0.0000005", "0.0000015", 32768))
    first = refresh(gateway, without_gamma)
    assert (first.models_missing, first.models_deactivated) == (1, 0)
    assert AIModel.objects.get(upstream_id="acme/gamma").is_active
    assert orjson.loads(MergedModel.objects.get(canonical_key="acme/gamma").public_json)["availability"] == "missing"

    run = refresh(gateway, without_gamma)
    assert (run.models_missing, run.models_deactivated) == (0, 1)
    assert list(AIModel.objects.filter(is_active=False).values_list("upstream_id", flat=True)) == ["acme/gamma"]
    assert ModelChange.objects.filter(kind="removed", upstream_id="acme/gamma").count() == 1
    assert not MergedModel.objects.filter(canonical_key="acme/gamma").exists()

    again = refresh(gateway)
    assert again.models_added == 1
    assert AIModel.objects.get(upstream_id="acme/gamma").is_active


def _raise(exc: Exception) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


FAILURES = [
    ("timeout", _raise(httpx.ReadTimeout("read timed out")), "timeout", True),
    ("connection", _raise(httpx.ConnectError("refused")), "connection", True),
    ("http_500", lambda r: httpx.Response(500, text="upstream exploded"), "http_status", True),
    ("http_401", lambda r: httpx.Response(401, json={"error": "bad key"}), "unauthorized", False),
    ("http_404", lambda r: httpx.Response(404, json={"error": "no"}), "not_found", False),
    ("http_429", lambda r: httpx.Response(429, headers={"Retry-After": "17"}), "rate_limited", True),
    (
        "malformed_json",
        lambda r: httpx.Response(200, content=b'{"data": [{"id": "x"', headers={"content-type": "application/json"}),
        "malformed",
        False,
    ),
    (
        "html_page",
        lambda r: httpx.Response(200, content=b"<html><body>Maintenance</body></html>", headers={"content-type": "text/html"}),
        "malformed",
        False,
    ),
    ("not_a_list", lambda r: httpx.Response(200, json={"models": "nope"}), "malformed", False),
    ("empty_list", lambda r: httpx.Response(200, json={"data": []}), "guard", False),
    ("below_min_expected", lambda r: httpx.Response(200, json=openai_body(openai_item("acme/solo"))), "guard", False),
    ("all_items_rejected", lambda r: httpx.Response(200, json={"data": [{"no": "id"}, {"id": 5}, "x"]}), "guard", False),
]


@pytest.mark.parametrize(("case", "handler", "kind", "retryable"), FAILURES, ids=[f[0] for f in FAILURES])
def test_failed_refresh_keeps_last_good_catalog(gateway: Gateway, case: str, handler: Any, kind: str, retryable: bool) -> None:
    refresh(gateway)
    before = snapshot()

    run = gateway_refresh(gateway=gateway, transport=httpx.MockTransport(handler))

    assert snapshot() == before
    assert (run.outcome, run.error_kind, run.retryable) == ("failed", kind, retryable)
    assert run.error_message
    gateway.refresh_from_db()
    assert gateway.consecutive_failures == 1 and gateway.last_error_kind == kind
    assert gateway.last_model_count == 3  # the last good figure stays


def test_429_records_retry_after(gateway: Gateway) -> None:
    run = gateway_refresh(
        gateway=gateway, transport=httpx.MockTransport(lambda r: httpx.Response(429, headers={"Retry-After": "17"}))
    )
    assert (run.http_status, run.retry_after_seconds) == (429, 17.0)


def test_list_shrunk_past_the_guard_is_refused_unless_forced(gateway: Gateway) -> None:
    body = openai_body(*(openai_item(f"acme/m{i}") for i in range(10)))
    refresh(gateway, body)
    before = snapshot()
    shrunk = openai_body(*(openai_item(f"acme/m{i}") for i in range(3)))

    run = refresh(gateway, shrunk)
    assert (run.outcome, run.error_kind) == ("failed", "guard")
    assert "shrank from 10 to 3" in run.error_message
    assert snapshot() == before

    forced = refresh(gateway, shrunk, force=True)
    assert (forced.outcome, forced.models_missing, forced.models_deactivated) == ("success", 7, 0)
    # The next list is compared with the forced one, not with the models still in their grace period.
    assert refresh(gateway, shrunk).outcome == "success"


def test_too_many_rejected_items_refuse_the_list(gateway: Gateway) -> None:
    body = openai_body(openai_item("acme/a"), openai_item("acme/b"), {"id": None}, {"id": 3}, {"object": "model"})
    run = refresh(gateway, body)
    assert (run.outcome, run.error_kind, run.models_rejected) == ("failed", "guard", 3)
    assert AIModel.objects.count() == 0


def test_a_bad_item_is_counted_and_the_rest_published(gateway: Gateway) -> None:
    items = [openai_item(f"acme/m{i}") for i in range(9)] + [{"id": "acme/bad", "pricing": {"prompt": "-3", "completion": "1"}}]
    run = refresh(gateway, openai_body(*items))
    assert (run.outcome, run.models_seen, run.models_rejected) == ("success", 10, 1)
    assert run.rejections == ["item 9 ('acme/bad'): negative price '-3'"]
    assert AIModel.objects.count() == 9


def test_unconfigured_gateway_is_skipped_without_counting_a_failure(settings: Any) -> None:
    settings.GATEWAY_KEYS = {}
    gateway = make_gateway("nokey")
    run = refresh(gateway)
    gateway.refresh_from_db()
    assert (run.outcome, run.error_kind) == ("skipped", "unconfigured")
    assert run.error_message == "GATEWAY_KEY_NOKEY is not set; the gateway is unconfigured"
    assert gateway.consecutive_failures == 0 and gateway.circuit_state == "closed"


def test_refresh_is_skipped_while_another_holds_the_lease(gateway: Gateway) -> None:
    assert lease_acquire(gateway_id=gateway.pk) is not None
    run = refresh(gateway)
    assert run.outcome == "skipped" and "in progress" in run.error_message
    assert AIModel.objects.count() == 0


def test_lease_is_released_after_a_refresh(gateway: Gateway) -> None:
    refresh(gateway)
    gateway.refresh_from_db()
    assert (gateway.lease_token, gateway.lease_expires_at) == ("", None)


def test_crash_inside_an_adapter_is_recorded_as_internal(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    refresh(gateway)
    AIModel.objects.update(source_hash=None)  # every item is normalized again (`gateways.source_hash`)
    before = snapshot()

    def explode(self: Any, item: Any) -> Any:
        raise RuntimeError("adapter bug")

    monkeypatch.setattr("gateways.adapters.openai_compatible.OpenAICompatible.normalize", explode)
    run = refresh(gateway)
    assert (run.outcome, run.error_kind, run.error_message) == ("failed", "internal", "internal error: RuntimeError")
    assert snapshot() == before


def test_gzip_encoded_body_is_decoded(gateway: Gateway) -> None:
    payload = gzip.compress(json.dumps(BODY).encode())
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, content=payload, headers={"content-encoding": "gzip", "content-type": "application/json"})
    )
    run = gateway_refresh(gateway=gateway, transport=transport)
    assert (run.outcome, run.models_added) == ("success", 3)
