"""Who may do what (docs/security.md, "Permissions"): a table over every route in the URLconf (walked
recursively, so a new URL without an entry here fails the test) and over every admin action. Public
reads are public; system endpoints and /metrics need staff (401 anonymous, 403 non-staff); admin
pages and the dashboard send anyone but staff to the login page; writes never succeed anonymously;
CSRF is enforced on every POST made with a session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.options import ModelAdmin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from rest_framework.authtoken.models import Token, TokenProxy

from catalog.models import AIModel, MergedModel, ModelAlias, ModelChange, WebhookDelivery, WebhookSubscription
from gateways.models import Gateway, RefreshRun

from ..factories import make_model
from .urlconf import fill, routes

pytestmark = pytest.mark.django_db

PUBLIC = "public read"  # anyone may GET; any other method is refused
STAFF_API = "staff API"  # DRF: 401 anonymous, 403 signed in but not staff, staff token works
METRICS = "metrics"  # 401 unless staff or the METRICS_TOKEN bearer
ADMIN = "admin"  # staff only: everyone else is sent to the login page
LOGIN = "admin login"  # the login page itself
LOGOUT = "admin logout"  # POST only

ADMIN_MODELS = [
    "auth/group",
    "auth/user",
    "authtoken/tokenproxy",
    "django_celery_beat/periodictask",
    "django_celery_beat/clockedschedule",
    "django_celery_beat/crontabschedule",
    "django_celery_beat/solarschedule",
    "django_celery_beat/intervalschedule",
    "catalog/aimodel",
    "catalog/mergedmodel",
    "catalog/modelchange",
    "catalog/modelalias",
    "catalog/webhooksubscription",
    "catalog/webhookdelivery",
    "gateways/refreshrun",
    "gateways/gateway",
]
MODEL_ROUTES = (
    "",
    "add/",
    "<path:object_id>/history/",
    "<path:object_id>/delete/",
    "<path:object_id>/change/",
    "<path:object_id>/",
)

TABLE: dict[str, str] = {
    "": PUBLIC,  # the landing page
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "metrics": METRICS,
    "catalog/v1/models": PUBLIC,
    "catalog/v1/models/<path:model_id>": PUBLIC,
    "catalog/v1/models/<path:model_id>/prices": PUBLIC,
    "catalog/v1/providers": PUBLIC,
    "catalog/v1/gateways": PUBLIC,
    "catalog/v1/changes": PUBLIC,
    "catalog/v1/cost": PUBLIC,
    "catalog/v1/aliases": PUBLIC,
    "catalog/v1/changes.atom": PUBLIC,
    "catalog/v1/deprecations": PUBLIC,
    "v1/models": PUBLIC,
    "models": PUBLIC,
    "v1/models/": PUBLIC,
    "models/": PUBLIC,
    "v1/models/<path:model_id>": PUBLIC,
    "api/schema/": PUBLIC,
    "api/docs/": PUBLIC,
    "health/gateways": PUBLIC,
    "health/gateways/<str:slug>": PUBLIC,
    "health/gateways/dashboard": ADMIN,
    "cache/status": STAFF_API,
    "cache/refresh": STAFF_API,
    "cache/refresh/<str:gateway>": STAFF_API,
    "cache/clear": STAFF_API,
    "cache/runs/<int:run_id>": STAFF_API,
    "catalog/v1/webhooks": STAFF_API,
    "catalog/v1/webhooks/<int:subscription_id>": STAFF_API,
    "admin/": ADMIN,
    "admin/health/dashboard/": ADMIN,
    "admin/login/": LOGIN,
    "admin/logout/": LOGOUT,
    "admin/password_change/": ADMIN,
    "admin/password_change/done/": ADMIN,
    "admin/autocomplete/": ADMIN,
    "admin/jsi18n/": ADMIN,
    "admin/r/<path:content_type_id>/<path:object_id>/": ADMIN,
    "admin/auth/user/<id>/password/": ADMIN,
    "admin/^(?P<app_label>auth|authtoken|django_celery_beat|catalog|gateways)/$": ADMIN,
    "admin/(?P<url>.*)$": ADMIN,
    **{f"admin/{model}/{suffix}": ADMIN for model in ADMIN_MODELS for suffix in MODEL_ROUTES},
    # A gateway's own health page and its object tools (POST only; changing needs the change permission).
    "admin/gateways/gateway/<path:object_id>/health/": ADMIN,
    "admin/gateways/gateway/<path:object_id>/refresh/": ADMIN,
    "admin/gateways/gateway/<path:object_id>/test-connection/": ADMIN,
    # A held run's review page (GET shows it; POST approves or rejects: the change-gateway permission).
    "admin/gateways/refreshrun/<path:object_id>/review/": ADMIN,
}
# Methods each STAFF_API route answers (the others get 405 once authenticated).
STAFF_METHODS = {
    "cache/status": "get",
    "cache/refresh": "post",
    "cache/refresh/<str:gateway>": "post",
    "cache/clear": "post",
    "cache/runs/<int:run_id>": "get",
    "catalog/v1/webhooks": "get",
    "catalog/v1/webhooks/<int:subscription_id>": "get",
}


@pytest.fixture
def world(settings: Any) -> dict[str, Any]:
    """One object of each kind, a staff user, a signed-in non-staff user, and their tokens."""
    from catalog.services import catalog_publish
    from catalog.webhooks import webhook_subscription_create

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": "100000/min"}}
    settings.METRICS_TOKEN = "metrics-token-0123456789abcdef"
    Gateway.objects.exclude(slug="groq").update(enabled=False)
    Gateway.objects.update(min_expected_models=1)
    settings.GATEWAY_KEYS = {"GROQ": "sk-groq-0123456789"}
    gateway = Gateway.objects.get(slug="groq")
    # A webhook subscription first, so the publish writes one delivery to its outbox.
    subscription, _ = webhook_subscription_create(url="https://hooks.example.test/catalog", filters={})
    catalog_publish(gateway=gateway, models=[make_model("acme/alpha")], force=True)
    run = RefreshRun.objects.create(gateway=gateway, started_at=gateway.created_at)
    users = get_user_model()
    staff = users.objects.create_superuser("root", "root@example.test", "pw-root-0123")
    reader = users.objects.create_user("reader", "reader@example.test", "pw-reader-0123")
    return {
        "staff": staff,
        "reader": reader,
        "staff_token": Token.objects.create(user=staff).key,
        "reader_token": Token.objects.create(user=reader).key,
        "values": {
            "model_id": "acme/alpha",
            "slug": "groq",
            "gateway": "groq",
            "run_id": str(run.pk),
            "subscription_id": str(subscription.pk),
            "id": str(staff.pk),
            "content_type_id": str(ContentType.objects.get_for_model(Gateway).pk),
            "object_id": str(gateway.pk),
        },
    }


def concrete(route: str, values: dict[str, str]) -> str:
    if route.startswith("admin/^"):
        return "/admin/gateways/"
    if route == "admin/(?P<url>.*)$":
        return "/admin/no/such/page/"
    if route == "catalog/v1/cost":  # a workload is required
        return "/catalog/v1/cost?input_tokens=1000"
    for model in ADMIN_MODELS:  # an object of that admin's own model
        if route.startswith(f"admin/{model}/") and "<path:object_id>" in route:
            return fill(route, {"object_id": object_for(model)})
    return fill(route, values)


def object_for(model: str) -> str:
    app_label, name = model.split("/")
    model_class = ContentType.objects.get(app_label=app_label, model=name).model_class()
    return str(model_class._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1)


def login_redirect(response: Any, path: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_every_route_has_an_entry_in_the_permission_table() -> None:
    found = [route.route for route in routes()]
    assert sorted(set(found) - set(TABLE)) == [], "new URL: add it to TABLE with who may use it"
    assert sorted(set(TABLE) - set(found)) == [], "TABLE names a route that no longer exists"


def test_every_route_answers_each_kind_of_caller_as_its_table_entry_says(world: dict[str, Any]) -> None:
    anonymous = Client()
    reader = Client()
    reader.force_login(world["reader"])
    staff = Client()
    staff.force_login(world["staff"])
    reader_token = Client(HTTP_AUTHORIZATION=f"Token {world['reader_token']}")
    staff_token = Client(HTTP_AUTHORIZATION=f"Token {world['staff_token']}")
    problems: list[str] = []

    def expect(ok: bool, route: str, what: str, response: Any) -> None:
        if not ok:
            problems.append(f"{route}: {what}: got {response.status_code} {response.get('Location', '')}")

    for route in routes():
        kind = TABLE[route.route]
        path = concrete(route.route, world["values"])
        if kind == PUBLIC:
            for name, client in (("anonymous", anonymous), ("non-staff", reader), ("staff", staff)):
                response = client.get(path)
                expect(
                    response.status_code in (200, 301, 302) and not login_redirect(response, path),
                    route.route,
                    f"GET as {name}",
                    response,
                )
            for method in ("post", "put", "patch", "delete"):
                response = getattr(anonymous, method)(path)
                expect(response.status_code in (403, 405), route.route, f"anonymous {method.upper()}", response)
        elif kind == STAFF_API:
            method = STAFF_METHODS[route.route]
            for name, client, status in (
                ("anonymous", anonymous, 401),
                ("non-staff token", reader_token, 403),
                ("non-staff session", reader, 403),
            ):
                for verb in ("get", "post", "delete"):
                    response = getattr(client, verb)(path)
                    expect(response.status_code == status, route.route, f"{verb.upper()} as {name}", response)
            response = getattr(staff_token, method)(path)  # past authentication: an answer, not 401/403
            expect(response.status_code in (200, 202, 409), route.route, f"{method.upper()} as staff", response)
        elif kind == METRICS:
            for name, client in (("anonymous", anonymous), ("non-staff", reader), ("non-staff token", reader_token)):
                expect(client.get(path).status_code == 401, route.route, f"GET as {name}", client.get(path))
            expect(anonymous.post(path).status_code in (401, 405), route.route, "anonymous POST", anonymous.post(path))
            bearer = anonymous.get(path, HTTP_AUTHORIZATION="Bearer metrics-token-0123456789abcdef")
            expect(bearer.status_code == 200, route.route, "GET with METRICS_TOKEN", bearer)
            expect(anonymous.get(path, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401, route.route, "wrong bearer", bearer)
            expect(staff_token.get(path).status_code == 200, route.route, "GET as staff token", bearer)
        elif kind == ADMIN:
            for name, client in (("anonymous", anonymous), ("non-staff", reader), ("staff token only", staff_token)):
                for verb in ("get", "post"):
                    response = getattr(client, verb)(path)
                    expect(login_redirect(response, path), route.route, f"{verb.upper()} as {name}", response)
            response = staff.get(path)
            expect(response.status_code < 500 and not login_redirect(response, path), route.route, "GET as staff", response)
        elif kind == LOGIN:
            expect(anonymous.get(path).status_code == 200, route.route, "GET as anonymous", anonymous.get(path))
        elif kind == LOGOUT:
            response = staff.get(path)  # logout is POST only (and CSRF-protected): a GET logs nobody out
            expect(staff.get("/admin/").status_code == 200, route.route, "GET logged staff out", response)
        else:
            problems.append(f"{route.route}: unknown kind {kind!r}")
    assert problems == [], "\n".join(problems)


def test_csrf_is_enforced_on_every_session_post(world: dict[str, Any]) -> None:
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(world["staff"])
    gateway = Gateway.objects.get(slug="groq")
    posts = {
        "/cache/clear": {},
        "/cache/refresh": {},
        "/cache/refresh/groq": {},
        "/admin/health/dashboard/": {"gateway": "groq"},
        "/health/gateways/dashboard": {"gateway": "groq"},
        "/admin/gateways/gateway/": {"action": "disable", "_selected_action": [gateway.pk]},
        f"/admin/gateways/gateway/{gateway.pk}/change/": {"slug": "groq", "name": "Renamed"},
        f"/admin/gateways/gateway/{gateway.pk}/refresh/": {},
        f"/admin/gateways/gateway/{gateway.pk}/test-connection/": {},
        "/admin/gateways/gateway/add/": {"slug": "new"},
        "/admin/auth/user/add/": {"username": "intruder"},
        "/admin/password_change/": {"old_password": "pw-root-0123", "new_password1": "x", "new_password2": "x"},
        "/admin/logout/": {},
    }
    for path, data in posts.items():
        response = staff.post(path, data)
        assert response.status_code == 403, path
        assert b"CSRF" in response.content, path
    gateway.refresh_from_db()
    assert (gateway.enabled, gateway.name, gateway.refresh_requested) == (True, "Groq", False)
    assert not RefreshRun.objects.filter(outcome="queued").exists()

    # The same session with its CSRF token is let through (the 403 above was CSRF, not permissions).
    staff.get("/admin/")
    token = staff.cookies["csrftoken"].value
    assert staff.post("/cache/clear", HTTP_X_CSRFTOKEN=token).status_code == 200
    response = staff.post(
        "/admin/gateways/gateway/", {"action": "enable", "_selected_action": [gateway.pk], "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    gateway.refresh_from_db()
    assert gateway.enabled


def test_a_token_post_needs_no_csrf_token_and_an_anonymous_post_changes_nothing(world: dict[str, Any]) -> None:
    staff_token = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {world['staff_token']}")
    assert staff_token.post("/cache/clear").status_code == 200
    Gateway.objects.update(refresh_requested=False)
    anonymous = Client(enforce_csrf_checks=True)
    for path in ("/cache/clear", "/cache/refresh", "/cache/refresh/groq"):
        assert anonymous.post(path).status_code == 401
    assert not Gateway.objects.filter(refresh_requested=True).exists()
    assert not RefreshRun.objects.filter(outcome="queued").exists()


# --- admin actions ------------------------------------------------------------------------------------

# One object per admin whose changelist has actions, to select.
CREATE: dict[type, Callable[[], Any]] = {
    get_user_model(): lambda: get_user_model().objects.create_user("victim"),
    Group: lambda: Group.objects.create(name="operators"),
    TokenProxy: lambda: TokenProxy.objects.get(user__username="reader"),
    PeriodicTask: lambda: PeriodicTask.objects.create(
        name="tick",
        task="gateways.tasks.enqueue_due_refreshes",
        interval=IntervalSchedule.objects.create(every=1, period="minutes"),
    ),
    IntervalSchedule: lambda: IntervalSchedule.objects.create(every=5, period="minutes"),
    CrontabSchedule: lambda: CrontabSchedule.objects.create(minute="5"),
    SolarSchedule: lambda: SolarSchedule.objects.create(event="sunrise", latitude=10, longitude=10),
    ClockedSchedule: lambda: ClockedSchedule.objects.create(clocked_time="2030-01-01T00:00:00Z"),
    Gateway: lambda: Gateway.objects.get(slug="groq"),
    AIModel: lambda: AIModel.objects.first(),
    MergedModel: lambda: MergedModel.objects.first(),
    ModelChange: lambda: ModelChange.objects.first(),
    ModelAlias: lambda: ModelAlias.objects.create(alias="x/victim", canonical_key="x/model", evidence="a test"),
    RefreshRun: lambda: RefreshRun.objects.first(),
    WebhookSubscription: lambda: WebhookSubscription.objects.get(),
    WebhookDelivery: lambda: WebhookDelivery.objects.get(),
}


class ActionSpy:
    """Records which admin actions actually run (instead of running them)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ran: list[str] = []
        real = ModelAdmin.get_actions

        def get_actions(model_admin: ModelAdmin, request: Any) -> dict[str, Any]:
            actions = real(model_admin, request)
            label = model_admin.model._meta.label_lower
            return {name: (self._recorder(f"{label}.{name}"), name, text) for name, (func, name, text) in actions.items()}

        monkeypatch.setattr(ModelAdmin, "get_actions", get_actions)

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(model_admin: ModelAdmin, request: Any, queryset: Any) -> None:
            self.ran.append(name)

        return record


