"""The secrets canary (docs/security.md): with every GATEWAY_KEY_<SLUG> set to a unique canary, drive
every gateway through success and every failure mode (including an upstream that echoes its key
back in an error body, a redirect Location and a model list), run the scheduler, the operator
refresh, the worker task, the management commands and the admin's test connection; then render
every URL in the URLconf, every admin page and the dashboard, anonymously and as staff. No canary
may appear in any response, captured log record (all loggers at DEBUG), stored row (every table,
sessions decoded), task argument or result, command output or error message.

The canaries are searched for by a 12-character piece of their random part, so a key that was cut
short before it was redacted counts as a leak too."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.authtoken.models import Token

from catalog.models import AIModel, WebhookSubscription
from gateways.keys import env_suffix
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_dry_run, gateway_refresh
from gatewayz_site.logs import JsonFormatter

from ..conftest import FIXTURES, required_options
from .urlconf import fill, routes

pytestmark = pytest.mark.django_db

CUSTOM = "custom-llm"  # an admin-made OpenAI-compatible gateway beside the built-in ones


@dataclass
class Evidence:
    """Everything the run produced that someone other than the upstream could see."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, value: Any) -> None:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif not isinstance(value, str):
            value = json.dumps(value, default=repr)
        self.texts.append((where, value))

    def response(self, where: str, response: Any) -> None:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        self.add(where, body)
        self.add(f"{where} (headers)", dict(response.headers))
        self.add(f"{where} (cookies)", {k: v.value for k, v in response.cookies.items()})

    def leaks(self, needles: dict[str, str]) -> list[str]:
        return [f"{slug} key in {where}" for where, text in self.texts for slug, needle in needles.items() if needle in text]


