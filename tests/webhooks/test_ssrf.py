"""Subscription URLs follow the gateway URLs' private-address rules (docs/security.md, "SSRF"):
with GATEWAY_ALLOW_PRIVATE_HOSTS off, a URL whose host is or resolves to a loopback, private,
link-local or other non-public address is a 400 at subscription (API and admin), and each
delivery checks again, so a host that later resolves to an internal address (DNS rebinding) is
never sent a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from catalog.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from gateways import addresses
from gateways.webhook_delivery import webhooks_deliver_due

from ..webhook_receiver import Receiver
from .conftest import models

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.216.34"


@pytest.fixture
def dns(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Private hosts refused, and a fake resolver: host -> address (IP literals resolve to themselves)."""
    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = False
    answers = {"hooks.example.test": PUBLIC, "intranet.example.test": "192.168.1.10", "sneaky.example.test": "127.0.0.1"}

    def resolve(host: str, port: int) -> list[str]:
        if host not in answers and not host[0].isdigit():
            raise OSError("no such host")
        return [answers.get(host, host)]

    monkeypatch.setattr(addresses, "resolve_host", resolve)
    return answers


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",  # loopback
        "http://localhost/hook",  # a name for loopback (the fake resolver has no entry: unresolvable)
        "https://sneaky.example.test/hook",  # a public-looking name that resolves to loopback
        "http://10.1.2.3/hook",  # private
        "http://172.16.0.5/hook",
        "https://intranet.example.test/hook",  # resolves to 192.168.1.10
        "http://169.254.169.254/latest/meta-data/",  # link-local: the cloud metadata service
        "http://0.0.0.0/hook",
        "http://[::1]/hook",  # IPv6 loopback
        "ftp://hooks.example.test/hook",  # not http(s)
        "file:///etc/passwd",
        "gopher://hooks.example.test/",
    ],
)
def test_a_private_or_non_http_url_is_refused_with_a_clear_400(staff_api: Client, dns: Any, url: str) -> None:
    response = staff_api.post("/catalog/v1/webhooks", {"url": url}, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "url"
    assert not WebhookSubscription.objects.exists()


def test_the_refusal_says_why(staff_api: Client, dns: Any) -> None:
    response = staff_api.post("/catalog/v1/webhooks", {"url": "https://intranet.example.test/x"}, content_type="application/json")
    assert response.json()["detail"] == (
        "url: intranet.example.test resolves to a non-public address (192.168.1.10); refused. "
        "Set GATEWAY_ALLOW_PRIVATE_HOSTS=true only for local fakes and tests."
    )


def test_a_public_url_is_accepted(staff_api: Client, dns: Any) -> None:
    response = staff_api.post("/catalog/v1/webhooks", {"url": "https://hooks.example.test/x"}, content_type="application/json")
    assert response.status_code == 201


def test_the_admin_form_refuses_a_private_url_too(dns: Any) -> None:
    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("root", "root@example.test", "pw-root-0123"))
    response = staff.post(
        "/admin/catalog/webhooksubscription/add/", {"url": "http://10.0.0.1/hook", "filters": "{}", "enabled": "on"}
    )
    assert response.status_code == 200
    assert "10.0.0.1 resolves to a non-public address" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_host_that_later_resolves_to_a_private_address_is_not_delivered_to(
    staff_api: Client, dns: dict[str, str], publish: Callable[..., Any], receiver: Receiver
) -> None:
    """Subscribed while it resolved to a public address; at delivery it resolves to the loopback
    address where our receiver listens (DNS rebinding): the attempt is refused, nothing arrives."""
    port = receiver.server.server_address[1]
    response = staff_api.post(
        "/catalog/v1/webhooks", {"url": f"http://hooks.example.test:{port}/hook"}, content_type="application/json"
    )
    assert response.status_code == 201
    dns["hooks.example.test"] = "127.0.0.1"
    publish("groq", models("acme/alpha"))

    assert webhooks_deliver_due().failed == 1
    assert receiver.received == []
    assert WebhookAttempt.objects.get().error_kind == "forbidden_host"
    assert WebhookDelivery.objects.get().last_error == "forbidden_host"