def every_action(staff: Any) -> list[tuple[Any, str, str]]:
    """(model, changelist URL, action name) for every action a superuser is offered."""
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = staff
    found = []
    for model, model_admin in admin.site._registry.items():
        for name in ModelAdmin.get_actions(model_admin, request):
            found.append((model, f"/admin/{model._meta.app_label}/{model._meta.model_name}/", name))
    return found


def test_every_admin_action_runs_only_for_staff_with_the_permission_and_a_csrf_token(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    actions = every_action(world["staff"])
    assert {f"{m._meta.label_lower}.{n}" for m, _, n in actions} >= {
        "gateways.gateway.refresh_now",
        "gateways.gateway.test_connection",
        "gateways.gateway.enable",
        "gateways.gateway.disable",
        "django_celery_beat.periodictask.run_tasks",
        "auth.user.delete_selected",
    }
    spy = ActionSpy(monkeypatch)
    viewer = get_user_model().objects.create_user("viewer", password="pw-viewer-0123", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))

    selected: dict[Any, Any] = {}
    for model, changelist, name in actions:
        assert model in CREATE, f"{model._meta.label}: add a way to create one object for its actions"
        if model not in selected:
            selected[model] = CREATE[model]()
        data = {"action": name, "_selected_action": [selected[model].pk], "post": "yes"}
        label = f"{model._meta.label_lower}.{name}"

        for who, client in clients(world, viewer).items():
            if who == "superuser with CSRF token":
                continue
            response = client.post(changelist, data)
            if who == "anonymous":  # refused by CSRF before the login redirect
                assert response.status_code == 403, (label, who)
            elif who == "non-staff":
                assert login_redirect(response, changelist), (label, who)
            elif who == "superuser without CSRF token":
                assert response.status_code == 403, (label, who)
            assert spy.ran == [], (label, who)

        client = clients(world, viewer)["superuser with CSRF token"]
        client.get(changelist)
        client.post(changelist, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
        assert spy.ran == [label], label  # the positive control: the spy does see an action run
        spy.ran.clear()


def clients(world: dict[str, Any], viewer: Any) -> dict[str, Client]:
    anonymous = Client(enforce_csrf_checks=True)
    reader = Client()
    reader.force_login(world["reader"])
    view_only = Client()
    view_only.force_login(viewer)
    no_csrf = Client(enforce_csrf_checks=True)
    no_csrf.force_login(world["staff"])
    with_csrf = Client(enforce_csrf_checks=True)
    with_csrf.force_login(world["staff"])
    return {
        "anonymous": anonymous,
        "non-staff": reader,
        "view-only staff": view_only,
        "superuser without CSRF token": no_csrf,
        "superuser with CSRF token": with_csrf,
    }
