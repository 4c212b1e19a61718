"""Redaction in gateways/http.py, one layer at a time (the canary test checks them together)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.client import build_client
from gateways.errors import AdapterError, ErrorKind
from gateways.fetch import fetch_json

KEY = "sk-acme-0f3e9d2c1b0a"
OTHER = "sk-other-77aa66bb55cc"


def test_every_configured_key_is_scrubbed_from_any_adapter_error(settings: Any) -> None:
    settings.GATEWAY_KEYS = {"ACME": KEY, "OTHER": OTHER, "SHORT": "abc"}
    error = AdapterError(f"upstream said {KEY} and {OTHER} at /x/{KEY}/y; abc", kind=ErrorKind.MALFORMED, permanent=True)
    assert str(error) == "upstream said [redacted] and [redacted] at /x/[redacted]/y; abc"
    assert error.message == str(error)


def test_a_key_is_redacted_before_the_error_snippet_is_cut(settings: Any) -> None:
    settings.GATEWAY_KEYS = {"ACME": KEY}
    body = "e" * 190 + KEY  # a 200-character cut would keep the first 10 characters of the key

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text=body)

    client = build_client(
        slug="acme", base_url="https://api.example.test/v1", adapter=OpenAICompatible, transport=httpx.MockTransport(handler)
    )
    with client, pytest.raises(AdapterError) as caught:
        fetch_json(client, "models")
    assert KEY[:10] not in str(caught.value)
    assert str(caught.value) == f"HTTP 500 from https://api.example.test/v1/models: {'e' * 190}[redacted]"
