"""Names clients use for an existing gateway resolve to it (`google-vertex` is the old front end's
name for the Google models); unknown names keep their 400; a real gateway's own slug wins over an
alias; operators add aliases with CATALOG_GATEWAY_ALIASES."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import make_gateway

pytestmark = pytest.mark.django_db


def test_google_vertex_reads_the_google_gateway(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models?gateway=google-vertex&limit=5").json()
    assert (body["gateway"], list(body["freshness"])) == ("google", ["google"])
    assert body == {**client.get("/catalog/v1/models?gateway=google&limit=5").json(), "timestamp": body["timestamp"]}
    openai = client.get("/v1/models?gateway=Google-Vertex")
    assert openai.status_code == 200
    vertex = client.get("/catalog/v1/models?gateway=vertex-ai&limit=5").json()  # Vertex AI's own list: its own gateway
    assert (vertex["gateway"], list(vertex["freshness"])) == ("vertex-ai", ["vertex-ai"])


@pytest.mark.parametrize("path", ["/catalog/v1/models", "/v1/models", "/catalog/v1/changes", "/catalog/v1/deprecations"])
def test_an_operator_alias_reads_its_gateway_on_every_endpoint(
    small_catalog: Any, client: Client, settings: Any, path: str
) -> None:
    settings.CATALOG_GATEWAY_ALIASES = {"Old-Beta": "beta"}
    cache.clear()
    aliased = client.get(f"{path}?gateway=old-beta&limit=50").json()
    direct = client.get(f"{path}?gateway=beta&limit=50").json()
    assert aliased["data"] == direct["data"]
    if path == "/catalog/v1/models":
        assert [m["id"] for m in aliased["data"]] == ["@cloudone/omni", "@cloudtwo/omni", "Acme/Alpha-Chat", "bolt/embedder"]


def test_a_model_detail_takes_an_alias_too(small_catalog: Any, client: Client, settings: Any) -> None:
    settings.CATALOG_GATEWAY_ALIASES = {"old-gamma": "gamma"}
    response = client.get("/catalog/v1/models/solo/tiny?gateway=old-gamma")
    assert response.status_code == 200
    body = response.json()
    assert (body["gateway"], body["data"]["id"], list(body["freshness"])) == ("gamma", "solo/tiny", ["gamma"])


@pytest.mark.parametrize("name", ["no-such-gateway", "defunct-router", "cohere"])  # none is a gateway row
def test_names_of_gateways_we_do_not_serve_keep_their_400(small_catalog: Any, client: Client, name: str) -> None:
    response = client.get(f"/catalog/v1/models?gateway={name}")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(f"gateway: unknown gateway '{name}'. Valid values: all, ")


def test_an_alias_to_a_gateway_that_does_not_exist_is_unknown(small_catalog: Any, client: Client, settings: Any) -> None:
    settings.CATALOG_GATEWAY_ALIASES = {"ghost": "no-such-gateway"}
    assert client.get("/catalog/v1/models?gateway=ghost").status_code == 400


def test_a_gateway_with_the_alias_as_its_own_slug_wins(small_catalog: Any, client: Client) -> None:
    make_gateway("google-vertex", enabled=False)
    cache.clear()
    body = client.get("/catalog/v1/models?gateway=google-vertex").json()
    assert body["gateway"] == "google-vertex"
