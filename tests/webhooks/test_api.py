"""`/catalog/v1/webhooks`: staff only; POST validates every key and value (a 400 naming the field)
and answers the secret once; GET shows subscriptions without it; DELETE unsubscribes."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

from catalog.models import WebhookDelivery, WebhookSubscription

from .conftest import models

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.test/catalog"


def post(client: Client, body: Any) -> Any:
    return client.post("/catalog/v1/webhooks", body, content_type="application/json")


def test_anonymous_is_401_non_staff_403_and_a_staff_token_works(staff_api: Client) -> None:
    reader = get_user_model().objects.create_user("reader", password="pw-reader-0123")
    reader_token = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    for path in ("/catalog/v1/webhooks", "/catalog/v1/webhooks/1"):
        for verb in ("get", "post", "delete"):
            assert getattr(Client(), verb)(path).status_code == 401, (verb, path)
            assert getattr(reader_token, verb)(path).status_code == 403, (verb, path)
    assert post(Client(), {"url": URL}).status_code == 401
    assert not WebhookSubscription.objects.exists()
    assert staff_api.get("/catalog/v1/webhooks").status_code == 200
    assert post(staff_api, {"url": URL}).status_code == 201


def test_post_answers_201_with_the_id_and_a_standard_webhooks_secret(staff_api: Client, gateways: Any) -> None:
    response = post(
        staff_api,
        {
            "url": URL,
            "filters": {
                "gateway": ["openrouter", "groq"],
                "model": ["Acme/Alpha"],
                "kind": ["price_changed"],
                "component": ["input_token"],
                "min_change_percent": 12.5,
            },
        },
    )
    assert response.status_code == 201
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"].startswith("whsec_")
    key = base64.b64decode(body["secret"].removeprefix("whsec_"), validate=True)
    assert 24 <= len(key) <= 32
    assert subscription.signing_key == body["secret"].removeprefix("whsec_")
    assert {k: v for k, v in body.items() if k not in ("secret", "created_at")} == {
        "id": subscription.pk,
        "url": URL,
        "filters": {
            "gateway": ["groq", "openrouter"],
            "model": ["acme/alpha"],
            "kind": ["price_changed"],
            "component": ["input_token"],
            "min_change_percent": "12.5",
        },
        "enabled": True,
        "disabled_reason": "",
        "failing_since": None,
        "last_success_at": None,
    }
    other = post(staff_api, {"url": URL}).json()
    assert other["secret"] != body["secret"] and other["filters"] == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": URL, "colour": "red"}, "colour"),
        ({"url": URL, "filters": {"gateways": ["groq"]}}, "filters.gateways"),
        ({"url": URL, "filters": {"gateway": ["nosuch"]}}, "filters.gateway"),
        ({"url": URL, "filters": {"gateway": "groq"}}, "filters.gateway"),
        ({"url": URL, "filters": {"kind": ["repriced"]}}, "filters.kind[0]"),
        ({"url": URL, "filters": {"component": ["input_tokens"]}}, "filters.component[0]"),
        ({"url": URL, "filters": {"min_change_percent": -1}}, "filters.min_change_percent"),
        ({"url": URL, "filters": {"min_change_percent": "10"}}, "filters.min_change_percent"),
        ({"url": URL, "filters": {"min_change_percent": True}}, "filters.min_change_percent"),
        ({"url": URL, "filters": {"model": [1]}}, "filters.model[0]"),
        ({"url": URL, "filters": None}, "filters"),
        ({"url": "hooks.example.test"}, "url"),
        ({"url": "ftp://hooks.example.test/x"}, "url"),
        ([], "body"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field(staff_api: Client, gateways: Any, body: Any, field: str) -> None:
    response = post(staff_api, body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert response.json()["detail"].startswith(f"{field}: ")
    assert not WebhookSubscription.objects.exists()


def test_get_lists_and_shows_subscriptions_and_delete_unsubscribes(
    staff_api: Client, subscribe: Callable[..., tuple[int, str]], publish: Callable[..., Any]
) -> None:
    first, _ = subscribe(URL)
    second, _ = subscribe(URL + "/2", {"kind": ["added"]})
    listed = staff_api.get("/catalog/v1/webhooks").json()["data"]
    assert [(s["id"], s["url"], s["filters"]) for s in listed] == [(first, URL, {}), (second, URL + "/2", {"kind": ["added"]})]
    assert staff_api.get(f"/catalog/v1/webhooks/{second}").json() == listed[1]
    publish("groq", models("acme/alpha"))
    assert WebhookDelivery.objects.count() == 2

    assert staff_api.delete(f"/catalog/v1/webhooks/{first}").status_code == 204
    assert list(WebhookSubscription.objects.values_list("pk", flat=True)) == [second]
    assert list(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == [second]
    for verb in ("get", "delete"):
        response = getattr(staff_api, verb)(f"/catalog/v1/webhooks/{first}")
        assert response.status_code == 404 and response.json() == {"detail": f"no webhook subscription {first}"}
    assert staff_api.get(f"/catalog/v1/webhooks/{2**63}").status_code == 404
