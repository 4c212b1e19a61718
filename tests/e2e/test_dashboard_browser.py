"""The health dashboard in a real headless Chromium, against a live server.

A staff member logs in through the admin login form, opens the dashboard, sees every gateway with
its status, presses "Refresh" on one and reads the confirmation. `SAVE_SCREENSHOT=1` also writes
docs/dashboard.png (off by default, so a test run never dirties the tree).

The browser is the `browser` fixture (tests/browser.py).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from gateways.models import Gateway, RefreshRun
from gateways.tasks import refresh_gateway
from tests.health.scenarios import history, make_gateway, publish

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("builtin_gateways")]


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Refresh tasks the live server queued (recorded here; no broker in this test)."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(refresh_gateway, "delay", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def build_gateways(set_keys: Any) -> dict[str, str]:
    """A realistic set of gateways, one per status; returns slug -> expected status."""
    Gateway.objects.all().delete()
    now = timezone.now()
    ok, failed, degraded = RefreshRun.Outcome.SUCCESS, RefreshRun.Outcome.FAILED, RefreshRun.Outcome.DEGRADED
    set_keys(groq="k1", together="k2", fireworks="k3", deepinfra="k4", acme="k5")

    def generic(slug: str, name: str, **fields: Any) -> Gateway:
        return make_gateway(slug, kind="openai_compatible", name=name, **fields)

    openrouter = make_gateway(
        "openrouter",
        name="OpenRouter",
        priority=100,
        min_expected_models=50,
        last_success_at=now - timedelta(minutes=7),
        last_attempt_at=now - timedelta(minutes=7),
        last_outcome=ok,
        last_latency_ms=812,
        last_model_count=57,
    )
    groq = make_gateway(
        "groq",
        kind="groq",
        name="Groq",
        priority=60,
        min_expected_models=5,
        last_success_at=now - timedelta(minutes=22),
        last_attempt_at=now - timedelta(minutes=22),
        last_outcome=ok,
        last_latency_ms=233,
        last_model_count=18,
    )
    deepinfra = generic(
        "deepinfra",
        "DeepInfra",
        priority=50,
        min_expected_models=10,
        last_success_at=now - timedelta(hours=5),
        last_attempt_at=now - timedelta(hours=5),
        last_outcome=ok,
        last_latency_ms=1490,
        last_model_count=12,
    )
    together = generic(
        "together",
        "Together",
        priority=55,
        min_expected_models=10,
        last_attempt_at=now - timedelta(minutes=4),
        last_outcome=failed,
        consecutive_failures=4,
        last_error='HTTP 401 from https://api.together.xyz/v1/models: {"error": "invalid api key"} (check the gateway\'s key)',
        last_error_kind="unauthorized",
        last_latency_ms=140,
    )
    fireworks = generic(
        "fireworks",
        "Fireworks",
        priority=55,
        min_expected_models=5,
        last_success_at=now - timedelta(minutes=48),
        last_attempt_at=now - timedelta(minutes=2),
        last_outcome=failed,
        consecutive_failures=1,
        last_latency_ms=60000,
        last_error="fetch exceeded its 60 s deadline",
        last_error_kind="timeout",
    )
    generic("cerebras", "Cerebras", priority=60)  # no key: unconfigured
    make_gateway("portkey", name="Portkey", priority=10, enabled=False)
    generic("acme", "Acme AI (OpenAI-compatible)", priority=20)  # never refreshed

    publish(openrouter, 57, now=now - timedelta(minutes=7), prompt="0.00000015")
    publish(groq, 18, now=now - timedelta(minutes=22), prompt="0.00000005")
    publish(deepinfra, 12, now=now - timedelta(hours=5), prompt="0.00000008")
    publish(fireworks, 9, now=now - timedelta(minutes=48), prompt="0.0000002")
    denied = ("unauthorized", together.last_error, 401)
    timeout = ("timeout", "fetch exceeded its 60 s deadline", None)
    unavailable = ("http_status", "HTTP 503 from https://api.deepinfra.com/v1/openai/models: upstream connect error", 503)
    history(openrouter, now=now, outcomes=[ok] * 9 + [failed] + [ok] * 10, models=38, failure=timeout)
    history(groq, now=now, outcomes=[ok] * 14, models=5)
    history(deepinfra, now=now, outcomes=[ok] * 6 + [failed, failed], every=timedelta(hours=2), models=7, failure=unavailable)
    history(together, now=now, outcomes=[failed] * 4, failure=denied)
    history(fireworks, now=now, outcomes=[ok, degraded, ok, ok, failed], models=6, failure=timeout)
    return {
        "openrouter": "ok",
        "groq": "ok",
        "deepinfra": "stale",
        "together": "failing",
        "fireworks": "degraded",
        "cerebras": "unconfigured",
        "portkey": "disabled",
        "acme": "never_refreshed",
    }


def test_staff_logs_in_sees_every_gateway_and_queues_a_refresh(
    browser: webdriver.Chrome, live_server: Any, gateway_keys: Any, queued: list
) -> None:
    expected = build_gateways(gateway_keys)
    User.objects.create_superuser("ops", "ops@example.com", "correct horse battery staple")
    wait = WebDriverWait(browser, 20)

    browser.get(f"{live_server.url}/admin/login/?next=/admin/health/dashboard/")
    browser.find_element(By.ID, "id_username").send_keys("ops")
    browser.find_element(By.ID, "id_password").send_keys("correct horse battery staple")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "health-gateways")))

    rows = browser.find_elements(By.CSS_SELECTOR, "#health-gateways tr.health-row")
    seen = {row.get_attribute("id").removeprefix("gateway-"): row.get_attribute("data-status") for row in rows}
    assert seen == expected
    badge = browser.find_element(By.CSS_SELECTOR, "#gateway-together .health-badge")
    assert badge.text == "FAILING"  # CSS upper-cases "failing"
    assert badge.value_of_css_property("background-color") == "rgba(207, 34, 46, 1)"
    cards = {
        c.get_attribute("data-status"): c.find_element(By.CLASS_NAME, "count").text
        for c in browser.find_elements(By.CSS_SELECTOR, ".health-card")
    }
    assert cards == {
        "ok": "2",
        "stale": "1",
        "failing": "1",
        "degraded": "1",
        "held": "0",
        "unconfigured": "1",
        "disabled": "1",
        "never_refreshed": "1",
    }

    browser.find_element(By.ID, "refresh-groq").click()
    message = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li.success")))

    run = RefreshRun.objects.get(gateway__slug="groq", outcome=RefreshRun.Outcome.QUEUED)
    assert message.text == (
        f"Queued refresh for 1 gateway: Groq (groq), run {run.pk}. "
        "The dashboard and each run show the result once a worker has run it."
    )
    assert message.find_element(By.TAG_NAME, "a").get_attribute("href").endswith(f"/admin/gateways/refreshrun/{run.pk}/change/")
    assert queued == [((run.gateway_id,), {"force": False, "trigger": "manual", "run_id": run.pk})]
    assert browser.find_element(By.CSS_SELECTOR, "#gateway-groq .health-tag").text == "queued"
    assert browser.find_element(By.ID, "refresh-cerebras").get_attribute("disabled") == "true"

    if os.environ.get("SAVE_SCREENSHOT") == "1":
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1680, height)
        frame = browser.execute_script("return window.outerHeight - window.innerHeight")
        browser.set_window_size(1680, height + frame)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        assert browser.save_screenshot(str(SCREENSHOT))
