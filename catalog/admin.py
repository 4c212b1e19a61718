"""Read-only admin for the stored catalog.

Models, merged entries and changes are written only by the refresh pipeline (`catalog.services`):
staff can search and read them here but never add, edit or delete one by hand. Prices are shown
per 1M tokens with that unit in the column name, next to the stored per-token value.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from catalog import admin_aliases  # noqa: F401 - registers the alias table's (editable) admin
from catalog.display import PER_MILLION_TOKENS, json_block, price_lines, usd_per_million
from catalog.history import offer_history
from catalog.models import AIModel, MergedModel, ModelChange
from catalog.price_chart import chart_html, step_charts


class WideChangelist:
    """A changelist whose columns and filters need the whole width of a 1366 px window: the app
    sidebar is left out there (it stays on every other admin page; the breadcrumbs lead back)."""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        return super().changelist_view(request, {"is_nav_sidebar_enabled": False, **(extra_context or {})})  # type: ignore[misc]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff with the view permission; nobody adds, changes or deletes rows here."""

    show_full_result_count = False  # no COUNT(*) over the whole table on every filtered page

    class Media:
        css = {"all": ("catalog/admin.css",)}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or [f.name for f in self.model._meta.fields]


class OutputModalityFilter(admin.SimpleListFilter):
    """Filter on one output modality (`embeddings`, `image`...) from the comma-wrapped column."""

    title = "output modality"
    parameter_name = "output"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        values: set[str] = set()
        for text in AIModel.objects.values_list("output_modalities_text", flat=True).distinct():
            values.update(v for v in text.split(",") if v)
        return [(v, v) for v in sorted(values)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AIModel]) -> QuerySet[AIModel]:
        value = self.value()
        return queryset.filter(output_modalities_text__contains=f",{value},") if value else queryset


@admin.register(AIModel)
class AIModelAdmin(WideChangelist, ReadOnlyAdmin):
    list_display = (
        "upstream_id",
        "name",
        "gateway",
        "provider_slug",
        "modality",
        "context_length",
        "prompt_per_million",
        "completion_per_million",
        "is_active",
        "last_seen_at",
    )
    list_filter = ("gateway", "is_active", "upstream_active", OutputModalityFilter, "modality", "provider_slug", "is_free")
    list_select_related = ("gateway",)
    search_fields = ("upstream_id", "name", "hugging_face_id", "canonical_slug")
    fieldsets = (
        (None, {"fields": ("upstream_id", "name", "gateway", "provider_slug", "hugging_face_id", "canonical_slug")}),
        ("State", {"fields": ("is_active", "upstream_active", "data_source", "first_seen_at", "last_seen_at", "updated_at")}),
        (
            "Shape",
            {
                "fields": (
                    "description",
                    "created",
                    "context_length",
                    "modality",
                    "modality_source",
                    "input_modalities",
                    "output_modalities",
                    "tokenizer",
                    "instruct_type",
                    "supported_parameters",
                )
            },
        ),
        ("Prices", {"fields": ("price_table", "price_history", "price_unit", "pricing_dynamic", "is_free")}),
        ("Merge", {"fields": ("canonical_key", "variant", "content_hash")}),
        ("Served JSON and upstream item", {"fields": ("public_json_pretty", "raw_pretty", "extra_pretty")}),
    )
    fields = None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [name for _, options in self.fieldsets for name in options["fields"]]

    @admin.display(description=f"Prompt ({PER_MILLION_TOKENS})", ordering="prompt_price")
    def prompt_per_million(self, obj: AIModel) -> str:
        return _per_million(obj, "prompt")

    @admin.display(description=f"Completion ({PER_MILLION_TOKENS})", ordering="completion_price")
    def completion_per_million(self, obj: AIModel) -> str:
        return _per_million(obj, "completion")

    @admin.display(description="Prices")
    def price_table(self, obj: AIModel) -> str:
        lines = price_lines(obj.pricing)
        if not lines:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((line.key, _or_unknown(line.shown), line.unit, _or_unknown(line.stored)) for line in lines),
        )
        return format_html(
            '<table class="price-table"><thead><tr><th>price</th><th>value</th><th>unit</th>'
            "<th>stored (USD per token or per unit)</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Price history")
    def price_history(self, obj: AIModel) -> str:
        return price_history_html([(obj.pk, f"{obj.gateway.slug}: {obj.upstream_id}")])

    @admin.display(description="Served JSON (rendered at publish time)")
    def public_json_pretty(self, obj: AIModel) -> str:
        try:
            document = json.loads(obj.public_json)
        except ValueError:
            return format_html("<pre>{}</pre>", obj.public_json)
        return json_block(document)

    @admin.display(description="Upstream item, as received")
    def raw_pretty(self, obj: AIModel) -> str:
        return json_block(obj.raw)

    @admin.display(description="Extra fields")
    def extra_pretty(self, obj: AIModel) -> str:
        return json_block(obj.extra)


