"""Shapes of the health and system endpoints (also their OpenAPI schema).

Error messages recorded from upstreams (`last_error`, a run's `error_message`) may quote upstream
text, so they are included only for staff; everyone else gets the error kind, which is ours.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.freshness import STATUSES
from gateways.models import RefreshRun

STAFF_ONLY = "Only in responses to staff (session or token); may quote upstream text."


class BlankAsNullField(serializers.CharField):
    """Our columns store "" for "none"; the API says null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, allow_blank=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:
        return value or None


class StaffFieldsMixin:
    staff_fields: tuple[str, ...] = ()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)  # type: ignore[misc]
        if not self.context.get("staff"):  # type: ignore[attr-defined]
            for name in self.staff_fields:
                data.pop(name, None)
        return data


class RefreshRunSerializer(StaffFieldsMixin, serializers.Serializer):
    staff_fields = ("error_message",)

    id = serializers.IntegerField()
    gateway = serializers.CharField(source="gateway.slug")
    trigger = serializers.ChoiceField(choices=RefreshRun.Trigger.choices)
    forced = serializers.BooleanField()
    outcome = serializers.ChoiceField(
        choices=RefreshRun.Outcome.choices, help_text="`queued` until a worker picks it up, then `running`, then the result."
    )
    started_at = serializers.DateTimeField(help_text="When it started (while `queued`: when it was asked for).")
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    error_kind = BlankAsNullField()
    http_status = serializers.IntegerField(allow_null=True)
    retryable = serializers.BooleanField()
    models_seen = serializers.IntegerField()
    models_added = serializers.IntegerField()
    models_changed = serializers.IntegerField()
    models_unchanged = serializers.IntegerField()
    models_deactivated = serializers.IntegerField(help_text="Removed: missing from the list past the grace period.")
    models_missing = serializers.IntegerField(help_text="Lacked by the list, still served marked missing (grace period).")
    models_rejected = serializers.IntegerField()
    error_message = BlankAsNullField(required=False, help_text=STAFF_ONLY)


class GatewayHealthSerializer(StaffFieldsMixin, serializers.Serializer):
    """One gateway's health, from stored data (no live probe). See catalog/freshness.py for the rules."""

    staff_fields = ("last_error", "degraded_reason")

    gateway = serializers.CharField(source="gateway.slug")
    name = serializers.CharField(source="gateway.name")
    kind = serializers.CharField(source="gateway.kind")
    enabled = serializers.BooleanField(source="gateway.enabled")
    status = serializers.ChoiceField(choices=STATUSES)
    reason = serializers.CharField(help_text="Why it has this status, from figures and error kinds only.")
    stale = serializers.BooleanField()
    age_seconds = serializers.IntegerField(allow_null=True, help_text="Age of the last live data; null if none.")
    last_success_at = serializers.DateTimeField(source="gateway.last_success_at", allow_null=True)
    last_attempt_at = serializers.DateTimeField(source="gateway.last_attempt_at", allow_null=True)
    last_outcome = BlankAsNullField(source="gateway.last_outcome")
    last_error_kind = BlankAsNullField(source="gateway.last_error_kind")
    consecutive_failures = serializers.IntegerField(source="gateway.consecutive_failures")
    latency_ms = serializers.IntegerField(source="gateway.last_latency_ms", allow_null=True)
    models = serializers.IntegerField(source="models_active", help_text="Active stored models.")
    last_fetched_models = serializers.IntegerField(source="gateway.last_model_count", allow_null=True)
    min_expected_models = serializers.IntegerField(source="gateway.min_expected_models")
    refresh_interval_seconds = serializers.IntegerField(source="gateway.refresh_interval_seconds")
    stale_after_seconds = serializers.IntegerField(source="gateway.stale_after_seconds")
    circuit = serializers.ChoiceField(choices=["closed", "open", "half_open"])
    configured = serializers.BooleanField(help_text="Its key is set (or it needs none) and its adapter is registered.")
    refreshing = serializers.BooleanField(help_text="A worker is refreshing it now.")
    last_error = BlankAsNullField(source="gateway.last_error", required=False, help_text=STAFF_ONLY)
    degraded_reason = BlankAsNullField(source="gateway.degraded_reason", required=False, help_text=STAFF_ONLY)


