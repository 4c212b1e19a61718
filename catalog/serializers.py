"""Query parameters (validated with DRF serializers) and the response shapes of the catalog API.

The request serializers turn a query string into typed values or a 400 that names the parameter and
what it accepts. The response serializers only document shapes for the OpenAPI schema: list bodies
are assembled from JSON fragments rendered at publish time, never serialized per request.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Context, Decimal, InvalidOperation, localcontext
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import cursor
from catalog.aliases import resolve_gateway
from catalog.change_prices import PERCENT_CAP, PERCENT_PLACES
from catalog.prices import COMPONENTS, UNITS

DEFAULT_LIMIT = 50
# `GET /v1/models` serves the whole list when no limit is given; a limit above this is clamped
# silently (old clients send 5000 or 50000). docs/compatibility.md states it.
OPENAI_MAX_LIMIT = 100_000
SORT_FIELDS = ("id", "name", "created", "context_length", "prompt_price", "completion_price")
# `cost`: cheapest first for the workload the query gives (`WorkloadFieldsSerializer`).
SORT_VALUES = (*(value for field in SORT_FIELDS for value in (field, f"-{field}")), "cost")
MAX_COUNT = 10**15  # more of anything than any workload: a bigger count is a typo, not a workload
CHANGE_KINDS = ("added", "removed", "price_changed", "context_changed", "missing", "returned")
AVAILABILITY = ("available", "missing")
MAX_PRICE = Decimal(10) ** 9  # USD per token; any larger bound means "no bound"
PRICE_PLACES = Decimal(10) ** -30  # the price columns' scale
BIGINT_MAX = 2**63 - 1
_DIGITS = re.compile(r"^\s*\+?\d+\s*$")


# The schema states the limits below: up to 20 values of at most 128 characters each (blank: the
# "or empty" branch drf-spectacular adds for allow_blank).
@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": "^[^,\\u0000]{0,128}(,[^,\\u0000]{0,128}){0,19}$"}
)
class CommaListField(serializers.CharField):
    """`text,image` -> `("text", "image")`: trimmed, lower-cased, de-duplicated, empties dropped."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> tuple[str, ...]:
        text = super().to_internal_value(data)
        if "\x00" in text:
            raise serializers.ValidationError("null characters are not allowed")
        if len(text) > 1000:
            raise serializers.ValidationError("at most 1000 characters")
        values = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
        if len(values) > 20:
            raise serializers.ValidationError("at most 20 comma-separated values")
        if any(len(value) > 128 for value in values):
            raise serializers.ValidationError("each value is at most 128 characters")
        return values


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


# A comma list of up to 20 parts, each empty or a name of the vocabulary (any case, spaces around).
_COMPONENT_PART = r"\s*(" + "|".join(_any_case(name) for name in sorted(COMPONENTS, key=len, reverse=True)) + r")?\s*"


@extend_schema_field({"type": "string", "maxLength": 1000, "pattern": f"^{_COMPONENT_PART}(,{_COMPONENT_PART}){{0,19}}$"})
class ComponentListField(CommaListField):
    """Price components (`catalog.prices.COMPONENTS`), comma-separated; the error lists them."""

    valid_values = COMPONENTS

    def to_internal_value(self, data: Any) -> tuple[str, ...]:
        values = super().to_internal_value(data)
        unknown = [name for name in values if name not in COMPONENTS]
        if unknown:
            raise serializers.ValidationError(f"unknown component {unknown[0][:60]!r}. Valid values: {', '.join(COMPONENTS)}")
        return values


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000]*$"})
class SearchField(serializers.CharField):
    """Free text; a NUL character is refused (DRF's rule), and the schema says so."""


# The lower-case spellings DRF's BooleanField reads, and empty for "no filter".
_BOOLEAN_WORDS = serializers.BooleanField.TRUE_VALUES | serializers.BooleanField.FALSE_VALUES
_BOOLEAN_TEXTS = sorted({str(v) for v in _BOOLEAN_WORDS} | {"", "null"})


