"""The query and response shapes of `GET /catalog/v1/cost` (the calculation is `catalog.cost`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.prices import COMPONENTS, UNITS
from catalog.serializers import (
    GatewayQuerySerializer,
    ModelFilterQuerySerializer,
    PageFactsSerializer,
    PageQuerySerializer,
    SinceField,
    WindowSerializer,
    WorkloadFieldsSerializer,
)


class WorkloadQuerySerializer(WorkloadFieldsSerializer):
    """The workload counts and the instant to price at."""

    at = SinceField(required=False, help_text="The instant to price at (ISO 8601 or Unix seconds); default now.")


@extend_schema_field({"type": "string", "maxLength": 1000, "pattern": "^[^\\u0000]*$"})
class ModelIdField(serializers.CharField):
    """A model id; a NUL character is refused (DRF's rule), and the schema says so."""


class CostQuerySerializer(GatewayQuerySerializer, PageQuerySerializer, ModelFilterQuerySerializer, WorkloadQuerySerializer):
    model = ModelIdField(
        required=False,
        max_length=1000,
        help_text="Rank this model's offers (an id any offer uses, or a merge key); without it, rank the models that pass the filters.",
    )


class CostLineSerializer(serializers.Serializer):
    component = serializers.ChoiceField(choices=COMPONENTS)
    unit = serializers.ChoiceField(choices=UNITS)
    quantity = serializers.IntegerField()
    usd_per_unit = serializers.CharField(allow_null=True, help_text="The price applied; null when the offer has none.")
    cost_usd = serializers.CharField(allow_null=True, help_text="quantity x usd_per_unit, exact.")
    min_prompt_tokens = serializers.IntegerField(required=False, help_text="The context tier that applied.")
    window = WindowSerializer(required=False, help_text="The time window that applied.")


class CostTierSerializer(serializers.Serializer):
    min_prompt_tokens = serializers.IntegerField()


class CostRowSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The model (the merged entry's id for `gateway=all`).")
    gateway = serializers.CharField(help_text="The gateway of the offer priced.")
    upstream_id = serializers.CharField(help_text="The id to call the model with on that gateway.")
    provider = serializers.CharField(
        allow_null=True,
        help_text="The serving provider inside the gateway (an aggregator's per-provider offer, e.g. OpenRouter's `deepinfra/fp8`); null when the gateway routes the call itself.",
    )
    cost_usd = serializers.CharField(allow_null=True, help_text="Exact USD for the workload; null unless `complete`.")
    complete = serializers.BooleanField(help_text="False when the offer has no price for a component the workload uses.")
    breakdown = CostLineSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(), help_text="Components the workload uses without a price.")
    tier = CostTierSerializer(allow_null=True, help_text="The highest context tier that applied.")
    window = WindowSerializer(allow_null=True, help_text="The time window that applied.")
    offers_priced = serializers.IntegerField(help_text="Offers compared for this row (the cheapest is shown).")


class CostResponseSerializer(PageFactsSerializer):
    data = CostRowSerializer(many=True)
    model = serializers.CharField(allow_null=True, help_text="The model whose offers are ranked, or null.")
    workload = serializers.DictField(child=serializers.IntegerField(), help_text="The counts priced.")
    priced_at = serializers.DateTimeField(help_text="The instant windows were evaluated at.")
