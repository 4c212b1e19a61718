"""/metrics: gateway series from stored data, refresh outcomes and durations, catalog request
counts; refused without staff or the metrics token."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token

from gateways.refresh import gateway_refresh

from ..conftest import json_transport
from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def refreshed(gateway_keys: Any) -> None:
    gateway_keys(acme="sk-metrics-canary")
    gateway = make_gateway("acme")
    gateway_refresh(
        gateway=gateway, transport=json_transport({"/v1/models": openai_body(openai_item("a/one"), openai_item("a/two"))})
    )
    gateway_refresh(gateway=gateway, transport=json_transport({}))  # 404: a permanent failure


def test_metrics_after_refreshes_carry_the_gateway_series(client: Any, settings: Any, refreshed: None) -> None:
    settings.METRICS_TOKEN = "prom-token-123"
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer prom-token-123")

    assert response.status_code == 200
    text = response.content.decode()
    found = samples(text)
    g = (("gateway", "acme"),)
    assert found[("gatewayz_gateway_models", g)] == 2
    assert found[("gatewayz_gateway_consecutive_failures", g)] == 1
    assert found[("gatewayz_gateway_status", (("gateway", "acme"), ("status", "degraded")))] == 1
    assert found[("gatewayz_gateway_circuit_state", (("gateway", "acme"), ("state", "closed")))] == 1
    assert found[("gatewayz_refresh_runs_total", (("error_kind", "none"), ("gateway", "acme"), ("outcome", "success")))] == 1
    assert found[("gatewayz_refresh_runs_total", (("error_kind", "not_found"), ("gateway", "acme"), ("outcome", "failed")))] == 1
    assert found[("gatewayz_refresh_duration_seconds_count", g)] == 2
    assert found[("gatewayz_refresh_duration_seconds_bucket", (("gateway", "acme"), ("le", "+Inf")))] == 2
    assert ("gatewayz_gateway_data_age_seconds", g) in found
    assert "sk-metrics-canary" not in text


def test_catalog_requests_are_counted_by_route(client: Any, settings: Any, db: Any) -> None:
    settings.METRICS_TOKEN = "prom-token-123"
    before = samples(client.get("/metrics", HTTP_AUTHORIZATION="Bearer prom-token-123").content.decode())
    client.get("/v1/does-not-exist")
    after = samples(client.get("/metrics", HTTP_AUTHORIZATION="Bearer prom-token-123").content.decode())
    key = ("gatewayz_catalog_requests_total", (("endpoint", "unmatched"), ("method", "GET"), ("status", "404")))
    assert after[key] - before.get(key, 0) == 1


@pytest.mark.parametrize(
    ("who", "header", "expected"),
    [
        ("anonymous", "", 401),
        ("wrong token", "Bearer nope", 401),
        ("non-staff api token", "user-token", 401),
        ("staff api token", "staff-token", 200),
        ("metrics token", "Bearer prom-token-123", 200),
    ],
)
def test_metrics_are_protected(client: Any, settings: Any, who: str, header: str, expected: int) -> None:
    settings.METRICS_TOKEN = "prom-token-123"
    staff = User.objects.create_user("ops", is_staff=True)
    user = User.objects.create_user("reader")
    tokens = {"staff-token": Token.objects.create(user=staff).key, "user-token": Token.objects.create(user=user).key}
    if header in tokens:
        header = f"Token {tokens[header]}"
    response = client.get("/metrics", HTTP_AUTHORIZATION=header) if header else client.get("/metrics")
    assert response.status_code == expected


def test_metrics_are_off_without_a_token_for_anonymous_callers(client: Any, settings: Any, db: Any) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_staff_session_can_read_metrics(client: Any, db: Any) -> None:
    client.force_login(User.objects.create_user("ops", is_staff=True))
    assert client.get("/metrics").status_code == 200
