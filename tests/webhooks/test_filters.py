"""A subscription's filters decide which changes of a publish it is sent, with the change feed's
rules (lists: any of; filters: AND); a publish with no matching change makes no delivery."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from catalog.models import ModelChange, WebhookDelivery

from ..factories import make_model
from .conftest import models

pytestmark = pytest.mark.django_db


def delivered(subscription_id: int) -> list[list[tuple[str, str, str]]]:
    """Per delivery of the subscription, its changes as (gateway, model, kind)."""
    return [
        [(c["gateway"], c["model_id"], c["kind"]) for c in json.loads(body)["data"]["changes"]]
        for body in WebhookDelivery.objects.filter(subscription_id=subscription_id).order_by("id").values_list("body", flat=True)
    ]


@pytest.fixture
def history(publish: Callable[..., Any]) -> Callable[[], None]:
    """Three publishes: groq adds alpha and beta; openrouter adds alpha; groq reprices alpha's
    input by 50 % and beta's output by 5 %, and drops gamma... (see the assertions)."""

    def run() -> None:
        publish("groq", models("acme/alpha", "acme/beta"))
        publish("openrouter", models("acme/alpha"))
        publish(
            "groq",
            [make_model("acme/alpha", prompt="0.0000015"), make_model("acme/beta", completion="0.0000021")],
        )

    return run


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [[("groq", "acme/alpha", "added"), ("groq", "acme/beta", "added")], [("openrouter", "acme/alpha", "added")],
              [("groq", "acme/alpha", "price_changed"), ("groq", "acme/beta", "price_changed")]]),
        ({"gateway": ["openrouter"]}, [[("openrouter", "acme/alpha", "added")]]),
        ({"model": ["ACME/Beta"]}, [[("groq", "acme/beta", "added")], [("groq", "acme/beta", "price_changed")]]),
        ({"kind": ["price_changed"]}, [[("groq", "acme/alpha", "price_changed"), ("groq", "acme/beta", "price_changed")]]),
        ({"component": ["output_token"]}, [[("groq", "acme/beta", "price_changed")]]),
        ({"component": ["input_token", "output_token"]}, [[("groq", "acme/alpha", "price_changed"), ("groq", "acme/beta", "price_changed")]]),
        ({"min_change_percent": 10}, [[("groq", "acme/alpha", "price_changed")]]),
        ({"min_change_percent": 50}, [[("groq", "acme/alpha", "price_changed")]]),
        ({"min_change_percent": 50.000001}, []),
        ({"gateway": ["groq"], "kind": ["added"], "model": ["acme/alpha"]}, [[("groq", "acme/alpha", "added")]]),
        ({"gateway": ["openrouter"], "kind": ["price_changed"]}, []),
    ],
)  # fmt: skip
def test_only_matching_changes_are_delivered(
    subscribe: Callable[..., tuple[int, str]], history: Callable[[], None], filters: dict[str, Any], expected: list[Any]
) -> None:
    subscription_id, _ = subscribe("https://hooks.example.test/x", filters)
    history()
    assert delivered(subscription_id) == expected
    assert ModelChange.objects.count() == 5  # every change was recorded, whatever the filters


def test_the_filters_agree_with_the_change_feed(
    subscribe: Callable[..., tuple[int, str]], history: Callable[[], None], client: Any
) -> None:
    """The same filters on the feed and on a subscription select the same changes."""
    cases = [
        ({"gateway": ["groq"]}, "gateway=groq"),
        ({"model": ["acme/alpha"]}, "model=acme/alpha"),
        ({"kind": ["added"]}, "kind=added"),
        ({"component": ["output_token"]}, "component=output_token"),
        ({"min_change_percent": 5}, "min_change_percent=5"),
    ]
    ids = {query: subscribe("https://hooks.example.test/x", filters)[0] for filters, query in cases}
    history()
    for query, subscription_id in ids.items():
        fed = [c["id"] for c in client.get(f"/catalog/v1/changes?cursor=&{query}").json()["data"]]
        pushed = [
            c["id"]
            for body in WebhookDelivery.objects.filter(subscription_id=subscription_id)
            .order_by("id")
            .values_list("body", flat=True)
            for c in json.loads(body)["data"]["changes"]
        ]
        assert pushed == fed and fed, query


def test_no_subscription_no_delivery_and_disabled_ones_get_none(
    subscribe: Callable[..., tuple[int, str]], publish: Callable[..., Any]
) -> None:
    from catalog.models import WebhookSubscription

    publish("groq", models("acme/alpha"))
    assert not WebhookDelivery.objects.exists()
    subscribe("https://hooks.example.test/x")
    WebhookSubscription.objects.update(enabled=False)
    publish("groq", models("acme/alpha", "acme/beta"))
    assert not WebhookDelivery.objects.exists()


def test_the_body_is_the_json_of_the_envelope_and_the_feed_items(
    subscribe: Callable[..., tuple[int, str]], publish: Callable[..., Any], client: Any
) -> None:
    """The body is assembled from pre-serialized items: it must equal serializing the whole."""
    import orjson

    subscription_id, _ = subscribe("https://hooks.example.test/x")
    publish("groq", models("acme/alpha", "acme/beta"))
    delivery = WebhookDelivery.objects.get()
    items = client.get("/catalog/v1/changes?cursor=").json()["data"]
    expected = {
        "type": "catalog.changes",
        "timestamp": delivery.created_at.isoformat(),
        "data": {"subscription": subscription_id, "changes": items},
    }
    assert delivery.body == orjson.dumps(expected).decode()
