"""The request and answer shapes of `/catalog/v1/webhooks` (`gateways.webhook_views`), and the
schema hook that closes their objects (an unknown key is a 400, so the schema says
`additionalProperties: false`)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.change_prices import PERCENT_CAP
from catalog.prices import COMPONENTS
from catalog.serializers import CHANGE_KINDS
from catalog.sources import source_statuses

# http(s), a host name or IPv4 address, an optional port (1-65535), a path and query of URL characters.
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_PORT = r"([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_PATH_CHARS = r"[A-Za-z0-9._~!$&'()*+,;=:@/-]"
URL_PATTERN = rf"^https?://{_LABEL}(\.{_LABEL})*(:{_PORT})?(/{_PATH_CHARS}*)?(\?{_PATH_CHARS}*)?$"
PERCENT_PLACES = Decimal("0.000001")
CLOSED_COMPONENTS = ("WebhookCreate", "WebhookFilters")


class TextField(serializers.CharField):
    """A JSON string only (DRF's CharField would also take a number and turn it into text)."""

    default_error_messages = {"not_a_string": "must be a string"}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


@extend_schema_field({"type": "number", "minimum": 0, "maximum": float(PERCENT_CAP)})
class PercentNumberField(serializers.Field):
    """A JSON number of percent, 0 to 10^9, kept to 6 decimal places (as the feed stores changes)."""

    default_error_messages = {"invalid": "must be a number of percent from 0 to 1000000000 (e.g. 20)"}

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            self.fail("invalid")
        value = Decimal(str(data))
        if value < 0 or value > PERCENT_CAP:
            self.fail("invalid")
        return value.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)

    def to_representation(self, value: Any) -> Any:
        return float(value)


class WebhookFiltersSerializer(serializers.Serializer):
    """The change-feed filters, as lists: a change matches a list when it matches any of its
    values; the filters combine with AND; a filter left out matches everything."""

    gateway = serializers.ListField(child=TextField(max_length=64), required=False, max_length=100, help_text="Gateway slugs.")
    model = serializers.ListField(
        child=TextField(
            min_length=1,
            max_length=512,
            trim_whitespace=False,
            validators=[RegexValidator(r"^[^\x00]*$", "null characters are not allowed")],
        ),
        required=False,
        max_length=100,
        help_text="Upstream model ids, case-insensitive.",
    )
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANGE_KINDS), required=False, max_length=len(CHANGE_KINDS)
    )
    component = serializers.ListField(
        child=serializers.ChoiceField(choices=COMPONENTS), required=False, max_length=len(COMPONENTS)
    )
    min_change_percent = PercentNumberField(
        required=False, help_text="Only price changes where some per-token price moved by at least this many percent."
    )

    def validate_gateway(self, value: list[str]) -> list[str]:
        known = source_statuses()
        unknown = [slug for slug in value if slug not in known]
        if unknown:
            raise serializers.ValidationError(f"unknown gateway {unknown[0][:64]!r}. Valid values: {', '.join(sorted(known))}")
        return value


class WebhookCreateSerializer(serializers.Serializer):
    url = TextField(
        max_length=2000,
        trim_whitespace=False,  # the pattern is the whole rule; the view strips a final newline it allows
        validators=[RegexValidator(URL_PATTERN, "must be an http(s) URL with a host name")],
        help_text="Where to POST the changes. Must resolve to public addresses only (unless GATEWAY_ALLOW_PRIVATE_HOSTS).",
    )
    filters = WebhookFiltersSerializer(required=False)


def unknown_keys(data: Any) -> str | None:
    """The first key of the request (or of its `filters`) that is not part of the contract."""
    if not isinstance(data, dict):
        return None
    extra = sorted(set(data) - set(WebhookCreateSerializer().fields))
    if extra:
        return str(extra[0])
    filters = data.get("filters")
    if isinstance(filters, dict):
        extra = sorted(set(filters) - set(WebhookFiltersSerializer().fields))
        if extra:
            return f"filters.{extra[0]}"
    return None


def first_error(errors: Any, prefix: str = "") -> tuple[str, str]:
    """(field path, message) of the first error in DRF's nested error dict."""
    if isinstance(errors, dict):
        for name, inner in errors.items():
            if isinstance(name, int):  # a list item: `filters.kind[0]`
                path = f"{prefix}[{name}]"
            else:
                path = name if not prefix else (prefix if name == "non_field_errors" else f"{prefix}.{name}")
            return first_error(inner, path)
    if isinstance(errors, list) and errors:
        if isinstance(errors[0], dict | list):
            return first_error(errors[0], prefix)
        return prefix, str(errors[0])
    return prefix, str(errors)


class WebhookSubscriptionSerializer(serializers.Serializer):
    """A subscription as the API shows it: never its secret."""

    id = serializers.IntegerField()
    url = serializers.CharField()
    filters = serializers.JSONField(help_text="The filters as stored (min_change_percent as a decimal string).")
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(help_text="Why it was disabled; empty while enabled.")
    failing_since = serializers.DateTimeField(allow_null=True, help_text="First failed attempt since the last delivered one.")
    last_success_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class WebhookCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        help_text="`whsec_` + base64 of the signing key. Shown in this answer only: store it now; it is never shown again."
    )


class WebhookListSerializer(serializers.Serializer):
    data = WebhookSubscriptionSerializer(many=True)


class WebhookErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(required=False, help_text="The field at fault, e.g. `filters.kind`.")


def closed_objects_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """`additionalProperties: false` on the webhook request objects: an unknown key is a 400."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in CLOSED_COMPONENTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    return result
