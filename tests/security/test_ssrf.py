"""The outbound-request guard (docs/security.md, "SSRF"): a gateway URL that resolves to a loopback,
private, link-local or otherwise non-public address is refused at fetch time, after DNS resolution,
whichever way the URL arrived (admin record, GATEWAY_BASE_URL_<SLUG>, a redirect, a next-page link),
unless GATEWAY_ALLOW_PRIVATE_HOSTS is true; plain http to a public host needs
`Gateway.allow_insecure_http`; the real transport connects only to the address it checked."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.client import build_client
from gateways.errors import AdapterError
from gateways.fetch import fetch_json
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_refresh

from ..conftest import FakeUpstream
from ..factories import make_gateway, openai_body, openai_item

PUBLIC = "93.184.216.34"
METADATA = "169.254.169.254"
BODY = openai_body(openai_item("acme/alpha"))


class Dns:
    """A fake resolver for `gateways.addresses.resolve_host`: host -> answers, one per call in turn (the
    last answer repeats), so a test can change an answer between two requests (DNS rebinding)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answers = self.answers.get(host, [PUBLIC])
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return [answer]


@pytest.fixture
def guard_on(settings: Any, monkeypatch: pytest.MonkeyPatch, gateway_keys: Any) -> Dns:
    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = False
    gateway_keys(acme="sk-acme-0123456789")
    dns = Dns({})
    monkeypatch.setattr("gateways.addresses.resolve_host", dns)
    return dns


class Upstream:
    """A MockTransport that records every request it is asked to send."""

    def __init__(self, handler: Any = None) -> None:
        self.seen: list[str] = []
        self.handler = handler or (lambda request: httpx.Response(200, json=BODY))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(str(request.url))
        return self.handler(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def refresh(gateway: Gateway, upstream: Upstream) -> RefreshRun:
    return gateway_refresh(gateway=gateway, transport=upstream.transport)


# --- the base URL, from the admin record or the environment ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.0.0.8", "172.20.1.1", "192.168.1.1", METADATA, "::1", "fe80::1", "fd12::1", "100.64.0.1"]
)
def test_a_stored_base_url_that_resolves_to_a_non_public_address_is_refused(guard_on: Dns, address: str) -> None:
    guard_on.answers["internal.example.test"] = [address]
    gateway = make_gateway("acme", base_url="https://internal.example.test/v1")
    upstream = Upstream()

    run = refresh(gateway, upstream)

    assert (run.outcome, run.error_kind, run.retryable) == ("failed", "forbidden_host", False)
    assert f"resolves to a non-public address ({address})" in run.error_message
    assert upstream.seen == []


@pytest.mark.django_db
def test_the_environment_base_url_override_is_checked_too(guard_on: Dns, settings: Any) -> None:
    guard_on.answers["metadata.example.test"] = [METADATA]
    settings.GATEWAY_BASE_URLS = {"ACME": "https://metadata.example.test/latest"}
    gateway = make_gateway("acme", base_url="https://api.example.test/v1")
    upstream = Upstream()

    run = refresh(gateway, upstream)

    assert (run.outcome, run.error_kind) == ("failed", "forbidden_host")
    assert guard_on.calls == ["metadata.example.test"]
    assert upstream.seen == []


@pytest.mark.django_db
def test_private_hosts_are_allowed_only_when_the_setting_says_so(guard_on: Dns, settings: Any) -> None:
    guard_on.answers["fake.example.test"] = ["127.0.0.1"]
    gateway = make_gateway("acme", base_url="https://fake.example.test/v1")
    assert refresh(gateway, Upstream()).error_kind == "forbidden_host"

    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = True
    upstream = Upstream()
    assert refresh(gateway, upstream).outcome == "success"
    assert upstream.seen == ["https://fake.example.test/v1/models"]


@pytest.mark.django_db
def test_plain_http_to_a_public_host_needs_allow_insecure_http_on_the_gateway(guard_on: Dns) -> None:
    gateway = make_gateway("acme", base_url="http://api.example.test/v1")
    run = refresh(gateway, Upstream())
    assert (run.outcome, run.error_kind) == ("failed", "forbidden_host")
    assert "plain http to public host api.example.test is refused" in run.error_message

    gateway.allow_insecure_http = True
    gateway.save()
    assert refresh(gateway, Upstream()).outcome == "success"


# --- redirects and next-page links -------------------------------------------------------------------


