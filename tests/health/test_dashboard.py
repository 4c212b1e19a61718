"""The health dashboard: an admin page computed from stored results, staff only, constant queries."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.freshness import STATUSES
from gateways.models import Gateway, RefreshRun

from .conftest import csrf_token
from .scenarios import every_status, history, make_gateway, publish

pytestmark = pytest.mark.usefixtures("no_builtin_gateways")
URLS = ["/admin/health/dashboard/", "/health/gateways/dashboard"]


def row_of(html: str, slug: str) -> str:
    match = re.search(rf'<tr class="health-row[^"]*" id="gateway-{re.escape(slug)}".*?</tr>', html, re.S)
    assert match, f"no dashboard row for {slug}"
    return match.group(0)


def cells(row: str) -> list[str]:
    """The text of each cell of a dashboard row, tags removed and whitespace collapsed."""
    found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in found]


def key_cell(status: str, variable: str) -> str:
    """The key line of a dashboard row's gateway cell: whether the variable is set, and its name."""
    return f'<span class="health-sub">key {status}: <code>{variable}</code></span>'


def card_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-status="([a-z_]+)">\s*<span class="count">(\d+)</span>', html)
    return {status: int(count) for status, count in found}


@pytest.mark.parametrize("url", URLS)
def test_dashboard_shows_every_gateway_with_its_status_and_summary_cards(admin_client: Client, gateway_keys, url: str) -> None:
    gateways = every_status(now=timezone.now(), set_keys=gateway_keys)

    response = admin_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert card_counts(html) == dict.fromkeys(STATUSES, 1)
    for status, gateway in gateways.items():
        row = row_of(html, gateway.slug)
        assert f'data-status="{status}"' in row
        assert f"<code>{gateway.slug}</code>" in row


def test_dashboard_rows_carry_the_figures(admin_client: Client, gateway_keys) -> None:
    now = timezone.now()
    gateways = every_status(now=now, set_keys=gateway_keys)

    html = admin_client.get(URLS[0]).content.decode()

    ok, failing = row_of(html, gateways["ok"].slug), row_of(html, gateways["failing"].slug)
    succeeded = timezone.localtime(gateways["ok"].last_success_at).strftime("%Y-%m-%d %H:%M:%S")
    assert cells(ok) == [
        "Ok Gw ok-gw · openrouter · priority 0 key not needed: GATEWAY_KEY_OK_GW",
        "ok data 10 min old; refreshed every 60 min",
        "3 / 1 last fetch 3",  # active models / min_expected_models, then the last run's count
        f"10 min {succeeded} every 60 min, stale after 3 h",  # the age, and the last success it counts from
        "420 ms no failures circuit closed",
        "0.5 – 1.5",  # prompt price range, USD per 1M tokens
        "Models published over the last 6 runs: latest 45, peak 45 latest 45 models, peak 45 models"
        " Duration (ms) over the last 6 runs: latest 585, peak 585 latest 585 ms, peak 585 ms",
        "Refresh",
    ]
    assert key_cell("not needed", "GATEWAY_KEY_OK_GW") in ok
    assert cells(failing)[:7] == [
        "Failing Gw failing-gw · groq · priority 0 key configured: GATEWAY_KEY_FAILING_GW",
        "failing the last 3 refreshes failed (unauthorized (401/403)); no live data yet"
        " unauthorized (401/403): why it failed HTTP 401 from https://failing.example/v1/models:"
        ' <script>alert("x")</script> (check the gateway\'s key)',
        "0 / 1",
        "no data every 60 min, stale after 3 h",
        "95 ms 3 failed in a row circuit closed",
        "-",
        # every run failed: said in words, not only as red dots on an empty chart
        "Models published: no figures in the last 3 runs; 3 failed all 3 runs failed"
        " Duration (ms) over the last 3 runs: latest 474, peak 474; 3 failed latest 474 ms, peak 474 ms; 3 failed",
    ]
    assert "<script>" not in failing  # the upstream's text is escaped
    assert key_cell("configured", "GATEWAY_KEY_FAILING_GW") in failing
    unconfigured = row_of(html, gateways["unconfigured"].slug)
    assert cells(unconfigured)[1] == "unconfigured GATEWAY_KEY_UNCONFIGURED_GW is not set; the gateway is not refreshed"
    assert cells(unconfigured)[6] == "no runs yet no runs yet"  # readable text, not an empty chart
    assert key_cell("missing", "GATEWAY_KEY_UNCONFIGURED_GW") in unconfigured