class LogCapture(logging.Handler):
    """Every record of every logger, formatted as production formats it (JSON with extra fields)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.formatter_.format(record))


@pytest.fixture
def all_logs() -> Iterator[LogCapture]:
    handler = LogCapture()
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    levels = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
    for lg, level, disabled in levels:
        lg.setLevel(level)
        lg.disabled = disabled


@pytest.fixture
def canaries(settings: Any) -> dict[str, str]:
    """slug -> its key. Every gateway, built-in or not, has one."""
    options = json.loads((FIXTURES / "openai_compatible" / "per_million.options.json").read_text())
    Gateway.objects.create(
        slug=CUSTOM, name="Custom", kind="openai_compatible", base_url="https://llm.example.test/v1", options=options
    )
    Gateway.objects.update(min_expected_models=1, max_reject_fraction=1.0, enabled=True)
    for gateway in Gateway.objects.all():
        if options := required_options(gateway.kind):  # a built-in row needs staff to add these
            gateway.options = options
            gateway.save()
    keys = {g.slug: f"sk-live-{secrets.token_hex(24)}" for g in Gateway.objects.all()}
    settings.GATEWAY_KEYS = {env_suffix(slug): key for slug, key in keys.items()}
    settings.GATEWAY_MAX_RETRIES = 1
    return keys


def needle(key: str) -> str:
    return key[len("sk-live-") :][:12]


def first_fixture(kind: str) -> Path:
    if kind == "openai_compatible":
        return FIXTURES / kind / "per_million.json"
    return next(p for p in sorted((FIXTURES / kind).glob("*.json")) if not p.name.endswith((".expected.json", ".options.json")))


# --- the fake upstreams ---------------------------------------------------------------------------------


def sent_key(request: httpx.Request) -> str:
    for name in ("authorization", "x-goog-api-key", "x-portkey-api-key", "x-api-key"):
        if name in request.headers:
            return request.headers[name]
    raise AssertionError(f"no key header on {request.url}")


def cut_at_200(request: httpx.Request) -> str:
    """The key placed so that a 200-character cut of the body keeps only part of it."""
    value = sent_key(request)
    position = value.index("sk-live-") + len("sk-live-") + 14
    return "e" * (200 - position) + value


Scenario = Callable[[httpx.Request, bytes], httpx.Response]

FAILURES: dict[str, Scenario] = {
    "401 echoing the key": lambda r, body: httpx.Response(401, text=f"invalid api key: {sent_key(r)}"),
    "403 echoing the key in JSON": lambda r, body: httpx.Response(403, json={"error": {"message": f"key {sent_key(r)} denied"}}),
    "404": lambda r, body: httpx.Response(404, json={"error": "no such route"}),
    "429 echoing the key": lambda r, body: httpx.Response(429, headers={"retry-after": "7"}, text=cut_at_200(r)),
    "500 with the key cut at 200 chars": lambda r, body: httpx.Response(500, text=cut_at_200(r)),
    "302 to the same host with the key in the query": lambda r, body: httpx.Response(
        302, headers={"location": f"{r.url.path}?api_key={sent_key(r).split()[-1]}"}
    ),
    "302 to the same host with the key in the path": lambda r, body: httpx.Response(
        302, headers={"location": f"/echo/{sent_key(r).split()[-1]}/models"}
    ),
    "302 to another host with the key": lambda r, body: httpx.Response(
        302, headers={"location": f"https://collector.example.test/{sent_key(r).split()[-1]}"}
    ),
    "HTML page echoing the key": lambda r, body: httpx.Response(
        200, headers={"content-type": "text/html"}, text=f"<html>{sent_key(r)}</html>"
    ),
    "malformed JSON echoing the key": lambda r, body: httpx.Response(200, text='{"data": [' + sent_key(r)),
    "a model list that echoes the key": lambda r, body: httpx.Response(
        200, content=body.replace(b'"', f'"{sent_key(r)} '.encode(), 1)
    ),
    "empty list (publish guard)": lambda r, body: httpx.Response(200, json={"data": [], "models": []}),
    "read timeout naming the key": lambda r, body: (_ for _ in ()).throw(httpx.ReadTimeout(f"timed out: {sent_key(r)}")),
    "connection error naming the key": lambda r, body: (_ for _ in ()).throw(httpx.ConnectError(f"refused: {sent_key(r)}")),
}


# What a paginated upstream answers after the fixture's page: an empty last page in every shape.
LAST_PAGE = {"data": [], "models": [], "result": [], "links": {"next": None}, "next_cursor": None, "has_more": False}


def upstream(body: bytes, scenario: Scenario | None = None) -> httpx.MockTransport:
    served: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert sent_key(request)  # the key does travel, in its header
        if scenario is not None:
            return scenario(request, body)
        served.append(str(request.url))
        if len(served) > 1:
            return httpx.Response(200, json=LAST_PAGE)
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


# --- the test --------------------------------------------------------------------------------------------


def test_no_gateway_key_leaks_anywhere(
    canaries: dict[str, str],
    all_logs: LogCapture,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    evidence = Evidence()
    gateways = list(Gateway.objects.order_by("slug"))
    bodies = {g.slug: first_fixture(g.kind).read_bytes() for g in gateways}

    # 1. Every gateway: success first (so there is a catalog to render), then every failure mode.
    for gateway in gateways:
        run = gateway_refresh(gateway=gateway, transport=upstream(bodies[gateway.slug]))
        assert run.outcome == "success", (gateway.slug, run.error_message)
        for name, scenario in FAILURES.items():
            run = gateway_refresh(gateway=gateway, transport=upstream(bodies[gateway.slug], scenario))
            assert run.outcome == "failed", (gateway.slug, name, run.outcome)
        with monkeypatch.context() as patch:
            patch.setattr(gateway.adapter_class, "max_body_bytes", 64)
            run = gateway_refresh(gateway=gateway, transport=upstream(b" " * 100 + bodies[gateway.slug]))
            assert run.error_kind == "too_large", (gateway.slug, run.error_message)
        dry = gateway_dry_run(gateway=gateway, transport=upstream(bodies[gateway.slug], FAILURES["401 echoing the key"]))
        evidence.add(f"dry run of {gateway.slug}", [dry.errors, dry.error_kind])
    assert AIModel.objects.filter(is_active=True).values("gateway").distinct().count() == len(gateways)

    # A bug inside an adapter: logged with its traceback.
    with monkeypatch.context() as patch:
        patch.setattr("gateways.adapters.base.Adapter.parse", lambda self, items, **kwargs: 1 / 0)
        assert gateway_refresh(gateway=gateways[0], transport=upstream(bodies[gateways[0].slug])).error_kind == "internal"

    # 2. The same failures through everything that fetches without a transport argument: the
    # operator's refresh and the worker task, the scheduler, refresh_catalog, test connection.
    echo = FAILURES["500 with the key cut at 200 chars"]
    monkeypatch.setattr("gateways.addresses.network_transport", lambda **kwargs: upstream(b"{}", echo))
    staff = get_user_model().objects.create_superuser("root", "root@example.test", "x")
    token = Token.objects.create(user=staff).key
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    session = Client()
    session.force_login(staff)

    tasks = TaskSpy(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        evidence.response("POST /cache/refresh", api.post("/cache/refresh"))
    assert len(tasks.queued) == len(gateways)
    tasks.run_queued()
    # Make every gateway due again, as the scheduler would find them after their pause.
    Gateway.objects.update(
        refresh_requested=True,
        refresh_queued_at=None,
        retry_not_before=None,
        lease_expires_at=None,
        circuit_state="closed",
        consecutive_failures=0,
    )
    with django_capture_on_commit_callbacks(execute=True):
        from gateways.tasks import enqueue_due_refreshes

        evidence.add("enqueue_due_refreshes result", enqueue_due_refreshes.apply().result)
    assert len(tasks.queued) == len(gateways)
    tasks.run_queued()
    retries = [call for call in tasks.calls if call.get("apply", [None, None, {}])[2].get("retries")]
    assert len(retries) >= len(gateways)  # the echoing 5xx is retryable: the retry messages are searched too
    evidence.add("task calls", tasks.calls)
    evidence.add("task results", tasks.results)

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("refresh_catalog", stdout=out, stderr=err)
    evidence.add("refresh_catalog", [out.getvalue(), err.getvalue(), str(failed.value)])

    for gateway in gateways[:3]:
        response = session.post(
            "/admin/gateways/gateway/", {"action": "test_connection", "_selected_action": [gateway.pk]}, follow=True
        )
        assert "test failed (http_status)" in response.content.decode()
        evidence.response(f"test connection of {gateway.slug}", response)

    # 3. Every page and endpoint, anonymously, with a staff token and with a staff session.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": "100000/min"}}
    anonymous = Client()
    everyone = (("anonymous", anonymous), ("staff token", api), ("staff session", session))
    for path, first in every_path():
        # Every client on the first path of each route; on the rest, the one that sees the most.
        best = 2 if path.startswith("/admin/") else 1 if path.startswith("/cache/") else 0
        for who, client in everyone if first else everyone[best : best + 1]:
            evidence.response(f"GET {path} as {who}", client.get(path))
    for path in ("/cache/clear", f"/cache/refresh/{gateways[0].slug}", "/cache/refresh/no-such-gateway"):
        with django_capture_on_commit_callbacks(execute=True):
            evidence.response(f"POST {path}", api.post(path))
    response = session.post("/admin/health/dashboard/", {"gateway": "*"}, follow=True)
    evidence.response("dashboard refresh-all", response)
    evidence.add("tasks queued by the pages", tasks.calls)

    # 4. Everything stored, and everything logged.
    for model in apps.get_models():
        evidence.add(f"table {model._meta.db_table}", serializers.serialize("json", model.objects.all()))
    evidence.add("sessions (decoded)", [s.get_decoded() for s in Session.objects.all()])
    assert RefreshRun.objects.filter(error_message__contains="[redacted]").exists()  # the echoes did arrive
    evidence.add("logs", all_logs.lines)
    assert any("refresh gateway=" in line for line in all_logs.lines)
    assert any("ZeroDivisionError" in line for line in all_logs.lines)

    # The search itself finds a planted key, and finds a cut one.
    planted = Evidence()
    planted.add("probe", f"prefix {canaries[CUSTOM][:22]} suffix")
    assert planted.leaks({CUSTOM: needle(canaries[CUSTOM])}) == [f"{CUSTOM} key in probe"]

    assert evidence.leaks({slug: needle(key) for slug, key in canaries.items()}) == []


class TaskSpy:
    """Stands in for the broker: records what `refresh_gateway` is queued with, then runs each
    queued call in this process (`apply`), recording every call (retries included) and result."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from gateways.tasks import refresh_gateway

        self.task = refresh_gateway
        self.queued: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.calls: list[Any] = []
        self.results: list[Any] = []
        real_apply = refresh_gateway.apply

        def apply_async(args: Any = None, kwargs: Any = None, **options: Any) -> None:
            self.queued.append((tuple(args or ()), dict(kwargs or {})))
            self.calls.append({"apply_async": [args, kwargs, options]})

        def apply(args: Any = None, kwargs: Any = None, **options: Any) -> Any:
            self.calls.append({"apply": [args, kwargs, {k: v for k, v in options.items() if k != "task_id"}]})
            result = real_apply(args=args, kwargs=kwargs, **options)
            self.results.append([result.state, repr(result.result), result.traceback])
            return result

        monkeypatch.setattr(refresh_gateway, "apply_async", apply_async)
        monkeypatch.setattr(refresh_gateway, "apply", apply)

    def run_queued(self) -> None:
        while self.queued:
            args, kwargs = self.queued.pop(0)
            self.task.apply(args=args, kwargs=kwargs)


