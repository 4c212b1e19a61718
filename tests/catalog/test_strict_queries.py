"""An unknown query parameter is a 400 that names it and lists what the endpoint accepts (a user
who sends `category=`, or `at=` where no history is read, must not get unfiltered data with no hint). The parameters old
clients send that mean nothing here stay accepted (catalog.responses.IGNORED_PARAMETERS)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from catalog.responses import IGNORED_PARAMETERS

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/catalog/v1/models": {"gateway", "limit", "offset", "q", "sort", "provider", "free", "at"},
    "/v1/models": {"gateway", "limit", "offset", "at"},
    "/catalog/v1/models/acme/alpha-chat": {"gateway", "at"},
    "/catalog/v1/models/acme/alpha-chat/prices": {"gateway", "component", "since", "until"},
    "/catalog/v1/changes": {"gateway", "since", "kind", "model", "component", "min_change_percent", "cursor", "limit", "offset"},
    "/catalog/v1/changes.atom": {"gateway", "since", "kind", "model", "component", "min_change_percent", "limit"},
    "/catalog/v1/deprecations": {"gateway", "limit", "offset"},
    "/catalog/v1/providers": set(),
    "/catalog/v1/gateways": set(),
}


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_an_unknown_parameter_is_a_400_listing_the_accepted_ones(small_catalog: Any, client: Client, path: str) -> None:
    name = "at" if path == "/catalog/v1/changes" else "category"  # `at` is a point-in-time read on the model reads
    response = client.get(path, {name: "2026-01-01T00:00:00Z", **({"gateway": "all"} if ENDPOINTS[path] else {})})
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (name, "unknown_parameter", "invalid_request_error")
    assert ENDPOINTS[path] <= set(error["valid_values"])
    assert error["message"].startswith(f"{name}: unknown parameter; this endpoint accepts: ")
    assert not set(error["valid_values"]) & IGNORED_PARAMETERS


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_the_parameters_old_clients_send_are_accepted_and_change_nothing(small_catalog: Any, client: Client, path: str) -> None:
    plain = client.get(path)
    with_old = client.get(path, {"include_huggingface": "true", "developer": "acme", "lang": "en", "page": "3", "_": "1712"})
    assert (plain.status_code, with_old.status_code) == (200, 200)
    assert with_old["ETag"] == plain["ETag"]
