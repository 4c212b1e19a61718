"""A web front end on another origin reads the catalog from real Chromium (docs/security.md,
"Cross-origin reads"): the page is served by a second loopback server (the suite's
`fake_upstream`), so every fetch to the live server is cross-origin and the browser itself
enforces CORS."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from gateways.models import Gateway
from tests.health.scenarios import publish

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("builtin_gateways")]

# Runs in the page: each fetch reports its status and the headers a page may read, or the error.
FETCH = """
const [url, headers, done] = arguments;
fetch(url, {headers}).then(
  async (r) => done({status: r.status, etag: r.headers.get("ETag"), length: (await r.text()).length}),
  (e) => done({error: String(e)}),
);
"""


def fetch(browser: Any, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return browser.execute_async_script(FETCH, url, headers or {})


def test_a_page_on_another_origin_reads_and_revalidates_the_catalog_but_not_metrics(
    browser: Any, live_server: Any, fake_upstream: Any
) -> None:
    fake_upstream.json("/", {"page": "a web front end"})  # any document: what matters is its origin
    other_origin = fake_upstream.url
    publish(Gateway.objects.get(slug="groq"), 6, now=timezone.now())
    browser.set_script_timeout(20)
    browser.get(f"{other_origin}/")
    assert live_server.url.rsplit(":", 1)[1] != other_origin.rsplit(":", 1)[1]  # two origins

    listing = fetch(browser, f"{live_server.url}/v1/models?gateway=groq")
    assert listing.get("status") == 200, listing
    assert listing["etag"] and listing["length"] > 0  # ETag is exposed to the page

    # If-None-Match is not a simple header, so this goes through a preflight first.
    revalidated = fetch(browser, f"{live_server.url}/v1/models?gateway=groq", {"If-None-Match": listing["etag"]})
    assert revalidated.get("status") == 304, revalidated

    detail = fetch(browser, f"{live_server.url}/catalog/v1/models/groq/model-0")
    assert detail.get("status") == 200, detail

    metrics = fetch(browser, f"{live_server.url}/metrics")
    assert "Failed to fetch" in metrics.get("error", ""), metrics  # the browser refused to hand it over