def test_a_failing_gateway_labels_its_model_count_as_the_last_success_s(admin_client: Client, gateway_keys) -> None:
    """The count is that of the last successful fetch: after a failure it must not read as the failed fetch's."""
    gateway_keys(**{"flaky-gw": "k-flaky"})
    make_gateway(
        "flaky-gw",
        kind="groq",
        last_success_at=timezone.now() - timedelta(hours=5),
        last_outcome=RefreshRun.Outcome.FAILED,
        consecutive_failures=1,
        last_model_count=16,
    )

    row = row_of(admin_client.get(URLS[0]).content.decode(), "flaky-gw")

    assert cells(row)[2] == "0 / 1 16 at last success"
    assert "last fetch" not in row


def test_dashboard_never_shows_a_key_value(admin_client: Client, gateway_keys) -> None:
    every_status(now=timezone.now(), set_keys=gateway_keys)

    html = admin_client.get(URLS[0]).content.decode()

    assert "k-failing" not in html and "k-degraded" not in html


def test_upstream_error_text_is_escaped_not_rendered(admin_client: Client, gateway_keys) -> None:
    every_status(now=timezone.now(), set_keys=gateway_keys)

    html = admin_client.get(URLS[0]).content.decode()

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_recent_failures_list_their_messages_newest_first(admin_client: Client, gateway_keys) -> None:
    now = timezone.now()
    gateways = every_status(now=now, set_keys=gateway_keys)

    html = admin_client.get(URLS[0]).content.decode()

    section = html[html.index('id="health-failures"') :]
    slugs = re.findall(r"<td>[^<]* <code>([a-z-]+-gw)</code></td>", section)
    failed = RefreshRun.objects.filter(outcome=RefreshRun.Outcome.FAILED).order_by("-started_at", "-id")
    assert slugs == [run.gateway.slug for run in failed]
    assert gateways["failing"].slug in slugs and "Unauthorized (401/403)".lower() in section.lower()


def test_prices_are_shown_per_million_tokens_from_per_token_values(admin_client: Client) -> None:
    now = timezone.now()
    gateway = make_gateway("priced-gw", last_success_at=now, last_outcome="success")
    publish(gateway, 3, now=now, prompt="0.0000005")  # 0.5, 1.0 and 1.5 USD per 1M tokens

    html = admin_client.get(URLS[0]).content.decode()

    assert "USD per 1M tokens" in html
    assert "0.5 – 1.5" in row_of(html, "priced-gw")


def test_charts_are_inline_svg_from_run_history(admin_client: Client) -> None:
    now = timezone.now()
    gateway = make_gateway("charted-gw", last_success_at=now, last_outcome="success")
    history(gateway, now=now, outcomes=["success", "success", "failed", "success"])

    row = row_of(admin_client.get(URLS[0]).content.decode(), "charted-gw")

    charts = re.findall(r"<svg class=\"spark\".*?</svg>", row, re.S)
    assert len(charts) == 2
    models, latency = charts
    # The failed run breaks the model-count line in two and is marked red in both charts.
    assert models.count("<polyline") == 2 and models.count('class="dot-failed"') == 1
    assert latency.count("<polyline") == 1 and latency.count('class="dot-failed"') == 1
    assert "Models published over the last 4 runs: latest 43, peak 43; 1 failed" in models


def test_dashboard_query_count_does_not_grow_with_gateways(admin_client: Client, gateway_keys) -> None:
    now = timezone.now()
    every_status(now=now, set_keys=gateway_keys)
    admin_client.get(URLS[0])  # warm the session and permission caches

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(URLS[0]).status_code == 200
    for index in range(12):
        gateway = make_gateway(f"more-{index}", last_success_at=now - timedelta(minutes=index), last_outcome="success")
        publish(gateway, 2, now=now)
        history(gateway, now=now, outcomes=["success", "failed", "success"])
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(URLS[0])
    assert response.status_code == 200
    assert Gateway.objects.count() == 20
    assert len(many.captured_queries) == len(few.captured_queries)


def test_status_filter_shows_only_that_status(admin_client: Client, gateway_keys) -> None:
    gateways = every_status(now=timezone.now(), set_keys=gateway_keys)

    html = admin_client.get(URLS[0], {"status": "failing"}).content.decode()

    assert re.findall(r'id="gateway-([a-z-]+)"', html) == [gateways["failing"].slug]
    assert card_counts(html) == dict.fromkeys(STATUSES, 1)  # the cards still count everything


