"""Swagger UI renders every catalog operation in a real browser with no internet: all its assets
come from drf-spectacular-sidecar through our own static files."""

from __future__ import annotations

from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.e2e]


def test_swagger_ui_lists_the_catalog_operations(transactional_db: Any, live_server: Any, browser: webdriver.Chrome) -> None:
    browser.get(f"{live_server.url}/api/docs/")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
    paths = {element.get_attribute("data-path") for element in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {
        "/catalog/v1/models",
        "/catalog/v1/models/{model_id}",
        "/catalog/v1/providers",
        "/catalog/v1/gateways",
        "/catalog/v1/changes",
        "/catalog/v1/deprecations",
        "/v1/models",
        "/v1/models/{model_id}",
        "/models",
    } <= paths
    failed = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert failed == []
