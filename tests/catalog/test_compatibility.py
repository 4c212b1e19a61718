"""Old clients of the replaced catalog API, played against a real server (docs/compatibility.md).

They call `GET /v1/models` (or `/models`) with `gateway`, `provider`, huge `limit`s and `offset`,
send `Authorization: Bearer <their own upstream key>` and `Content-Type: application/json` on
GETs, add parameters we never heard of, and read every item's fields with fixed types."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from catalog.serializers import OPENAI_MAX_LIMIT

from .conftest import ALL_IDS

pytestmark = [pytest.mark.e2e]

OLD_CLIENT_HEADERS = {
    "Authorization": "Bearer sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "Content-Type": "application/json",
    "Accept": "application/json",
    "User-Agent": "old-frontend/1.0",
}
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
PER_GATEWAY = {
    "alpha": ["acme/alpha-chat", "acme/alpha-chat:free", "bolt/embedder", "bolt/vision-pro", "zeta/video-gen"],
    "beta": ["@cloudone/omni", "@cloudtwo/omni", "Acme/Alpha-Chat", "bolt/embedder"],
    "gamma": ["solo/tiny"],
    "delta": [],
}


@pytest.fixture
def http(transactional_db: Any, small_catalog: Any, live_server: Any) -> Iterator[httpx.Client]:
    small_catalog.gateway("delta", priority=1)  # enabled, never published: an empty list
    with httpx.Client(base_url=live_server.url, headers=OLD_CLIENT_HEADERS, timeout=30) as client:
        yield client


def check_item(item: dict[str, Any], *, gateway: str) -> None:
    """Every field an old client or an OpenAI SDK reads, with its type."""
    assert isinstance(item["id"], str) and item["id"]
    assert isinstance(item["name"], str) and item["name"]
    assert item["object"] == "model"
    assert isinstance(item["owned_by"], str) and item["owned_by"]
    assert type(item["created"]) is int and item["created"] >= 0
    for key in ("prompt", "completion"):
        price = item["pricing"][key]
        assert price is None or (isinstance(price, str) and DECIMAL.match(price) and Decimal(price) >= 0), price
    assert item["context_length"] is None or (type(item["context_length"]) is int and item["context_length"] > 0)
    for key in ("input_modalities", "output_modalities"):
        values = item["architecture"][key]
        assert isinstance(values, list) and all(isinstance(v, str) and v == v.lower() for v in values)
    assert isinstance(item["supported_parameters"], list) and all(isinstance(p, str) for p in item["supported_parameters"])
    assert "provider_slug" in item and (item["provider_slug"] is None or isinstance(item["provider_slug"], str))
    assert "raw" not in item
    if gateway == "all":
        assert isinstance(item["source_gateways"], list) and item["source_gateways"]
        assert item["source_gateway"] == item["source_gateways"][0]
    else:
        assert item["source_gateway"] == gateway


def check_envelope(body: dict[str, Any], *, gateway: str) -> None:
    assert body["object"] == "list"
    assert body["gateway"] == gateway
    assert body["returned"] == len(body["data"])
    assert body["has_more"] == (body["offset"] + body["returned"] < body["total"])
    assert body["next_offset"] == (body["offset"] + body["returned"] if body["has_more"] else None)
    assert isinstance(body["timestamp"], str)
    for item in body["data"]:
        check_item(item, gateway=gateway)


@pytest.mark.parametrize("path", ["/v1/models", "/models", "/v1/models/", "/models/"])
@pytest.mark.parametrize(
    ("query", "gateway", "expected"),
    [
        ({}, "all", ALL_IDS),
        ({"gateway": "all"}, "all", ALL_IDS),
        ({"gateway": "alpha"}, "alpha", PER_GATEWAY["alpha"]),
        ({"gateway": "beta", "limit": 5000}, "beta", PER_GATEWAY["beta"]),
        ({"gateway": "gamma", "limit": 50000, "offset": 0}, "gamma", PER_GATEWAY["gamma"]),
        ({"gateway": "delta"}, "delta", []),
        ({"gateway": "all", "provider": "bolt", "limit": 5000}, "all", ["bolt/embedder", "bolt/vision-pro"]),
        ({"gateway": "alpha", "provider": "acme"}, "alpha", ["acme/alpha-chat", "acme/alpha-chat:free"]),
        ({"gateway": "all", "limit": 100000000000, "offset": 5}, "all", ALL_IDS[5:]),
        ({"limit": 2, "offset": 1}, "all", ALL_IDS[1:3]),
        ({"gateway": "all", "include_huggingface": "true", "lang": "en", "page": 3, "_": "1712"}, "all", ALL_IDS),
    ],
)
def test_old_client_requests_get_the_expected_models_in_the_full_shape(
    http: httpx.Client, path: str, query: dict[str, Any], gateway: str, expected: list[str]
) -> None:
    response = http.get(path, params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    check_envelope(body, gateway=gateway)
    assert [item["id"] for item in body["data"]] == expected


def test_paging_to_the_end_with_has_more_and_next_offset(http: httpx.Client) -> None:
    for gateway, expected in [("all", ALL_IDS), *PER_GATEWAY.items()]:
        seen: list[str] = []
        offset = 0
        for _ in range(20):
            body = http.get("/v1/models", params={"gateway": gateway, "limit": 2, "offset": offset}).json()
            check_envelope(body, gateway=gateway)
            seen += [item["id"] for item in body["data"]]
            if not body["has_more"]:
                break
            offset = body["next_offset"]
        assert seen == expected, gateway


def test_large_limits_are_clamped_silently_to_the_documented_maximum(http: httpx.Client) -> None:
    for limit, applied in [(5000, 5000), (50000, 50000), (OPENAI_MAX_LIMIT + 1, OPENAI_MAX_LIMIT), (10**30, OPENAI_MAX_LIMIT)]:
        body = http.get("/v1/models", params={"limit": limit}).json()
        assert (body["limit"], body["returned"], body["has_more"]) == (applied, len(ALL_IDS), False)


def test_no_limit_serves_the_whole_list_compressed(http: httpx.Client) -> None:
    response = http.get("/v1/models", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    body = response.json()  # httpx decodes it
    assert ([item["id"] for item in body["data"]], body["limit"], body["has_more"], body["next_offset"]) == (
        ALL_IDS,
        None,
        False,
        None,
    )
    assert len(response.content) > int(response.headers["content-length"])  # really compressed on the wire


def test_offset_without_limit_serves_the_rest(http: httpx.Client) -> None:
    body = http.get("/v1/models", params={"offset": 4}).json()
    assert [item["id"] for item in body["data"]] == ALL_IDS[4:]


def test_alias_serves_the_same_list(http: httpx.Client) -> None:
    first = http.get("/v1/models", params={"gateway": "beta"}).json()
    second = http.get("/models", params={"gateway": "beta"}).json()
    assert first["data"] == second["data"]


def test_unknown_gateway_is_still_a_400_naming_the_valid_values(http: httpx.Client) -> None:
    response = http.get("/v1/models", params={"gateway": "hug"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "gateway"
    assert {"all", "alpha", "beta", "gamma", "delta"} <= set(error["valid_values"])
    assert error["message"].startswith("gateway: unknown gateway 'hug'. Valid values: all, ")


def test_single_model_in_the_openai_shape(http: httpx.Client) -> None:
    response = http.get("/v1/models/acme/alpha-chat")
    assert response.status_code == 200
    check_item(response.json(), gateway="all")
    response = http.get("/v1/models/bolt%2Fembedder", params={"gateway": "beta"})  # encoded slash, as SDKs send it
    assert response.status_code == 200
    check_item(response.json(), gateway="beta")
    assert http.get("/v1/models/nope").status_code == 404


def test_every_item_of_every_list_has_the_promised_fields(http: httpx.Client) -> None:
    for gateway in ("all", *PER_GATEWAY):
        body = http.get("/v1/models", params={"gateway": gateway}).json()
        check_envelope(body, gateway=gateway)
        assert len(body["data"]) == len(ALL_IDS if gateway == "all" else PER_GATEWAY[gateway])
