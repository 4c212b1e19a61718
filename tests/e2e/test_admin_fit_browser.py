"""The admin on a 1366x768 laptop screen, in real headless Chromium: the dashboard, the gateway and
model lists, a gateway's change and health pages and the Add-gateway page scroll only downwards.

Each page is saved as a screenshot under the test's tmp_path (never into the tree), so a person
can look at what the browser drew.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from gateways.models import Gateway
from tests.e2e.test_dashboard_browser import build_gateways

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("builtin_gateways")]

LAPTOP = (1366, 768)
PASSWORD = "correct horse battery staple"
# Horizontal overflow of the page, and of every box in the content that could scroll sideways on its
# own (the changelist's `.results` wrapper, a table's module, a <pre>): a scrollbar anywhere hides columns.
OVERFLOW = """
const root = document.documentElement;
const content = document.getElementById('content');
const wide = box => box.clientWidth > 0 && box.scrollWidth > box.clientWidth + 1;
const scrolls = box => ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
const boxes = [...content.querySelectorAll('*')].filter(box => wide(box) && scrolls(box));
for (const id of ['content', 'content-main']) {
  const box = document.getElementById(id);
  if (box && wide(box)) boxes.push(box);
}
return {
  page: [root.scrollWidth, root.clientWidth],
  boxes: boxes.map(b => b.tagName.toLowerCase() + (b.id ? '#' + b.id : '') + '.' + b.className + ' ' + b.scrollWidth + '>' + b.clientWidth),
};
"""


def log_in(browser: webdriver.Chrome, live_server: Any) -> None:
    User.objects.create_superuser("ops", "ops@example.com", PASSWORD)
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys("ops")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located((By.ID, "content-main")))


def set_viewport(browser: webdriver.Chrome, width: int, height: int) -> None:
    """The inner window (what the page lays out in) at exactly width x height."""
    browser.set_window_size(width, height)
    inner = browser.execute_script("return [window.innerWidth, window.innerHeight]")
    browser.set_window_size(2 * width - inner[0], 2 * height - inner[1])
    assert browser.execute_script("return [window.innerWidth, window.innerHeight]") == [width, height]


def assert_fits(browser: webdriver.Chrome, shots: Path, name: str) -> None:
    assert browser.save_screenshot(str(shots / f"{name}.png"))
    overflow = browser.execute_script(OVERFLOW)
    width, client = overflow["page"]
    assert width <= client, f"{name}: the page is {width} px wide in a {client} px window"
    assert overflow["boxes"] == [], f"{name}: content scrolls sideways: {overflow['boxes']}"


def visible(browser: webdriver.Chrome, selector: str) -> bool:
    """Whether the element is inside the window horizontally (not behind a scrollbar)."""
    return browser.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth;",
        selector,
    )


def test_admin_pages_fit_a_laptop_screen(browser: webdriver.Chrome, live_server: Any, gateway_keys: Any, tmp_path: Path) -> None:
    build_gateways(gateway_keys)
    groq = Gateway.objects.get(slug="groq")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    log_in(browser, live_server)
    set_viewport(browser, *LAPTOP)

    browser.get(f"{live_server.url}/admin/health/dashboard/")
    assert_fits(browser, shots, "dashboard")
    assert visible(browser, "#refresh-groq"), "the Refresh button is behind a scrollbar"
    assert visible(browser, "#gateway-groq .health-charts"), "the charts are behind a scrollbar"
    assert visible(browser, "#gateway-groq .health-charts .caption")

    browser.get(f"{live_server.url}/admin/gateways/gateway/")
    assert_fits(browser, shots, "gateway-list")

    browser.get(f"{live_server.url}/admin/catalog/aimodel/")
    assert_fits(browser, shots, "model-list")

    browser.get(f"{live_server.url}/admin/gateways/gateway/{groq.pk}/change/")
    assert_fits(browser, shots, "gateway-change")
    assert visible(browser, "#gateway-refresh-now")
    assert visible(browser, "#gateway-test-connection")

    browser.get(f"{live_server.url}/admin/gateways/gateway/{groq.pk}/health/")
    assert_fits(browser, shots, "gateway-health")

    browser.get(f"{live_server.url}/admin/gateways/gateway/add/")
    assert_fits(browser, shots, "gateway-add")
    notes = browser.find_element(By.ID, "kind-notes")
    Select(browser.find_element(By.ID, "id_kind")).select_by_value("groq")
    shown = [n for n in notes.find_elements(By.CSS_SELECTOR, "[data-kind]") if n.is_displayed()]
    assert [n.get_attribute("data-kind") for n in shown] == ["groq"]
    assert "context_window" in shown[0].text and "`" not in shown[0].text and "UPSTREAMS" not in shown[0].text
    assert shown[0].find_element(By.CSS_SELECTOR, ".kind-text code").text == "context_window"
    assert visible(browser, "#kind-notes [data-kind=groq]")
    assert_fits(browser, shots, "gateway-add-groq")
    reference = browser.find_element(By.CSS_SELECTOR, "details.kinds-reference")
    assert reference.get_attribute("open") is None  # collapsed until asked for
    reference.find_element(By.TAG_NAME, "summary").click()
    browser.execute_script("arguments[0].scrollIntoView()", reference)
    assert_fits(browser, shots, "gateway-add-reference")
    assert "UPSTREAMS" not in reference.text and "docs/" not in reference.text and "**" not in reference.text
