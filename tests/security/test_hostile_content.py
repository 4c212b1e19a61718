"""Hostile upstream content (docs/security.md): markup in names and descriptions renders inert in
admin and on the dashboard; oversized or unstorable values are fitted or rejected at storage, with
the fitting recorded; malformed bodies (deep nesting, invalid UTF-8) are refused by the one decoder
that every adapter and import_catalog use."""

from __future__ import annotations

import ast
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client

from catalog import limits
from catalog.models import AIModel, MergedModel, ModelChange
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_import, gateway_refresh
from gateways.registry import registered_kinds

from ..conftest import required_options
from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('pwned')</script>"
IMAGE = "<img src=x onerror=alert('pwned')>"
LINK = "<a href=javascript:alert('pwned')>click</a>"


class LiveMarkup(HTMLParser):
    """Collects what a browser would run: script elements, on* handlers and javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.live: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "pwned" in value:
                self.live.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src") and value.strip().lower().startswith("javascript:"):
                self.live.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "pwned" in data:
            self.live.append(f"<script>{data}</script>")


def live_markup(html: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(html)
    return parser.live


@pytest.fixture
def staff(db: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.test", "x"))
    return client


@pytest.fixture
def hostile_gateway(gateway_keys: Any) -> Gateway:
    gateway_keys(acme="sk-acme-0123456789")
    return make_gateway("acme", name="Acme", max_reject_fraction=1.0)


def hostile_item(model_id: str) -> dict[str, Any]:
    item = openai_item(model_id)
    item.update(name=f"Evil {SCRIPT}", description=f"{IMAGE} {LINK} {SCRIPT}")
    return item


def refresh(gateway: Gateway, body: Any, status: int = 200) -> RefreshRun:
    def handler(request: httpx.Request) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(status, content=content, headers={"content-type": "application/json"})

    return gateway_refresh(gateway=gateway, transport=httpx.MockTransport(handler))


# --- markup renders inert ---------------------------------------------------------------------------


def test_markup_in_model_names_and_descriptions_renders_inert_in_admin(hostile_gateway: Gateway, staff: Client) -> None:
    assert refresh(hostile_gateway, openai_body(hostile_item(f"evil/{SCRIPT}"))).outcome == "success"
    model = AIModel.objects.get()
    pages = [
        "/admin/catalog/aimodel/",
        f"/admin/catalog/aimodel/{model.pk}/change/",
        f"/admin/catalog/aimodel/?q={SCRIPT}",
        "/admin/catalog/mergedmodel/",
        f"/admin/catalog/mergedmodel/{MergedModel.objects.get().pk}/change/",
        "/admin/catalog/modelchange/",
        f"/admin/catalog/modelchange/{ModelChange.objects.get().pk}/change/",
    ]
    for page in pages:
        response = staff.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert SCRIPT not in html and IMAGE not in html and LINK not in html, page
        assert live_markup(html) == [], page
    change_page = staff.get(f"/admin/catalog/aimodel/{model.pk}/change/").content.decode()
    assert "Evil &lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in change_page


def test_upstream_text_in_errors_renders_inert_on_the_dashboard_and_gateway_pages(
    hostile_gateway: Gateway, staff: Client
) -> None:
    run = refresh(hostile_gateway, {"error": f"upstream says {SCRIPT} {IMAGE}"}, status=500)
    assert run.outcome == "failed" and SCRIPT in run.error_message  # stored as text...
    for page in (
        "/admin/health/dashboard/",
        "/health/gateways/dashboard",
        "/admin/gateways/gateway/",
        f"/admin/gateways/gateway/{hostile_gateway.pk}/change/",
        "/admin/gateways/refreshrun/",
        f"/admin/gateways/refreshrun/{run.pk}/change/",
    ):
        response = staff.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert SCRIPT not in html and IMAGE not in html, page  # ...and shown escaped
        assert live_markup(html) == [], page
    assert "upstream says &lt;script&gt;" in staff.get("/admin/health/dashboard/").content.decode()


def test_markup_in_sample_ids_of_a_test_connection_message_renders_inert(
    hostile_gateway: Gateway, staff: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps(openai_body(hostile_item(f"evil/{SCRIPT}"))).encode()
    monkeypatch.setattr(
        "gateways.addresses.network_transport", lambda **kwargs: httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    )
    response = staff.post(
        "/admin/gateways/gateway/",
        {"action": "test_connection", "_selected_action": [hostile_gateway.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "connection OK, 1 model parsed" in html
    assert SCRIPT not in html and live_markup(html) == []


# --- storage limits ---------------------------------------------------------------------------------

# Columns filled from our own vocabulary, not from upstream text.
OWN_VALUES = {"modality_source", "data_source", "content_hash", "source_hash"}


def test_the_storage_limits_match_the_columns_and_cover_every_text_column() -> None:
    declared = {
        "upstream_id": limits.ID_MAX,
        "name": limits.NAME_MAX,
        "canonical_key": limits.CANONICAL_KEY_MAX,
        "input_modalities_text": limits.MODALITIES_TEXT_MAX,
        "output_modalities_text": limits.MODALITIES_TEXT_MAX,
        **limits.OPTIONAL_MAX,
    }
    columns = {
        field.name: field.max_length
        for field in AIModel._meta.get_fields()
        if isinstance(field, models.CharField) and field.name not in OWN_VALUES
    }
    assert columns == declared


def test_oversized_and_unstorable_items_are_fitted_or_rejected_and_recorded(hostile_gateway: Gateway) -> None:
    long_name = "N" * 2000
    long_description = "D" * 20_000
    body = (
        b'{"data": ['
        + json.dumps(openai_item("ok/plain")).encode()
        + b","
        + json.dumps({**openai_item("ok/long-name"), "name": long_name, "description": long_description}).encode()
        + b","
        + json.dumps({**openai_item("ok/long-hf"), "hugging_face_id": "org/" + "h" * 600}).encode()
        + b","
        + json.dumps(openai_item("x" * 512)).encode()
        + b","
        + json.dumps(openai_item("y" * 513)).encode()
        + b","
        + json.dumps({**openai_item("bad/nul"), "name": "a\u0000b"}).encode()
        + b","
        + b'{"id": "bad/surrogate", "name": "\\ud800"}'
        + b","
        + json.dumps({**openai_item("bad/huge-int"), "context_length": 10**30}).encode()
        + b","
        + b'{"id": "bad/exponent", "owned_by": "x", "weights": 1e999999999}'
        + b","
        + json.dumps({**openai_item("bad/deep"), "meta": json.loads("[" * 40 + "]" * 40)}).encode()
        + b","
        + json.dumps({**openai_item("bad/price"), "pricing": {"prompt": "1e12", "completion": "0"}}).encode()
        + b"]}"
    )

    run = refresh(hostile_gateway, body)

    assert (run.outcome, run.models_seen, run.models_added, run.models_rejected) == ("success", 11, 4, 7)
    stored = {m.upstream_id: m for m in AIModel.objects.all()}
    assert set(stored) == {"ok/plain", "ok/long-name", "ok/long-hf", "x" * 512}
    long = stored["ok/long-name"]
    assert (long.name, long.description) == (long_name[:512], long_description[: limits.DESCRIPTION_MAX])
    assert long.extra["truncated"] == {"name": 2000, "description": 20_000}
    assert json.loads(long.public_json)["name"] == long_name[:512]
    assert stored["ok/long-hf"].hugging_face_id is None
    assert stored["ok/long-hf"].extra["truncated"] == {"hugging_face_id": "cleared"}
    assert run.warnings == [
        "name truncated (first was 2000 characters) in 1 model(s), first 'ok/long-name'; see extra.truncated",
        "description truncated (first was 20000 characters) in 1 model(s), first 'ok/long-name'; see extra.truncated",
        "hugging_face_id cleared (too long for its column) in 1 model(s), first 'ok/long-hf'; see extra.truncated",
    ]
    reasons = "\n".join(run.rejections)
    for expected in (
        "id is 513 characters long; at most 512 are stored",
        "item 5 ('bad/nul'): item contains a NUL character or an unpaired surrogate",
        "item 6 ('bad/surrogate'): item contains a NUL character or an unpaired surrogate",
        "item 7 ('bad/huge-int'): item contains an integer beyond 64 bits",
        "item 8 ('bad/exponent'): item contains a number with an exponent beyond ±100",
        "item 9 ('bad/deep'): item nested deeper than 32 levels",
        "item 10 ('bad/price'): prompt price 1.000E+12 USD per token is beyond any real price",
    ):
        assert expected in reasons


# --- one decoder for every path -----------------------------------------------------------------------

MALFORMED = {
    "invalid-utf8": b'{"data": [{"id": "a\xff\xfeb"}]}',
    "deep-nesting": b'{"data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "nan": b'{"data": [{"id": "a", "pricing": {"prompt": NaN}}]}',
    "truncated": b'{"data": [{"id": "a"',
}


@pytest.mark.parametrize("kind", sorted(registered_kinds()))
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_every_adapter_refuses_a_malformed_body_fetched_or_imported(gateway_keys: Any, kind: str, name: str) -> None:
    gateway = make_gateway(
        f"hostile-{kind}".replace("_", "-"), kind=kind, options=required_options(kind), base_url="https://api.example.test/v1"
    )
    gateway_keys(**{gateway.slug: "sk-hostile-0123456789"})

    fetched = refresh(gateway, MALFORMED[name])
    imported = gateway_import(gateway=gateway, body=MALFORMED[name])

    assert (fetched.outcome, fetched.error_kind) == ("failed", "malformed")
    assert (imported.outcome, imported.error_kind) == ("failed", "malformed")
    assert not AIModel.objects.filter(gateway=gateway).exists()


def test_no_adapter_decodes_json_by_itself() -> None:
    """Adapters read bodies only through `gateways.fetch.fetch_json` (one strict decoder)."""
    offenders = []
    for path in sorted((Path(__file__).resolve().parents[2] / "gateways" / "adapters").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("json", "loads", "load", "text", "content", "iter_bytes"):
                if (
                    node.attr in ("loads", "load")
                    and isinstance(node.value, ast.Name)
                    and node.value.id not in ("json", "orjson")
                ):
                    continue
                offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert offenders == []
