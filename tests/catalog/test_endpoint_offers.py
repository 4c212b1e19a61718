"""Per-provider offers inside OpenRouter (issue 19, item 6), published with `import_catalog
openrouter FILE` from an endpoints body: served as offers of the OpenRouter model with the
provider named, ranked by the cost ranking (which then names the cheapest provider), written only
when they change, and a provider's price change is a change row naming the provider. Importing one
model's endpoints leaves the rest of the list alone, and a list refresh keeps the endpoints.

Fixtures: tests/fixtures/gateways/openrouter/endpoints/ (hand-written, our own values)."""

from __future__ import annotations

import io
import json
from typing import Any

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from catalog.models import AIModel, CatalogVersion, MergedModel, ModelChange, ModelEndpoint
from gateways.models import Gateway, RefreshRun

from ..conftest import FIXTURES

pytestmark = pytest.mark.django_db

HERE = FIXTURES / "openrouter" / "endpoints"
MODEL = "zephyrlabs/breeze-70b"


def token_prices(prompt: str, completion: str, **more: tuple[str, str]) -> list[dict[str, Any]]:
    found = [{"component": "input_token", "unit": "token", "usd": prompt}]
    found.append({"component": "output_token", "unit": "token", "usd": completion})
    return found + [{"component": component, "unit": unit, "usd": usd} for component, (unit, usd) in more.items()]


def import_file(name: str) -> RefreshRun:
    out = io.StringIO()
    call_command("import_catalog", "openrouter", str(HERE / name), stdout=out)
    return RefreshRun.objects.filter(gateway__slug="openrouter").order_by("-pk").first()


@pytest.fixture
def openrouter() -> Gateway:
    """OpenRouter alone (no other gateway asks for a refresh on read), its list of two imported."""
    Gateway.objects.exclude(slug="openrouter").update(enabled=False)
    Gateway.objects.filter(slug="openrouter").update(min_expected_models=1)
    run = import_file("list.json")
    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    return Gateway.objects.get(slug="openrouter")


def offers(client: Client, model_id: str = MODEL) -> list[dict[str, Any]]:
    response = client.get(f"/catalog/v1/models/{model_id}")
    assert response.status_code == 200, response.content
    found = response.json()["data"]["offers"]
    for offer in found:
        offer.pop("freshness")
        # Provenance (tests/catalog/test_provenance.py): the list import's run, also on its endpoints.
        assert isinstance(offer.pop("run"), int) and offer.pop("fetched_at").endswith("Z")
    return found


ROUTED = {
    "gateway": "openrouter",
    "id": MODEL,
    "provider_slug": "zephyrlabs",
    "provider": None,
    "pricing": {"prompt": "0.0000006", "completion": "0.0000009"},
    "prices": token_prices("0.0000006", "0.0000009"),
    "pricing_dynamic": False,
    "context_length": 131072,
    "quantization": None,
    "availability": "available",
    "sunset_at": None,
    "endpoint": None,
}


def provider_offer(provider: str, **fields: Any) -> dict[str, Any]:
    return {**ROUTED, "provider": provider, **fields}


def health(gateway: Gateway) -> tuple[Any, ...]:
    gateway.refresh_from_db()
    return (gateway.last_success_at, gateway.last_model_count, gateway.consecutive_failures, gateway.last_error)