def redirect_to(location: str) -> Upstream:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/models":
            return httpx.Response(302, headers={"location": location})
        return httpx.Response(200, json=BODY)

    return Upstream(handler)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("location", "kind"),
    [
        (f"https://{METADATA}/latest/meta-data/", "redirect"),  # another host
        ("https://127.0.0.1/v1/models", "redirect"),
        ("http://api.example.test/v2/models", "redirect"),  # a downgrade to plain http, same host
        ("https://api.example.test:8443/v2/models", "redirect"),  # another port of the same host
    ],
)
def test_a_redirect_off_the_gateways_origin_is_refused(guard_on: Dns, location: str, kind: str) -> None:
    gateway = make_gateway("acme", base_url="https://api.example.test/v1")
    upstream = redirect_to(location)

    run = refresh(gateway, upstream)

    assert (run.outcome, run.error_kind) == ("failed", kind)
    assert "only https://api.example.test/ may be fetched" in run.error_message
    assert upstream.seen == ["https://api.example.test/v1/models"]


@pytest.mark.django_db
def test_a_same_host_redirect_is_checked_again_after_resolution(guard_on: Dns) -> None:
    # First answer public, second private: the redirect target is resolved and refused.
    guard_on.answers["api.example.test"] = [PUBLIC, "10.0.0.7"]
    gateway = make_gateway("acme", base_url="https://api.example.test/v1")
    upstream = redirect_to("/v2/models")

    run = refresh(gateway, upstream)

    assert (run.outcome, run.error_kind) == ("failed", "forbidden_host")
    assert upstream.seen == ["https://api.example.test/v1/models"]
    assert guard_on.calls == ["api.example.test", "api.example.test"]


@pytest.mark.django_db
def test_the_redirect_guard_holds_even_when_private_hosts_are_allowed(guard_on: Dns, settings: Any) -> None:
    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = True
    gateway = make_gateway("acme", base_url="https://api.example.test/v1")
    for location in ("http://api.example.test/v1/other", "https://10.0.0.9/v1/models"):
        assert refresh(gateway, redirect_to(location)).error_kind == "redirect"


def openrouter_pages(next_link: str) -> Upstream:
    def handler(request: httpx.Request) -> httpx.Response:
        if "offset" in request.url.params:
            return httpx.Response(200, json={"data": [{"id": "b/two", "name": "Two"}], "links": {"next": None}})
        return httpx.Response(200, json={"data": [{"id": "a/one", "name": "One"}], "links": {"next": next_link}})

    return Upstream(handler)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_link",
    [
        f"https://{METADATA}/api/v1/models?offset=1",
        "http://openrouter.ai/api/v1/models?offset=1",
        "https://openrouter.ai:444/api/v1/models?offset=1",
        "https://localhost/api/v1/models?offset=1",
    ],
)
def test_a_next_page_link_off_the_gateways_origin_is_refused(guard_on: Dns, next_link: str) -> None:
    gateway = Gateway.objects.get(slug="openrouter")
    upstream = openrouter_pages(next_link)

    run = refresh(gateway, upstream)

    assert (run.outcome, run.error_kind) == ("failed", "redirect")
    assert upstream.seen == ["https://openrouter.ai/api/v1/models?output_modalities=all"]


@pytest.mark.django_db
def test_a_next_page_on_the_same_host_is_resolved_and_checked_again(guard_on: Dns) -> None:
    guard_on.answers["openrouter.ai"] = [PUBLIC, METADATA]
    gateway = Gateway.objects.get(slug="openrouter")
    upstream = openrouter_pages("/api/v1/models?output_modalities=all&offset=1")

    run = refresh(gateway, upstream)

    assert (run.outcome, run.error_kind) == ("failed", "forbidden_host")
    assert len(upstream.seen) == 1


@pytest.mark.django_db
def test_next_pages_on_a_public_origin_are_followed(guard_on: Dns) -> None:
    upstream = openrouter_pages("/api/v1/models?output_modalities=all&offset=1")
    gateway = Gateway.objects.get(slug="openrouter")
    gateway.min_expected_models = 1
    run = refresh(gateway, upstream)
    assert (run.outcome, run.models_seen) == ("success", 2)
    assert len(upstream.seen) == 2


# --- the admin form ----------------------------------------------------------------------------------


