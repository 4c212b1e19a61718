"""Reviewing held values in a real headless Chromium, against a live server (the drift guard:
gateways/held.py, gateways/admin_review.py; docs/admin.md "Held runs").

A staff member logs in, finds the gateway `held` on the dashboard, follows "Review held values",
reads what was held and why, approves, and the API then serves the held price; a second held run
is rejected, and the API keeps serving the stored price. The browser is the `browser` fixture
(tests/browser.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from catalog.models import ModelChange
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_import
from tests.factories import make_gateway, openai_body, openai_item

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IDS = [f"acme/model-{i}" for i in range(6)]
PASSWORD = "correct horse battery staple"  # noqa: S105 (a test user's)


def body(prompts: dict[str, str]) -> str:
    return json.dumps(openai_body(*(openai_item(m, prompt=prompts.get(m, "0.000001")) for m in IDS)))


def served_prompt(model_id: str) -> str:
    response = Client().get(f"/catalog/v1/models/{model_id}")
    assert response.status_code == 200
    return response.json()["data"]["pricing"]["prompt"]


def log_in(browser: webdriver.Chrome, live_server: Any, wait: WebDriverWait) -> None:
    browser.get(f"{live_server.url}/admin/login/?next=/admin/health/dashboard/")
    browser.find_element(By.ID, "id_username").send_keys("ops")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "health-gateways")))


def open_review(browser: webdriver.Chrome, wait: WebDriverWait, run: RefreshRun) -> None:
    """From the dashboard: the gateway row says held, its link opens the run's review page."""
    row = browser.find_element(By.ID, "gateway-acme")
    assert row.get_attribute("data-status") == "held"
    assert row.find_element(By.CSS_SELECTOR, ".health-badge").text == "HELD"  # CSS upper-cases it
    link = browser.find_element(By.ID, "review-acme")
    assert link.text == f"Review held values (run {run.pk})"
    link.click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "held-values")))


def test_staff_approves_one_held_run_and_rejects_another(browser: webdriver.Chrome, live_server: Any, gateway_keys: Any) -> None:
    gateway_keys(acme="sk-acme-0123456789")
    gateway = make_gateway("acme", name="Acme", options={"price_unit": "per_token"})
    assert gateway_import(gateway=gateway, body=body({})).outcome == "success"
    held = gateway_import(gateway=gateway, body=body({"acme/model-0": "0.00005"}))  # x50: held
    assert held.outcome == "held"
    User.objects.create_superuser("ops", "ops@example.com", PASSWORD)
    wait = WebDriverWait(browser, 20)

    log_in(browser, live_server, wait)
    open_review(browser, wait, held)
    rows = browser.find_elements(By.CSS_SELECTOR, "#held-values tr.held-row")
    assert [r.get_attribute("data-model") for r in rows] == ["acme/model-0"]
    assert "input_token 0.000001/token" in rows[0].text  # served now
    assert "input_token 0.00005/token" in rows[0].text  # held
    assert browser.find_element(By.ID, "held-reasons").text == "acme/model-0: input price x50 (0.000001 -> 0.00005)"
    assert served_prompt("acme/model-0") == "0.000001"

    browser.find_element(By.ID, "approve-held").click()
    message = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li.success")))
    assert message.text == (
        f"Approved the held values of 1 model of Acme (acme), run {held.pk}: published "
        "(1 model changed; the change feed and price history record it)."
    )
    assert served_prompt("acme/model-0") == "0.00005"
    assert list(ModelChange.objects.filter(kind="price_changed").values_list("upstream_id", flat=True)) == ["acme/model-0"]
    held.refresh_from_db()
    assert (held.review_state, held.reviewed_by) == ("approved", "ops")

    # A second suspect list: rejected, and the approved price stays served.
    again = gateway_import(gateway=gateway, body=body({"acme/model-0": "0.00005", "acme/model-1": "0.1"}))
    assert again.outcome == "held"
    browser.get(f"{live_server.url}/admin/health/dashboard/")
    open_review(browser, wait, again)
    browser.find_element(By.ID, "reject-held").click()
    message = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li.success")))
    assert message.text == f"Rejected the held values of 1 model of Acme (acme), run {again.pk}: the stored values stay served."
    assert served_prompt("acme/model-1") == "0.000001"
    again.refresh_from_db()
    assert again.review_state == "rejected"
    assert Gateway.objects.get(slug="acme").review_pending is False

    browser.get(f"{live_server.url}/admin/health/dashboard/")
    wait.until(expected_conditions.presence_of_element_located((By.ID, "health-gateways")))
    assert browser.find_element(By.ID, "gateway-acme").get_attribute("data-status") == "ok"
    assert browser.find_elements(By.ID, "review-acme") == []
