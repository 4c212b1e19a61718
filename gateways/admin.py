"""The gateway admin: the operations console for upstreams, and the read-only refresh history.

`GatewayAdmin` is registered by `health/admin.py`, which adds the status column and the per-gateway
health page (the status rules live in `catalog.freshness`, and `gateways` never imports `health`).
Actions and a gateway's object tools ("Refresh now", "Test connection") call `gateways.manual` and
`gateways.refresh` and report through `gateways.admin_reports`; the only slow thing a request may
do is the explicit, one-gateway "Test connection" dry run. Keys are never shown: only whether
`GATEWAY_KEY_<SLUG>` is set.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from catalog import cache
from catalog.admin import WideChangelist
from catalog.counts import active, active_count
from catalog.display import duration_text, json_block, milliseconds_text, when_text
from catalog.freshness import data_age_seconds, is_stale
from catalog.tasks import enqueue_rebuild_merged
from gateways import admin_webhooks  # noqa: F401 - registers the webhook subscriptions' and deliveries' admin
from gateways.admin_forms import GatewayForm
from gateways.admin_kinds import adapter_facts, kinds_reference
from gateways.admin_reports import gateway_label, gateway_labels, plural, report_refresh, report_test_connection
from gateways.admin_review import review_url, review_view
from gateways.circuit import circuit_state
from gateways.keys import has_key, key_required, key_state, key_variable
from gateways.manual import gateways_request_refresh
from gateways.models import Gateway, RefreshRun
from gateways.registry import UnknownKind, adapter_for, registered_kinds
from gateways.scheduling import gateways_mark_due

HEALTH_FIELDS = (
    "last_attempt_at",
    "last_success_at",
    "last_outcome",
    "last_error_kind",
    "last_error_text",
    "consecutive_failures",
    "last_latency_ms",
    "last_model_count",
    "degraded_reason",
    "review_pending",
    "circuit_display",
    "circuit_opened_at",
    "refresh_requested",
)
LEASE_FIELDS = ("lease_expires_at", "lease_token")
# Changing one of these changes what a refresh fetches: the gateway is due at the next tick.
REFETCH_FIELDS = {"kind", "base_url", "options", "allow_insecure_http", "enabled"}
# Changing one of these changes which offer wins in the merged catalog: it is rebuilt (in a task).
MERGE_FIELDS = {"enabled", "priority"}


class GatewayAdmin(WideChangelist, admin.ModelAdmin):
    form = GatewayForm
    list_display = (
        "name",
        "slug",
        "kind_column",  # no Enabled column: the Status badge says "disabled", and the filter remains
        "priority",  # the list's first order: its column carries the sort arrow (else Slug would, wrongly)
        "models_column",
        "data_age_column",
        "last_refresh_column",
        "last_error_column",
        "key_column",
    )
    list_display_links = ("name", "slug")
    list_filter = ("enabled", "kind", "circuit_state", "last_error_kind")
    search_fields = ("slug", "name")
    ordering = ("-priority", "slug")
    readonly_fields = (*HEALTH_FIELDS, *LEASE_FIELDS, "adapter_info", "key_status", "kinds_overview", "created_at", "updated_at")
    actions = ("refresh_now", "test_connection", "enable", "disable")
    list_per_page = 100

    # -- layout ---------------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Gateway | None = None) -> list:
        config = [
            (None, {"fields": ("slug", "name", "kind", "base_url", "enabled", "priority", "options", "allow_insecure_http")}),
            (
                "Refresh and publish guard",
                {
                    "fields": (
                        "refresh_interval_seconds",
                        "stale_after_seconds",
                        "missing_grace_seconds",
                        "min_expected_models",
                        "max_shrink_fraction",
                        "max_reject_fraction",
                    )
                },
            ),
            (
                "Drift guard (suspect values are held for review)",
                {"fields": ("drift_price_factor", "drift_repriced_share", "drift_field_share")},
            ),
        ]
        if obj is None:
            return [*config, ("Reference", {"fields": ("kinds_overview",), "classes": ("wide",)})]
        return [
            *config,
            ("Adapter and key", {"fields": ("adapter_info", "key_status")}),
            ("Health (written by every refresh attempt)", {"fields": HEALTH_FIELDS}),
            ("Refresh lease", {"fields": LEASE_FIELDS, "classes": ("collapse",)}),
            ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Gateway]:
        return super().get_queryset(request).annotate(active_models=active_count())

    # -- columns --------------------------------------------------------------------------------

    @admin.display(description="Models (active / min)", ordering="active_models")
    def models_column(self, obj: Gateway) -> str:
        count = getattr(obj, "active_models", None)
        if count is None:
            count = obj.catalog_models.filter(active()).count()
        low = count < obj.min_expected_models
        return format_html(
            '<span class="{}" title="{} active models; a list with fewer than {} is refused">{} / {}</span>',
            "health-low" if low else "",
            count,
            obj.min_expected_models,
            count,
            obj.min_expected_models,
        )

    @admin.display(description="Data age / refresh every", ordering="last_success_at")
    def data_age_column(self, obj: Gateway) -> str:
        from_ = duration_text(obj.refresh_interval_seconds)
        now = timezone.now()
        age = data_age_seconds(obj, now=now)
        if age is None:
            return f"no data / {from_}"
        return format_html(
            '<span class="{}">{}</span> / {}<span class="health-sub">last success {}</span>',
            "health-low" if is_stale(obj, now=now) else "",
            duration_text(age),
            from_,
            when_text(obj.last_success_at),
        )

    @admin.display(description="Last refresh (took, failures, circuit)", ordering="-consecutive_failures")
    def last_refresh_column(self, obj: Gateway) -> str:
        failures = obj.consecutive_failures
        return format_html(
            '{}<span class="health-sub{}">{}</span><span class="health-sub">circuit {}</span>',
            milliseconds_text(obj.last_latency_ms),
            " health-low" if failures else "",
            f"{failures} failed in a row" if failures else "no failures",
            circuit_state(obj).replace("_", "-"),
        )

    @admin.display(description="Last error")
    def last_error_column(self, obj: Gateway) -> str:
        if not obj.last_error_kind and not obj.last_error:
            return "-"
        return format_html(
            '<span title="{}"><strong>{}</strong> {}</span>',
            obj.last_error,
            obj.get_last_error_kind_display() or "error",
            Truncator(obj.last_error).chars(80),
        )

    @admin.display(description="Kind", ordering="kind")
    def kind_column(self, obj: Gateway) -> str:
        return format_html("<code>{}</code>", breakable(obj.kind))

    @admin.display(description="Key")
    def key_column(self, obj: Gateway) -> str:
        return key_status_text(obj)

    # -- read-only detail fields ------------------------------------------------------------------

    @admin.display(description="Last error")
    def last_error_text(self, obj: Gateway) -> str:
        return format_html('<pre class="error-block">{}</pre>', obj.last_error) if obj.last_error else "-"

    @admin.display(description="Circuit breaker")
    def circuit_display(self, obj: Gateway) -> str:
        return circuit_state(obj).replace("_", "-")

    @admin.display(description="Key")
    def key_status(self, obj: Gateway) -> str:
        return key_status_text(obj)

    @admin.display(description="Adapter")
    def adapter_info(self, obj: Gateway) -> str:
        try:
            adapter = adapter_for(obj.kind)
        except UnknownKind as exc:
            return str(exc)
        return adapter_facts(adapter)

    @admin.display(description="Kinds")
    def kinds_overview(self, obj: Gateway | None = None) -> str:
        return kinds_reference(list(registered_kinds().values()))

    # -- saving ---------------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Gateway, form: forms.ModelForm, change: bool) -> None:
        if change and REFETCH_FIELDS & set(form.changed_data) and obj.enabled:
            obj.refresh_requested = True
        super().save_model(request, obj, form, change)
        if change and MERGE_FIELDS & set(form.changed_data):
            enqueue_rebuild_merged()
        transaction.on_commit(cache.invalidate)
        if obj.enabled and (not change or obj.refresh_requested):
            messages.info(
                request, f"{gateway_label(obj)} refreshes at the next scheduler tick (within a minute), or use “Refresh now”."
            )

    # -- actions --------------------------------------------------------------------------------

    @admin.action(description="Refresh now (queue a refresh)", permissions=["change"])
    def refresh_now(self, request: HttpRequest, queryset: QuerySet[Gateway]) -> None:
        report_refresh(request, gateways_request_refresh(gateways=queryset, trigger=RefreshRun.Trigger.MANUAL))

    @admin.action(description="Test connection (one gateway: fetch and parse, publish nothing)", permissions=["change"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Gateway]) -> None:
        selected = list(queryset[:2])
        if len(selected) != 1:
            messages.error(request, "Test connection runs a live fetch: select exactly one gateway.")
            return
        report_test_connection(request, selected[0])

    @admin.action(description="Enable", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Gateway]) -> None:
        unknown = []
        allowed = []
        for gateway in queryset:
            try:
                adapter_for(gateway.kind)
            except UnknownKind:
                unknown.append(gateway)
                continue
            allowed.append(gateway.pk)
        with transaction.atomic():
            count = Gateway.objects.filter(pk__in=allowed).update(enabled=True)
            gateways_mark_due(gateways=Gateway.objects.filter(pk__in=allowed))
            enqueue_rebuild_merged()
        messages.success(request, f"Enabled {plural(count, 'gateway')}; they refresh at the next scheduler tick.")
        if unknown:
            messages.warning(request, f"Not enabled (no adapter is registered for their kind): {gateway_labels(unknown)}.")
        missing = [key_variable(g.slug) for g in Gateway.objects.filter(pk__in=allowed) if _needs_missing_key(g)]
        if missing:
            messages.warning(request, f"Enabled but unconfigured until set in the environment: {', '.join(missing)}.")

    @admin.action(description="Disable", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Gateway]) -> None:
        with transaction.atomic():
            count = queryset.update(enabled=False)
            enqueue_rebuild_merged()
        messages.success(
            request, f"Disabled {plural(count, 'gateway')}; they are no longer refreshed and their stored models are kept."
        )

    # -- object tools: one gateway's "Refresh now" and "Test connection" (POST with CSRF) -------

    def get_urls(self) -> list[URLPattern]:
        return [
            path("<path:object_id>/refresh/", self.admin_site.admin_view(self.refresh_view), name="gateways_gateway_refresh"),
            path("<path:object_id>/test-connection/", self.admin_site.admin_view(self.test_view), name="gateways_gateway_test"),
            *super().get_urls(),
        ]

    def gateway_or_404(self, request: HttpRequest, object_id: str) -> Gateway:
        gateway = self.get_object(request, object_id)  # None for an unknown or malformed id, never a 500
        if gateway is None:
            raise Http404("no such gateway")
        return gateway

    def _changeable(self, request: HttpRequest, object_id: str) -> Gateway:
        gateway = self.gateway_or_404(request, object_id)
        if not self.has_change_permission(request, gateway):
            raise PermissionDenied("refreshing and testing need the permission to change gateways")
        return gateway

    def _back(self, gateway: Gateway) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:gateways_gateway_change", args=[gateway.pk]))

    @method_decorator(require_POST)
    def refresh_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        gateway = self._changeable(request, object_id)
        report_refresh(request, gateways_request_refresh(gateways=[gateway], trigger=RefreshRun.Trigger.MANUAL))
        return self._back(gateway)

    @method_decorator(require_POST)
    def test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        gateway = self._changeable(request, object_id)
        report_test_connection(request, gateway)
        return self._back(gateway)


def _needs_missing_key(gateway: Gateway) -> bool:
    try:
        return key_required(gateway) and not has_key(gateway.slug)
    except UnknownKind:
        return False


def key_status_text(gateway: Gateway) -> str:
    """`configured`, `not needed` or `missing` (`keys.key_state`), and the variable: never the value."""
    state = key_state(gateway)
    return format_html(
        '<span class="{}">{}</span><span class="health-sub"><code>{}</code></span>',
        "health-low" if state == "missing" else "",
        {"missing": "missing: set", "not needed": "not needed, optional:"}.get(state, state),
        breakable(key_variable(gateway.slug)),
    )


def breakable(name: str) -> str:
    """`openai_compatible`, `GATEWAY_KEY_X` that may wrap after `_` or `-` (narrow list columns), never inside a word."""
    return format_html_join(mark_safe("<wbr>"), "{}", ((part,) for part in re.split(r"(?<=[_-])", name)))


# --- refresh history (read-only) ----------------------------------------------------------------


@admin.register(RefreshRun)
class RefreshRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "gateway",
        "trigger",
        "outcome",
        "error_kind",
        "http_status",
        "duration_ms",
        "models_seen",
        "models_added",
        "models_changed",
        "models_deactivated",
        "models_rejected",
        "models_held",
        "short_error",
    )
    list_filter = ("outcome", "review_state", "error_kind", "trigger", "forced", "gateway")
    list_select_related = ("gateway",)
    search_fields = ("gateway__slug", "error_message")
    date_hierarchy = "started_at"
    show_full_result_count = False
    fields = (
        "gateway",
        "trigger",
        "forced",
        "outcome",
        "started_at",
        "finished_at",
        "duration_ms",
        "error_kind",
        "http_status",
        "retryable",
        "retry_after_seconds",
        "error_text",
        "models_seen",
        "models_added",
        "models_changed",
        "models_unchanged",
        "models_deactivated",
        "models_missing",
        "models_rejected",
        "models_skipped",
        "endpoints_published",
        "endpoints_failed",
        "rejections_json",
        "warnings_json",
        "models_held",
        "drift_reasons_json",
        "review_display",
        "reviewed_at",
        "reviewed_by",
    )
    readonly_fields = fields

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_held),
                name="gateways_refreshrun_review",
            ),
            *super().get_urls(),
        ]

    def review_held(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return review_view(self, request, object_id)

    @admin.display(description="Held values (drift guard)")
    def drift_reasons_json(self, obj: RefreshRun) -> str:
        return json_block(obj.drift_reasons)

    @admin.display(description="Review")
    def review_display(self, obj: RefreshRun) -> str:
        if not obj.review_state:
            return "-"
        if obj.review_state == RefreshRun.Review.PENDING:
            return format_html('<a class="button" id="review-held" href="{}">Review the held values</a>', review_url(obj.pk))
        return obj.get_review_state_display()

    class Media:
        css = {"all": ("catalog/admin.css",)}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RefreshRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RefreshRun | None = None) -> bool:
        return False

    @admin.display(description="Error")
    def short_error(self, obj: RefreshRun) -> str:
        return Truncator(obj.error_message).chars(80) if obj.error_message else "-"

    @admin.display(description="Error message")
    def error_text(self, obj: RefreshRun) -> str:
        return format_html('<pre class="error-block">{}</pre>', obj.error_message) if obj.error_message else "-"

    @admin.display(description="Rejections (first reasons)")
    def rejections_json(self, obj: RefreshRun) -> str:
        return json_block(obj.rejections)

    @admin.display(description="Warnings")
    def warnings_json(self, obj: RefreshRun) -> str:
        return json_block(obj.warnings)