def price_history_html(offers: list[tuple[int, str]]) -> str:
    """Step charts of each offer's recorded prices (`catalog.price_chart`), one per offer and unit."""
    spans = offer_history(pks=[pk for pk, _ in offers])
    now = timezone.now()
    charts = [chart for pk, title in offers for chart in step_charts(title=title, prices=spans[pk]["prices"], now=now)]
    if not charts:
        return "no price recorded"
    return format_html_join("", "{}", ((chart_html(chart),) for chart in charts))


def _per_million(obj: AIModel, key: str) -> str:
    if obj.pricing_dynamic:
        return "dynamic"
    return _or_unknown(usd_per_million((obj.pricing or {}).get(key)))


def _or_unknown(value: str | None) -> str:
    return "unknown" if value is None else value


@admin.register(MergedModel)
class MergedModelAdmin(ReadOnlyAdmin):
    list_display = ("model_id", "name", "provider_slug", "gateways", "context_length", "prompt_per_million", "updated_at")
    search_fields = ("model_id", "name", "canonical_key")
    list_filter = ("provider_slug", "is_free")
    fields = (
        "model_id",
        "canonical_key",
        "name",
        "provider_slug",
        "gateways_text",
        "context_length",
        "created",
        "updated_at",
        "price_history",
        "public_json_pretty",
    )

    @admin.display(description="Price history, per offer")
    def price_history(self, obj: MergedModel) -> str:
        rows = AIModel.objects.filter(canonical_key=obj.merge_key).order_by("-gateway__priority", "gateway__slug", "upstream_id")
        return price_history_html(
            [(pk, f"{slug}: {upstream_id}") for pk, slug, upstream_id in rows.values_list("pk", "gateway__slug", "upstream_id")]
        )

    @admin.display(description="Gateways")
    def gateways(self, obj: MergedModel) -> str:
        return ", ".join(s for s in obj.gateways_text.split(",") if s)

    @admin.display(description=f"Lowest prompt ({PER_MILLION_TOKENS})", ordering="prompt_price")
    def prompt_per_million(self, obj: MergedModel) -> str:
        # The indexed column is exact on PostgreSQL and floating point on SQLite: round for display.
        return _or_unknown(usd_per_million(obj.prompt_price, places=6))

    @admin.display(description="Served JSON")
    def public_json_pretty(self, obj: MergedModel) -> str:
        return json_block(json.loads(obj.public_json))


@admin.register(ModelChange)
class ModelChangeAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "gateway", "upstream_id", "kind", "before_short", "after_short")
    list_filter = ("kind", "gateway")
    list_select_related = ("gateway",)
    search_fields = ("upstream_id",)
    date_hierarchy = "recorded_at"
    fields = ("recorded_at", "gateway", "ai_model", "upstream_id", "kind", "before_pretty", "after_pretty")

    @admin.display(description="Before")
    def before_short(self, obj: ModelChange) -> str:
        return _short(obj.before)

    @admin.display(description="After")
    def after_short(self, obj: ModelChange) -> str:
        return _short(obj.after)

    @admin.display(description="Before")
    def before_pretty(self, obj: ModelChange) -> str:
        return json_block(obj.before)

    @admin.display(description="After")
    def after_pretty(self, obj: ModelChange) -> str:
        return json_block(obj.after)


def _short(value: Any) -> str:
    text = "-" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"
