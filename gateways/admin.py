"""The gateway admin: the operations console for upstreams, and the read-only refresh history.

`GatewayAdmin` is registered by `health/admin.py`, which adds the status column (the status rules
live in `catalog.freshness`, and `gateways` never imports `health`). Actions call
`gateways.manual` and `gateways.scheduling` and report counts; the only slow thing a request may do
is the explicit, one-gateway "Test connection" dry run. Keys are never shown: only whether
`GATEWAY_KEY_<SLUG>` is set.
"""

from __future__ import annotations

import sys
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.text import Truncator

from catalog import cache
from catalog.counts import active, active_count
from catalog.display import duration_text, json_block
from catalog.freshness import data_age_seconds, is_stale
from catalog.tasks import enqueue_rebuild_merged
from gateways.circuit import circuit_state
from gateways.keys import env_suffix, has_key, key_required, key_variable
from gateways.manual import RefreshRequest, gateways_request_refresh
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_dry_run
from gateways.registry import UnknownKind, adapter_for, registered_kinds
from gateways.scheduling import gateways_mark_due

CONFIG_FIELDS = (
    "slug",
    "name",
    "kind",
    "base_url",
    "enabled",
    "priority",
    "options",
    "allow_insecure_http",
    "refresh_interval_seconds",
    "stale_after_seconds",
    "min_expected_models",
    "max_shrink_fraction",
    "max_reject_fraction",
)
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
    "circuit_display",
    "circuit_opened_at",
    "refresh_requested",
)
LEASE_FIELDS = ("lease_expires_at", "lease_token")
# Changing one of these changes what a refresh fetches: the gateway is due at the next tick.
REFETCH_FIELDS = {"kind", "base_url", "options", "allow_insecure_http", "enabled"}
# Changing one of these changes which offer wins in the merged catalog: it is rebuilt (in a task).
MERGE_FIELDS = {"enabled", "priority"}
# Slugs a gateway may not take: a route beside /health/gateways/<slug>, and the catalog's "every gateway".
RESERVED_SLUGS = {"dashboard", "all"}

OPTIONS_EXAMPLE = '{"price_unit": "per_1m"}'


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def report_refresh(request: HttpRequest, result: RefreshRequest) -> None:
    """The admin messages for a "refresh now": how many were queued, and which were not and why."""
    if result.queued:
        messages.success(request, f"Queued refresh for {plural(len(result.queued), 'gateway')}.")
    if result.skipped:
        reasons = "; ".join(f"{gateway.slug} ({reason})" for gateway, reason in result.skipped)
        messages.warning(request, f"Not queued: {reasons}.")


class GatewayForm(forms.ModelForm):
    base_url = forms.URLField(
        required=False,
        max_length=512,
        assume_scheme="https",
        help_text=Gateway._meta.get_field("base_url").help_text,
    )
    options = forms.JSONField(
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "spellcheck": "false"}),
        error_messages={
            "invalid": f"Options must be valid JSON, for example {OPTIONS_EXAMPLE} (double quotes, no trailing commas)."
        },
        help_text=f"A JSON object of per-kind options, validated by the adapter, e.g. {OPTIONS_EXAMPLE}. Leave empty for none.",
    )

    class Meta:
        model = Gateway
        fields = CONFIG_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # Admin renders help text as HTML; ours names variables like GATEWAY_KEY_<SLUG>.
            field.help_text = escape(field.help_text)
        kind = self.fields.get("kind")
        current = self.instance.kind if self.instance.pk else None
        if kind is not None and current and current not in registered_kinds():
            # Show the stored kind instead of silently selecting another one; saving explains why it is refused.
            kind.choices = [*kind.choices, (current, f"{current} (no adapter registered)")]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug != slug.lower():
            raise forms.ValidationError(
                f"Use lower case: {slug.lower()!r}. The slug appears in URLs and in {key_variable(slug)}."
            )
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"{slug!r} is reserved (it is a URL path); choose another slug.")
        others = Gateway.objects.exclude(pk=self.instance.pk).exclude(slug=slug).values_list("slug", flat=True)
        other = next((o for o in others if env_suffix(o) == env_suffix(slug)), None)
        if other:
            raise forms.ValidationError(
                f"{other!r} already uses the variable {key_variable(slug)} ({env_suffix(slug)}); choose a slug that differs by more than - and _."
            )
        return slug

    def clean_options(self) -> dict[str, Any]:
        value = self.cleaned_data.get("options")
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(f"Options must be a JSON object like {OPTIONS_EXAMPLE}, not {_json_type(value)}.")
        return value


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "a number"


