"""Numbers stay numbers: only prices are served as decimal strings. A stated number elsewhere
(`default_parameters`, `top_provider`, `per_request_limits`) is served as the JSON number the
upstream wrote, with the same digits (upstream bodies are parsed with decimals, never floats)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.test import Client

from catalog.render import exact_number, numbers
from gateways.fetch import decode_json

from .conftest import model

pytestmark = pytest.mark.django_db


def test_a_decimal_that_is_not_a_price_is_the_number_the_upstream_wrote() -> None:
    stated = decode_json(b'{"temperature": 1, "top_p": 0.95, "min_p": 1e-05, "top_k": 40, "mirostat_tau": 5.0, "stop": null}')
    assert numbers(stated) == {"temperature": 1, "top_p": 0.95, "min_p": 1e-05, "top_k": 40, "mirostat_tau": 5.0, "stop": None}
    assert (
        orjson.dumps(numbers(stated))
        == b'{"temperature":1,"top_p":0.95,"min_p":0.00001,"top_k":40,"mirostat_tau":5.0,"stop":null}'
    )
    assert [type(v) for v in numbers(stated).values()] == [int, float, float, int, float, type(None)]


def test_digits_a_double_cannot_hold_are_kept_as_text_not_rounded() -> None:
    assert exact_number(Decimal("0.12345678901234567890123")) == "0.12345678901234567890123"
    assert exact_number(Decimal("0.1")) == 0.1


def test_the_api_serves_default_parameters_as_numbers_and_prices_as_strings(catalog: Any) -> None:
    stated = {"temperature": 1, "top_p": Decimal("0.95"), "repetition_penalty": Decimal("1.05")}
    catalog.publish(
        "numbers",
        [
            model(
                "acme/tuned",
                prompt="0.0000003",
                completion="0.0000012",
                default_parameters=stated,
                top_provider={"context_length": 8192},
            )
        ],
    )
    client = Client()
    listed = orjson.loads(client.get("/catalog/v1/models?gateway=numbers").content)["data"][0]
    openai = orjson.loads(client.get("/v1/models?gateway=numbers").content)["data"][0]
    for document in (listed, openai):
        assert document["default_parameters"] == {"temperature": 1, "top_p": 0.95, "repetition_penalty": 1.05}
        assert isinstance(document["default_parameters"]["top_p"], float)
        assert document["pricing"]["prompt"] == "0.0000003"
        assert document["top_provider"]["context_length"] == 8192
    for path in ("/catalog/v1/models?gateway=numbers", "/catalog/v1/models/acme/tuned?gateway=numbers", "/v1/models/acme/tuned"):
        body = client.get(path).content
        assert b'"top_p":0.95' in body and b'"top_p":"0.95"' not in body, path