# --- refresh buttons --------------------------------------------------------------------------


def test_refresh_button_queues_one_gateway_on_commit_and_redirects_with_a_message(
    csrf_admin_client: Client, queued_tasks, django_capture_on_commit_callbacks
) -> None:
    gateway = make_gateway("button-gw")
    token = csrf_token(csrf_admin_client, URLS[0])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = csrf_admin_client.post(URLS[0], {"gateway": "button-gw", "csrfmiddlewaretoken": token})
    assert queued_tasks.refreshes == []  # nothing reaches the broker before the commit
    for callback in callbacks:
        callback()

    assert response.status_code == 302 and response["Location"] == URLS[0]
    run = RefreshRun.objects.get(gateway=gateway)
    assert run.outcome == RefreshRun.Outcome.QUEUED and run.trigger == RefreshRun.Trigger.MANUAL
    assert queued_tasks.refreshes == [((gateway.pk,), {"force": False, "trigger": "manual", "run_id": run.pk})]
    page = csrf_admin_client.get(URLS[0]).content.decode()
    run_link = f'<a href="/admin/gateways/refreshrun/{run.pk}/change/">run {run.pk}</a>'
    assert f"Queued refresh for 1 gateway: Button Gw (button-gw), {run_link}." in page
    assert '<span class="health-tag">queued</span>' in row_of(page, "button-gw")


def test_refresh_all_queues_enabled_configured_gateways_and_reports_the_rest(
    admin_client: Client, queued_tasks, gateway_keys, django_capture_on_commit_callbacks
) -> None:
    gateways = every_status(now=timezone.now(), set_keys=gateway_keys)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(URLS[1], {"gateway": "*"}, follow=True)

    queued = {gateways[s].pk for s in ("ok", "stale", "failing", "degraded", "held", "never_refreshed")}
    assert set(queued_tasks.refreshed_ids) == queued
    html = response.content.decode()
    assert "Queued refresh for 6 gateways: " in html
    for run in RefreshRun.objects.filter(outcome=RefreshRun.Outcome.QUEUED):  # each run linked, as the action's message does
        assert (
            f'{run.gateway.name} ({run.gateway.slug}), <a href="/admin/gateways/refreshrun/{run.pk}/change/">run {run.pk}</a>'
            in html
        )
    assert "Not queued: Unconfigured Gw (unconfigured-gw): GATEWAY_KEY_UNCONFIGURED_GW is not set." in html


def test_refresh_of_an_unknown_gateway_says_so_and_queues_nothing(admin_client: Client, queued_tasks) -> None:
    response = admin_client.post(URLS[0], {"gateway": "nope"}, follow=True)

    assert response.status_code == 200
    assert "Unknown gateway &#x27;nope&#x27;; nothing was queued." in response.content.decode()
    assert queued_tasks.refreshes == [] and not RefreshRun.objects.exists()


def test_refresh_post_without_csrf_token_is_refused(csrf_admin_client: Client, queued_tasks) -> None:
    make_gateway("csrf-gw")

    response = csrf_admin_client.post(URLS[0], {"gateway": "csrf-gw"})

    assert response.status_code == 403
    assert not RefreshRun.objects.exists()


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_sent_to_the_login_page(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", URLS)
def test_non_staff_cannot_see_or_refresh(client: Client, plain_user: User, queued_tasks, url: str) -> None:
    make_gateway("guarded-gw")
    client.force_login(plain_user)

    assert client.get(url).status_code == 302
    response = client.post(url, {"gateway": "guarded-gw"})

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not RefreshRun.objects.exists()


def test_staff_without_change_permission_sees_no_buttons_and_cannot_refresh(
    client: Client, staff_viewer: User, queued_tasks
) -> None:
    make_gateway("viewonly-gw")
    client.force_login(staff_viewer)

    page = client.get(URLS[0])
    response = client.post(URLS[0], {"gateway": "viewonly-gw"})

    assert page.status_code == 200 and 'id="refresh-viewonly-gw"' not in page.content.decode()
    assert response.status_code == 403
    assert not RefreshRun.objects.exists()


def test_admin_index_links_to_the_dashboard(admin_client: Client) -> None:
    html = admin_client.get("/admin/").content.decode()

    assert 'href="/admin/health/dashboard/"' in html
