"""Property test of the whole refresh service (docs/security.md, "Fuzzing"): whatever body an
upstream sends (any JSON in the shapes adapters read, hostile values, bytes that are not JSON at
all), `gateway_refresh` returns a recorded run, never raises, never fails as an internal error (a
crash in an adapter or in the publish), and never stores a negative price; on SQLite and PostgreSQL.
The adapter-level properties are in tests/gateways/test_adapter_properties.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import AIModel
from gateways.models import Gateway
from gateways.refresh import gateway_refresh
from gateways.registry import registered_kinds

from ..conftest import required_options
from ..gateways.test_adapter_properties import bodies, items

pytestmark = pytest.mark.django_db

hostile = st.one_of(
    st.text(min_size=500, max_size=700),  # longer than a name column
    st.sampled_from(["a\x00b", "\ud800", "<script>alert(1)</script>", "é" * 3000]),
    st.integers(min_value=2**62, max_value=10**30),
    st.sampled_from([Decimal("1e999999"), Decimal("-1e-999999"), Decimal("1e12"), Decimal("-0")]),
)
hostile_items = st.fixed_dictionaries(
    {"id": st.one_of(st.text(min_size=1, max_size=20), st.text(min_size=510, max_size=520))},
    optional={
        key: st.one_of(hostile, st.dictionaries(st.sampled_from(["prompt", "completion"]), hostile, max_size=2))
        for key in ("name", "description", "context_length", "created", "pricing", "hugging_face_id", "owned_by", "architecture")
    },
)
json_bodies = st.one_of(
    bodies,
    st.fixed_dictionaries({"data": st.lists(st.one_of(items, hostile_items), max_size=6)}),
    st.lists(hostile_items, max_size=4),
)
raw_bodies = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"\xff\xfe{}", b'{"data": [', b"[" * 5000 + b"]" * 5000, b"<html>oops</html>", b'{"data": [{"id": NaN}]}']),
)


def dump(value: Any) -> str:
    """JSON text with Decimals written as the number literals an upstream would send."""
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else '"not a number"'
    if isinstance(value, dict):
        return "{" + ",".join(f"{dump(str(k))}:{dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dump(v) for v in value) + "]"
    if isinstance(value, str):
        import json

        return json.dumps(value)  # lone surrogates travel as \ud800 escapes, as they would
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return str(value)


@pytest.fixture
def gateways(gateway_keys: Any) -> dict[str, Gateway]:
    found = {}
    for kind in registered_kinds():
        gateway, _ = Gateway.objects.get_or_create(
            slug=kind.replace("_", "-"),
            defaults={"name": kind, "kind": kind, "base_url": "https://api.example.test/v1"},
        )
        if options := required_options(kind):  # the built-in row (same slug) needs staff to add these
            gateway.options = options
            gateway.save()
        found[kind] = gateway
        gateway_keys(**{gateway.slug: "sk-property-0123456789"})
    Gateway.objects.update(min_expected_models=1, max_reject_fraction=1.0, max_shrink_fraction=1.0)
    for gateway in found.values():
        gateway.refresh_from_db()
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(registered_kinds())), body=st.one_of(json_bodies.map(lambda v: dump(v).encode()), raw_bodies))
def test_a_refresh_with_any_body_is_recorded_never_crashes_and_stores_no_negative_price(
    gateways: dict[str, Gateway], kind: str, body: bytes
) -> None:
    gateway = gateways[kind]
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with transaction.atomic():
        run = gateway_refresh(gateway=gateway, transport=transport)

        assert run.pk is not None and run.outcome in ("success", "degraded", "failed")
        assert run.error_kind != "internal", run.error_message
        for row in AIModel.objects.filter(gateway=gateway):
            for key, value in row.pricing.items():
                if key != "overrides" and value is not None:
                    assert Decimal(value) >= 0, (row.upstream_id, key, value)
            assert row.prompt_price is None or row.prompt_price >= 0
            assert row.completion_price is None or row.completion_price >= 0
            assert len(row.name) <= 512 and len(row.upstream_id) <= 512
        transaction.set_rollback(True)
