"""`GET /catalog/v1/models/{model_id}`: the model and its offers, by id (case-insensitive, with
slashes) or merge key; a clear 404 otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ..factories import token_prices

pytestmark = pytest.mark.django_db


def freshness(client: Client, slug: str) -> dict[str, Any]:
    return client.get(f"/catalog/v1/models?gateway={slug}&limit=1").json()["freshness"][slug]


def test_detail_of_a_merged_model_lists_every_offer_with_its_freshness(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models/bolt/embedder").json()
    alpha, beta = freshness(client, "alpha"), freshness(client, "beta")
    for offer_freshness in (alpha, beta):
        offer_freshness.pop("age_seconds")
    for offer in body["data"]["offers"]:
        offer["freshness"].pop("age_seconds")
        # Provenance (tests/catalog/test_provenance.py): no run recorded by these publishes.
        assert offer.pop("run") is None and offer.pop("fetched_at").endswith("Z")
    assert body["data"]["offers"] == [
        {
            "gateway": "alpha",
            "id": "bolt/embedder",
            "provider_slug": "bolt",
            "provider": None,
            "pricing": {"prompt": "0.0000001", "completion": "0"},
            "prices": token_prices("0.0000001", "0"),
            "pricing_dynamic": False,
            "context_length": 8192,
            "quantization": None,
            "availability": "available",
            "sunset_at": None,
            "endpoint": None,
            "freshness": alpha,
        },
        {
            "gateway": "beta",
            "id": "bolt/embedder",
            "provider_slug": "bolt",
            "provider": None,
            "pricing": {"prompt": "0.00000005", "completion": "0"},
            "prices": token_prices("0.00000005", "0"),
            "pricing_dynamic": False,
            "context_length": 8192,
            "quantization": None,
            "availability": "available",
            "sunset_at": None,
            "endpoint": None,
            "freshness": beta,
        },
    ]
    assert body["data"]["id"] == "bolt/embedder"
    assert body["data"]["source_gateways"] == ["alpha", "beta"]
    assert body["data"]["lowest_pricing"] == {"prompt": "0.00000005", "completion": "0"}
    assert (body["gateway"], body["matched_by"]) == ("all", "id")
    assert list(body["freshness"]) == ["alpha", "beta"]


@pytest.mark.parametrize(
    ("path", "entry", "matched_by"),
    [
        ("acme/alpha-chat", "acme/alpha-chat", "id"),
        ("ACME/ALPHA-CHAT", "acme/alpha-chat", "id"),  # case-insensitive
        ("acme/alpha-chat:free", "acme/alpha-chat:free", "id"),  # the variant is its own entry
        ("omni", "@cloudone/omni", "merge_key"),
        ("@cloudtwo/omni", "@cloudone/omni", "upstream_id"),  # a non-primary offer's id
        ("@CloudTwo/Omni", "@cloudone/omni", "upstream_id"),
        ("acme/alpha-chat/", "acme/alpha-chat", "id"),  # a trailing slash is forgiven
    ],
)
def test_lookup_by_id_upstream_id_and_merge_key(
    small_catalog: Any, client: Client, path: str, entry: str, matched_by: str
) -> None:
    response = client.get(f"/catalog/v1/models/{path}")
    assert response.status_code == 200, response.content
    assert (response.json()["data"]["id"], response.json()["matched_by"]) == (entry, matched_by)


def test_two_providers_of_one_model_are_two_offers(small_catalog: Any, client: Client) -> None:
    offers = client.get("/catalog/v1/models/@cloudone/omni").json()["data"]["offers"]
    assert [(o["gateway"], o["id"], o["pricing"]["prompt"]) for o in offers] == [
        ("beta", "@cloudone/omni", "0.000003"),
        ("beta", "@cloudtwo/omni", "0.0000025"),
    ]


def test_detail_in_one_gateway_is_that_gateways_record_with_every_offer(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models/acme/alpha-chat?gateway=beta").json()
    assert body["data"]["id"] == "Acme/Alpha-Chat"
    assert body["data"]["source_gateway"] == "beta"
    assert body["data"]["pricing"] == {"prompt": "0.0000005", "completion": "0.000003"}
    assert "source_gateways" not in body["data"]
    assert [(o["gateway"], o["id"]) for o in body["data"]["offers"]] == [
        ("alpha", "acme/alpha-chat"),
        ("beta", "Acme/Alpha-Chat"),
    ]
    assert (body["gateway"], body["matched_by"]) == ("beta", "id")


def test_detail_in_a_gateway_that_does_not_offer_the_model_is_a_404(small_catalog: Any, client: Client) -> None:
    response = client.get("/catalog/v1/models/solo/tiny?gateway=alpha")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "no model 'solo/tiny' in gateway 'alpha' (looked up by id, case-insensitive, and by merge key); "
            "search with GET /catalog/v1/models?q=...",
            "type": "not_found_error",
            "param": "model_id",
            "code": "model_not_found",
        }
    }


def test_unknown_model_is_a_404_with_a_clear_message(small_catalog: Any, client: Client) -> None:
    response = client.get("/catalog/v1/models/nobody/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("no model 'nobody/nothing' in gateway 'all'")


def test_a_model_only_offered_by_a_disabled_gateway_is_not_in_all(small_catalog: Any, client: Client) -> None:
    from catalog.services import rebuild_all_merged
    from gateways.models import Gateway

    Gateway.objects.filter(slug="gamma").update(enabled=False)
    rebuild_all_merged()
    assert client.get("/catalog/v1/models/solo/tiny").status_code == 404
    # its own list still serves it, labelled
    body = client.get("/catalog/v1/models?gateway=gamma").json()
    assert [item["id"] for item in body["data"]] == ["solo/tiny"]
    assert body["freshness"]["gamma"]["status"] == "disabled"
