"""A built-in whose list URL needs an option (Cloudflare Workers AI's account id) is seeded without
it: it is then unconfigured, like a gateway without its key, with a message that says which option
to set; it is not refreshed and sends nothing. With the option set, the account id is in the path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.core.exceptions import ValidationError

from gateways.keys import configuration_problem, is_configured
from gateways.models import Gateway
from gateways.refresh import gateway_dry_run, gateway_refresh

from ..conftest import json_transport

pytestmark = pytest.mark.django_db

ACCOUNT = "0123456789abcdef0123456789abcdef"
MISSING = (
    'Cloudflare Workers AI needs account_id in the gateway\'s options ({"account_id": "..."}): '
    "its list is /accounts/{account_id}/ai/models/search"
)


def recording() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def models(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        items = (
            [{"id": "u1", "name": "@cf/acme/chat-1", "task": {"name": "Text Generation"}}]
            if request.url.params["page"] == "1"
            else []
        )
        return httpx.Response(200, json={"success": True, "result": items, "result_info": {"page": 1}})

    return json_transport(models), seen


def test_the_seeded_builtin_without_an_account_id_is_unconfigured_whatever_its_key(gateway_keys: Any) -> None:
    gateway = Gateway.objects.get(slug="cloudflare-workers-ai")
    assert gateway.options == {}
    assert (configuration_problem(gateway), is_configured(gateway)) == (MISSING, False)

    gateway_keys(**{"cloudflare-workers-ai": "cf-token-123456"})
    transport, seen = recording()
    run = gateway_refresh(gateway=gateway, transport=transport)

    assert (run.outcome, run.error_kind) == ("skipped", "unconfigured")
    assert run.error_message == f"{MISSING}; the gateway is unconfigured"
    assert gateway_dry_run(gateway=gateway, transport=transport).errors == [f"{MISSING}; the gateway is unconfigured"]
    assert seen == []


def test_with_its_account_id_and_key_the_builtin_refreshes_from_the_account_path(gateway_keys: Any) -> None:
    gateway_keys(**{"cloudflare-workers-ai": "cf-token-123456"})
    gateway = Gateway.objects.get(slug="cloudflare-workers-ai")
    gateway.options = {"account_id": f" {ACCOUNT} "}
    gateway.min_expected_models = 1
    gateway.full_clean()
    gateway.save()
    transport, seen = recording()

    run = gateway_refresh(gateway=gateway, transport=transport)

    assert (run.outcome, run.models_added) == ("success", 1)
    assert gateway.options == {"account_id": ACCOUNT}
    assert {r.url.path for r in seen} == {f"/client/v4/accounts/{ACCOUNT}/ai/models/search"}
    assert all(r.headers["Authorization"] == "Bearer cf-token-123456" for r in seen)


@pytest.mark.parametrize("options", [{"account_id": "not-an-account"}, {"account": ACCOUNT}])
def test_an_account_id_that_cannot_be_one_is_refused_when_saved_in_admin(options: dict[str, Any]) -> None:
    gateway = Gateway.objects.get(slug="cloudflare-workers-ai")
    gateway.options = options
    with pytest.raises(ValidationError) as raised:
        gateway.full_clean()
    assert "options" in raised.value.message_dict