def test_an_endpoints_body_serves_one_offer_per_provider_with_its_own_facts(openrouter: Gateway, client: Client) -> None:
    before = health(openrouter)

    run = import_file("breeze-70b.json")

    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    assert (run.models_seen, run.models_added, run.models_rejected, run.endpoints_published) == (6, 3, 3, 1)
    assert health(openrouter) == before  # one model's endpoints say nothing of the list's age
    assert offers(client) == [
        ROUTED,
        provider_offer(
            "heron",
            pricing={"prompt": None, "completion": None},
            prices=[],
            pricing_dynamic=True,
            context_length=None,
            endpoint={
                "provider_name": "Heron",
                "discount": None,
                "status": 0,
                "uptime_last_30m": None,
                "max_completion_tokens": None,
                "max_prompt_tokens": None,
                "supported_parameters": [],
                "price_unit": "per_token_usd",
            },
        ),
        provider_offer(
            "kestrel/fp8",
            # 0.0000008 and 0.0000012 less the stated 25 % discount; request and image stated 0.
            prices=token_prices("0.0000006", "0.0000009", image_input=("image", "0"), request=("request", "0")),
            quantization="fp8",
            endpoint={
                "provider_name": "Kestrel",
                "discount": 0.25,
                "status": 0,
                "uptime_last_30m": 99.5,
                "max_completion_tokens": 8192,
                "max_prompt_tokens": None,
                "supported_parameters": ["max_tokens", "temperature", "tools"],
                "price_unit": "per_token_usd",
            },
        ),
        provider_offer(
            "osprey",
            pricing={"prompt": "0.00000055", "completion": "0.00000095"},
            prices=token_prices("0.00000055", "0.00000095", cache_read=("token", "0.0000001")),
            context_length=65536,
            quantization="bf16",
            endpoint={
                "provider_name": "Osprey",
                "discount": 0,
                "status": -2,
                "uptime_last_30m": 87.25,
                "max_completion_tokens": 4096,
                "max_prompt_tokens": 61440,
                "supported_parameters": ["max_tokens", "temperature"],
                "price_unit": "per_token_usd",
            },
        ),
    ]
    # The gateway's own detail lists the same offers.
    gateway_offers = client.get(f"/catalog/v1/models/{MODEL}?gateway=openrouter").json()["data"]["offers"]
    assert [(o["gateway"], o["provider"]) for o in gateway_offers] == [(o["gateway"], o["provider"]) for o in offers(client)]


def test_the_cost_ranking_names_the_cheapest_provider_inside_openrouter(openrouter: Gateway, client: Client) -> None:
    import_file("breeze-70b.json")

    # Input only: osprey asks 0.00000055 a token, less than the routed price and kestrel (0.0000006).
    ranked = client.get(f"/catalog/v1/cost?model={MODEL}&input_tokens=1000000").json()["data"]
    assert [(row["gateway"], row["provider"], row["cost_usd"], row["complete"]) for row in ranked] == [
        ("openrouter", "osprey", "0.55", True),
        ("openrouter", None, "0.6", True),
        ("openrouter", "kestrel/fp8", "0.6", True),
        ("openrouter", "heron", None, False),  # priced per request: unknown, never ranked as free
    ]
    # Across the catalog, the model's row is its cheapest offer, and says which provider that is.
    across = client.get("/catalog/v1/cost?input_tokens=1000000&q=breeze-70b").json()["data"]
    assert [(row["id"], row["gateway"], row["provider"], row["cost_usd"], row["offers_priced"]) for row in across] == [
        (MODEL, "openrouter", "osprey", "0.55", 4)
    ]
    # Output only: kestrel's discounted 0.0000009 is the routed price, below osprey's 0.00000095.
    output = client.get(f"/catalog/v1/cost?model={MODEL}&output_tokens=1000000").json()["data"]
    assert [(row["provider"], row["cost_usd"]) for row in output[:3]] == [
        (None, "0.9"),
        ("kestrel/fp8", "0.9"),
        ("osprey", "0.95"),
    ]


def catalog_writes() -> tuple[Any, ...]:
    return (
        list(ModelEndpoint.objects.order_by("pk").values_list("pk", "content_hash", "updated_at")),
        ModelChange.objects.count(),
        list(MergedModel.objects.order_by("pk").values_list("pk", "updated_at")),
        CatalogVersion.objects.values_list("version", flat=True).first(),
        list(AIModel.objects.order_by("pk").values_list("pk", "updated_at")),
    )


def test_an_unchanged_re_import_writes_nothing(openrouter: Gateway) -> None:
    import_file("breeze-70b.json")
    before = catalog_writes()

    run = import_file("breeze-70b.json")

    assert (run.outcome, run.models_added, run.models_changed, run.models_unchanged) == ("success", 0, 0, 3)
    assert catalog_writes() == before


