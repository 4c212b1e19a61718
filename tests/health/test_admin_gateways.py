"""The gateway admin: pages for every status, adding a gateway with no code, actions, permissions."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from catalog.models import AIModel
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_refresh
from gateways.registry import registered_kinds

from ..conftest import json_transport
from .conftest import csrf_token
from .scenarios import HOSTILE_ERROR, every_status, make_gateway

pytestmark = pytest.mark.usefixtures("no_builtin_gateways")
CHANGELIST = "/admin/gateways/gateway/"
ADD = "/admin/gateways/gateway/add/"


def change_url(gateway: Gateway) -> str:
    return f"/admin/gateways/gateway/{gateway.pk}/change/"


def add_form(**overrides: Any) -> dict[str, Any]:
    """The add form as a browser posts it, for an OpenAI-compatible gateway."""
    data = {
        "slug": "acme",
        "name": "Acme AI",
        "kind": "openai_compatible",
        "base_url": "https://api.acme.example/v1",
        "enabled": "on",
        "priority": "20",
        "options": '{"price_unit": "per_1m"}',
        "refresh_interval_seconds": "3600",
        "stale_after_seconds": "10800",
        "missing_grace_seconds": "86400",
        "min_expected_models": "1",
        "max_shrink_fraction": "0.5",
        "max_reject_fraction": "0.2",
        "drift_price_factor": "10",
        "drift_repriced_share": "0.5",
        "drift_field_share": "0.8",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def field_errors(response, field: str) -> list[str]:
    return [str(e) for e in response.context["adminform"].form.errors.get(field, [])]


def act(client: Client, action: str, gateways: list[Gateway], **extra: Any):
    data = {"action": action, "_selected_action": [g.pk for g in gateways], "index": "0", **extra}
    return client.post(CHANGELIST, data, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- pages -----------------------------------------------------------------------------------


def test_changelist_shows_every_status_and_the_health_columns(admin_client: Client, gateway_keys) -> None:
    gateways = every_status(now=timezone.now(), set_keys=gateway_keys)

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    for status in gateways:
        assert f'class="health-badge health-{status}"' in html
    key = '<span class="{}">{}</span><span class="health-sub"><code>GATEWAY_<wbr>KEY_<wbr>{}</code></span>'
    assert key.format("", "configured", "FAILING_<wbr>GW") in html
    assert key.format("health-low", "missing: set", "UNCONFIGURED_<wbr>GW") in html
    assert key.format("", "not needed, optional:", "OK_<wbr>GW") in html
    assert "3 / 1" in html  # active models / min expected
    assert "10 min</span> / 60 min" in html  # data age / refresh interval
    assert "<strong>unauthorized (401/403)</strong>" in html
    assert "k-failing" not in html and "k-degraded" not in html
    assert 'href="/admin/health/dashboard/"' in html


@pytest.mark.parametrize("status", ["ok", "stale", "failing", "degraded", "unconfigured", "disabled", "never_refreshed"])
def test_change_form_renders_for_every_status_with_read_only_health(admin_client: Client, gateway_keys, status: str) -> None:
    gateway = every_status(now=timezone.now(), set_keys=gateway_keys)[status]

    response = admin_client.get(change_url(gateway))

    assert response.status_code == 200
    form = response.context["adminform"].form
    for name in ("last_success_at", "last_error", "consecutive_failures", "circuit_state", "lease_token", "lease_expires_at"):
        assert name not in form.fields
    html = response.content.decode()
    assert "GATEWAY_KEY_" in html
    assert '<script>alert("x")</script>' not in html


def test_change_form_shows_the_last_error_escaped(admin_client: Client, gateway_keys) -> None:
    gateway = every_status(now=timezone.now(), set_keys=gateway_keys)["failing"]

    html = admin_client.get(change_url(gateway)).content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert HOSTILE_ERROR not in html


def test_add_form_offers_exactly_the_registered_kinds(admin_client: Client) -> None:
    response = admin_client.get(ADD)

    assert response.status_code == 200
    choices = [value for value, _ in response.context["adminform"].form.fields["kind"].choices if value]
    assert choices == list(registered_kinds())
    assert "last_success_at" not in response.context["adminform"].form.fields


def test_posting_health_fields_does_not_change_them(admin_client: Client) -> None:
    gateway = make_gateway("steady-gw", consecutive_failures=2, last_error="boom")

    response = admin_client.post(
        change_url(gateway),
        add_form(slug="steady-gw", kind="openrouter", base_url="", options="", consecutive_failures="0", last_error=""),
    )

    assert response.status_code == 302
    gateway.refresh_from_db()
    assert (gateway.consecutive_failures, gateway.last_error) == (2, "boom")


# --- adding a gateway with no code ------------------------------------------------------------


def test_openai_compatible_gateway_added_in_admin_refreshes_and_stores_models(
    admin_client: Client, gateway_keys, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD, add_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    gateway = Gateway.objects.get(slug="acme")
    assert (gateway.kind, gateway.options) == ("openai_compatible", {"price_unit": "per_1m"})

    gateway_keys(acme="acme-secret")
    seen: list[str] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": [
                    {"id": "acme/chat", "object": "model", "owned_by": "acme", "pricing": {"prompt": "0.5", "completion": "1.5"}},
                    {"id": "acme/embed-small", "object": "model", "owned_by": "acme"},
                ],
            },
        )

    run = gateway_refresh(gateway=gateway, transport=json_transport(upstream))

    assert run.outcome == RefreshRun.Outcome.SUCCESS, run.error_message
    assert seen == ["Bearer acme-secret"]
    stored = {m.upstream_id: m.pricing for m in AIModel.objects.filter(gateway=gateway, is_active=True)}
    assert stored == {
        "acme/chat": {"prompt": "0.0000005", "completion": "0.0000015"},
        "acme/embed-small": {"prompt": None, "completion": None},
    }


def test_invalid_json_options_are_a_form_error_not_a_500(admin_client: Client) -> None:
    response = admin_client.post(ADD, add_form(options='{"price_unit": "per_1m",}'))

    assert response.status_code == 200
    assert field_errors(response, "options") == [
        'Options must be valid JSON, for example {"price_unit": "per_1m"} (double quotes, no trailing commas).'
    ]
    assert not Gateway.objects.filter(slug="acme").exists()


@pytest.mark.parametrize(
    ("options", "kind", "message"),
    [
        ("[1, 2]", "openai_compatible", 'Options must be a JSON object like {"price_unit": "per_1m"}, not an array.'),
        ('"per_1m"', "openai_compatible", 'Options must be a JSON object like {"price_unit": "per_1m"}, not a string.'),
        (
            '{"price_units": "per_1m"}',
            "openai_compatible",
            "unknown option(s) price_units; allowed: chat_models, price_unit, requires_key",
        ),
        ('{"price_unit": "per_1k"}', "openai_compatible", "price_unit must be one of per_token, per_1m, not 'per_1k'"),
        ('{"price_unit": "per_1m"}', "groq", "Groq takes no options; unknown: price_unit"),
        (
            '{"endpoints_models": "openai/gpt-4o; anthropic"}',
            "openrouter",
            'endpoints_models must be model ids or patterns with * (letters, digits, . _ : ~ / -), comma-separated, e.g. "openai/gpt-4o, anthropic/*"',
        ),
        (
            '{"endpoints_models": ["openai/gpt-4o"]}',
            "openrouter",
            'endpoints_models must be model ids or patterns with * (letters, digits, . _ : ~ / -), comma-separated, e.g. "openai/gpt-4o, anthropic/*"',
        ),
        ('{"price_unit": "per_1m"}', "openrouter", "unknown option(s) price_unit; allowed: endpoints_models"),
    ],
)
def test_bad_options_are_explained_on_the_options_field(admin_client: Client, options: str, kind: str, message: str) -> None:
    response = admin_client.post(ADD, add_form(options=options, kind=kind))

    assert response.status_code == 200
    assert field_errors(response, "options") == [message]
    assert not Gateway.objects.filter(slug="acme").exists()


def test_an_openrouter_endpoints_selection_is_saved_from_admin(admin_client: Client) -> None:
    options = '{"endpoints_models": " openai/gpt-4o , anthropic/* "}'
    response = admin_client.post(ADD, add_form(slug="router-two", kind="openrouter", base_url="", options=options))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Gateway.objects.get(slug="router-two").options == {"endpoints_models": "openai/gpt-4o , anthropic/*"}


@pytest.mark.parametrize("stale_after", ["600", "3600"])
def test_a_stale_window_not_longer_than_the_refresh_interval_is_refused(admin_client: Client, stale_after: str) -> None:
    response = admin_client.post(ADD, add_form(refresh_interval_seconds="3600", stale_after_seconds=stale_after))

    assert response.status_code == 200
    assert field_errors(response, "stale_after_seconds") == [
        "must be longer than the refresh interval (3600 s): a shorter window labels the data stale for part of "
        "every interval. Three intervals (10800 s) is a good start."
    ]
    assert not Gateway.objects.filter(slug="acme").exists()


def test_generic_gateway_needs_a_base_url(admin_client: Client) -> None:
    response = admin_client.post(ADD, add_form(base_url=""))

    assert field_errors(response, "base_url") == ["OpenAI-compatible endpoint has no default URL; enter the base URL (…/v1)"]


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Acme", "Use lower case: 'acme'. The slug appears in URLs and in GATEWAY_KEY_ACME."),
        ("dashboard", "'dashboard' is reserved (it is a URL path); choose another slug."),
        (
            "near_ai",
            "'near-ai' already uses the variable GATEWAY_KEY_NEAR_AI (NEAR_AI); choose a slug that differs by more than - and _.",
        ),
    ],
)
def test_slugs_that_would_clash_are_refused(admin_client: Client, slug: str, message: str) -> None:
    make_gateway("near-ai")

    response = admin_client.post(ADD, add_form(slug=slug))

    assert field_errors(response, "slug") == [message]


def test_editing_what_is_fetched_makes_the_gateway_due(admin_client: Client, django_capture_on_commit_callbacks) -> None:
    gateway = make_gateway("edited-gw", kind="openai_compatible")

    response = admin_client.post(
        change_url(gateway), add_form(slug="edited-gw", base_url="https://other.example/v1"), follow=True
    )

    gateway.refresh_from_db()
    assert gateway.refresh_requested is True
    assert "Acme AI (edited-gw) refreshes at the next scheduler tick (within a minute), or use “Refresh now”." in page_messages(
        response
    )


# --- actions ---------------------------------------------------------------------------------


def test_refresh_now_queues_on_commit_and_reports_the_count(
    admin_client: Client, queued_tasks, django_capture_on_commit_callbacks
) -> None:
    gateways = [make_gateway(f"gw-{i}") for i in range(3)]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = act(admin_client, "refresh_now", gateways)
    assert queued_tasks.refreshes == []
    for callback in callbacks:
        callback()

    runs = {run.gateway_id: run.pk for run in RefreshRun.objects.filter(outcome=RefreshRun.Outcome.QUEUED)}
    links = "; ".join(
        f'Gw {i} (gw-{i}), <a href="/admin/gateways/refreshrun/{runs[g.pk]}/change/">run {runs[g.pk]}</a>'
        for i, g in enumerate(gateways)
    )
    assert page_messages(response) == [
        f"Queued refresh for 3 gateways: {links}. The dashboard and each run show the result once a worker has run it."
    ]
    assert sorted(queued_tasks.refreshes, key=lambda call: call[0]) == [
        ((g.pk,), {"force": False, "trigger": "manual", "run_id": runs[g.pk]}) for g in gateways
    ]


def test_refresh_now_skips_what_cannot_be_refreshed_and_says_why(
    admin_client: Client, queued_tasks, gateway_keys, django_capture_on_commit_callbacks
) -> None:
    gateways = every_status(now=timezone.now(), set_keys=gateway_keys)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, "refresh_now", [gateways["ok"], gateways["disabled"], gateways["unconfigured"]])

    run = RefreshRun.objects.get(outcome=RefreshRun.Outcome.QUEUED)
    assert page_messages(response) == [
        f'Queued refresh for 1 gateway: Ok Gw (ok-gw), <a href="/admin/gateways/refreshrun/{run.pk}/change/">run {run.pk}</a>. '
        "The dashboard and each run show the result once a worker has run it.",
        "Not queued: Disabled Gw (disabled-gw): disabled; Unconfigured Gw (unconfigured-gw): GATEWAY_KEY_UNCONFIGURED_GW is not set.",
    ]
    assert queued_tasks.refreshed_ids == [gateways["ok"].pk]


def test_refresh_now_twice_queues_once(admin_client: Client, queued_tasks, django_capture_on_commit_callbacks) -> None:
    gateway = make_gateway("twice-gw")

    with django_capture_on_commit_callbacks(execute=True):
        act(admin_client, "refresh_now", [gateway])
        response = act(admin_client, "refresh_now", [gateway])

    run = RefreshRun.objects.get(gateway=gateway)
    assert page_messages(response) == [f"Not queued: Twice Gw (twice-gw): a refresh is already queued (run {run.pk})."]
    assert queued_tasks.refreshed_ids == [gateway.pk]


def test_test_connection_takes_exactly_one_gateway(admin_client: Client) -> None:
    response = act(admin_client, "test_connection", [make_gateway("a-gw"), make_gateway("b-gw")])

    assert page_messages(response) == ["Test connection runs a live fetch: select exactly one gateway."]


def test_test_connection_reports_the_count_and_publishes_nothing(admin_client: Client, gateway_keys, loopback_upstream) -> None:
    gateway = make_gateway("probe-gw", kind="openai_compatible", base_url=loopback_upstream.base_url)
    gateway_keys(**{"probe-gw": "probe-secret"})
    loopback_upstream.routes["/v1/models"] = (200, {"data": [{"id": "m-1"}, {"id": "m-2"}, {"id": 7}]})

    response = act(admin_client, "test_connection", [gateway])

    messages = page_messages(response)
    assert re.fullmatch(
        r"Probe Gw \(probe-gw\): connection OK, 2 models parsed in \d+ ms \(1 rejected\)\. First ids: m-1, m-2\.", messages[0]
    )
    assert messages[1] == "Probe Gw (probe-gw): first item errors: item 2 (7): 'id' is a int, not a string"
    assert loopback_upstream.requests == [{"path": "/v1/models", "authorization": "Bearer probe-secret"}]
    assert not AIModel.objects.exists() and not RefreshRun.objects.exists()
    assert "probe-secret" not in response.content.decode()


def test_test_connection_reports_why_it_failed(admin_client: Client, gateway_keys, loopback_upstream) -> None:
    gateway = make_gateway("denied-gw", kind="openai_compatible", base_url=loopback_upstream.base_url)
    gateway_keys(**{"denied-gw": "wrong-key"})
    loopback_upstream.routes["/v1/models"] = (401, {"error": "invalid api key"})

    response = act(admin_client, "test_connection", [gateway])

    assert page_messages(response) == [
        f"Denied Gw (denied-gw): test failed (unauthorized): HTTP 401 from {loopback_upstream.base_url}/models: "
        '{"error": "invalid api key"} (check the gateway\'s key)'
    ]


def test_enable_marks_due_and_rebuilds_the_merged_catalog(
    admin_client: Client, queued_tasks, django_capture_on_commit_callbacks
) -> None:
    gateways = [make_gateway("off-1", enabled=False), make_gateway("off-2", enabled=False, kind="groq")]

    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, "enable", gateways)

    assert page_messages(response) == [
        "Enabled 2 gateways; they refresh at the next scheduler tick.",
        "Enabled but unconfigured until set in the environment: GATEWAY_KEY_OFF_2.",
    ]
    assert list(Gateway.objects.order_by("slug").values_list("enabled", "refresh_requested")) == [(True, True), (True, True)]
    assert queued_tasks.rebuilds == 1


def test_enable_refuses_a_kind_with_no_adapter(admin_client: Client, queued_tasks) -> None:
    gateway = make_gateway("ghost-gw", enabled=False)
    Gateway.objects.filter(pk=gateway.pk).update(kind="ghost")

    response = act(admin_client, "enable", [gateway])

    assert page_messages(response) == [
        "Enabled 0 gateways; they refresh at the next scheduler tick.",
        "Not enabled (no adapter is registered for their kind): Ghost Gw (ghost-gw).",
    ]
    assert Gateway.objects.get(pk=gateway.pk).enabled is False


def test_disable_keeps_stored_models(
    admin_client: Client, queued_tasks, gateway_keys, django_capture_on_commit_callbacks
) -> None:
    gateway = every_status(now=timezone.now(), set_keys=gateway_keys)["ok"]
    models_before = AIModel.objects.filter(gateway=gateway).count()

    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, "disable", [gateway])

    assert page_messages(response) == ["Disabled 1 gateway; they are no longer refreshed and their stored models are kept."]
    assert Gateway.objects.get(pk=gateway.pk).enabled is False
    assert AIModel.objects.filter(gateway=gateway).count() == models_before == 3
    assert queued_tasks.rebuilds == 1


# --- who may do it -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["refresh_now", "test_connection", "enable", "disable"])
def test_anonymous_and_non_staff_cannot_run_actions(client: Client, plain_user: User, queued_tasks, action: str) -> None:
    gateway = make_gateway("locked-gw", enabled=action != "enable")
    data = {"action": action, "_selected_action": [gateway.pk], "index": "0"}

    anonymous = client.post(CHANGELIST, data)
    client.force_login(plain_user)
    non_staff = client.post(CHANGELIST, data)

    for response in (anonymous, non_staff):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert queued_tasks.refreshes == [] and not RefreshRun.objects.exists()
    assert Gateway.objects.get(pk=gateway.pk).enabled is (action != "enable")


@pytest.mark.parametrize("action", ["refresh_now", "test_connection", "enable", "disable"])
def test_staff_without_change_permission_cannot_run_actions(
    client: Client, staff_viewer: User, queued_tasks, action: str
) -> None:
    gateway = make_gateway("viewed-gw", enabled=action != "enable")
    client.force_login(staff_viewer)

    response = client.post(CHANGELIST, {"action": action, "_selected_action": [gateway.pk], "index": "0"}, follow=True)

    assert response.status_code == 200
    assert queued_tasks.refreshes == [] and not RefreshRun.objects.exists()
    assert Gateway.objects.get(pk=gateway.pk).enabled is (action != "enable")


def test_staff_without_add_permission_cannot_add_gateways(client: Client, staff_viewer: User) -> None:
    client.force_login(staff_viewer)

    assert client.get(ADD).status_code == 403
    assert client.post(ADD, add_form()).status_code == 403
    assert not Gateway.objects.filter(slug="acme").exists()


def test_action_post_without_csrf_token_is_refused(csrf_admin_client: Client, queued_tasks) -> None:
    gateway = make_gateway("csrf-gw")
    data = {"action": "refresh_now", "_selected_action": [gateway.pk], "index": "0"}

    refused = csrf_admin_client.post(CHANGELIST, data)
    accepted = csrf_admin_client.post(CHANGELIST, {**data, "csrfmiddlewaretoken": csrf_token(csrf_admin_client, CHANGELIST)})

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert RefreshRun.objects.filter(gateway=gateway).count() == 1


def test_add_form_starts_with_empty_options_and_readable_help(admin_client: Client) -> None:
    response = admin_client.get(ADD)

    html = response.content.decode()
    assert response.context["adminform"].form["options"].value() == "{}"
    assert "GATEWAY_KEY_&lt;SLUG&gt;" in html and "GATEWAY_BASE_URL_&lt;SLUG&gt;" in html


def test_the_changelist_marks_priority_as_its_first_sort_not_slug(admin_client: Client) -> None:
    make_gateway("zeta-gw", priority=90)
    make_gateway("alpha-gw", priority=10)
    html = admin_client.get(CHANGELIST).content.decode()
    assert html.index("zeta-gw") < html.index("alpha-gw")  # the order the arrow claims
    sorted_columns = dict(
        re.findall(
            r'column-(\w+) sorted (?:ascending|descending)">\s*<div class="sortoptions">.*?sortpriority[^>]*>(\d)', html, re.S
        )
    )
    assert sorted_columns == {"priority": "1", "slug": "2"}  # the arrow is on Priority; Slug breaks ties
    assert 'column-priority sorted descending"' in html
