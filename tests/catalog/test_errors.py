"""Bad input gets a clear 400 (naming the parameter and the valid values) and never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/catalog/v1/models", "/v1/models", "/models", "/catalog/v1/changes", "/catalog/v1/deprecations"]

HOSTILE = [
    "limit=-1",
    "offset=-5",
    "limit=abc",
    "limit=1.5",
    "limit=1e3",
    "limit=%00",
    "limit=",
    "offset=",
    "min_context=x",
    "min_context=-1",
    "min_context=99999999999999999999999999999999999999",
    "max_prompt_price=NaN",
    "max_prompt_price=nan",
    "max_prompt_price=Infinity",
    "max_prompt_price=-inf",
    "max_prompt_price=sNaN",
    "max_prompt_price=-0.1",
    "max_prompt_price=1e999999999",
    "max_prompt_price=1e-999999999",
    "max_completion_price=0x10",
    "max_completion_price=" + "9" * 5000,
    "sort=%00",
    "sort=price",
    "sort=--name",
    "sort=name%00",
    "q=%ff",
    "q=%00",
    "q=%ed%a0%80",
    "q=" + "x" * 5000,
    "q=%25%5F%5C",
    "provider=%00",
    "provider=" + ",".join(["p"] * 50),
    "input_modalities=%00",
    "output_modalities=" + "a" * 300,
    "supported_parameters=,,,",
    "free=maybe",
    "free=%00",
    "gateway=%00",
    "gateway=" + "g" * 500,
    "gateway=../../etc",
    "gateway=all&gateway=nope",
    "limit=5&limit=-5",
    "limit=" + "9" * 5000,
    "offset=" + "9" * 5000,
    "offset=9223372036854775808",
    "limit=99999999999999999999",
    "since=x",
    "since=2026-13-45",
    "since=99999999999999999999",
    "since=%00",
    "kind=nope",
    "%00=%00",
    "a=1&a=2&b",
    "&&&==&",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_strings_never_cause_a_server_error(small_catalog: Any, client: Client, query: str) -> None:
    for path in ENDPOINTS:
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, response.status_code, response.content[:300])
        body = response.json()
        if response.status_code == 400:
            assert set(body) == {"error"}
            assert body["error"]["type"] == "invalid_request_error"
            assert body["error"]["message"].startswith(body["error"]["param"] + ": ")
        else:
            assert isinstance(body["data"], list)


def test_hostile_query_strings_on_detail_paths(small_catalog: Any, client: Client) -> None:
    for path in ("/catalog/v1/models/acme/alpha-chat", "/v1/models/acme/alpha-chat"):
        for query in ("gateway=%00", "gateway=nope", "gateway=" + "x" * 999, "q=%ff", "limit=-1"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)  # q and limit are list parameters: unknown here
            assert response.json()["error"]["param"] == query.partition("=")[0], (path, query)


def test_hostile_model_ids_are_a_404_not_a_server_error(small_catalog: Any, client: Client) -> None:
    for prefix in ("/catalog/v1/models/", "/v1/models/"):
        for model_id in ("%00", "%ff", "a" * 3000, "..%2F..%2Fetc%2Fpasswd", "%25", "x/y/z/", "%20", "'; DROP TABLE x; --"):
            response = client.get(prefix + model_id)
            assert response.status_code == 404, (prefix, model_id)
            assert response.json()["error"]["code"] == "model_not_found"


def test_unknown_gateway_is_a_400_naming_every_valid_value(small_catalog: Any, client: Client) -> None:
    from gateways.models import Gateway

    response = client.get("/catalog/v1/models?gateway=nope")
    assert response.status_code == 400
    valid = ["all", *sorted(Gateway.objects.values_list("slug", flat=True))]
    assert response.json() == {
        "error": {
            "message": f"gateway: unknown gateway 'nope'. Valid values: {', '.join(valid)}",
            "type": "invalid_request_error",
            "param": "gateway",
            "code": "invalid_parameter",
            "valid_values": valid,
        }
    }


def test_unknown_sort_is_a_400_naming_the_valid_values(small_catalog: Any, client: Client) -> None:
    response = client.get("/catalog/v1/models?sort=price")
    assert response.status_code == 400
    valid = [
        "id",
        "-id",
        "name",
        "-name",
        "created",
        "-created",
        "context_length",
        "-context_length",
        "prompt_price",
        "-prompt_price",
        "completion_price",
        "-completion_price",
        "cost",
    ]
    assert response.json() == {
        "error": {
            "message": f"sort: unknown value 'price'. Valid values: {', '.join(valid)}",
            "type": "invalid_request_error",
            "param": "sort",
            "code": "invalid_parameter",
            "valid_values": valid,
        }
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=abc", "limit: must be a whole number, 0 or more"),
        ("offset=-5", "offset: must be a whole number, 0 or more"),
        ("min_context=x", "min_context: must be a whole number, 0 or more"),
        ("max_prompt_price=NaN", "max_prompt_price: must be a decimal number of USD per token, 0 or more (e.g. 0.000001)"),
        ("free=maybe", "free: must be true or false"),
        ("provider=%00", "provider: null characters are not allowed"),
    ],
)
def test_invalid_numbers_and_values_say_what_is_expected(small_catalog: Any, client: Client, query: str, message: str) -> None:
    response = client.get(f"/catalog/v1/models?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


def test_repeated_parameters_take_the_last_value(small_catalog: Any, client: Client) -> None:
    body = client.get("/catalog/v1/models?gateway=nope&gateway=gamma").json()
    assert [item["id"] for item in body["data"]] == ["solo/tiny"]


def test_wrong_methods_get_a_405_in_the_error_shape(small_catalog: Any, client: Client) -> None:
    response = client.post("/v1/models", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_accept_headers_never_make_a_406(small_catalog: Any, client: Client) -> None:
    response = client.get("/catalog/v1/models?limit=1", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