class StatusSummarySerializer(serializers.Serializer):
    ok = serializers.IntegerField()
    stale = serializers.IntegerField()
    failing = serializers.IntegerField()
    degraded = serializers.IntegerField()
    held = serializers.IntegerField()
    unconfigured = serializers.IntegerField()
    disabled = serializers.IntegerField()
    never_refreshed = serializers.IntegerField()


class GatewayHealthListSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    summary = StatusSummarySerializer(help_text="Number of gateways in each status.")
    gateways = GatewayHealthSerializer(many=True)


class GatewayHealthDetailSerializer(GatewayHealthSerializer):
    """One gateway's health and its latest runs (`context["runs"]`), newest first."""

    recent_runs = serializers.SerializerMethodField()

    @extend_schema_field(RefreshRunSerializer(many=True))
    def get_recent_runs(self, obj: Any) -> list[dict[str, Any]]:
        return RefreshRunSerializer(self.context["runs"], many=True, context=self.context).data


class CheckSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='"ok", or "unavailable" when any check failed.')
    checks = serializers.DictField(child=serializers.CharField(), help_text='Per part: "ok" or what failed.')


class SystemErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class UnknownGatewaySerializer(SystemErrorSerializer):
    # Present when the gateway is unknown; absent for other 400s (a bad `force` value).
    valid_gateways = serializers.ListField(child=serializers.CharField(), required=False)


class NotQueuedSerializer(SystemErrorSerializer):
    gateway = serializers.CharField()
    reason = serializers.CharField()


class RefreshQueuedSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    run_id = serializers.IntegerField(help_text="The queued RefreshRun; the worker fills it in. Poll `run_url`.")
    run_url = serializers.CharField()
    status = serializers.CharField(help_text='"queued"; "failed" when the broker could not take the task (answer 503).')
    force = serializers.BooleanField()
    error = serializers.CharField(required=False, help_text="Why the run is not queued (only when it is not).")


class BrokerDownSerializer(RefreshQueuedSerializer):
    detail = serializers.CharField()


class SkippedSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    reason = serializers.CharField()


class RefreshAllSerializer(serializers.Serializer):
    force = serializers.BooleanField()
    queued = RefreshQueuedSerializer(many=True)
    skipped = SkippedSerializer(many=True, help_text="Enabled gateways not queued, with why.")


class BrokerDownAllSerializer(RefreshAllSerializer):
    detail = serializers.CharField()


class CacheClearSerializer(serializers.Serializer):
    response_cache = serializers.CharField(help_text='Always "cleared".')
    catalog_version = serializers.IntegerField()
    marked_due = serializers.ListField(
        child=serializers.CharField(), help_text="Gateways that refresh at the next scheduler tick. Stored models are kept."
    )


class CacheBackendSerializer(serializers.Serializer):
    backend = serializers.CharField(help_text="The Django cache backend class (no location, no credentials).")
    reachable = serializers.BooleanField()
    generation = serializers.IntegerField(allow_null=True, help_text="Bumped by every clear; part of each cache key.")


class GatewayCacheSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    enabled = serializers.BooleanField()
    status = serializers.ChoiceField(choices=STATUSES)
    models_active = serializers.IntegerField()
    models_total = serializers.IntegerField(help_text="Active and inactive (vanished) rows.")
    last_refresh_at = serializers.DateTimeField(allow_null=True, help_text="Last refresh attempt.")
    last_success_at = serializers.DateTimeField(allow_null=True)
    refresh_requested = serializers.BooleanField(help_text="Due at the next scheduler tick.")
    refreshing = serializers.BooleanField()


class CacheStatusSerializer(serializers.Serializer):
    response_cache = CacheBackendSerializer()
    catalog_version = serializers.IntegerField()
    catalog_updated_at = serializers.DateTimeField(allow_null=True)
    gateways = GatewayCacheSerializer(many=True)
