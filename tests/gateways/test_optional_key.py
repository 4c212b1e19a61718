"""An OpenAI-compatible endpoint that needs no key (vLLM, Ollama, LM Studio, llama.cpp) is refreshed
without a dummy `GATEWAY_KEY_*`: its record says `{"requires_key": false}`. A key that is set is
still sent; a record without the option keeps requiring its key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.test import Client

from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.keys import configuration_problem
from gateways.refresh import gateway_refresh

from ..conftest import json_transport
from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db


def recording_upstream() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def models(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=openai_body(openai_item("local/llama-3-8b")))

    return json_transport({"/v1/models": models}), seen


def test_a_record_that_needs_no_key_refreshes_without_one_and_sends_no_authorization(client: Client) -> None:
    gateway = make_gateway("local-vllm", options={"price_unit": "per_token", "requires_key": False})
    transport, seen = recording_upstream()

    run = gateway_refresh(gateway=gateway, transport=transport)

    assert (run.outcome, run.models_added, run.error_message) == ("success", 1, "")
    assert [r.headers.get("Authorization") for r in seen] == [None]
    [listed] = [g for g in client.get("/catalog/v1/gateways").json()["data"] if g["slug"] == "local-vllm"]
    assert (listed["configured"], listed["model_count"]) == (True, 1)


def test_a_key_that_is_set_is_still_sent(gateway_keys: Any) -> None:
    gateway_keys(**{"local-vllm": "sk-local-optional"})
    gateway = make_gateway("local-vllm", options={"requires_key": False})
    transport, seen = recording_upstream()

    assert gateway_refresh(gateway=gateway, transport=transport).outcome == "success"
    assert [r.headers["Authorization"] for r in seen] == ["Bearer sk-local-optional"]


def test_without_the_option_the_key_stays_required() -> None:
    gateway = make_gateway("local-vllm", options={"price_unit": "per_token"})
    transport, seen = recording_upstream()

    run = gateway_refresh(gateway=gateway, transport=transport)

    assert (run.outcome, run.error_kind) == ("skipped", "unconfigured")
    assert configuration_problem(gateway) == "GATEWAY_KEY_LOCAL_VLLM is not set"
    assert seen == []


@pytest.mark.parametrize("value", ["no", 0, 1, "false"])
def test_the_option_is_a_boolean(value: Any) -> None:
    with pytest.raises(ValueError, match="requires_key must be true or false"):
        OpenAICompatible.clean_options({"requires_key": value})
    assert OpenAICompatible.clean_options({"requires_key": False}) == {"requires_key": False}
