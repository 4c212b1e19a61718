"""Conformance of whole upstream bodies with the units UPSTREAMS.md states.

The bodies are our own all-valid ones (`tests/fixtures/conformance/<slug>.json`, in the upstreams'
shapes), always, plus the real bodies of the shared samples folder where one is present
(`$GATEWAYZ_SAMPLES`, else `../shared/samples` beside the repository). Each body is imported through
`gateway_import` exactly as `import_catalog` would, and every item must be stored with its id, the
body's prices after the documented conversion (compared as exact decimals) and the body's context
length (0 -> null). The expected values are computed here from the body with the rule UPSTREAMS.md
states (1.2: a stated value past 15 significant digits is float noise, rounded to 15), independently
of the adapter code.
"""

from __future__ import annotations

import json
import os
from decimal import ROUND_HALF_EVEN, Context, Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog.models import AIModel
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_import

from ..conftest import REPO

pytestmark = pytest.mark.django_db

# file name prefix -> gateway slug
PREFIXES = {"openrouter-": "openrouter", "groq-": "groq", "deepinfra-openai-": "deepinfra"}
MILLION = Decimal(1_000_000)
DOUBLE = Context(prec=15, rounding=ROUND_HALF_EVEN)  # a double holds 15 significant digits


def stated(value: Any) -> Decimal:
    """The price a body states (UPSTREAMS.md 1.2): its decimal text, at most 15 significant digits."""
    return DOUBLE.plus(Decimal(value))


def openrouter_expected(item: dict[str, Any]) -> tuple[dict[str, Decimal | None], int | None]:
    pricing = item.get("pricing") or {}
    dynamic = pricing.get("prompt") == "-1" or pricing.get("completion") == "-1"
    prices = {k: None if dynamic or pricing.get(k) is None else stated(pricing[k]) for k in ("prompt", "completion")}
    return prices, item.get("context_length") or None


def groq_expected(item: dict[str, Any]) -> tuple[dict[str, Decimal | None], int | None]:
    pricing = item.get("pricing") or {}  # mid-2026 bodies: USD per token
    prices = {k: None if pricing.get(k) is None else stated(pricing[k]) for k in ("prompt", "completion")}
    return prices, item.get("context_length") or item.get("context_window") or None


def deepinfra_expected(item: dict[str, Any]) -> tuple[dict[str, Decimal | None], int | None]:
    metadata = item.get("metadata")
    if metadata is None:
        return {"prompt": None, "completion": None}, None
    pricing = metadata.get("pricing") or {}
    prices = {
        "prompt": stated(pricing["input_tokens"]) / MILLION if pricing.get("input_tokens") is not None else None,
        "completion": stated(pricing["output_tokens"]) / MILLION if pricing.get("output_tokens") is not None else None,
    }
    return prices, metadata.get("context_length") or None


EXPECTED = {"openrouter": openrouter_expected, "groq": groq_expected, "deepinfra": deepinfra_expected}


OWN = REPO / "tests" / "fixtures" / "conformance"
SHARED = Path(os.environ.get("GATEWAYZ_SAMPLES") or REPO.parent / "shared" / "samples")


def bodies() -> list[tuple[str, Path]]:
    """(gateway slug, body): ours, then the shared samples' by file name prefix."""
    found = [(slug, OWN / f"{slug}.json") for slug in EXPECTED]
    for path in sorted(SHARED.glob("*.json")) if SHARED.is_dir() else ():
        slug = next((s for prefix, s in PREFIXES.items() if path.name.startswith(prefix)), None)
        if slug:
            found.append((slug, path))
    return found


def test_the_shared_samples_hold_a_body_of_every_checked_gateway() -> None:
    """Where the shared samples are, each checked gateway has one (a renamed file would otherwise
    drop out of the check silently)."""
    shared = [slug for slug, path in bodies() if path.parent != OWN]
    assert not SHARED.is_dir() or set(shared) == set(EXPECTED), f"a sample body is missing from {SHARED}"


def imported(slug: str, raw: bytes) -> RefreshRun:
    """The body through `gateway_import`; the size guard is lowered to 1 (our own bodies are small,
    and the check here is of units, not of the guard)."""
    Gateway.objects.filter(slug=slug).update(min_expected_models=1)
    return gateway_import(gateway=Gateway.objects.get(slug=slug), body=raw, force=True)


def stored_price(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@pytest.mark.parametrize(("slug", "path"), bodies(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_every_body_is_stored_item_by_item_with_exact_prices_and_context(slug: str, path: Path) -> None:
    raw = path.read_bytes()
    body = json.loads(raw, parse_float=Decimal)
    items = body["data"] if isinstance(body, dict) else body

    run = imported(slug, raw)

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


@pytest.mark.parametrize("path", [p for s, p in bodies() if s == "deepinfra"], ids=lambda p: p.name)
def test_deepinfra_models_without_metadata_are_not_called_chat_models(path: Path) -> None:
    body = json.loads(path.read_bytes())
    no_metadata = [item["id"] for item in body["data"] if item.get("metadata") is None]
    assert no_metadata, f"{path.name} has no metadata-null items any more"

    assert imported("deepinfra", path.read_bytes()).outcome == RefreshRun.Outcome.SUCCESS

    rows = AIModel.objects.filter(gateway__slug="deepinfra", upstream_id__in=no_metadata)
    assert rows.count() == len(no_metadata)
    for row in rows:
        assert row.modality != "text->text", row.upstream_id
        assert row.modality_source in ("inferred", "unknown"), row.upstream_id
        # DeepInfra's non-chat models are embedding, image and speech models; an id the keyword
        # table cannot place stays unknown rather than guessed.
        assert row.output_modalities in (["embeddings"], ["image"], ["speech"], ["transcription"], []), row.upstream_id
        assert (row.pricing, row.context_length) == ({"prompt": None, "completion": None}, None), row.upstream_id
    chat = AIModel.objects.filter(gateway__slug="deepinfra").exclude(upstream_id__in=no_metadata)
    assert chat.exists()
    assert all(row.output_modalities == ["text"] and row.modality_source == "upstream" for row in chat)
