"""What staff read on the admin pages: one timestamp format and one way to say "how long ago", the
Add-gateway page's kind notes, the badge of a gateway that serves imported data without a key, and
charts that stay readable when there is nothing to draw."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from gateways.admin_kinds import notes_text
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_import
from gateways.registry import registered_kinds
from health.charts import HEIGHT, WIDTH, model_count_chart

from .scenarios import every_status, history, make_gateway

pytestmark = pytest.mark.usefixtures("no_builtin_gateways")
GROQ_BODY = Path(__file__).resolve().parents[1] / "fixtures" / "gateways" / "groq" / "models.json"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
# Django's default English formats, which the project replaces everywhere (gatewayz_site/formats).
DJANGO_DEFAULT = re.compile(r"\b(?:Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec)\.? \d+, \d{4}|[ap]\.m\.")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- 18: one timestamp format, one relative time ----------------------------------------------------


def test_every_admin_page_shows_timestamps_in_one_format(admin_client: Client, gateway_keys) -> None:
    gateways = every_status(now=timezone.now(), set_keys=gateway_keys)
    ok = gateways["ok"]
    run = RefreshRun.objects.filter(gateway=ok).first()
    pages = {
        "dashboard": "/admin/health/dashboard/",
        "gateway list": "/admin/gateways/gateway/",
        "gateway change": f"/admin/gateways/gateway/{ok.pk}/change/",
        "gateway health": f"/admin/gateways/gateway/{ok.pk}/health/",
        "run list": "/admin/gateways/refreshrun/",
        "run detail": f"/admin/gateways/refreshrun/{run.pk}/change/",
        "model list": "/admin/catalog/aimodel/",
    }
    success = timezone.localtime(ok.last_success_at).strftime("%Y-%m-%d %H:%M:%S")
    for name, url in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, name
        text = text_of(response.content.decode())
        assert TIMESTAMP.search(text), f"{name}: no timestamp"
        assert not DJANGO_DEFAULT.search(text), f"{name}: {DJANGO_DEFAULT.search(text).group(0)!r}"
        assert "minutes ago" not in text and "0 minutes" not in text, name
        if name in ("dashboard", "gateway list", "gateway change", "gateway health"):
            assert success in text, f"{name}: the last success is not shown as {success}"


def test_relative_times_use_the_same_steps_as_the_data_age(admin_client: Client, gateway_keys) -> None:
    """42 seconds is "42 s" everywhere: never "0 minutes ago" beside "42 s old"."""
    now = timezone.now()
    gateway = make_gateway(
        "recent-gw",
        last_success_at=now - timedelta(seconds=42),
        last_attempt_at=now - timedelta(seconds=42),
        last_outcome="success",
    )
    history(gateway, now=now, outcomes=[RefreshRun.Outcome.FAILED], every=timedelta(seconds=42))

    dashboard = text_of(admin_client.get("/admin/health/dashboard/").content.decode())
    page = text_of(admin_client.get(f"/admin/gateways/gateway/{gateway.pk}/health/").content.decode())

    assert re.search(r"data 4[2-4] s old", dashboard)  # the status reason
    assert re.search(r"\b4[2-4] s ago\b", dashboard)  # the recent failure, in the same steps
    assert re.search(r"\(4[2-4] s ago\), took", page)  # the last attempt
    assert "minute" not in dashboard.replace("60 min", "") and "minute" not in page


# --- 16: the Add-gateway page -----------------------------------------------------------------------


def test_add_page_shows_the_picked_kinds_notes_beside_the_kind_field(admin_client: Client) -> None:
    response = admin_client.get("/admin/gateways/gateway/add/?kind=groq")
    html = response.content.decode()

    picker = html[html.index('<div class="kind-picker">') : html.index("Which adapter parses this upstream.")]
    assert '<select name="kind"' in picker and 'id="kind-notes"' in picker  # the notes sit beside the select
    cards = dict(re.findall(r'<div class="kind-card" data-kind="([^"]+)"( hidden)?>', picker))
    assert set(cards) == set(registered_kinds())
    assert {kind for kind, hidden in cards.items() if not hidden} == {"groq"}  # the picked one; JS switches them
    groq = picker[picker.index('data-kind="groq"') :]
    assert "Context is <code>context_window</code>" in groq  # Markdown rendered as HTML
    assert "gateways/kind_notes.js" in html
    assert '<details class="kinds-reference">' in html and '<details class="kinds-reference" open' not in html
    assert picker.index("kind-picker") < html.index("kinds-reference")  # the reference comes below the form
    assert 'class="adapter-table"' not in picker


def test_kind_notes_are_markup_free_and_name_no_internal_documents() -> None:
    for kind, adapter in registered_kinds().items():
        text = notes_text(adapter)
        assert text, kind
        for leftover in ("UPSTREAMS", "shared/", "docs/", "()", " ;", "( ", " )"):
            assert leftover not in text, f"{kind}: {leftover!r} in {text!r}"
    notes = notes_text(registered_kinds()["deepinfra"])
    assert "(`DeepInfraModelsList`)" in notes  # a reference beside real words: only the reference goes
    assert notes_text(registered_kinds()["aimo"]).count("**The price unit is unverified**:") == 1


def test_notes_escape_markup_before_rendering_it() -> None:
    from gateways.admin_kinds import notes_html

    html = notes_html(registered_kinds()["aimo"])
    assert "<code>&lt;provider pubkey&gt;:&lt;model name&gt;</code>" in html
    assert "<strong>The price unit is unverified</strong>" in html


# --- 20: no key, but imported data ------------------------------------------------------------------


def test_a_gateway_without_key_serving_imported_data_says_so(admin_client: Client) -> None:
    imported = make_gateway("imported-gw", kind="groq", name="Imported")
    empty = make_gateway("empty-gw", kind="groq", name="Empty")
    run = gateway_import(gateway=imported, body=GROQ_BODY.read_bytes(), force=True)
    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message

    dashboard = admin_client.get("/admin/health/dashboard/").content.decode()
    changelist = admin_client.get("/admin/gateways/gateway/").content.decode()
    page = admin_client.get(f"/admin/gateways/gateway/{imported.pk}/health/").content.decode()

    for html in (dashboard, changelist, page):
        assert re.search(r'class="health-badge health-unconfigured"[^>]*>served, no key</span>', html)
    for html in (dashboard, changelist):  # the one with nothing to serve keeps "unconfigured"
        assert re.search(r'class="health-badge health-unconfigured"[^>]*>unconfigured</span>', html)
    assert re.search(
        r"GATEWAY_KEY_IMPORTED_GW is not set, so it is not refreshed; its stored list \(\d s old, fresh\) is served", dashboard
    )
    assert f"GATEWAY_KEY_{empty.slug.upper().replace('-', '_')} is not set; the gateway is not refreshed" in dashboard
    assert admin_client.get("/catalog/v1/models?gateway=imported-gw").json()["data"]  # what the badge says is served
    Gateway.objects.filter(pk=imported.pk).update(last_success_at=timezone.now() - timedelta(days=1))
    assert ">stale, no key</span>" in admin_client.get("/admin/health/dashboard/").content.decode()


# --- 22: readable charts ----------------------------------------------------------------------------


def test_charts_are_larger_and_say_in_words_what_they_show(admin_client: Client) -> None:
    assert (WIDTH, HEIGHT) >= (200, 44)  # was 150 x 34: too small to read
    now = timezone.now()
    never = make_gateway("never-gw")
    failed = make_gateway("failed-gw")
    runs = history(failed, now=now, outcomes=[RefreshRun.Outcome.FAILED] * 4)

    assert model_count_chart(runs).caption == "all 4 runs failed"
    assert model_count_chart([]).caption == "no runs yet"
    html = admin_client.get("/admin/health/dashboard/").content.decode()
    assert 'id="chart-legend"' in html
    legend = text_of(html[html.index('id="chart-legend"') : html.index("</p>", html.index('id="chart-legend"'))])
    assert "models published per run" in legend and "a failed run" in legend and "the latest run" in legend
    never_row = html[html.index(f'id="gateway-{never.slug}"') :]
    assert '<div class="spark spark-empty"' in never_row[: never_row.index("</tr>")]
    assert "no runs yet" in text_of(never_row[: never_row.index("</tr>")])
    failed_row = html[html.index(f'id="gateway-{failed.slug}"') :]
    assert '<figcaption class="caption">all 4 runs failed</figcaption>' in failed_row[: failed_row.index("</tr>")]
