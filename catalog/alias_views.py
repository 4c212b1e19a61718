"""`GET /catalog/v1/aliases`: every other name the catalog knows a model by (`catalog.identity`),
with where it came from. Small enough that its query and response shapes live here."""

from __future__ import annotations

import orjson
from django.db.models import Count, Max, Q
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request

from catalog import identity
from catalog.model_aliases import alias_target
from catalog.models import ModelAlias
from catalog.responses import CatalogView, envelope_part, envelope_tail, page_facts
from catalog.serializers import ChoiceOfField, PageFactsSerializer, PageQuerySerializer
from catalog.views import ERRORS, NOT_MODIFIED


class AliasQuerySerializer(PageQuerySerializer):
    model = serializers.CharField(
        required=False, max_length=1000, help_text="Only the aliases of this model (its merge key, or any alias of it)."
    )
    source = ChoiceOfField(choices=tuple(ModelAlias.Source.values), allow_blank=True, help_text="Where the alias came from.")


class AliasSerializer(serializers.Serializer):
    alias = serializers.CharField(help_text="The other name, spelled as merge keys are (lower case).")
    canonical_key = serializers.CharField(help_text="The merge key of the model it names.")
    source = serializers.ChoiceField(choices=ModelAlias.Source.choices)
    gateway = serializers.CharField(allow_null=True, help_text="The gateway whose list stated it (upstream signals).")
    evidence = serializers.CharField(help_text="Why the names are one model (curated and staff aliases).")


class AliasListResponseSerializer(PageFactsSerializer):
    data = AliasSerializer(many=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_aliases_list",
        summary="Other names of models, by alias",
        description="Aliases from upstream signals (Hugging Face ids, canonical slugs), the curated file and staff. "
        "A model lookup by an alias answers with the model (`matched_by: alias`).",
        parameters=[AliasQuerySerializer],
        responses={200: AliasListResponseSerializer, **NOT_MODIFIED, **ERRORS},
        tags=["catalog"],
    )
)
class AliasListView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        params = self.params(AliasQuerySerializer, request)
        offset, limit = params["offset"], params["limit"]
        model, source = identity.spelled(params.get("model") or ""), params.get("source") or ""

        rows = ModelAlias.objects.all()
        if model:
            target = alias_target(model) or model
            rows = rows.filter(Q(canonical_key=target) | Q(alias=model))
        if source:
            rows = rows.filter(source=source)
        # Aliases change outside publishes too (admin): the ETag is the table's own state, not the
        # catalog version, and the page is not kept in the response cache.
        state = ModelAlias.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
        etag = self.etag("aliases", state["count"], str(state["changed"]), model, source, offset, limit)

        def body() -> bytes:
            total = rows.count()
            page = rows.order_by("alias").values("alias", "canonical_key", "source", "gateway__slug", "evidence")
            data = [
                {
                    "alias": r["alias"],
                    "canonical_key": r["canonical_key"],
                    "source": r["source"],
                    "gateway": r["gateway__slug"],
                    "evidence": r["evidence"],
                }
                for r in page[offset : offset + limit]
            ]
            facts = page_facts(total=total, returned=len(data), offset=offset, limit=limit, gateway="all")
            return envelope_part(orjson.dumps(data), facts) + envelope_tail()

        return self.uncached(request, etag=etag, involved=[], body=body)
