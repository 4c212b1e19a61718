"""The gateway form of the admin: what staff may enter for a gateway and why an entry is refused
(slug, options as a JSON object, the base URL), with the picked kind's notes beside Kind.
The model's `clean()` adds the rules that hold outside admin too (kind, options, stale window)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import escape

from gateways.admin_kinds import KindSelect
from gateways.keys import env_suffix, key_variable
from gateways.models import Gateway
from gateways.registry import registered_kinds

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
    "missing_grace_seconds",
    "min_expected_models",
    "max_shrink_fraction",
    "max_reject_fraction",
)
# Slugs a gateway may not take: a route beside /health/gateways/<slug>, and the catalog's "every gateway".
RESERVED_SLUGS = {"dashboard", "all"}

OPTIONS_EXAMPLE = '{"price_unit": "per_1m"}'


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
        if kind is not None:
            kind.widget = KindSelect(choices=kind.choices, adapters=registered_kinds())
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
