"""The official `openai` SDK as the client, against a real server on 127.0.0.1 (live_server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from .conftest import ALL_IDS

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def sdk(transactional_db: Any, small_catalog: Any, live_server: Any) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="sk-someone-elses-upstream-key", max_retries=0)
    yield client
    client.close()  # ends the keep-alive connection while the server still shares the test database


def test_sdk_lists_every_merged_model(sdk: openai.OpenAI) -> None:
    models = list(sdk.models.list())
    assert [m.id for m in models] == ALL_IDS
    assert {m.object for m in models} == {"model"}
    assert all(isinstance(m.created, int) for m in models)
    by_id = {m.id: m for m in models}
    assert (by_id["acme/alpha-chat"].created, by_id["acme/alpha-chat"].owned_by) == (1700000000, "acme")
    assert by_id["@cloudone/omni"].created == 0  # unknown creation time, still an int


def test_sdk_retrieves_a_model_whose_id_has_a_slash(sdk: openai.OpenAI) -> None:
    found = sdk.models.retrieve("acme/alpha-chat")
    assert (found.id, found.object, found.owned_by, found.created) == ("acme/alpha-chat", "model", "acme", 1700000000)
    extra = found.model_extra or {}
    assert extra["source_gateways"] == ["alpha", "beta"]
    assert extra["pricing"] == {"prompt": "0.000001", "completion": "0.000002"}


def test_sdk_retrieves_ids_with_colons_and_other_cases(sdk: openai.OpenAI) -> None:
    assert sdk.models.retrieve("acme/alpha-chat:free").id == "acme/alpha-chat:free"
    assert sdk.models.retrieve("ACME/Alpha-Chat").id == "acme/alpha-chat"
    assert sdk.models.retrieve("@cloudtwo/omni").id == "@cloudone/omni"


def test_sdk_sees_a_missing_model_as_not_found(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        sdk.models.retrieve("nobody/nothing")
    assert "nobody/nothing" in str(raised.value)


def test_sdk_can_ask_for_one_gateway(sdk: openai.OpenAI) -> None:
    models = list(sdk.models.list(extra_query={"gateway": "beta"}))
    assert [m.id for m in models] == ["@cloudone/omni", "@cloudtwo/omni", "Acme/Alpha-Chat", "bolt/embedder"]
    assert {(m.model_extra or {})["source_gateway"] for m in models} == {"beta"}
    assert sdk.models.retrieve("Acme/Alpha-Chat", extra_query={"gateway": "beta"}).id == "Acme/Alpha-Chat"


def test_async_sdk_lists_and_retrieves(transactional_db: Any, small_catalog: Any, live_server: Any) -> None:
    async def use() -> tuple[list[str], str]:
        async with openai.AsyncOpenAI(base_url=f"{live_server.url}/v1", api_key="x", max_retries=0) as client:
            ids = [m.id async for m in client.models.list()]
            return ids, (await client.models.retrieve("bolt/vision-pro")).id

    assert asyncio.run(use()) == (ALL_IDS, "bolt/vision-pro")
