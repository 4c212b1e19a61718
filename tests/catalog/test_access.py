"""Catalog reads are public: credentials meant for someone else never cause a 401 and are never
logged; anonymous clients are throttled, staff are not."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

SECRET = "sk-upstream-0123456789abcdefSECRET"


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {SECRET}",
        "Bearer " + "a" * 40,  # looks like a DRF token, is not one
        "Token " + "b" * 40,
        "Token",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "garbage",
    ],
)
@pytest.mark.parametrize(
    "path",
    ["/v1/models", "/models", "/v1/models/acme/alpha-chat", "/catalog/v1/models", "/catalog/v1/models/acme/alpha-chat"],
)
def test_foreign_credentials_never_cause_a_401(small_catalog: Any, client: Client, path: str, authorization: str) -> None:
    response = client.get(path, HTTP_AUTHORIZATION=authorization, CONTENT_TYPE="application/json")
    assert response.status_code == 200


def test_credentials_are_never_logged(small_catalog: Any, client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for path in ("/v1/models", "/v1/models?gateway=nope", "/v1/models/no/such", "/catalog/v1/models?limit=x"):
        client.get(path, HTTP_AUTHORIZATION=f"Bearer {SECRET}", HTTP_X_API_KEY=SECRET)
    assert caplog.records  # the 4xx answers were logged...
    assert SECRET not in caplog.text  # ...without the credentials


@pytest.fixture
def three_per_minute(settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": "3/min"}}


def test_anonymous_clients_are_throttled_at_the_configured_rate(
    small_catalog: Any, client: Client, three_per_minute: None
) -> None:
    statuses = [client.get("/catalog/v1/models?limit=1").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/v1/models?limit=1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["type"] == "rate_limit_error"


def test_a_bearer_upstream_key_does_not_escape_the_throttle(small_catalog: Any, client: Client, three_per_minute: None) -> None:
    statuses = [client.get("/v1/models?limit=1", HTTP_AUTHORIZATION=f"Bearer {SECRET}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_staff_are_not_throttled(small_catalog: Any, client: Client, three_per_minute: None) -> None:
    staff = get_user_model().objects.create_user("ops", password="x", is_staff=True)
    token = Token.objects.create(user=staff)
    for scheme in ("Token", "Bearer"):
        statuses = {client.get("/v1/models?limit=1", HTTP_AUTHORIZATION=f"{scheme} {token.key}").status_code for _ in range(5)}
        assert statuses == {200}
    client.force_login(staff)
    assert {client.get("/catalog/v1/models?limit=1").status_code for _ in range(5)} == {200}


def test_signed_in_non_staff_users_are_throttled_per_account(small_catalog: Any, client: Client, three_per_minute: None) -> None:
    user = get_user_model().objects.create_user("reader", password="x")
    token = Token.objects.create(user=user)
    statuses = [client.get("/v1/models?limit=1", HTTP_AUTHORIZATION=f"Token {token.key}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/v1/models?limit=1").status_code == 200  # the anonymous bucket of this address is separate


def test_clients_behind_the_configured_proxies_are_told_apart(
    small_catalog: Any, client: Client, three_per_minute: None, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    first = [client.get("/v1/models?limit=1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code for _ in range(4)]
    other = client.get("/v1/models?limit=1", HTTP_X_FORWARDED_FOR="198.51.100.9").status_code
    assert (first, other) == ([200, 200, 200, 429], 200)


def test_anonymous_responses_do_not_vary_on_cookies(small_catalog: Any, client: Client) -> None:
    response = client.get("/v1/models?limit=1")
    # Origin is there for CORS (a request with one gets Access-Control-Allow-Origin, one without does not).
    assert {part.strip().lower() for part in response["Vary"].split(",")} == {"accept-encoding", "origin"}
