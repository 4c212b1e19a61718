"""Conformance with real upstream bodies.

NEEDS ../shared/samples beside the checkout (the `samples_dir` fixture skips without it). Each
sample body is imported through `gateway_import` exactly as `import_catalog` would, and every item
of the body must be stored with its id, the body's prices after the documented conversion (compared
as exact decimals) and the body's context length (0 -> null). The expected values are computed here
from the body with the rule UPSTREAMS.md states, independently of the adapter code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog.models import AIModel
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_import

pytestmark = pytest.mark.django_db

# file name prefix -> gateway slug
PREFIXES = {"openrouter-": "openrouter", "groq-": "groq", "deepinfra-openai-": "deepinfra"}
MILLION = Decimal(1_000_000)


def openrouter_expected(item: dict[str, Any]) -> tuple[dict[str, Decimal | None], int | None]:
    pricing = item.get("pricing") or {}
    dynamic = pricing.get("prompt") == "-1" or pricing.get("completion") == "-1"
    prices = {k: None if dynamic or pricing.get(k) is None else Decimal(pricing[k]) for k in ("prompt", "completion")}
    return prices, item.get("context_length") or None


def groq_expected(item: dict[str, Any]) -> tuple[dict[str, Decimal | None], int | None]:
    return {"prompt": None, "completion": None}, item.get("context_window") or None


def deepinfra_expected(item: dict[str, Any]) -> tuple[dict[str, Decimal | None], int | None]:
    metadata = item.get("metadata")
    if metadata is None:
        return {"prompt": None, "completion": None}, None
    pricing = metadata.get("pricing") or {}
    prices = {
        "prompt": Decimal(pricing["input_tokens"]) / MILLION if pricing.get("input_tokens") is not None else None,
        "completion": Decimal(pricing["output_tokens"]) / MILLION if pricing.get("output_tokens") is not None else None,
    }
    return prices, metadata.get("context_length") or None


EXPECTED = {"openrouter": openrouter_expected, "groq": groq_expected, "deepinfra": deepinfra_expected}


def samples(directory: Path) -> list[tuple[str, Path]]:
    found = []
    for path in sorted(directory.glob("*.json")):
        slug = next((s for prefix, s in PREFIXES.items() if path.name.startswith(prefix)), None)
        if slug:
            found.append((slug, path))
    return found


def stored_price(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def test_every_sample_body_is_stored_item_by_item_with_exact_prices_and_context(samples_dir: Path) -> None:
    found = samples(samples_dir)
    assert {slug for slug, _ in found} == set(EXPECTED), "a sample body is missing from ../shared/samples"
    for slug, path in found:
        raw = path.read_bytes()
        body = json.loads(raw, parse_float=Decimal)
        items = body["data"] if isinstance(body, dict) else body

        run = gateway_import(gateway=Gateway.objects.get(slug=slug), body=raw, force=True)

        assert run.outcome == RefreshRun.Outcome.SUCCESS, (path.name, run.error_message)
        assert (run.models_seen, run.models_rejected) == (len(items), 0), path.name
        stored = {m.upstream_id: m for m in AIModel.objects.filter(gateway__slug=slug)}
        assert sorted(stored) == sorted(item["id"] for item in items), path.name
        for item in items:
            prices, context = EXPECTED[slug](item)
            row = stored[item["id"]]
            got = {k: stored_price(row.pricing.get(k)) for k in ("prompt", "completion")}
            assert got == prices, (path.name, item["id"])
            assert row.context_length == context, (path.name, item["id"])


def test_deepinfra_sample_models_without_metadata_are_not_called_chat_models(samples_dir: Path) -> None:
    path = next(p for s, p in samples(samples_dir) if s == "deepinfra")
    body = json.loads(path.read_bytes())
    no_metadata = [item["id"] for item in body["data"] if item.get("metadata") is None]
    assert no_metadata, "the sample has no metadata-null items any more"

    gateway_import(gateway=Gateway.objects.get(slug="deepinfra"), body=path.read_bytes(), force=True)

    rows = AIModel.objects.filter(gateway__slug="deepinfra", upstream_id__in=no_metadata)
    assert rows.count() == len(no_metadata)
    for row in rows:
        assert row.modality != "text->text", row.upstream_id
        assert row.modality_source in ("inferred", "unknown"), row.upstream_id
        # DeepInfra's non-chat models are embedding and image models; an id the keyword table
        # cannot place stays unknown rather than guessed.
        assert row.output_modalities in (["embeddings"], ["image"], []), row.upstream_id
        assert (row.pricing, row.context_length) == ({"prompt": None, "completion": None}, None), row.upstream_id
    chat = AIModel.objects.filter(gateway__slug="deepinfra").exclude(upstream_id__in=no_metadata)
    assert chat.exists()
    assert all(row.output_modalities == ["text"] and row.modality_source == "upstream" for row in chat)