@extend_schema_field({"type": "string", "enum": _BOOLEAN_TEXTS})
class FilterBooleanField(serializers.BooleanField):
    """true / false, or empty (`free=`: no filter): the spellings the schema lists, lower case."""

    def to_internal_value(self, data: Any) -> bool | None:
        if isinstance(data, str) and data not in _BOOLEAN_TEXTS:
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


@extend_schema_field({"type": "number", "minimum": 0})  # sent as text, read as an exact decimal
class PriceField(serializers.Field):
    """A non-negative decimal in USD per token (`0.000001`, `1e-6`). NaN, infinities, negatives
    and words are refused; bounds above 10^9 mean no bound."""

    default_error_messages = {
        "invalid": "must be a decimal number of USD per token, 0 or more (e.g. 0.000001)",
    }
    ceiling = MAX_PRICE
    places = PRICE_PLACES

    def to_internal_value(self, data: Any) -> Decimal:
        text = str(data).strip()
        if not text or len(text) > 100:
            self.fail("invalid")
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError):
            self.fail("invalid")
        if not value.is_finite() or value < 0:
            self.fail("invalid")
        if value > self.ceiling:
            return self.ceiling
        with localcontext(Context(prec=80)):
            return value.quantize(self.places, rounding=ROUND_FLOOR)

    def to_representation(self, value: Any) -> str:
        return str(value)


@extend_schema_field({"type": "number", "minimum": 0})
class PercentField(PriceField):
    """A non-negative decimal percentage (`20`, `12.5`); bounds above 10^9 mean 10^9, the largest
    change stored (`catalog.change_prices.PERCENT_CAP`)."""

    default_error_messages = {"invalid": "must be a decimal number of percent, 0 or more (e.g. 20)"}
    ceiling = PERCENT_CAP
    places = PERCENT_PLACES


