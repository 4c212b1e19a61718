"""Portkey lists ids only; prices, context and modality are filled from our own stored rows at
refresh time: the native gateway named by the provider head first, then OpenRouter by merge key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import AIModel
from catalog.selectors import ModelLookup
from gateways.adapters.borrowed import kind_named, split_id
from gateways.adapters.portkey import Portkey
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_import

pytestmark = pytest.mark.django_db


def load(slug: str, body: Any) -> None:
    Gateway.objects.filter(slug=slug).update(min_expected_models=1)
    run = gateway_import(gateway=Gateway.objects.get(slug=slug), body=json.dumps(body), force=True)
    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message


def portkey_body(*ids: str) -> str:
    return json.dumps({"object": "list", "total": len(ids), "data": [{"id": i, "object": "model"} for i in ids]})


@pytest.fixture
def stored_rows() -> None:
    load(
        "deepinfra",
        {
            "data": [
                {"id": "Acme/Embed-8B", "metadata": None},
                {
                    "id": "Acme/Mixed-Case-Chat",
                    "metadata": {"context_length": 32768, "pricing": {"input_tokens": 0.5, "output_tokens": 1.5}},
                },
            ]
        },
    )
    load(
        "xai",
        {
            "models": [
                {
                    "id": "grok-4",
                    "input_modalities": ["text", "image"],
                    "output_modalities": ["text"],
                    "prompt_text_token_price": 30000,
                    "completion_text_token_price": 150000,
                    "max_prompt_length": 256000,
                    "long_context_threshold": 128000,
                    "prompt_text_token_price_long_context": 60000,
                }
            ]
        },
    )
    load(
        "openrouter",
        {
            "data": [
                {
                    "id": "openai/gpt-4o",
                    "context_length": 128000,
                    "architecture": {
                        "modality": "text+image->text",
                        "input_modalities": ["text", "image"],
                        "output_modalities": ["text"],
                    },
                    "pricing": {"prompt": "0.0000025", "completion": "0.00001"},
                },
                {
                    "id": "acme/mixed-case-chat",
                    "hugging_face_id": "Acme/Mixed-Case-Chat",
                    "context_length": 65536,
                    "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"]},
                    "pricing": {"prompt": "0.000009", "completion": "0.000009"},
                },
                {
                    "id": "acme/embed-8b",
                    "hugging_face_id": "Acme/Embed-8B",
                    "context_length": 8192,
                    "architecture": {
                        "modality": "text->embeddings",
                        "input_modalities": ["text"],
                        "output_modalities": ["embeddings"],
                    },
                    "pricing": {"prompt": "0.00000001", "completion": "0"},
                },
                {
                    "id": "acme/solo:free",
                    "context_length": 4096,
                    "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"]},
                    "pricing": {"prompt": "0", "completion": "0"},
                },
            ]
        },
    )


def portkey_rows(*ids: str) -> dict[str, AIModel]:
    run = gateway_import(gateway=Gateway.objects.get(slug="portkey"), body=portkey_body(*ids), force=True)
    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    return {row.upstream_id: row for row in AIModel.objects.filter(gateway__slug="portkey")}


def test_native_gateway_row_fills_prices_context_modality_and_tiers(stored_rows: None) -> None:
    row = portkey_rows("@xai/grok-4")["@xai/grok-4"]
    assert row.pricing == {
        "prompt": "0.000003",
        "completion": "0.000015",
        "overrides": [{"min_prompt_tokens": 128000, "prompt": "0.000006"}],
    }
    assert (row.price_unit, row.context_length, row.modality, row.provider_slug) == (
        "per_token_usd",
        256000,
        "text+image->text",
        "xai",
    )
    assert row.extra == {
        "provider": "xai",
        "price_source": "xai",
        "context_source": "xai",
        "modality_from": "xai",
        "matched": [{"gateway": "xai", "id": "grok-4"}],
    }


def test_native_row_wins_over_openrouter_and_ids_match_case_insensitively(stored_rows: None) -> None:
    row = portkey_rows("@deepinfra/acme/mixed-case-chat")["@deepinfra/acme/mixed-case-chat"]
    assert row.pricing == {"prompt": "0.0000005", "completion": "0.0000015"}
    assert (row.context_length, row.extra["price_source"], row.extra["context_source"]) == (32768, "deepinfra", "deepinfra")


def test_fields_the_native_row_lacks_come_from_openrouter(stored_rows: None) -> None:
    row = portkey_rows("@deepinfra/Acme/Embed-8B")["@deepinfra/Acme/Embed-8B"]
    # DeepInfra lists embeddings without prices or context: OpenRouter's row supplies them.
    assert row.pricing == {"prompt": "0.00000001", "completion": "0"}
    assert (row.context_length, row.modality) == (8192, "text->embeddings")
    assert (row.extra["price_source"], row.extra["context_source"], row.extra["modality_from"]) == (
        "openrouter",
        "openrouter",
        "openrouter",  # OpenRouter states the modality; DeepInfra's is inferred from the id
    )


def test_a_native_gateway_without_the_model_leaves_openrouter_matched_by_provider_and_id(stored_rows: None) -> None:
    row = portkey_rows("@openai/gpt-4o")["@openai/gpt-4o"]  # the openai gateway holds no rows here
    assert (row.pricing, row.context_length, row.modality) == (
        {"prompt": "0.0000025", "completion": "0.00001"},
        128000,
        "text+image->text",
    )
    assert (row.extra["price_source"], row.provider_slug) == ("openrouter", "openai")


def test_unmatched_models_keep_null_prices_and_a_free_variant_never_lends_its_zero(stored_rows: None) -> None:
    rows = portkey_rows("@bedrock/acme/solo", "@anthropic/claude-x")
    for row in rows.values():
        assert (row.pricing, row.context_length, row.price_unit) == ({"prompt": None, "completion": None}, None, None)
        assert "price_source" not in row.extra and "matched" not in row.extra


def test_a_stated_modality_wins_over_a_native_row_that_only_inferred_one(stored_rows: None) -> None:
    load("openai", {"object": "list", "data": [{"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"}]})
    row = portkey_rows("@openai/gpt-4o")["@openai/gpt-4o"]
    # OpenAI's list has no prices, context or type (its row says text->text, inferred); OpenRouter states them.
    assert (row.pricing, row.context_length, row.modality) == (
        {"prompt": "0.0000025", "completion": "0.00001"},
        128000,
        "text+image->text",
    )
    assert (row.extra["price_source"], row.extra["modality_from"]) == ("openrouter", "openrouter")
    assert row.extra["matched"] == [{"gateway": "openai", "id": "gpt-4o"}, {"gateway": "openrouter", "id": "openai/gpt-4o"}]


def test_lookup_queries_do_not_grow_with_the_number_of_models(stored_rows: None) -> None:
    def queries_for(count: int) -> int:
        ids = [f"@deepinfra/Org/Model-{n}" for n in range(count)] + [f"@openai/model-{n}" for n in range(count)]
        adapter = Portkey()
        result = adapter.parse([{"id": i} for i in ids])
        with CaptureQueriesContext(connection) as captured:
            adapter.enrich(result, ModelLookup())
        return len(captured.captured_queries)

    # Indexed IN queries per gateway consulted (in chunks of 500 ids), whatever the list size: two per
    # native gateway (exact ids, then the unmatched ones lower-cased; here deepinfra and openai), one for OpenRouter.
    assert queries_for(3) == queries_for(100) == 5


@pytest.mark.parametrize(
    ("model_id", "head", "kind"),
    [
        ("@deepinfra/Qwen/Qwen3-8B", "deepinfra", "deepinfra"),
        ("@together-ai/meta/llama", "together-ai", "together"),
        ("@x-ai/grok-4", "x-ai", "xai"),
        ("@fireworks-ai/accounts/fireworks/models/x", "fireworks-ai", "fireworks"),
        ("@openai/gpt-4o", "openai", "openai"),
        ("@bedrock/acme/solo", "bedrock", None),
        ("plain-id", None, None),
    ],
)
def test_provider_heads_name_registered_kinds(model_id: str, head: str | None, kind: str | None) -> None:
    from gateways.registry import registered_kinds

    assert split_id(model_id)[0] == head
    assert kind_named(head, set(registered_kinds()) - {"portkey"}) == kind


def test_a_fast_variant_groups_with_the_native_fast_offer_not_the_plain_model() -> None:
    # One variant rule (gateways/adapters/variants.py): Portkey's `@nebius/...-fast` is Nebius's fast offer.
    from django.test import Client

    plain, fast = "meta-llama/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.3-70B-Instruct-fast"
    priced = {"context_length": 131072, "architecture": {"modality": "text->text"}}
    load(
        "nebius",
        {
            "data": [
                {"id": plain, **priced, "pricing": {"prompt": "0.00000013", "completion": "0.0000004"}},
                {"id": fast, **priced, "pricing": {"prompt": "0.00000025", "completion": "0.00000075"}},
            ]
        },
    )
    Gateway.objects.filter(slug="portkey").update(min_expected_models=1)
    run = gateway_import(gateway=Gateway.objects.get(slug="portkey"), body=portkey_body(f"@nebius/{fast}"), force=True)
    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    row = AIModel.objects.get(gateway__slug="portkey")
    assert (row.canonical_key, row.variant) == (f"{plain.lower()}:fast", "fast")

    listed = Client().get("/catalog/v1/models?gateway=all&limit=50").json()["data"]
    offers = {entry["id"]: sorted((o["gateway"], o["id"]) for o in entry["offers"]) for entry in listed}
    assert offers[fast] == [("nebius", fast), ("portkey", f"@nebius/{fast}")]
    assert offers[plain] == [("nebius", plain)]
