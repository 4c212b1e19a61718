"""`manage.py check_gateways`: output and exit codes for each status, --json, --fix against a real
fake upstream on 127.0.0.1."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gateways.models import Gateway

from ..conftest import FakeUpstream
from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db


def check(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_gateways", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def only(db: Any) -> Any:
    """Keep just the gateways a test makes (the built-ins are disabled here)."""
    Gateway.objects.update(enabled=False)

    def make(slug: str, **fields: Any) -> Gateway:
        return make_gateway(slug, **fields)

    return make


def test_all_ok_exits_zero_and_prints_a_table(only: Any, gateway_keys: Any) -> None:
    gateway_keys(fresh="k")
    only("fresh", last_success_at=timezone.now() - timedelta(minutes=5), last_model_count=3)

    code, output = check("fresh")

    assert code == 0
    header, row = output.splitlines()[:2]
    assert header.split() == [
        "GATEWAY",
        "STATUS",
        "MODELS/MIN",
        "AGE/INTERVAL",
        "LAST",
        "SUCCESS",
        "FAILS",
        "CIRCUIT",
        "LAST",
        "ERROR",
    ]
    assert row.split()[:4] == ["fresh", "ok", "0/1", "5m/1h"]


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"last_success_at": "stale"}, "stale", 1),
        ({"consecutive_failures": 2, "last_error_kind": "timeout", "last_error": "timed out"}, "failing", 1),
        ({"last_success_at": "fresh", "consecutive_failures": 1, "last_error_kind": "http_status"}, "degraded", 1),
        ({}, "never_refreshed", 1),
        ({"enabled": False}, "disabled", 0),
    ],
)
def test_each_status_and_its_exit_code(only: Any, gateway_keys: Any, fields: dict[str, Any], status: str, code: int) -> None:
    gateway_keys(gw="k")
    moments = {"stale": timezone.now() - timedelta(hours=4), "fresh": timezone.now() - timedelta(minutes=1)}
    only("gw", **{k: moments.get(v, v) if isinstance(v, str) else v for k, v in fields.items()})

    got, output = check("gw", "--json")

    assert got == code
    payload = json.loads(output.split("some gateways are not ok")[0])
    assert payload["gateways"][0]["status"] == status
    assert payload["healthy"] is (code == 0)


def test_unconfigured_gateway_does_not_fail_the_check(only: Any, settings: Any) -> None:
    settings.GATEWAY_KEYS = {}
    only("nokey")
    code, output = check("nokey")
    assert code == 0
    assert "nokey" in output and "unconfigured" in output and "GATEWAY_KEY_NOKEY not set" in output


def test_unknown_slug_is_exit_two_naming_valid_ones(only: Any) -> None:
    code, output = check("nope")
    assert code == 2
    assert "unknown gateway(s): nope. Valid: " in output and "openrouter" in output


def test_fix_refreshes_only_the_unhealthy_gateways(only: Any, gateway_keys: Any, fake_upstream: FakeUpstream) -> None:
    gateway_keys(sick="k", well="k")
    fake_upstream.json("/sick/v1/models", openai_body(openai_item("a/one"), openai_item("a/two")))
    fake_upstream.json("/well/v1/models", openai_body(openai_item("a/three")))
    only("sick", base_url=fake_upstream.url + "/sick/v1", last_success_at=timezone.now() - timedelta(days=1))
    only("well", base_url=fake_upstream.url + "/well/v1", last_success_at=timezone.now() - timedelta(minutes=1))

    code, output = check("sick", "well", "--fix")

    assert code == 0
    assert [path for path, _ in fake_upstream.requests] == ["/sick/v1/models"]
    assert "fixing sick (stale)..." in output and "sick: success" in output
    assert Gateway.objects.get(slug="sick").last_model_count == 2


def test_fix_that_still_fails_exits_one(only: Any, gateway_keys: Any, fake_upstream: FakeUpstream) -> None:
    gateway_keys(down="k")
    fake_upstream.json("/down/v1/models", {"error": "boom"}, status=500)
    only("down", base_url=fake_upstream.url + "/down/v1")
    code, output = check("down", "--fix", "--verbose")
    assert code == 1
    assert "down: failed (http_status: HTTP 500" in output