def test_a_provider_s_price_change_is_a_change_row_naming_the_provider(openrouter: Gateway, client: Client) -> None:
    import_file("breeze-70b.json")
    first_change = ModelChange.objects.order_by("-pk").values_list("pk", flat=True).first()

    run = import_file("breeze-70b-repriced.json")

    assert (run.models_changed, run.models_unchanged, run.models_deactivated) == (1, 1, 1)
    changes = ModelChange.objects.filter(pk__gt=first_change).order_by("pk")
    assert [(c.upstream_id, c.kind, c.before, c.after) for c in changes] == [
        (
            MODEL,
            "price_changed",
            {
                "provider": "osprey",
                "prompt": "0.00000055",
                "completion": "0.00000095",
                "prices": [{"component": "input_token", "unit": "token", "usd": "0.00000055"}],
            },
            {
                "provider": "osprey",
                "prompt": "0.0000005",
                "completion": "0.00000095",
                "prices": [{"component": "input_token", "unit": "token", "usd": "0.0000005"}],
            },
        ),
        (
            MODEL,
            "removed",
            {"provider": "heron", "pricing": {"prompt": None, "completion": None}, "context_length": None},
            None,
        ),
    ]
    assert changes[0].components_text == ",input_token,"
    feed = client.get(f"/catalog/v1/changes?model={MODEL}").json()["data"]
    titles = client.get("/catalog/v1/changes.atom").content.decode()
    assert any(item["kind"] == "price_changed" and item["after"]["provider"] == "osprey" for item in feed)
    assert f"{MODEL} at openrouter via osprey: input $0.55 -&gt; $0.50 per 1M tokens" in titles
    assert [o["provider"] for o in offers(client)] == [None, "kestrel/fp8", "osprey"]


def test_one_model_s_endpoints_leave_the_rest_of_the_list_alone_and_a_list_refresh_keeps_them(
    openrouter: Gateway, client: Client
) -> None:
    import_file("breeze-70b.json")
    assert set(
        AIModel.objects.filter(gateway=openrouter, is_active=True, missing_since=None).values_list("upstream_id", flat=True)
    ) == {
        MODEL,
        "zephyrlabs/breeze-8b",
    }

    run = import_file("list.json")  # the list again: no endpoints in it

    assert (run.outcome, run.models_missing, run.models_deactivated) == ("success", 0, 0)
    assert ModelEndpoint.objects.count() == 3
    assert [o["provider"] for o in offers(client)] == [None, "heron", "kestrel/fp8", "osprey"]


def test_endpoints_of_a_model_not_on_the_stored_list_are_refused_and_nothing_changes(openrouter: Gateway, tmp_path: Any) -> None:
    body = json.loads((HERE / "breeze-70b.json").read_text())
    body["data"]["id"] = "zephyrlabs/unlisted"
    path = tmp_path / "unlisted.json"
    path.write_text(json.dumps(body))
    version = CatalogVersion.objects.values_list("version", flat=True).first()
    before = health(openrouter)

    with pytest.raises(CommandError):
        call_command("import_catalog", "openrouter", str(path), stdout=io.StringIO())

    run = RefreshRun.objects.filter(gateway=openrouter).order_by("-pk").first()
    assert (run.outcome, run.error_kind) == ("failed", "guard")
    assert health(openrouter) == before  # a refused endpoints file is no failure of the upstream
    assert "'zephyrlabs/unlisted' is not on openrouter's stored list; refresh or import the list first" in run.error_message
    assert (ModelEndpoint.objects.count(), CatalogVersion.objects.values_list("version", flat=True).first()) == (0, version)


def test_a_malformed_endpoints_body_fails_the_import_with_a_clear_error(openrouter: Gateway, tmp_path: Any) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"data": {"id": MODEL, "endpoints": {"tag": "kestrel"}}}))

    with pytest.raises(CommandError):
        call_command("import_catalog", "openrouter", str(path), stdout=io.StringIO())

    run = RefreshRun.objects.filter(gateway=openrouter).order_by("-pk").first()
    assert (run.outcome, run.error_kind) == ("failed", "malformed")
    assert run.error_message.startswith(f"data.endpoints of '{MODEL}' is not a list; expected")
    assert ModelEndpoint.objects.count() == 0
    merged = orjson.loads(MergedModel.objects.get(model_id=MODEL).public_json)
    assert [o["provider"] for o in merged["offers"]] == [None]
