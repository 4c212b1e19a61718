"""The declarations of the adapter base, each on a made-up upstream declared the way a new adapter
would be: what the base reads, rejects and warns from a declaration alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from gateways.adapters.base import Adapter
from gateways.adapters.pagination import PageNumbers
from gateways.adapters.values import ASSUMED_FROM_MAGNITUDE, PER_MILLION, PER_TOKEN
from gateways.client import build_client
from gateways.errors import AdapterError, ErrorKind


class OlderShape(Adapter):
    label = "Acme old list"
    id_field = "modelId"
    name_fields = ("title",)

    @classmethod
    def recognizes(cls, item: Any) -> bool:
        return "modelId" in item


class Declared(Adapter):
    kind = "declared-test"
    label = "Declared"
    default_base_url = "https://declared.example.test/v1"
    requires_key = False
    key_header = ("x-declared-key", "Token ")
    also_list_paths = ("image-models", "video-models")
    total_field = "meta.total"
    id_field, id_prefix = "name", "models/"
    sole_author = "declared"
    price_container = "pricing"
    price_fields = {"prompt": ("pricing.in",), "completion": ("pricing.out", ("pricing.out_per_m", PER_MILLION))}
    price_unit = PER_TOKEN
    extra_fields = ("tier", "meta.region")
    saved_shapes = (OlderShape,)


def normalize(item: dict[str, Any], adapter: type[Adapter] = Declared) -> Any:
    return adapter().normalize(item)


def test_a_declared_item_becomes_its_record() -> None:
    model = normalize(
        {"name": "models/acme-1", "pricing": {"in": "0.000001", "out_per_m": "4"}, "tier": "pro", "meta": {"region": "eu"}}
    )
    assert (model.id, model.provider_slug) == ("acme-1", "declared")
    assert model.pricing == {"prompt": Decimal("0.000001"), "completion": Decimal("0.000004")}
    assert model.price_unit == "per_1m_usd+per_token_usd"  # two conversions, both named
    assert model.extra == {"tier": "pro", "region": "eu"}  # a dotted path is kept under its last name


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"name": "models/"}, "name 'models/' has no model id after 'models/'"),
        ({"name": "models/x", "pricing": "free"}, "pricing is not an object"),
    ],
)
def test_what_a_declaration_cannot_read_rejects_the_item(item: dict[str, Any], reason: str) -> None:
    result = Declared().parse([item])
    assert (result.models, result.rejected, result.errors) == ([], 1, [f"item 0: {reason}"])


def test_an_item_in_a_saved_shape_is_read_by_that_shape() -> None:
    model = normalize({"modelId": "acme/old", "title": "Old one"})
    assert (model.id, model.name, model.provider_slug) == ("acme/old", "Old one", "acme")


def test_an_assumed_unit_is_labelled_by_the_magnitude_of_each_value() -> None:
    class Assumed(Adapter):
        price_fields = {"prompt": ("p",), "completion": ("c",)}
        price_unit = ASSUMED_FROM_MAGNITUDE

    model = normalize({"id": "m", "p": "2", "c": "0.0000001"}, Assumed)
    assert model.pricing == {"prompt": Decimal("0.000002"), "completion": Decimal("0.0000001")}
    assert model.price_unit == "per_1m_usd_assumed+per_token_usd_assumed"


def fetch(handler: Any) -> tuple[Any, Declared, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    adapter = Declared()
    with build_client(
        slug="declared-test", base_url=Declared.default_base_url, adapter=Declared, transport=httpx.MockTransport(recording)
    ) as client:
        try:
            return adapter.fetch(client), adapter, seen
        except Exception as exc:  # noqa: BLE001 - the test inspects what fetch raised
            return exc, adapter, seen


def test_sibling_lists_join_the_list_and_a_missing_one_is_a_warning() -> None:
    bodies = {
        "/v1/models": {"data": [{"name": "models/a"}], "meta": {"total": 3}},
        "/v1/image-models": {"data": [{"name": "models/b"}]},
    }

    items, adapter, seen = fetch(
        lambda r: httpx.Response(200, json=bodies[r.url.path]) if r.url.path in bodies else httpx.Response(404)
    )
    assert [item["name"] for item in items] == ["models/a", "models/b"]
    assert adapter.warnings == [
        "Declared says meta.total=3 but sent 1 models (its catalog may be capped)",
        "/video-models answered 404; its models are not in this list",
    ]
    assert [r.url.path for r in seen] == ["/v1/models", "/v1/image-models", "/v1/video-models"]


def test_a_sibling_list_that_fails_otherwise_fails_the_fetch() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": []}) if request.url.path == "/v1/models" else httpx.Response(503)

    outcome, _, _ = fetch(handler)
    assert isinstance(outcome, Exception) and getattr(outcome, "http_status", None) == 503


def test_the_key_travels_in_the_declared_header() -> None:
    assert Declared.auth_headers("k-1") == {"x-declared-key": "Token k-1"}


def test_feature_flags_become_parameter_names_hyphenated_or_not() -> None:
    class Flagged(Adapter):
        feature_fields = ("tags",)

    model = normalize({"id": "m", "tags": ["tool-use", "reasoning", "vision", "tools"]}, Flagged)
    assert model.supported_parameters == ("tools", "reasoning")  # `vision` has no parameter name; `tools` once


# -- options in the list path, name/value pairs, retirement dates, pages until an empty one ------


class Accounted(Adapter):
    kind = "accounted-test"
    label = "Accounted"
    default_base_url = "https://accounted.example.test/v2"
    requires_key = False
    list_path = "accounts/{account}/models"
    option_patterns = {"account": ("[a-z0-9-]{3,20}", "3 to 20 lower-case letters, digits or dashes")}
    pages = PageNumbers(2, current="info.page", total="info.pages", items="models")
    envelope_keys = ("models",)
    pairs_field = ("props", "key", "value")
    context_fields, feature_fields = ("props.window",), ("props",)
    retired_field = "props.retires"


def fetch_accounted(options: dict[str, Any], handler: Any) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    with build_client(
        slug="accounted-test", base_url=Accounted.default_base_url, adapter=Accounted, transport=httpx.MockTransport(recording)
    ) as client:
        try:
            return Accounted(options=options).fetch(client), seen
        except AdapterError as exc:
            return exc, seen


def test_an_option_the_list_path_names_is_required_and_lands_in_the_path() -> None:
    assert Accounted.configuration_problem({}) == (
        'Accounted needs account in the gateway\'s options ({"account": "..."}): its list is /accounts/{account}/models'
    )
    assert Accounted.configuration_problem({"account": "acme-1"}) is None
    assert Declared.configuration_problem({}) is None  # a path without options needs none

    models = {1: [{"id": "a"}, {"id": "b"}], 2: [{"id": "c"}], 3: []}
    items, seen = fetch_accounted(
        {"account": "acme-1"}, lambda r: httpx.Response(200, json={"models": models[int(r.url.params["page"])]})
    )
    assert [item["id"] for item in items] == ["a", "b", "c"]  # pages until an empty one: a short page is not the end
    assert [(r.url.path, r.url.params["page"]) for r in seen] == [("/v2/accounts/acme-1/models", str(n)) for n in (1, 2, 3)]


def test_without_the_option_the_fetch_is_unconfigured_and_sends_nothing() -> None:
    outcome, seen = fetch_accounted({}, lambda r: httpx.Response(200, json={"models": []}))
    assert isinstance(outcome, AdapterError) and outcome.kind == ErrorKind.UNCONFIGURED and seen == []


def test_a_stated_page_count_ends_the_pages() -> None:
    body = {"models": [{"id": "a"}, {"id": "b"}], "info": {"page": 2, "pages": 2}}
    assert Accounted.pages.next(body, {"page": 2}) is None
    assert Accounted.pages.next({**body, "info": {"page": 1, "pages": 2}}, {"page": 1}) == {"page": 2}
    assert Accounted.pages.next({"models": []}, {"page": 4}) is None
    assert Accounted.pages.next({"models": [{"id": "a"}]}, {"page": 4}) == {"page": 5}


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"acount": "acme"}, "unknown option(s) acount; allowed: account"),
        ({"account": "Acme Corp"}, "account must be 3 to 20 lower-case letters, digits or dashes"),
        ({"account": 12345}, "account must be 3 to 20 lower-case letters, digits or dashes"),
    ],
)
def test_declared_options_are_validated(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError) as raised:
        Accounted.clean_options(options)
    assert str(raised.value) == problem


def test_declared_options_are_stripped_and_empty_ones_dropped() -> None:
    assert Accounted.clean_options({"account": "  acme-1 "}) == {"account": "acme-1"}
    assert Accounted.clean_options({"account": ""}) == {}


def test_name_value_pairs_are_read_as_fields_and_the_raw_item_is_kept() -> None:
    item = {
        "id": "m",
        "props": [{"key": "window", "value": "32000"}, {"key": "tools", "value": "true"}, {"value": "nameless"}],
    }
    model = Accounted().normalize(item)
    assert (model.context_length, model.supported_parameters, model.raw) == (32000, ("tools",), item)


@pytest.mark.parametrize(("retires", "active"), [("2020-01-01", False), ("2999-01-01", True), (None, True)])
def test_a_past_retirement_date_is_inactive(retires: str | None, active: bool) -> None:
    model = Accounted().normalize({"id": "m", "props": [{"key": "retires", "value": retires}]})
    assert model.upstream_active is active
