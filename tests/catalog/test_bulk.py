"""catalog/bulk.py writes exactly what the ORM would (on PostgreSQL through COPY)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from catalog import bulk
from catalog.models import AIModel
from tests.factories import make_gateway

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def values(upstream_id: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "upstream_id": upstream_id,
        "canonical_key": "acme/alpha",
        "name": "Alpha",
        "description": None,
        "created": 1760000000,
        "context_length": 131072,
        "input_modalities": ["text", "image"],
        "output_modalities": ["text"],
        "pricing": {"prompt": "0.0000005", "completion": None},
        "prompt_price": Decimal("0.0000005"),
        "completion_price": None,
        "top_provider": None,
        "per_request_limits": {"a": [1, "b", None]},
        "raw": {"id": upstream_id, "nested": {"x": True}},
        "public_json": '{"id": "x"}',
        "content_hash": "h" * 64,
        "first_seen_at": WHEN,
        "last_seen_at": WHEN,
        "updated_at": WHEN,
    }
    fields.update(overrides)
    return fields


def stored(upstream_id: str) -> dict[str, Any]:
    row = AIModel.objects.values().get(upstream_id=upstream_id)
    return {key: value for key, value in row.items() if key not in ("id", "upstream_id")}


def test_insert_stores_what_bulk_create_stores() -> None:
    gateway = make_gateway()
    AIModel.objects.bulk_create([AIModel(gateway=gateway, **values("orm"))])

    bulk.insert([AIModel(gateway=gateway, **values("copy"))])

    assert stored("copy") | {"raw": None} == stored("orm") | {"raw": None}
    assert stored("copy")["raw"] == {"id": "copy", "nested": {"x": True}}


def test_update_writes_only_the_named_fields_of_the_matched_rows() -> None:
    gateway = make_gateway()
    bulk.insert([AIModel(gateway=gateway, **values(name)) for name in ("a", "b", "c")])
    rows = {row.upstream_id: row for row in AIModel.objects.all()}
    for name in ("a", "c"):
        rows[name].name = f"renamed {name}"
        rows[name].pricing = {"prompt": "0.000001", "completion": "0.000002"}
        rows[name].description = "not named, not written"

    bulk.update([rows["a"], rows["c"]], ["name", "pricing"])

    after = {row["upstream_id"]: row for row in AIModel.objects.values("upstream_id", "name", "pricing", "description")}
    assert after == {
        "a": {
            "upstream_id": "a",
            "name": "renamed a",
            "pricing": {"prompt": "0.000001", "completion": "0.000002"},
            "description": None,
        },
        "b": {"upstream_id": "b", "name": "Alpha", "pricing": {"prompt": "0.0000005", "completion": None}, "description": None},
        "c": {
            "upstream_id": "c",
            "name": "renamed c",
            "pricing": {"prompt": "0.000001", "completion": "0.000002"},
            "description": None,
        },
    }


def test_new_builds_the_same_instance_as_the_model_constructor() -> None:
    gateway = make_gateway()
    fields = values("fast", variant="")

    fast = bulk.new(AIModel, gateway=gateway, **fields)
    slow = AIModel(gateway=gateway, **fields)

    assert fast.gateway is gateway and fast.pk is None and fast._state.adding
    for field in AIModel._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
    assert bulk.new(AIModel, pk=7).pk == 7
    assert bulk.new(AIModel).extra is not bulk.new(AIModel).extra  # callable defaults are not shared


def test_after_a_large_insert_only_the_indexed_columns_are_analyzed() -> None:
    from catalog.bulk import _indexed_columns
    from catalog.models import AIModel, ModelChange

    columns = _indexed_columns(AIModel)
    for indexed in ("id", "gateway_id", "upstream_id", "is_active", "canonical_key", "prompt_price", "provider_slug"):
        assert indexed in columns
    for wide in ("public_json", "openai_json", "raw", "description", "pricing"):
        assert wide not in columns
    assert _indexed_columns(ModelChange) == ["ai_model_id", "gateway_id", "id", "recorded_at"]
