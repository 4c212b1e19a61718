"""`GET /catalog/v1/providers`, `/gateways` and `/changes`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import ModelChange
from gateways.models import Gateway

from .conftest import model

pytestmark = pytest.mark.django_db


def test_providers_have_a_name_and_model_counts_per_gateway(small_catalog: Any, client: Client) -> None:
    small_catalog.publish("gamma", [model("solo/tiny", name="Solo: Tiny"), model("solo/big", name="Solo: Big")])
    body = client.get("/catalog/v1/providers").json()
    assert body["data"] == [
        {"slug": "acme", "name": "acme", "model_count": 3, "gateways": {"alpha": 2, "beta": 1}},
        {"slug": "bolt", "name": "bolt", "model_count": 3, "gateways": {"alpha": 2, "beta": 1}},
        {"slug": "omni-labs", "name": "omni-labs", "model_count": 2, "gateways": {"beta": 2}},
        {"slug": "solo", "name": "Solo", "model_count": 2, "gateways": {"gamma": 2}},
        {"slug": "zeta", "name": "zeta", "model_count": 1, "gateways": {"alpha": 1}},
    ]
    assert body["total"] == 5
    assert body["timestamp"].endswith("Z")


def test_gateways_show_public_facts_and_status_but_never_a_key(small_catalog: Any, client: Client) -> None:
    small_catalog.gateway("delta", priority=5, fresh=False)
    response = client.get("/catalog/v1/gateways")
    assert b"key-for-" not in response.content  # conftest's keys
    rows = {row["slug"]: row for row in response.json()["data"]}
    alpha = rows["alpha"]
    assert alpha["last_success_at"] is not None
    assert {k: v for k, v in alpha.items() if k not in ("age_seconds", "last_success_at")} == {
        "slug": "alpha",
        "name": "Alpha",
        "kind": "openai_compatible",
        "enabled": True,
        "priority": 90,
        "configured": True,
        "status": "ok",
        "stale": False,
        "refresh_interval_seconds": 3600,
        "stale_after_seconds": 10800,
        "missing_grace_seconds": 86400,
        "model_count": 5,
    }
    assert (rows["delta"]["status"], rows["delta"]["model_count"], rows["delta"]["age_seconds"]) == ("never_refreshed", 0, None)
    assert (rows["groq"]["enabled"], rows["groq"]["status"]) == (False, "disabled")  # built-in, switched off by conftest
    order = [(-row["priority"], row["slug"]) for row in response.json()["data"]]
    assert order == sorted(order)  # highest priority first, then slug


def test_a_gateway_without_its_key_is_reported_unconfigured(small_catalog: Any, client: Client, settings: Any) -> None:
    settings.GATEWAY_KEYS = {k: v for k, v in settings.GATEWAY_KEYS.items() if k != "BETA"}
    Gateway.objects.sync_sources()  # what the scheduler's tick does first: the catalog's record follows
    rows = {row["slug"]: row for row in client.get("/catalog/v1/gateways").json()["data"]}
    assert (rows["beta"]["configured"], rows["beta"]["status"]) == (False, "unconfigured")


def test_changes_are_listed_newest_first_and_filtered(small_catalog: Any, client: Client) -> None:
    later = timezone.now() + timedelta(minutes=5)
    from catalog.services import catalog_publish

    catalog_publish(
        gateway=small_catalog.gateways["gamma"],
        models=[model("solo/tiny", name="solo tiny", context_length=4096, prompt="0.0000003", completion="0.0000002")],
        force=True,
        now=later,
    )
    body = client.get("/catalog/v1/changes?gateway=gamma").json()
    assert [(c["model_id"], c["kind"]) for c in body["data"]] == [
        ("solo/tiny", "context_changed"),
        ("solo/tiny", "price_changed"),
        ("solo/tiny", "added"),
    ]
    price = body["data"][1]
    assert (price["before"], price["after"]) == (
        {
            "prompt": "0.0000002",
            "completion": "0.0000002",
            "prices": [{"component": "input_token", "unit": "token", "usd": "0.0000002"}],
        },
        {
            "prompt": "0.0000003",
            "completion": "0.0000002",
            "prices": [{"component": "input_token", "unit": "token", "usd": "0.0000003"}],
        },
    )
    assert price["recorded_at"] == later.isoformat()
    assert body["total"] == 3
    since = client.get(f"/catalog/v1/changes?gateway=gamma&since={int(later.timestamp()) - 1}").json()
    assert [c["kind"] for c in since["data"]] == ["context_changed", "price_changed"]
    only = client.get("/catalog/v1/changes?kind=price_changed").json()
    assert [c["model_id"] for c in only["data"]] == ["solo/tiny"]


def test_changes_page_with_a_truthful_envelope(small_catalog: Any, client: Client) -> None:
    total = ModelChange.objects.count()
    assert total == 10  # every published row was added once
    first = client.get("/catalog/v1/changes?limit=4").json()
    assert {k: first[k] for k in ("total", "returned", "offset", "limit", "has_more", "next_offset", "gateway")} == {
        "total": 10,
        "returned": 4,
        "offset": 0,
        "limit": 4,
        "has_more": True,
        "next_offset": 4,
        "gateway": "all",
    }
    last = client.get("/catalog/v1/changes?limit=4&offset=8").json()
    assert (last["returned"], last["has_more"], last["next_offset"]) == (2, False, None)
    ids = [c["id"] for c in client.get("/catalog/v1/changes?limit=100").json()["data"]]
    assert ids == sorted(ids, reverse=True)  # one publish timestamp per gateway: newest first, then id


def test_changes_since_accepts_dates_and_rejects_nonsense(small_catalog: Any, client: Client) -> None:
    assert client.get("/catalog/v1/changes?since=2000-01-01").json()["total"] == 10
    assert client.get("/catalog/v1/changes?since=2999-01-01T00:00:00Z").json()["total"] == 0
    response = client.get("/catalog/v1/changes?since=yesterday")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "since"
