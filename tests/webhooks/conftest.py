"""Webhook fixtures: two built-in gateways to publish to, a staff API client, a subscription
made through the API (which hands out the secret once), and a real receiver on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

from catalog.records import NormalizedModel
from catalog.services import PublishResult, catalog_publish
from gateways.models import Gateway

from ..factories import make_model
from ..webhook_receiver import Receiver


@pytest.fixture
def gateways(db: Any) -> dict[str, Gateway]:
    Gateway.objects.exclude(slug__in=("groq", "openrouter")).update(enabled=False)
    Gateway.objects.update(min_expected_models=1)
    return {g.slug: g for g in Gateway.objects.filter(slug__in=("groq", "openrouter"))}


@pytest.fixture
def publish(gateways: dict[str, Gateway]) -> Callable[..., PublishResult]:
    def publish(slug: str, models: list[NormalizedModel]) -> PublishResult:
        return catalog_publish(gateway=gateways[slug], models=models, force=True)

    return publish


@pytest.fixture
def staff_api(db: Any) -> Client:
    user = get_user_model().objects.create_user("hooks", password="pw-hooks-0123", is_staff=True)
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


@pytest.fixture
def subscribe(staff_api: Client) -> Callable[..., tuple[int, str]]:
    """`subscribe(url, filters)` -> (id, secret), through `POST /catalog/v1/webhooks`."""

    def subscribe(url: str, filters: dict[str, Any] | None = None) -> tuple[int, str]:
        body: dict[str, Any] = {"url": url} if filters is None else {"url": url, "filters": filters}
        response = staff_api.post("/catalog/v1/webhooks", body, content_type="application/json")
        assert response.status_code == 201, response.content
        return response.json()["id"], response.json()["secret"]

    return subscribe


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def models(*ids: str, prompt: str = "0.000001") -> list[NormalizedModel]:
    return [make_model(model_id, prompt=prompt) for model_id in ids]
