"""The OpenAPI schema describes every catalog endpoint; Swagger UI works without the internet."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/catalog/v1/models": {
        "gateway",
        "provider",
        "q",
        "input_modalities",
        "output_modalities",
        "supported_parameters",
        "min_context",
        "max_prompt_price",
        "max_completion_price",
        "free",
        "has_disagreement",
        "sort",
        "limit",
        "offset",
        "at",
    },
    "/catalog/v1/models/{model_id}": {"model_id", "gateway", "at"},
    "/catalog/v1/models/{model_id}/prices": {"model_id", "gateway", "component", "since", "until"},
    "/catalog/v1/providers": set(),
    "/catalog/v1/gateways": set(),
    "/catalog/v1/changes": {"since", "gateway", "kind", "model", "component", "min_change_percent", "cursor", "limit", "offset"},
    "/catalog/v1/aliases": {"model", "source", "limit", "offset"},
    "/catalog/v1/cost": {
        "model",
        "gateway",
        "provider",
        "q",
        "input_modalities",
        "output_modalities",
        "supported_parameters",
        "min_context",
        "at",
        "limit",
        "offset",
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
        "images",
        "requests",
        "audio_seconds",
    },
    "/catalog/v1/deprecations": {"gateway", "limit", "offset"},
    "/v1/models": {
        "gateway",
        "provider",
        "q",
        "input_modalities",
        "output_modalities",
        "supported_parameters",
        "min_context",
        "max_prompt_price",
        "max_completion_price",
        "free",
        "has_disagreement",
        "sort",
        "limit",
        "offset",
        "at",
    },
    "/models": {"gateway", "provider", "limit", "offset", "q", "sort"},
    "/v1/models/{model_id}": {"model_id", "gateway"},
}


# Staff endpoints: present with their methods (their parameters are in the request body or path).
STAFF_OPERATIONS = {"/catalog/v1/webhooks": {"get", "post"}, "/catalog/v1/webhooks/{subscription_id}": {"get", "delete"}}


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("path", "parameters"), ENDPOINTS.items())
def test_every_endpoint_is_in_the_schema_with_its_parameters(schema: dict[str, Any], path: str, parameters: set[str]) -> None:
    operation = schema["paths"][path]["get"]
    assert parameters <= {p["name"] for p in operation.get("parameters", [])}
    assert "application/json" in operation["responses"]["200"]["content"]


def test_the_atom_feed_is_described_with_its_filters_and_media_type(schema: dict[str, Any]) -> None:
    operation = schema["paths"]["/catalog/v1/changes.atom"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"gateway", "since", "kind", "model", "component", "min_change_percent", "limit"} <= names
    assert not names & {"offset", "cursor"}  # a feed is always its newest entries
    assert list(operation["responses"]["200"]["content"]) == ["application/atom+xml"]
    changes = schema["components"]["schemas"]["ChangeListResponse"]
    assert "next_cursor" in changes["required"]
    assert not {"total", "offset", "next_offset"} & set(changes["required"])  # offset paging only


def test_response_shapes_are_described(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    listing = components["ModelListResponse"]["properties"]
    assert {"data", "total", "returned", "offset", "limit", "gateway", "note", "timestamp", "freshness"} <= set(listing)
    openai = components["OpenAIModelListResponse"]["properties"]
    assert {"object", "data", "has_more", "next_offset"} <= set(openai)
    model = components["OpenAIModel"]["properties"]
    assert {"id", "object", "created", "owned_by", "pricing", "prices", "architecture", "source_gateway"} <= set(model)
    price = components["PriceComponent"]["properties"]
    assert set(price) == {"component", "unit", "usd", "min_prompt_tokens", "window"}
    assert {"cost_usd", "complete", "breakdown", "tier", "window", "missing"} <= set(components["CostRow"]["properties"])
    assert schema["paths"]["/catalog/v1/models"]["get"]["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    sort = next(p for p in schema["paths"]["/catalog/v1/models"]["get"]["parameters"] if p["name"] == "sort")
    assert "-prompt_price" in sort["schema"]["enum"]


def test_point_in_time_reads_are_described(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for name in ("ModelListResponse", "OpenAIModelListResponse", "ModelDetailResponse"):
        assert components[name]["properties"]["as_of"] == {
            "type": "string",
            "format": "date-time",
            "description": "Only with `at`: the instant the answer describes (the `at` asked for).",
        }
    at = next(p for p in schema["paths"]["/catalog/v1/models"]["get"]["parameters"] if p["name"] == "at")
    assert "as the catalog stood at this instant" in at["description"]
    prices = schema["paths"]["/catalog/v1/models/{model_id}/prices"]["get"]["responses"]["200"]["content"]
    assert prices["application/json"]["schema"] == {"$ref": "#/components/schemas/PriceHistoryResponse"}
    span = components["PriceSpan"]["properties"]
    assert {"component", "unit", "usd", "valid_from", "valid_to"} <= set(span)


def test_the_stale_if_error_header_is_described_on_every_cached_list(schema: dict[str, Any]) -> None:
    described = {
        path
        for path, operations in schema["paths"].items()
        if "X-Catalog-Stale" in operations.get("get", {}).get("responses", {}).get("200", {}).get("headers", {})
    }
    assert described == {
        "/catalog/v1/models",
        "/v1/models",
        "/models",
        "/catalog/v1/providers",
        "/catalog/v1/changes",
        "/catalog/v1/cost",
        "/catalog/v1/changes.atom",
        "/catalog/v1/deprecations",
    }


def test_schema_generates_without_warnings(tmp_path: Any) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_swagger_ui_is_served_with_local_assets_only(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert not [url for url in assets if url.startswith(("http://", "https://", "//"))]
    for url in assets:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("path", "methods"), STAFF_OPERATIONS.items())
def test_the_webhook_endpoints_are_in_the_schema(schema: dict[str, Any], path: str, methods: set[str]) -> None:
    assert methods <= set(schema["paths"][path])