class GatewayAdmin(admin.ModelAdmin):
    form = GatewayForm
    list_display = (
        "name",
        "slug",
        "kind_column",
        "enabled",
        "priority",  # the list's first order: its column carries the sort arrow (else Slug would, wrongly)
        "models_column",
        "data_age_column",
        "last_success_at",
        "last_error_column",
        "latency_column",
        "consecutive_failures",
        "circuit_column",
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
                        "min_expected_models",
                        "max_shrink_fraction",
                        "max_reject_fraction",
                    )
                },
            ),
        ]
        if obj is None:
            return [(None, {"fields": ("kinds_overview",)}), *config]
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
            '<span class="{}">{}</span> / {}', "health-low" if is_stale(obj, now=now) else "", duration_text(age), from_
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
        return format_html("<code>{}</code>", obj.kind)

    @admin.display(description="Latency", ordering="last_latency_ms")
    def latency_column(self, obj: Gateway) -> str:
        return "-" if obj.last_latency_ms is None else f"{obj.last_latency_ms} ms"

    @admin.display(description="Circuit", ordering="circuit_state")
    def circuit_column(self, obj: Gateway) -> str:
        return circuit_state(obj).replace("_", "-")

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
        return adapter_table([adapter])

    @admin.display(description="Kinds")
    def kinds_overview(self, obj: Gateway | None = None) -> str:
        return adapter_table(list(registered_kinds().values()))

    # -- saving ---------------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Gateway, form: forms.ModelForm, change: bool) -> None:
        if change and REFETCH_FIELDS & set(form.changed_data) and obj.enabled:
            obj.refresh_requested = True
        super().save_model(request, obj, form, change)
        if change and MERGE_FIELDS & set(form.changed_data):
            enqueue_rebuild_merged()
        transaction.on_commit(cache.invalidate)
        if obj.enabled and (not change or obj.refresh_requested):
            messages.info(request, f"{obj.slug} refreshes at the next scheduler tick (within a minute), or use “Refresh now”.")

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
        gateway = selected[0]
        result = gateway_dry_run(gateway=gateway)
        if result.ok:
            extra = []
            if result.rejected:
                extra.append(f"{result.rejected} rejected")
            if result.skipped:
                extra.append(f"{result.skipped} skipped")
            summary = f"{gateway.slug}: connection OK, {plural(result.models, 'model')} parsed in {result.duration_ms} ms"
            summary += f" ({', '.join(extra)})" if extra else ""
            summary += f". First ids: {', '.join(result.sample_ids)}." if result.sample_ids else "."
            messages.success(request, summary)
            if result.errors:
                messages.warning(request, f"{gateway.slug}: first item errors: " + " | ".join(result.errors[:3]))
            return
        if result.error_kind:
            messages.error(request, f"{gateway.slug}: test failed ({result.error_kind}): " + " | ".join(result.errors[:3]))
        else:
            detail = " | ".join(result.errors[:3]) or "the upstream list is empty"
            messages.error(request, f"{gateway.slug}: test failed: no usable models ({result.rejected} rejected): {detail}")

    @admin.action(description="Enable", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Gateway]) -> None:
        unknown = []
        allowed = []
        for gateway in queryset:
            try:
                adapter_for(gateway.kind)
            except UnknownKind:
                unknown.append(gateway.slug)
                continue
            allowed.append(gateway.pk)
        with transaction.atomic():
            count = Gateway.objects.filter(pk__in=allowed).update(enabled=True)
            gateways_mark_due(gateways=Gateway.objects.filter(pk__in=allowed))
            enqueue_rebuild_merged()
        messages.success(request, f"Enabled {plural(count, 'gateway')}; they refresh at the next scheduler tick.")
        if unknown:
            messages.warning(request, f"Not enabled (no adapter is registered for their kind): {', '.join(unknown)}.")
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


def _needs_missing_key(gateway: Gateway) -> bool:
    try:
        return key_required(gateway) and not has_key(gateway.slug)
    except UnknownKind:
        return False


def key_status_text(gateway: Gateway) -> str:
    """`configured (GATEWAY_KEY_X)`, `missing: set GATEWAY_KEY_X`, or `not needed`: never the value."""
    variable = key_variable(gateway.slug)
    try:
        needs_key = key_required(gateway)
    except UnknownKind:
        needs_key = True
    if has_key(gateway.slug):
        return f"configured ({variable})"
    if not needs_key:
        return f"not needed (optional {variable})"
    return format_html('<span class="health-low">missing: set {}</span>', variable)


def adapter_table(adapters: list) -> str:
    rows = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                a.kind,
                a.label,
                a.default_base_url or "none: enter the base URL (…/v1)",
                "yes" if a.requires_key else "no",
                a.price_unit_label,
                _adapter_notes(sys.modules[a.__module__].__doc__ or ""),
            )
            for a in adapters
        ),
    )
    return format_html(
        '<table class="adapter-table"><thead><tr><th>kind</th><th>label</th><th>default base URL</th>'
        "<th>key needed</th><th>upstream price unit</th><th>notes</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


def _adapter_notes(text: str) -> str:
    """An adapter module's docstring after its title line: its units, quirks and options (our words)."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    return " ".join(paragraphs[1].split()) if len(paragraphs) > 1 else " ".join(text.split())


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
        "short_error",
    )
    list_filter = ("outcome", "error_kind", "trigger", "forced", "gateway")
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
        "models_rejected",
        "models_skipped",
        "rejections_json",
        "warnings_json",
    )
    readonly_fields = fields

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
