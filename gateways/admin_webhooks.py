"""Admin for webhook subscriptions and their deliveries (docs/admin.md, "Webhooks").

Subscriptions: add one (the URL passes the same address rules as the API, the filters the same
validation; the secret is shown once, in the confirmation message), edit its URL or filters, enable
or disable it. The signing key is never a form field and never on a page. A disabled subscription
shows why. Deliveries: read-only, each with its attempts (when, status code or error kind,
latency); "Replay" queues a delivery again with the same id and body.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from catalog.display import json_block
from catalog.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from catalog.webhooks import delivery_replay, new_signing_key, secret_text, stored_filters, subscription_enable
from gateways.addresses import subscription_url_problem
from gateways.admin_reports import plural
from gateways.webhook_serializers import WebhookFiltersSerializer, first_error


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https", help_text="Where each publish's matching changes are POSTed.")

    class Meta:
        model = WebhookSubscription
        fields = ("url", "filters", "enabled")
        help_texts = {
            "filters": 'A JSON object, e.g. {"gateway": ["openrouter"], "kind": ["price_changed"], '
            '"min_change_percent": 10}; keys: gateway, model, kind, component, min_change_percent. {} matches every change.'
        }

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        problem = subscription_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean_filters(self) -> dict[str, Any]:
        given = self.cleaned_data.get("filters") or {}
        if not isinstance(given, dict):
            raise forms.ValidationError("Enter a JSON object.")
        unknown = sorted(set(given) - set(WebhookFiltersSerializer().fields))
        if unknown:
            raise forms.ValidationError(f"{unknown[0]}: unknown filter.")
        if "min_change_percent" in given and isinstance(given["min_change_percent"], str):
            try:
                given = {**given, "min_change_percent": float(given["min_change_percent"])}  # a stored decimal string
            except ValueError:
                pass
        serializer = WebhookFiltersSerializer(data=given)
        if not serializer.is_valid():
            field, message = first_error(serializer.errors)
            raise forms.ValidationError(f"{field}: {message}")
        values = serializer.validated_data
        return stored_filters(
            gateway=values.get("gateway", []),
            model=values.get("model", []),
            kind=values.get("kind", []),
            component=values.get("component", []),
            min_change_percent=values.get("min_change_percent"),
        )


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("id", "url", "enabled", "state", "last_success_at", "created_at")
    list_filter = ("enabled",)
    search_fields = ("url",)
    readonly_fields = ("state", "failing_since", "last_success_at", "created_at")
    actions = ("enable", "disable")

    def get_fields(self, request: HttpRequest, obj: WebhookSubscription | None = None) -> Any:
        return ("url", "filters", "enabled") if obj is None else ("url", "filters", "enabled", *self.readonly_fields)

    @admin.display(description="state")
    def state(self, obj: WebhookSubscription) -> str:
        if not obj.enabled:
            return format_html("<strong>disabled</strong>: {}", obj.disabled_reason or "by staff")
        if obj.failing_since:
            return f"failing since {obj.failing_since:%Y-%m-%d %H:%M} UTC"
        return "delivering"

    def save_model(self, request: HttpRequest, obj: WebhookSubscription, form: forms.ModelForm, change: bool) -> None:
        if change:
            if "enabled" in form.changed_data and obj.enabled:
                obj.disabled_reason, obj.failing_since = "", None
            elif "enabled" in form.changed_data:
                obj.disabled_reason = "disabled by staff"
            super().save_model(request, obj, form, change)
            return
        obj.signing_key = new_signing_key()
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            f"The secret of webhook {obj.pk} is {secret_text(obj.signing_key)}. Copy it now: it is never shown again.",
        )

    @admin.action(description="Enable (pending deliveries are attempted at once)", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        with transaction.atomic():
            count = subscription_enable(subscriptions=queryset)
        messages.success(request, f"Enabled {plural(count, 'subscription')}.")

    @admin.action(description="Disable", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        count = queryset.update(enabled=False, disabled_reason="disabled by staff")
        messages.success(request, f"Disabled {plural(count, 'subscription')}; their deliveries wait until enabled again.")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("attempted_at", "status_code", "error_kind", "latency_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "webhook_id",
        "subscription",
        "status",
        "change_count",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    )
    list_filter = ("status",)
    list_select_related = ("subscription",)
    search_fields = ("webhook_id",)
    show_full_result_count = False
    fields = (
        "webhook_id",
        "subscription",
        "status",
        "change_count",
        "attempts",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "delivered_at",
        "last_error",
        "body_json",
    )
    readonly_fields = fields
    inlines = (WebhookAttemptInline,)
    actions = ("replay",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="body")
    def body_json(self, obj: WebhookDelivery) -> str:
        return json_block(json.loads(obj.body))

    def has_replay_permission(self, request: HttpRequest) -> bool:
        """Replaying sends requests: it needs the change permission, which no form here uses."""
        return request.user.has_perm("catalog.change_webhookdelivery")

    @admin.action(description="Replay (queue again with the same webhook-id and body)", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        with transaction.atomic():
            ids = delivery_replay(deliveries=queryset)
        messages.success(request, f"Queued {len(ids)} {'delivery' if len(ids) == 1 else 'deliveries'} again, with the same ids.")