@extend_schema_field({"type": "string", "pattern": f"^({cursor.PATTERN})?$"})
class CursorField(serializers.Field):
    """A `next_cursor` from an earlier answer (`catalog.cursor`), read as its position; empty: the
    start of the feed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        text = str(data)
        if text == "":
            return 0
        try:
            return cursor.decode(text)
        except cursor.InvalidCursor:
            raise serializers.ValidationError(
                "not a cursor this feed issued; send the next_cursor of an earlier answer, or an empty cursor= to read from the start"
            ) from None

    def to_representation(self, value: Any) -> str:
        return cursor.encode(value)


@extend_schema_field({"type": "integer", "minimum": 0})
class CountField(serializers.Field):
    """A whole number, 0 or more. Digits beyond what any catalog holds are clamped to `ceiling`
    (a huge offset is an empty page, a huge limit the maximum), never an error."""

    default_error_messages = {"invalid": "must be a whole number, 0 or more"}

    def __init__(self, *, ceiling: int = BIGINT_MAX, **kwargs: Any) -> None:
        self.ceiling = ceiling
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        text = str(data)
        if not _DIGITS.match(text):
            self.fail("invalid")
        digits = text.strip().lstrip("+").lstrip("0") or "0"
        return self.ceiling if len(digits) > 19 else min(int(digits), self.ceiling)

    def to_representation(self, value: Any) -> int:
        return int(value)


@extend_schema_field({"type": "integer", "minimum": 1})
class LimitField(CountField):
    """A page size: 1 or more (the page serializer clamps it to its maximum)."""


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "format": "date-time"},
            {"type": "string", "format": "date"},
            {"type": "string", "pattern": "^[0-9]{1,10}$", "description": "Unix seconds"},
        ]
    }
)
class SinceField(serializers.Field):
    default_error_messages = {
        "invalid": "must be an ISO-8601 date or date-time (2026-01-31, 2026-01-31T12:00:00Z) or Unix seconds",
    }

    def to_internal_value(self, data: Any) -> datetime:
        text = str(data).strip()
        if _DIGITS.match(text):  # Unix seconds, up to 10 digits (the year 2286)
            if not text.isdigit() or len(text) > 10:
                self.fail("invalid")
            return datetime.fromtimestamp(int(text), tz=UTC)
        try:
            moment = parse_datetime(text)
            if moment is None and (day := parse_date(text)) is not None:
                moment = datetime(day.year, day.month, day.day)
        except ValueError:
            moment = None
        if moment is None:
            self.fail("invalid")
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def to_representation(self, value: Any) -> str:
        return value.isoformat()


class ChoiceOfField(serializers.ChoiceField):
    """A value out of a fixed set (case-insensitive); the error lists the set."""

    def __init__(self, *, choices: tuple[str, ...], **kwargs: Any) -> None:
        self.valid_values = choices
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = str(data).strip().lower()
        if value == "" and self.allow_blank:
            return ""
        if value not in self.valid_values:
            raise serializers.ValidationError(f"unknown value {value[:60]!r}. Valid values: {', '.join(self.valid_values)}")
        return value


class NoQuerySerializer(serializers.Serializer):
    """An endpoint that takes no query parameters (an unknown one is a 400)."""


class GatewayQuerySerializer(serializers.Serializer):
    """`gateway`: a gateway slug or `all`. The view puts the known slugs in `context["gateways"]`."""

    gateway = serializers.CharField(
        required=False,
        default="all",
        max_length=200,
        help_text="A gateway slug (see GET /catalog/v1/gateways), an alias of one (`google-vertex` reads `google`), or `all` for the merged catalog.",
    )

    def validate_gateway(self, value: str) -> str:
        value = value.strip().lower() or "all"
        if value == "all":
            return value
        known = self.context.get("gateways", ())
        slug = resolve_gateway(value, known)
        if slug is None:
            raise serializers.ValidationError(
                f"unknown gateway {value[:60]!r}. Valid values: {', '.join(['all', *sorted(known)])}"
            )
        return slug


class PageQuerySerializer(serializers.Serializer):
    limit = LimitField(
        required=False,
        help_text=f"Page size, 1 or more, default {DEFAULT_LIMIT}; larger values are clamped to {settings.CATALOG_MAX_LIMIT}.",
    )
    offset = CountField(required=False, default=0, help_text="How many entries to skip (default 0).")

    max_limit = settings.CATALOG_MAX_LIMIT
    default_limit: int | None = DEFAULT_LIMIT

    def validate_limit(self, value: int) -> int:
        # 0 would be a page that never advances (has_more with next_offset 0): a pager loop.
        if value < 1:
            raise serializers.ValidationError(
                f"must be between 1 and {self.max_limit} (larger values are clamped to {self.max_limit})"
            )
        return min(value, self.max_limit)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("limit") is None:
            attrs["limit"] = self.default_limit
        return attrs


AT_HELP = (
    "Answer as the catalog stood at this instant (ISO 8601, e.g. 2026-01-31T12:00:00Z; a date is its "
    "midnight UTC): the models listed then with their prices then. Other fields are today's. Before the "
    "history begins: 400; in the future: the current catalog."
)


class AtQuerySerializer(serializers.Serializer):
    at = SinceField(required=False, help_text=AT_HELP)


class ModelFilterQuerySerializer(serializers.Serializer):
    """The list filters that say which models, not what they cost (shared with `/catalog/v1/cost`)."""

    provider = CommaListField(help_text="Provider (model author) slugs, comma-separated: any of them.")
    q = SearchField(
        required=False, allow_blank=True, max_length=200, help_text="Case-insensitive search in id, name and description."
    )
    input_modalities = CommaListField(help_text="Comma-separated; the model must accept all of them (text,image).")
    output_modalities = CommaListField(help_text="Comma-separated; the model must produce all of them.")
    supported_parameters = CommaListField(help_text="Comma-separated; the model must support all of them (tools,seed).")
    min_context = CountField(required=False, help_text="Minimum context length in tokens (unknown context never matches).")


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_COUNT})
class WorkloadCountField(CountField):
    default_error_messages = {"invalid": f"must be a whole number from 0 to {MAX_COUNT}"}

    def to_internal_value(self, data: Any) -> int:
        value = super().to_internal_value(data)
        if value > MAX_COUNT:
            self.fail("invalid")
        return value


class WorkloadFieldsSerializer(serializers.Serializer):
    """A workload's counts (`catalog.cost.WORKLOAD`), each optional, 0 or more: what `/catalog/v1/cost`
    prices and `sort=cost` orders by (on the model lists they do nothing without `sort=cost`). No
    count, or only zeros, is the empty workload: it costs 0 at every offer (an OpenAPI schema cannot
    say "at least one of these", and a request the schema allows is answered)."""

    input_tokens = WorkloadCountField(required=False, help_text="Uncached input (prompt) tokens.")
    output_tokens = WorkloadCountField(required=False, help_text="Output (completion) tokens.")
    cached_input_tokens = WorkloadCountField(
        required=False, help_text="Input tokens read from the prompt cache (billed at the cache-read price)."
    )
    cache_write_tokens = WorkloadCountField(
        required=False, help_text="Input tokens written to the prompt cache (at the 5-minute cache-write price)."
    )
    reasoning_tokens = WorkloadCountField(
        required=False, help_text="Tokens at the reasoning price (count them in output_tokens where they bill as output)."
    )
    images = WorkloadCountField(required=False, help_text="Input images.")
    requests = WorkloadCountField(required=False, help_text="Requests (the per-request price).")
    audio_seconds = WorkloadCountField(required=False, help_text="Seconds of input audio.")


class ModelListQuerySerializer(
    GatewayQuerySerializer, PageQuerySerializer, AtQuerySerializer, ModelFilterQuerySerializer, WorkloadFieldsSerializer
):
    max_prompt_price = PriceField(
        required=False, help_text="Maximum prompt price, USD per token (for `all`: the lowest price across offers)."
    )
    max_completion_price = PriceField(required=False, help_text="Maximum completion price, USD per token.")
    free = FilterBooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: free models only (both prices 0); false: no free models.",
        error_messages={"invalid": "must be true or false"},
    )
    has_disagreement = FilterBooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only models whose offers from one serving provider state different prices or context "
        "lengths (`disagreements`; for a gateway: those its offers take part in); false: none of them.",
        error_messages={"invalid": "must be true or false"},
    )
    sort = ChoiceOfField(
        choices=SORT_VALUES,
        allow_blank=True,
        help_text="One of " + ", ".join(SORT_FIELDS) + "; prefix `-` for descending. Unknown values sort last. "
        "`cost`: cheapest first for the workload given (input_tokens, output_tokens, ...; see /catalog/v1/cost), "
        "unknown costs last.",
    )


class OpenAIModelListQuerySerializer(ModelListQuerySerializer):
    """`GET /v1/models`: the same filters; no limit means the whole list."""

    limit = LimitField(
        required=False,
        help_text=f"Optional page size, 1 or more. Without it the whole list is served; larger values are clamped to {OPENAI_MAX_LIMIT}.",
    )
    max_limit = OPENAI_MAX_LIMIT
    default_limit = None


class ModelDetailQuerySerializer(GatewayQuerySerializer, AtQuerySerializer):
    pass


class PriceHistoryQuerySerializer(GatewayQuerySerializer):
    component = CommaListField(
        help_text="Price components, comma-separated (input_token,output_token): any of them; a name that is no component matches nothing."
    )
    since = SinceField(required=False, help_text="Only spans still in effect at or after this moment.")
    until = SinceField(required=False, help_text="Only spans that began before this moment.")


class ChangeFilterSerializer(GatewayQuerySerializer):
    """The filters of the change feed, the same for JSON and Atom."""

    since = SinceField(required=False, help_text="Only changes recorded at or after this moment (ISO-8601 or Unix seconds).")
    kind = ChoiceOfField(
        choices=CHANGE_KINDS, allow_blank=True, help_text="added, removed, price_changed, context_changed, missing or returned."
    )
    model = CommaListField(help_text="Upstream model ids, comma-separated, case-insensitive: changes of any of them.")
    component = ComponentListField(
        help_text="Price components, comma-separated: changes about any of them (" + ", ".join(COMPONENTS) + ")."
    )
    min_change_percent = PercentField(
        required=False,
        help_text="Only price changes where some per-token price moved by at least this many percent of its old value.",
    )


class ChangeQuerySerializer(ChangeFilterSerializer, PageQuerySerializer):
    cursor = CursorField(
        help_text="Resume after the last change you saw: the `next_cursor` of your previous answer (empty: from the "
        "start). Changes then come oldest first, in commit order (`offset` then skips that many after the cursor)."
    )


class ChangeFeedQuerySerializer(ChangeFilterSerializer, PageQuerySerializer):
    """`GET /catalog/v1/changes.atom`: the filters and a limit; a feed is always its newest entries."""

    offset = None


class DeprecationQuerySerializer(GatewayQuerySerializer, PageQuerySerializer):
    """`GET /catalog/v1/deprecations`: which gateway, and the page."""


# --- response shapes (documentation for the OpenAPI schema) ------------------------------------


class PricingSerializer(serializers.Serializer):
    prompt = serializers.CharField(allow_null=True, help_text="USD per input token, decimal string; null when unknown.")
    completion = serializers.CharField(allow_null=True, help_text="USD per output token, decimal string; null when unknown.")
    request = serializers.CharField(required=False, allow_null=True)
    image = serializers.CharField(required=False, allow_null=True)
    web_search = serializers.CharField(required=False, allow_null=True)
    internal_reasoning = serializers.CharField(required=False, allow_null=True)
    input_cache_read = serializers.CharField(required=False, allow_null=True)
    input_cache_write = serializers.CharField(required=False, allow_null=True)


class WindowSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="HH:MM, inclusive.")
    end = serializers.CharField(help_text="HH:MM, exclusive; at or before `start` the window wraps past midnight.")
    time_zone = serializers.CharField(help_text="IANA name, e.g. `UTC`.")


class PriceComponentSerializer(serializers.Serializer):
    component = serializers.ChoiceField(choices=COMPONENTS, help_text='What is billed (docs/api.md, "Prices").')
    unit = serializers.ChoiceField(choices=UNITS, help_text="What one `usd` pays for; `unstated` when the upstream does not say.")
    usd = serializers.CharField(help_text="Exact USD per one unit, decimal string.")
    min_prompt_tokens = serializers.IntegerField(
        required=False, help_text="A context tier: applies when the prompt has at least this many tokens."
    )
    window = WindowSerializer(required=False, help_text="A time window: applies inside it.")


class LowestPriceSerializer(PriceComponentSerializer):
    gateway = serializers.CharField(help_text="The gateway asking the lowest price.")


class ArchitectureSerializer(serializers.Serializer):
    modality = serializers.CharField(allow_null=True)
    input_modalities = serializers.ListField(child=serializers.CharField(), help_text="Lower-case.")
    output_modalities = serializers.ListField(child=serializers.CharField(), help_text="Lower-case.")
    tokenizer = serializers.CharField(allow_null=True)
    instruct_type = serializers.CharField(allow_null=True)


class TopProviderSerializer(serializers.Serializer):
    context_length = serializers.IntegerField(allow_null=True)
    max_completion_tokens = serializers.IntegerField(allow_null=True)
    is_moderated = serializers.BooleanField(allow_null=True)


class EndpointFactsSerializer(serializers.Serializer):
    provider_name = serializers.CharField(allow_null=True, help_text="The provider's display name, e.g. `DeepInfra`.")
    discount = serializers.FloatField(
        allow_null=True,
        help_text="The fraction the upstream takes off this provider's list price (already applied to the prices).",
    )
    status = serializers.JSONField(
        allow_null=True, help_text="As the upstream states it (OpenRouter: an integer, 0 when serving)."
    )
    uptime_last_30m = serializers.FloatField(allow_null=True, help_text="Percent, as stated.")
    max_completion_tokens = serializers.IntegerField(allow_null=True)
    max_prompt_tokens = serializers.IntegerField(allow_null=True)
    supported_parameters = serializers.ListField(child=serializers.CharField())
    price_unit = serializers.CharField(allow_null=True, help_text="The conversion that produced the prices.")


class OfferSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    id = serializers.CharField(help_text="The id to call the model with on that gateway.")
    provider_slug = serializers.CharField(allow_null=True, help_text="The model's author.")
    provider = serializers.CharField(
        allow_null=True,
        help_text="The serving provider inside the gateway (OpenRouter's endpoint tag, e.g. `deepinfra/fp8`: route to it with the gateway's provider routing); null for the gateway's own routed offer.",
    )
    pricing = PricingSerializer()
    prices = PriceComponentSerializer(many=True, help_text="Every price of the offer, with its unit, tier and window.")
    pricing_dynamic = serializers.BooleanField()
    context_length = serializers.IntegerField(allow_null=True)
    quantization = serializers.CharField(allow_null=True, help_text="As that offer's upstream states it, e.g. `fp8`.")
    availability = serializers.ChoiceField(choices=AVAILABILITY, help_text="Whether that gateway's last list had it.")
    sunset_at = serializers.DateTimeField(allow_null=True, help_text="The end that offer's upstream announced.")
    endpoint = EndpointFactsSerializer(allow_null=True, help_text="A per-provider offer's own facts; null otherwise.")
    run = serializers.IntegerField(
        allow_null=True, required=False, help_text="The refresh run whose list last changed the offer (null: none recorded)."
    )
    fetched_at = serializers.DateTimeField(required=False, help_text="When that list was published.")


class OriginSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    run = serializers.IntegerField(allow_null=True, help_text="The refresh run whose list last changed the value.")
    fetched_at = serializers.DateTimeField(help_text="When that list was published.")


class ProvenanceSerializer(OriginSerializer):
    fields = serializers.DictField(
        child=OriginSerializer(), help_text="Fields another offer filled in, each with its origin; the rest are the primary's."
    )


class DisagreementSideSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    id = serializers.CharField()
    value = serializers.JSONField(help_text="The exact price text, or the context length.")


class DisagreementSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text="The serving provider both offers name.")
    field = serializers.CharField(help_text="`context_length`, or `prices.<component>` with its tier or window.")
    unit = serializers.CharField(required=False, help_text="Prices only: what the price counts.")
    offers = DisagreementSideSerializer(many=True)


class FreshnessSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    status = serializers.CharField(help_text="ok, stale, failing, degraded, held, unconfigured, disabled or never_refreshed.")
    stale = serializers.BooleanField()
    age_seconds = serializers.IntegerField(allow_null=True, help_text="Age of the gateway's data; null if never refreshed.")
    last_success_at = serializers.DateTimeField(allow_null=True)


class DetailOfferSerializer(OfferSerializer):
    freshness = FreshnessSerializer()


class DeprecationSerializer(serializers.Serializer):
    deprecated_at = serializers.DateTimeField(allow_null=True, help_text="When the upstream deprecated it, if it says.")
    sunset_at = serializers.DateTimeField(allow_null=True, help_text="When the upstream stops serving it, if it says.")
    successor = serializers.CharField(allow_null=True, help_text="The id the upstream names to use instead.")


class CatalogModelSerializer(serializers.Serializer):
    id = serializers.CharField()
    canonical_slug = serializers.CharField(allow_null=True)
    hugging_face_id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    created = serializers.IntegerField(allow_null=True, help_text="Unix seconds; null when unknown.")
    description = serializers.CharField(allow_null=True)
    context_length = serializers.IntegerField(allow_null=True)
    architecture = ArchitectureSerializer()
    pricing = PricingSerializer(help_text="OpenRouter's keys, USD per token (per request, image, search for those keys).")
    prices = PriceComponentSerializer(many=True, help_text="Every price component with its unit, tier and window.")
    pricing_dynamic = serializers.BooleanField(help_text="The price is decided per request; prices are null.")
    top_provider = TopProviderSerializer(allow_null=True)
    per_request_limits = serializers.DictField(allow_null=True)
    supported_parameters = serializers.ListField(child=serializers.CharField())
    default_parameters = serializers.DictField()
    # OpenRouter-shape fields passed through as the upstream states them (null when it does not).
    expiration_date = serializers.CharField(allow_null=True, help_text="YYYY-MM-DD the upstream retires the model on.")
    knowledge_cutoff = serializers.CharField(allow_null=True, help_text="YYYY-MM-DD, as the upstream states it.")
    alias_target = serializers.CharField(allow_null=True, help_text="The model an alias id (`~...`) points at.")
    supported_voices = serializers.ListField(child=serializers.CharField(), allow_null=True)
    reasoning = serializers.DictField(allow_null=True, help_text="The upstream's reasoning settings object.")
    benchmarks = serializers.DictField(allow_null=True)
    links = serializers.DictField(allow_null=True, help_text="The upstream's links (e.g. OpenRouter's `details`).")
    quantization = serializers.CharField(allow_null=True, help_text="e.g. `fp8`, as the upstream states it.")
    # Lifecycle (docs/api.md, "Lifecycle").
    upstream_active = serializers.BooleanField(help_text="False when the upstream marks the model unavailable or retired.")
    deprecation = DeprecationSerializer(
        allow_null=True, help_text="Null unless the upstream says the model is deprecated or states its end."
    )
    availability = serializers.ChoiceField(
        choices=AVAILABILITY,
        help_text="`missing`: its gateway's last list lacked it; still served until the gateway's grace period ends.",
    )
    missing_since = serializers.DateTimeField(allow_null=True, help_text="The first refresh whose list lacked it.")
    source_gateway = serializers.CharField(help_text="The gateway this record (for `all`: the primary offer) comes from.")
    provider_slug = serializers.CharField(allow_null=True, help_text="The model's author/provider, e.g. `meta-llama`.")
    source_gateways = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="`all` only: every gateway offering the model."
    )
    lowest_pricing = PricingSerializer(required=False, help_text="`all` only: the lowest price across offers, per key.")
    lowest_prices = LowestPriceSerializer(
        many=True, required=False, help_text="`all` only: the lowest base price across offers, per component and unit."
    )
    offers = OfferSerializer(many=True, required=False, help_text="`all` only: every offer of the model.")
    provenance = ProvenanceSerializer(required=False, help_text="`all` only: where each served field came from.")
    disagreements = DisagreementSerializer(
        many=True, required=False, help_text="`all` only: offers of one serving provider that state different values."
    )


class ListEnvelopeSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Entries matching the filters.")
    returned = serializers.IntegerField(help_text="Entries in `data`.")
    offset = serializers.IntegerField()
    limit = serializers.IntegerField(allow_null=True, help_text="The page size applied (null: the whole list).")
    gateway = serializers.CharField()
    has_more = serializers.BooleanField()
    next_offset = serializers.IntegerField(allow_null=True, help_text="The offset of the next page; null on the last.")
    note = serializers.CharField()
    freshness = serializers.DictField(child=FreshnessSerializer(), help_text="Per gateway involved, by slug.")
    timestamp = serializers.DateTimeField(help_text="When this response was assembled.")


class PageFactsSerializer(serializers.Serializer):
    """The paging members of a list answer (`catalog.responses.page_facts`)."""

    total = serializers.IntegerField(help_text="Entries matching the filters.")
    returned = serializers.IntegerField(help_text="Entries in `data`.")
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    gateway = serializers.CharField()
    has_more = serializers.BooleanField()
    next_offset = serializers.IntegerField(allow_null=True, help_text="The offset of the next page; null on the last.")
    timestamp = serializers.DateTimeField(help_text="When this response was assembled.")


class AsOfSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(
        required=False, help_text="Only with `at`: the instant the answer describes (the `at` asked for)."
    )


class ModelListResponseSerializer(ListEnvelopeSerializer, AsOfSerializer):
    data = CatalogModelSerializer(many=True)


class OpenAIModelSerializer(CatalogModelSerializer):
    object = serializers.CharField(default="model")
    created = serializers.IntegerField(help_text="Unix seconds; 0 when unknown (OpenAI SDKs need an integer).")
    owned_by = serializers.CharField(help_text="The provider slug, else the source gateway.")


class OpenAIModelListResponseSerializer(ListEnvelopeSerializer, AsOfSerializer):
    object = serializers.CharField(default="list")
    data = OpenAIModelSerializer(many=True)


class DetailModelSerializer(CatalogModelSerializer):
    offers = DetailOfferSerializer(many=True)


class ModelDetailResponseSerializer(AsOfSerializer):
    data = DetailModelSerializer()
    gateway = serializers.CharField()
    matched_by = serializers.CharField(help_text="id, upstream_id, merge_key or alias: how the path matched.")
    freshness = serializers.DictField(child=FreshnessSerializer())
    timestamp = serializers.DateTimeField()


class SpanSerializer(serializers.Serializer):
    valid_from = serializers.DateTimeField(help_text="Inclusive.")
    valid_to = serializers.DateTimeField(allow_null=True, help_text="Exclusive; null while it holds.")


class PriceSpanSerializer(PriceComponentSerializer, SpanSerializer):
    pass


class OfferHistorySerializer(serializers.Serializer):
    gateway = serializers.CharField()
    id = serializers.CharField(help_text="The id to call the model with on that gateway.")
    listed = SpanSerializer(many=True, help_text="When the offer was listed, oldest first.")
    prices = PriceSpanSerializer(many=True, help_text="Each price while it held, oldest first.")


class ModelPriceHistorySerializer(serializers.Serializer):
    id = serializers.CharField()
    offers = OfferHistorySerializer(many=True)


class PriceHistoryResponseSerializer(serializers.Serializer):
    data = ModelPriceHistorySerializer()
    gateway = serializers.CharField()
    timestamp = serializers.DateTimeField()


class ProviderSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    model_count = serializers.IntegerField(help_text="Active models across gateways.")
    gateways = serializers.DictField(child=serializers.IntegerField(), help_text="Active models per gateway slug.")


class ProviderListResponseSerializer(serializers.Serializer):
    data = ProviderSerializer(many=True)
    total = serializers.IntegerField()
    timestamp = serializers.DateTimeField()


class GatewaySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="The adapter that parses its list.")
    enabled = serializers.BooleanField()
    priority = serializers.IntegerField(help_text="Higher wins when models are merged.")
    configured = serializers.BooleanField(help_text="Whether a key is set where one is needed (never the key).")
    status = serializers.CharField()
    stale = serializers.BooleanField()
    age_seconds = serializers.IntegerField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    refresh_interval_seconds = serializers.IntegerField(allow_null=True)
    stale_after_seconds = serializers.IntegerField(allow_null=True)
    missing_grace_seconds = serializers.IntegerField(
        allow_null=True, help_text="How long a model missing from its list stays served (and at least two refreshes)."
    )
    model_count = serializers.IntegerField(help_text="Active models stored for this gateway.")


class GatewayListResponseSerializer(serializers.Serializer):
    data = GatewaySerializer(many=True)
    total = serializers.IntegerField()
    timestamp = serializers.DateTimeField()


class ChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    gateway = serializers.CharField()
    model_id = serializers.CharField(help_text="The upstream id on that gateway.")
    kind = serializers.ChoiceField(choices=CHANGE_KINDS)
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    components = serializers.ListField(child=serializers.CharField(), help_text="The price components the change is about.")
    change_percent = serializers.CharField(
        allow_null=True, help_text="The largest relative change of a per-token price, percent (decimal string); null if none."
    )
    recorded_at = serializers.DateTimeField()


class ChangeListResponseSerializer(serializers.Serializer):
    data = ChangeSerializer(many=True)
    total = serializers.IntegerField(required=False, help_text="Offset paging only: changes matching the filters.")
    returned = serializers.IntegerField()
    offset = serializers.IntegerField(required=False, help_text="Offset paging only.")
    limit = serializers.IntegerField()
    gateway = serializers.CharField()
    has_more = serializers.BooleanField()
    next_offset = serializers.IntegerField(required=False, allow_null=True, help_text="Offset paging only.")
    next_cursor = serializers.CharField(
        help_text="Send as `cursor=` to get the changes after this answer (with a cursor: after its last change; "
        "with offset paging: after the newest change recorded so far)."
    )
    timestamp = serializers.DateTimeField()


class ErrorDetailSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What went wrong and what to send instead.")
    type = serializers.CharField(help_text="invalid_request_error, not_found_error, rate_limit_error ...")
    param = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    valid_values = serializers.ListField(child=serializers.CharField(), required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class RemovedDetailSerializer(ErrorDetailSerializer):
    removed_at = serializers.DateTimeField(allow_null=True, help_text="When the catalog removed it.")
    successor = serializers.CharField(allow_null=True, help_text="The id its upstream names instead, or its alias target.")
    gateway = serializers.CharField(help_text="The gateway it was removed from.")


class RemovedSerializer(serializers.Serializer):
    error = RemovedDetailSerializer()
