"""OpenRouter's per-model endpoints (issue 19, item 6): the body read into per-provider offers
(prices with the discount applied, quantization, context, status; a bad endpoint counted and
skipped, a body of another shape a clear error), and the opt-in live fetch during a refresh
(only the selected models, a 429 waited out, one model's 500 counted without failing the run).

Fixtures: tests/fixtures/gateways/openrouter/endpoints/ (hand-written, our own values)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
from django.core.exceptions import ValidationError

from catalog.endpoints import endpoint_document
from catalog.models import MergedModel, ModelEndpoint
from gateways import endpoints as endpoint_fetch
from gateways.adapters.openrouter import OpenRouter
from gateways.errors import AdapterError, ErrorKind
from gateways.fetch import decode_json
from gateways.management.commands.refresh_catalog import summary_line
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_refresh

from ..conftest import FIXTURES

D = Decimal
HERE = FIXTURES / "openrouter" / "endpoints"


def body(name: str) -> Any:
    return decode_json((HERE / name).read_bytes())


def test_each_endpoint_becomes_a_provider_offer_with_the_discount_applied_and_stated() -> None:
    result = OpenRouter().parse_endpoints(body("breeze-70b.json"))

    assert result.endpoints.model_id == "zephyrlabs/breeze-70b"
    assert result.endpoints.output_modalities == ("text",)
    kestrel, osprey, heron = result.endpoints.endpoints
    # 0.0000008 x (1 - 0.25) = 0.0000006; 0.0000012 x 0.75 = 0.0000009; a stated 0 stays 0.
    assert (kestrel.provider, kestrel.provider_name, kestrel.discount) == ("kestrel/fp8", "Kestrel", D("0.25"))
    assert kestrel.pricing == {"prompt": D("0.0000006"), "completion": D("0.0000009"), "request": D(0), "image": D(0)}
    assert (kestrel.quantization, kestrel.context_length, kestrel.max_completion_tokens) == ("fp8", 131072, 8192)
    assert (kestrel.status, kestrel.uptime_last_30m, kestrel.price_unit) == (0, D("99.5"), "per_token_usd")
    assert kestrel.supported_parameters == ("max_tokens", "temperature", "tools")
    # A discount of 0 stated beside `pricing` leaves the prices exactly as written.
    assert osprey.pricing == {"prompt": D("0.00000055"), "completion": D("0.00000095"), "input_cache_read": D("0.0000001")}
    assert (osprey.discount, osprey.quantization, osprey.context_length, osprey.max_prompt_tokens) == (D(0), "bf16", 65536, 61440)
    assert (osprey.status, osprey.uptime_last_30m) == (-2, D("87.25"))
    # "-1" is a price decided per request: every price null, never negative; a context of 0 is unknown.
    assert (heron.pricing_dynamic, heron.pricing) == (True, {"prompt": None, "completion": None})
    assert (heron.context_length, heron.quantization, heron.uptime_last_30m, heron.discount) == (None, None, None, None)


def test_a_malformed_endpoint_is_counted_and_skipped_not_fatal() -> None:
    result = OpenRouter().parse_endpoints(body("breeze-70b.json"))

    assert [e.provider for e in result.endpoints.endpoints] == ["kestrel/fp8", "osprey", "heron"]
    assert result.rejected == 3
    assert result.errors == [
        "endpoint 3 of 'zephyrlabs/breeze-70b': discount Decimal('1.5') is not a fraction below 1",
        "endpoint 4 of 'zephyrlabs/breeze-70b': an endpoint is a str, not an object",
        "endpoint 5 of 'zephyrlabs/breeze-70b': an endpoint names no provider (no 'tag' or 'provider_name')",
    ]


def test_a_second_endpoint_of_the_same_provider_is_rejected_not_merged() -> None:
    entry = {"tag": "kestrel", "provider_name": "Kestrel", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    cheaper = {**entry, "pricing": {"prompt": "0.0000001", "completion": "0.0000002"}}
    result = OpenRouter().parse_endpoints({"data": {"id": "a/b", "endpoints": [entry, cheaper]}})

    assert [e.pricing["prompt"] for e in result.endpoints.endpoints] == [D("0.000001")]
    assert result.errors == ["endpoint 1 of 'a/b': duplicate provider 'kestrel'"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"data": []}, "expected an endpoints body"),
        ([], "expected an endpoints body"),
        ({"data": {"endpoints": []}}, "no model id in data.id"),
        ({"data": {"id": "a/b", "endpoints": {"tag": "x"}}}, "data.endpoints of 'a/b' is not a list"),
    ],
)
def test_a_body_that_is_not_an_endpoints_body_is_a_clear_malformed_error(payload: Any, message: str) -> None:
    with pytest.raises(AdapterError) as raised:
        OpenRouter().parse_endpoints(payload)
    assert raised.value.kind == ErrorKind.MALFORMED and raised.value.permanent
    assert message in str(raised.value)
    assert '{"data": {"id": "<author>/<slug>", "endpoints": [...]}}' in str(raised.value)


def test_the_endpoints_shape_is_told_apart_from_the_list() -> None:
    adapter = OpenRouter()
    assert adapter.is_endpoints_body(body("breeze-70b.json"))
    assert not adapter.is_endpoints_body(body("list.json"))


def test_endpoints_models_selects_ids_and_patterns_up_to_the_cap() -> None:
    adapter = OpenRouter(options={"endpoints_models": "zephyrlabs/breeze-70b, acme/*"})
    ids = ["acme/one", "zephyrlabs/breeze-8b", "zephyrlabs/breeze-70b", "acme/two", "other/acme"]

    assert adapter.endpoint_models(ids) == (["acme/one", "zephyrlabs/breeze-70b", "acme/two"], 0)
    assert OpenRouter().endpoint_models(ids) == ([], 0)  # empty by default: nothing fetched
    capped = type("Capped", (OpenRouter,), {"max_endpoint_models": 2})(options={"endpoints_models": "*"})
    assert capped.endpoint_models(ids) == (["acme/one", "zephyrlabs/breeze-8b"], 3)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"endpoints_models": "openai/gpt-4o; drop table"}, "endpoints_models must be model ids or patterns with *"),
        ({"endpoints_model": "openai/gpt-4o"}, "unknown option(s) endpoints_model; allowed: endpoints_models"),
    ],
)
def test_a_wrong_endpoints_option_is_refused_on_save(options: dict[str, Any], message: str) -> None:
    gateway = Gateway.objects.get(slug="openrouter")
    gateway.options = options
    with pytest.raises(ValidationError) as raised:
        gateway.full_clean()
    assert message in raised.value.message_dict["options"][0]


# -- the live fetch ---------------------------------------------------------------------------


@pytest.fixture
def openrouter() -> Gateway:
    gateway = Gateway.objects.get(slug="openrouter")
    Gateway.objects.filter(pk=gateway.pk).update(min_expected_models=1)
    gateway.refresh_from_db()
    return gateway


def upstream(endpoints: dict[str, list[httpx.Response]]) -> tuple[httpx.MockTransport, list[str]]:
    """The list, and per model path a queue of answers to its endpoints requests; every path asked is recorded."""
    asked: list[str] = []
    listing = (HERE / "list.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/api/v1/models":
            return httpx.Response(200, content=listing, headers={"content-type": "application/json"})
        answers = endpoints.get(request.url.path)
        if not answers:
            return httpx.Response(404, json={"error": "not found"})
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return httpx.MockTransport(handler), asked


def ok(name: str) -> httpx.Response:
    return httpx.Response(200, content=(HERE / name).read_bytes(), headers={"content-type": "application/json"})


BREEZE_70B = "/api/v1/models/zephyrlabs/breeze-70b/endpoints"
BREEZE_8B = "/api/v1/models/zephyrlabs/breeze-8b/endpoints"


@pytest.mark.django_db
def test_without_the_option_a_refresh_fetches_no_endpoints(openrouter: Gateway) -> None:
    transport, asked = upstream({BREEZE_70B: [ok("breeze-70b.json")]})

    run = gateway_refresh(gateway=openrouter, transport=transport)

    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    assert asked == ["/api/v1/models"]
    assert (run.endpoints_published, run.endpoints_failed, ModelEndpoint.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_a_refresh_fetches_the_endpoints_of_the_selected_models_only(openrouter: Gateway) -> None:
    Gateway.objects.filter(pk=openrouter.pk).update(options={"endpoints_models": "zephyrlabs/breeze-70b"})
    openrouter.refresh_from_db()
    transport, asked = upstream({BREEZE_70B: [ok("breeze-70b.json")], BREEZE_8B: [ok("breeze-70b.json")]})

    run = gateway_refresh(gateway=openrouter, transport=transport)

    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    assert sorted(asked) == ["/api/v1/models", BREEZE_70B]
    assert (run.endpoints_published, run.endpoints_failed, run.models_added) == (1, 0, 2)
    assert run.models_rejected == 3  # the fixture's three bad endpoints, counted in the run
    stored = ModelEndpoint.objects.filter(ai_model__upstream_id="zephyrlabs/breeze-70b")
    assert sorted(stored.values_list("provider", flat=True)) == ["heron", "kestrel/fp8", "osprey"]
    entry = orjson.loads(MergedModel.objects.get(model_id="zephyrlabs/breeze-70b").public_json)
    assert [(o["gateway"], o["provider"]) for o in entry["offers"]] == [
        ("openrouter", None),
        ("openrouter", "heron"),
        ("openrouter", "kestrel/fp8"),
        ("openrouter", "osprey"),
    ]


@pytest.mark.django_db
def test_a_429_is_waited_out_for_at_least_its_retry_after_then_fetched(
    openrouter: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(endpoint_fetch, "sleep", waits.append)
    Gateway.objects.filter(pk=openrouter.pk).update(options={"endpoints_models": "zephyrlabs/*"})
    openrouter.refresh_from_db()
    limited = httpx.Response(429, json={"error": "slow down"}, headers={"Retry-After": "7"})
    transport, asked = upstream({BREEZE_70B: [limited, ok("breeze-70b.json")], BREEZE_8B: [ok("breeze-70b.json")]})

    run = gateway_refresh(gateway=openrouter, transport=transport)

    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    assert asked.count(BREEZE_70B) == 2
    assert len(waits) == 1 and 7 <= waits[0] <= endpoint_fetch.MAX_WAIT_SECONDS
    # breeze-8b's body names breeze-70b (the fake serves one body): it is published as that model's.
    assert (run.endpoints_published, run.endpoints_failed) == (2, 0)
    assert ModelEndpoint.objects.filter(ai_model__upstream_id="zephyrlabs/breeze-70b").count() == 3


@pytest.mark.django_db
def test_a_retry_after_longer_than_the_wait_cap_gives_the_model_up(openrouter: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(endpoint_fetch, "sleep", waits.append)
    Gateway.objects.filter(pk=openrouter.pk).update(options={"endpoints_models": "zephyrlabs/breeze-70b"})
    openrouter.refresh_from_db()
    limited = httpx.Response(429, json={"error": "slow down"}, headers={"Retry-After": "3600"})
    transport, asked = upstream({BREEZE_70B: [limited]})

    run = gateway_refresh(gateway=openrouter, transport=transport)

    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    assert (waits, asked.count(BREEZE_70B)) == ([], 1)
    assert (run.endpoints_published, run.endpoints_failed) == (0, 1)
    assert any("endpoints of zephyrlabs/breeze-70b not published: HTTP 429" in w for w in run.warnings)


@pytest.mark.django_db
def test_a_500_for_one_model_is_counted_and_the_refresh_still_succeeds(
    openrouter: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(endpoint_fetch, "sleep", lambda seconds: None)
    Gateway.objects.filter(pk=openrouter.pk).update(options={"endpoints_models": "zephyrlabs/*"})
    openrouter.refresh_from_db()
    broken = httpx.Response(500, json={"error": "boom"})
    transport, asked = upstream({BREEZE_70B: [ok("breeze-70b.json")], BREEZE_8B: [broken]})

    run = gateway_refresh(gateway=openrouter, transport=transport)

    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    assert asked.count(BREEZE_8B) == endpoint_fetch.ATTEMPTS  # a 5xx is retried, then given up
    assert (run.endpoints_published, run.endpoints_failed, run.models_added) == (1, 1, 2)
    assert [w for w in run.warnings if w.startswith("endpoints of")] == [
        f"endpoints of zephyrlabs/breeze-8b not published: HTTP 500 from https://openrouter.ai{BREEZE_8B}: "
        + json.dumps({"error": "boom"}, separators=(",", ":"))
    ]
    assert summary_line(run).endswith("; endpoints: 1 models published, 1 failed")
    openrouter.refresh_from_db()
    assert (openrouter.consecutive_failures, openrouter.last_model_count) == (0, 2)
    assert ModelEndpoint.objects.filter(ai_model__upstream_id="zephyrlabs/breeze-70b").count() == 3


# -- the golden file ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["breeze-70b", "breeze-70b-repriced"])
def test_each_endpoints_fixture_reads_as_its_golden_file_says(name: str) -> None:
    """`<name>.expected.json` is what the catalog serves of each endpoint (the offer fields,
    `catalog.endpoints.endpoint_document`) and what was rejected. UPDATE_GOLDEN=1 (`make goldens`)
    rewrites it: read the diff before committing it."""
    result = OpenRouter().parse_endpoints(body(f"{name}.json"))
    found = {
        "model_id": result.endpoints.model_id,
        "rejected": result.rejected,
        "errors": result.errors,
        "offers": [endpoint_document(e, outputs=result.endpoints.output_modalities) for e in result.endpoints.endpoints],
    }
    golden = HERE / f"{name}.expected.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(found, indent=2) + "\n")
    assert found == json.loads(golden.read_text())