SAMPLE = 25


def sample(model: Any) -> list[str]:
    """The objects whose pages are rendered: every gateway and user; for the bulk tables, one
    refresh run per (outcome, error kind, trigger) and at most SAMPLE rows spread over the rest."""
    pks = [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)]
    if model is RefreshRun:
        kinds = {}
        for pk, *what in RefreshRun.objects.order_by("pk").values_list("pk", "outcome", "error_kind", "trigger"):
            kinds.setdefault(tuple(what), str(pk))
        return sorted(set(kinds.values()) | set(pks[:: max(1, len(pks) // SAMPLE)]), key=int)
    if model in (Gateway, get_user_model()) or len(pks) <= SAMPLE:
        return pks
    return pks[:: len(pks) // SAMPLE]


def every_path() -> list[tuple[str, bool]]:
    """A concrete path for every route (with `True` for the first path of each route), for every
    object an object route can show (see `sample`)."""
    values: dict[str, list[str]] = {
        "model_id": sorted(AIModel.objects.values_list("upstream_id", flat=True)) + ["no/such-model"],
        "slug": [*Gateway.objects.values_list("slug", flat=True), "no-such-gateway"],
        "gateway": [],  # POST only
        "run_id": [str(pk) for pk in RefreshRun.objects.values_list("pk", flat=True)],
        "subscription_id": [*(str(pk) for pk in WebhookSubscription.objects.values_list("pk", flat=True)), "999999"],
        "url": ["no/such/page/"],
    }
    by_prefix = {f"admin/{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}
    paths: list[tuple[str, bool]] = []
    for route in routes():
        text = route.route
        start = len(paths)
        add_route_paths(text, paths, values, by_prefix)
        paths[start:] = [(path, index == 0) for index, (path, _) in enumerate(paths[start:])]
    for slug in Gateway.objects.values_list("slug", flat=True):
        paths += [(f"/catalog/v1/models?gateway={slug}&limit=1000", True), (f"/v1/models?gateway={slug}&limit=1000", True)]
    paths += [("/catalog/v1/models?gateway=all&limit=1000", True), ("/v1/models?gateway=all&limit=1000", True)]
    return paths


def add_route_paths(text: str, paths: list[Any], values: dict[str, list[str]], by_prefix: dict[str, Any]) -> None:
    def add(*found: str) -> None:
        paths.extend((path, False) for path in found)

    if text.startswith("admin/^"):  # the app index: one page per app
        return add(*(f"/admin/{label}/" for label in sorted({m._meta.app_label for m in by_prefix.values()})))
    if text == "admin/(?P<url>.*)$":
        return add("/admin/no/such/page/")
    model = next((m for prefix, m in by_prefix.items() if text.startswith(prefix)), None)
    if model is not None and "<path:object_id>" in text:
        pks = sample(model)
        if not text.endswith("/change/"):
            pks = pks[:1]  # history, delete, the bare redirect: one object is enough
        return add(*(fill(text, {"object_id": pk}) for pk in pks))
    if "<id>" in text:  # the user's password form
        return add(*(fill(text, {"id": str(pk)}) for pk in get_user_model().objects.values_list("pk", flat=True)))
    names = [part.split(">")[0].split(":")[-1] for part in text.split("<")[1:]]
    if names == ["content_type_id", "object_id"]:  # admin's "view on site" redirect
        content_type = ContentType.objects.get_for_model(Gateway)
        return add(fill(text, {"content_type_id": str(content_type.pk), "object_id": str(Gateway.objects.first().pk)}))
    if not names:
        return add("/" + text)
    (name,) = names
    return add(*(fill(text, {name: value}) for value in values[name]))
