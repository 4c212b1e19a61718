"""Real headless Chromium for the browser tests, from Debian's `chromium` and `chromium-driver`
(`make test` and `.ci/run` install them with `.ci/install-browser`). Selenium Manager is never used:
it would try to download a browser (the fixture also sets `SE_OFFLINE`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL = ".ci/install-browser (apt-get install -y chromium chromium-driver)"
ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1680,1200",
    "--force-device-scale-factor=1",
)


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> str | None:
    """Why the browser cannot start, or None."""
    if chromium_binary() is None or not os.access(CHROMEDRIVER, os.X_OK):
        return f"headless Chromium and {CHROMEDRIVER} are required; install them with {INSTALL}"
    return None


@contextmanager
def chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = chromium_binary()
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in (*ARGUMENTS, f"--user-data-dir={profile}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