@pytest.fixture
def staff_client(db: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.test", "x"))
    return client


def add_gateway(client: Client, base_url: str, **fields: Any) -> Any:
    data = {
        "slug": "acme",
        "name": "Acme",
        "kind": "openai_compatible",
        "base_url": base_url,
        "enabled": "on",
        "priority": "0",
        "options": "{}",
        "refresh_interval_seconds": "3600",
        "stale_after_seconds": "10800",
        "missing_grace_seconds": "86400",
        "min_expected_models": "1",
        "max_shrink_fraction": "0.5",
        "max_reject_fraction": "0.2",
        "drift_price_factor": "10",
        "drift_repriced_share": "0.5",
        "drift_field_share": "0.8",
        **fields,
    }
    return client.post("/admin/gateways/gateway/add/", data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("base_url", "answer"),
    [("https://10.1.2.3/v1", "10.1.2.3"), ("https://metadata.example.test/v1", METADATA), ("http://localhost:8000/v1", "::1")],
)
def test_the_admin_form_refuses_a_base_url_on_a_non_public_address(
    guard_on: Dns, staff_client: Client, base_url: str, answer: str
) -> None:
    guard_on.answers[httpx.URL(base_url).host] = [answer]

    response = add_gateway(staff_client, base_url)

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert errors["base_url"] == [
        f"{httpx.URL(base_url).host} resolves to a non-public address ({answer}); refused. "
        "Set GATEWAY_ALLOW_PRIVATE_HOSTS=true only for local fakes and tests."
    ]
    assert not Gateway.objects.filter(slug="acme").exists()


@pytest.mark.django_db
def test_the_admin_form_refuses_plain_http_to_a_public_host_unless_allowed(guard_on: Dns, staff_client: Client) -> None:
    response = add_gateway(staff_client, "http://api.example.test/v1")
    assert response.status_code == 200
    assert "use https, or tick “allow insecure http”" in response.context["adminform"].form.errors["base_url"][0]

    response = add_gateway(staff_client, "http://api.example.test/v1", allow_insecure_http="on")
    assert response.status_code == 302
    assert Gateway.objects.get(slug="acme").allow_insecure_http is True


@pytest.mark.django_db
def test_the_admin_form_accepts_a_public_https_url_and_private_ones_when_allowed(
    guard_on: Dns, staff_client: Client, settings: Any
) -> None:
    assert add_gateway(staff_client, "https://api.example.test/v1").status_code == 302
    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = True
    assert add_gateway(staff_client, "http://127.0.0.1:9000/v1", slug="local").status_code == 302


# --- the key never travels in a URL ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_redirect_that_echoes_the_key_into_the_url_is_not_followed(guard_on: Dns) -> None:
    gateway = make_gateway("acme", base_url="https://api.example.test/v1")
    upstream = redirect_to("/v1/models?api_key=sk-acme-0123456789")

    run = refresh(gateway, upstream)

    assert (run.outcome, run.error_kind) == ("failed", "redirect")
    assert upstream.seen == ["https://api.example.test/v1/models"]
    assert "sk-acme-0123456789" not in run.error_message


# --- DNS rebinding: the real transport connects only to the address it checked --------------------


def rebinding_getaddrinfo(monkeypatch: pytest.MonkeyPatch, host: str, answers: list[str]) -> list[str]:
    """socket.getaddrinfo for `host` answers each of `answers` in turn (then the last one again)."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(name: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if name == host:
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
            asked.append(answer)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (answer, int(port)))]
        return real(name, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def live_fetch(url: str) -> Any:
    with build_client(slug="acme", base_url=url, adapter=OpenAICompatible, allow_http=True) as client:
        return fetch_json(client, "models")


def test_a_dns_answer_that_changes_after_the_check_cannot_reach_a_private_address(
    settings: Any, monkeypatch: pytest.MonkeyPatch, fake_upstream: FakeUpstream
) -> None:
    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = False
    settings.GATEWAY_KEYS = {}
    fake_upstream.json("/v1/models", BODY)
    port = httpx.URL(fake_upstream.url).port
    # The check sees a public address; every later lookup (the connection's) gets loopback.
    asked = rebinding_getaddrinfo(monkeypatch, "rebind.example.test", [PUBLIC, "127.0.0.1"])

    with pytest.raises(AdapterError) as caught:
        live_fetch(f"http://rebind.example.test:{port}/v1")

    assert (caught.value.kind, caught.value.permanent) == ("forbidden_host", True)
    assert "resolves to a non-public address (127.0.0.1)" in str(caught.value)
    assert fake_upstream.requests == []
    assert asked == [PUBLIC, "127.0.0.1"]


def test_the_pinned_connection_keeps_the_host_name_in_the_request(
    settings: Any, monkeypatch: pytest.MonkeyPatch, fake_upstream: FakeUpstream
) -> None:
    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = False
    settings.GATEWAY_KEYS = {}
    fake_upstream.json("/v1/models", BODY)
    port = httpx.URL(fake_upstream.url).port
    rebinding_getaddrinfo(monkeypatch, "pinned.example.test", ["127.0.0.1"])
    # Only here: let the loopback fake pass as a public address, to watch the connection itself.
    monkeypatch.setattr("gateways.addresses.is_public_address", lambda address: True)

    assert live_fetch(f"http://pinned.example.test:{port}/v1") == BODY
    ((path, headers),) = fake_upstream.requests
    assert path == "/v1/models"
    assert headers["Host"] == f"pinned.example.test:{port}"
