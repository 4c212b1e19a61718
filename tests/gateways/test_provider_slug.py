"""`provider_slug` on every served row: the id's `org/` head, else the upstream's owner field,
else the serving gateway's slug (decided once, in `Adapter.parse`; docs/compatibility.md)."""

from __future__ import annotations

import json

import pytest

from catalog.models import AIModel
from gateways.models import Gateway
from gateways.refresh import gateway_import

from ..factories import make_gateway
from .test_adapter_contract import scenarios

pytestmark = pytest.mark.django_db


def test_every_imported_row_names_a_provider_by_id_head_owner_or_gateway(client) -> None:
    gateway = make_gateway("edge-ai", options={"price_unit": "per_token"})
    body = {
        "data": [
            {"id": "meta-llama/llama-3.3-70b", "owned_by": "someone-else"},  # the id's head wins
            {"id": "qwen-3-32b", "owned_by": "alibaba"},  # no head: the owner field
            {"id": "whisper-large-v3", "owned_by": "Not A Slug"},  # neither: the gateway
            {"id": "bare-model"},
        ]
    }

    run = gateway_import(gateway=gateway, body=json.dumps(body), force=True)

    assert run.outcome == "success", run.error_message
    assert dict(AIModel.objects.filter(gateway=gateway).values_list("upstream_id", "provider_slug")) == {
        "meta-llama/llama-3.3-70b": "meta-llama",
        "qwen-3-32b": "alibaba",
        "whisper-large-v3": "edge-ai",
        "bare-model": "edge-ai",
    }
    served = client.get("/catalog/v1/models", {"gateway": "edge-ai"}).json()["data"]
    assert {item["id"]: item["provider_slug"] for item in served}["bare-model"] == "edge-ai"


@pytest.mark.parametrize("kind", ["groq", "fal", "cerebras"])
def test_builtin_gateways_without_id_prefixes_serve_no_null_provider(kind: str) -> None:
    for scenario_kind, path in scenarios():
        if scenario_kind == kind:
            gateway_import(gateway=_relaxed(kind), body=path.read_bytes(), force=True)
    rows = AIModel.objects.filter(gateway__slug=kind)
    assert rows.exists()
    assert list(rows.filter(provider_slug__isnull=True).values_list("upstream_id", flat=True)) == []


def _relaxed(slug: str) -> Gateway:
    Gateway.objects.filter(slug=slug).update(min_expected_models=1, max_reject_fraction=1.0)
    return Gateway.objects.get(slug=slug)
