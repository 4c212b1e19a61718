"""Anonymous reads are throttled per client address (docs/security.md, "Throttling"). The address is
REMOTE_ADDR with DJANGO_NUM_PROXIES=0, else the entry of X-Forwarded-For that the nearest of our own
proxies appended: whatever a client writes into X-Forwarded-For itself never resets its budget."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
THROTTLED_READS = [
    "/v1/models?limit=1",
    "/catalog/v1/models?limit=1",
    "/catalog/v1/models/acme/none",
    "/catalog/v1/gateways",
    "/catalog/v1/providers",
    "/catalog/v1/changes",
    "/catalog/v1/deprecations",
    "/v1/models/acme/none",
    "/health/gateways",
    "/health/gateways/groq",
    "/api/schema/",
]


@pytest.fixture
def three_per_minute(settings: Any) -> None:
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": "3/min"}}


def statuses(client: Client, path: str, forwarded: list[str] | None = None, remote: str = "203.0.113.50") -> list[int]:
    results = []
    for index in range(4):
        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded[index % len(forwarded)]
        results.append(client.get(path, **extra).status_code)
    return results


@pytest.mark.parametrize("path", THROTTLED_READS)
def test_every_anonymous_read_is_throttled_and_probes_are_not(three_per_minute: None, path: str) -> None:
    answered = 404 if "/none" in path else 200  # an unknown model is still a counted read
    assert statuses(Client(), path) == [answered, answered, answered, 429]
    for probe in ("/healthz", "/readyz"):  # load balancers poll these from one address
        assert {Client().get(probe, REMOTE_ADDR="203.0.113.50").status_code for _ in range(5)} == {200}


def test_without_proxies_a_forged_forwarded_for_does_not_reset_the_limit(three_per_minute: None, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    forged = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]
    assert statuses(Client(), "/v1/models?limit=1", forged) == [200, 200, 200, 429]
    # Another real address has its own budget.
    assert statuses(Client(), "/v1/models?limit=1", remote="203.0.113.99")[0] == 200


def test_behind_one_proxy_a_forged_forwarded_for_prefix_does_not_reset_the_limit(three_per_minute: None, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The client sends its own X-Forwarded-For; our proxy appends the address it saw.
    forged = [f"198.51.100.{n}, 192.0.2.7" for n in range(1, 5)]
    assert statuses(Client(), "/v1/models?limit=1", forged, remote="10.0.0.2") == [200, 200, 200, 429]
    # The proxy's own address is not the client's: another client through the same proxy is counted apart.
    assert statuses(Client(), "/v1/models?limit=1", ["192.0.2.8"], remote="10.0.0.2")[0] == 200


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right(three_per_minute: None, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    forged = [f"198.51.100.{n}, 192.0.2.7, 10.0.0.3" for n in range(1, 5)]
    assert statuses(Client(), "/v1/models?limit=1", forged, remote="10.0.0.2") == [200, 200, 200, 429]
    assert statuses(Client(), "/v1/models?limit=1", ["192.0.2.9, 10.0.0.3"], remote="10.0.0.2")[0] == 200


@pytest.mark.parametrize(("value", "expected"), [(None, "0"), ("0", "0"), ("1", "1"), ("2", "2")])
def test_the_proxy_count_comes_from_the_environment(value: str | None, expected: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_NUM_PROXIES")}
    env.update(DJANGO_DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    if value is not None:
        env["DJANGO_NUM_PROXIES"] = value
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from rest_framework.settings import api_settings; print(api_settings.NUM_PROXIES)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "gatewayz_site.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr
