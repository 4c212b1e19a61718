"""Provenance and disagreement (issue 17, item 4): a merged entry says which gateway, run and publish
each served field came from, and lists offers of one serving provider that state different prices
or context lengths; `has_disagreement` filters them and the dashboard counts them per gateway."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from catalog.models import MergedModel
from catalog.provenance import serving_provider
from catalog.services import catalog_publish, merge_outdated

from .conftest import Catalog, model

pytestmark = pytest.mark.django_db

T1 = datetime(2026, 12, 1, 9, tzinfo=UTC)
T2 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def publish(catalog: Catalog, slug: str, models: list[Any], *, run: int | None, now: datetime) -> None:
    catalog_publish(gateway=catalog.gateways[slug], models=models, force=True, now=now, run_id=run)


def entry(client: Client, model_id: str) -> dict[str, Any]:
    response = client.get(f"/catalog/v1/models/{model_id}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def ids(client: Client, query: str) -> list[str]:
    response = client.get(f"/catalog/v1/models?{query}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["data"]]


def test_each_served_field_names_the_gateway_run_and_publish_it_came_from(catalog: Catalog, client: Client) -> None:
    catalog.gateway("router", priority=90)
    catalog.gateway("direct", priority=50)
    # The router (primary) states no context length: the direct gateway's fills it.
    publish(catalog, "router", [model("acme/chat", prompt="0.000001", completion="0.000002")], run=11, now=T1)
    publish(
        catalog, "direct", [model("acme/chat", prompt="0.0000012", completion="0.000002", context_length=64000)], run=22, now=T2
    )

    served = entry(client, "acme/chat")
    assert served["context_length"] == 64000
    assert served["provenance"] == {
        "gateway": "router",
        "run": 11,
        "fetched_at": "2026-12-01T09:00:00Z",
        "fields": {"context_length": {"gateway": "direct", "run": 22, "fetched_at": "2026-12-01T10:00:00Z"}},
    }
    assert [(o["gateway"], o["run"], o["fetched_at"]) for o in served["offers"]] == [
        ("router", 11, "2026-12-01T09:00:00Z"),
        ("direct", 22, "2026-12-01T10:00:00Z"),
    ]
    # Different providers asking different prices is the market, not a disagreement.
    assert served["disagreements"] == []

    # An unchanged list from a later run writes nothing: the entry still names the run that wrote it.
    stored = MergedModel.objects.get().public_json
    publish(catalog, "router", [model("acme/chat", prompt="0.000001", completion="0.000002")], run=33, now=T2)
    assert MergedModel.objects.get().public_json == stored
    # A changed one names its run.
    publish(catalog, "router", [model("acme/chat", prompt="0.0000009", completion="0.000002")], run=44, now=T2)
    assert entry(client, "acme/chat")["provenance"]["run"] == 44


def test_offers_of_one_provider_that_state_different_values_are_disagreements(catalog: Catalog, client: Client) -> None:
    catalog.gateway("deepinfra", priority=80)
    catalog.gateway("portkey", priority=60)
    catalog.gateway("other", priority=40)
    same = {"merge_base": "acme/x"}
    publish(
        catalog, "deepinfra", [model("acme/x", prompt="0.000002", completion="0.000004", context_length=32000)], run=1, now=T1
    )
    # Portkey resells DeepInfra (`@deepinfra/` head) at a stale price, and within 1 % on output.
    portkey = model("@deepinfra/acme/x", prompt="0.000001", completion="0.00000401", context_length=32000, **same)
    publish(catalog, "portkey", [portkey, model("@groq/acme/y", prompt="0.000001", merge_base="acme/y")], run=2, now=T1)
    # Another provider with another price and context: no disagreement.
    publish(catalog, "other", [model("acme/x", prompt="0.000009", completion="0.000004", context_length=8000)], run=3, now=T1)

    served = entry(client, "acme/x")
    assert served["disagreements"] == [
        {
            "provider": "deepinfra",
            "field": "prices.input_token",
            "unit": "token",
            "offers": [
                {"gateway": "deepinfra", "id": "acme/x", "value": "0.000002"},
                {"gateway": "portkey", "id": "@deepinfra/acme/x", "value": "0.000001"},
            ],
        }
    ]
    assert ids(client, "has_disagreement=true") == ["acme/x"]
    assert ids(client, "has_disagreement=false") == ["@groq/acme/y"]
    assert ids(client, "gateway=portkey&has_disagreement=true") == ["@deepinfra/acme/x"]
    assert ids(client, "gateway=portkey&has_disagreement=false") == ["@groq/acme/y"]
    assert ids(client, "gateway=other&has_disagreement=true") == []
    assert client.get("/catalog/v1/models?has_disagreement=maybe").status_code == 400

    # Context lengths disagree too; agreeing again clears the entry.
    portkey = model("@deepinfra/acme/x", prompt="0.000002", completion="0.000004", context_length=16000, **same)
    publish(catalog, "portkey", [portkey, model("@groq/acme/y", prompt="0.000001", merge_base="acme/y")], run=4, now=T2)
    assert [(d["field"], [o["value"] for o in d["offers"]]) for d in entry(client, "acme/x")["disagreements"]] == [
        ("context_length", [32000, 16000])
    ]
    portkey = model("@deepinfra/acme/x", prompt="0.000002", completion="0.000004", context_length=32000, **same)
    publish(catalog, "portkey", [portkey, model("@groq/acme/y", prompt="0.000001", merge_base="acme/y")], run=5, now=T2)
    assert entry(client, "acme/x")["disagreements"] == []
    assert ids(client, "has_disagreement=true") == []


def test_the_dashboard_counts_disagreements_per_gateway(catalog: Catalog, admin_client: Client) -> None:
    catalog.gateway("deepinfra", priority=80)
    catalog.gateway("portkey", priority=60)
    publish(catalog, "deepinfra", [model("acme/x", prompt="0.000002")], run=1, now=T1)
    publish(catalog, "portkey", [model("@deepinfra/acme/x", prompt="0.000003", merge_base="acme/x")], run=2, now=T1)
    page = admin_client.get("/health/gateways/dashboard").content.decode()
    for slug in ("deepinfra", "portkey"):
        row = page[page.index(f'id="gateway-{slug}"') :]
        row = row[: row.index("</tr>")]
        assert "1 disagreement</a>" in row
        assert f"gateway={slug}&amp;has_disagreement=true" in row


def test_entries_merged_before_provenance_are_merged_again_after_migrate(catalog: Catalog) -> None:
    catalog.gateway("router")
    publish(catalog, "router", [model("acme/chat", prompt="0.000001")], run=7, now=T1)
    stored = MergedModel.objects.get()
    old = {k: v for k, v in json.loads(stored.public_json).items() if k not in ("provenance", "disagreements")}
    MergedModel.objects.update(public_json=json.dumps(old))
    assert merge_outdated() == 1
    assert json.loads(MergedModel.objects.get().public_json)["provenance"]["run"] == 7
    assert merge_outdated() == 0  # nothing left to do on the next migrate


@pytest.mark.parametrize(
    ("gateway", "document", "provider"),
    [
        ("groq", {"id": "llama-3.3-70b"}, "groq"),
        ("portkey", {"id": "@deepinfra/Qwen/Qwen3"}, "deepinfra"),
        ("openrouter", {"id": "acme/x", "provider": "Fireworks AI"}, "fireworks"),
        ("fireworks", {"id": "accounts/fireworks/models/x"}, "fireworks"),
        ("portkey", {"id": "@fireworks-ai/x"}, "fireworks"),
    ],
)
def test_the_serving_provider_is_spelled_one_way(gateway: str, document: dict[str, Any], provider: str) -> None:
    assert serving_provider(gateway, document) == provider
