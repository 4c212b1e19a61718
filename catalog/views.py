"""The catalog's REST API (ARCHITECTURE.md, "Public contract" and "The serving path").

Reads only the database, through a response cache: nothing here fetches upstream. Every response
carries each involved gateway's freshness; a read that finds a gateway stale announces it
(`catalog.sources.stale_read`, the `stale_data_read` signal) after the response has been sent, so a
background refresh is queued; it never waits.

List bodies are joined from the JSON each model got at publish time (`public_json` for
`/catalog/v1/models`, `openai_json` for `/v1/models`) and cached compressed under the catalog
version, the cache generation and the query (see `catalog.bodies`); freshness and the timestamp
are appended per request, so they are current even when the rest comes from the cache.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as drf_serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from catalog import cache, selectors
from catalog.access import (
    CatalogThrottle,
    CookieSessionAuthentication,
    JSONOnlyNegotiation,
    LenientTokenAuthentication,
    catalog_exception_handler,
    error_body,
)
from catalog.bodies import CompressedPart, accepts_gzip
from catalog.serializers import (
    ChangeListResponseSerializer,
    ChangeQuerySerializer,
    ErrorSerializer,
    GatewayListResponseSerializer,
    ModelDetailQuerySerializer,
    ModelDetailResponseSerializer,
    ModelListQuerySerializer,
    ModelListResponseSerializer,
    OpenAIModelListQuerySerializer,
    OpenAIModelListResponseSerializer,
    OpenAIModelSerializer,
    ProviderListResponseSerializer,
)
from catalog.sources import SourceStatus, source_statuses, stale_read

log = logging.getLogger(__name__)

# Browsers and CDNs may reuse a response for a minute, revalidate in the background for ten, and
# fall back to it for a day when we are down: stale data served and labelled beats an error.
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=600, stale-if-error=86400"


class CatalogResponse(HttpResponse):
    """A response that runs `after_send` callbacks once the server has written it (WSGI `close()`),
    before Django's own end-of-request handling."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_send: list[Callable[[], None]] = []

    def close(self) -> None:
        for callback in self.after_send:
            try:
                callback()
            except Exception:  # noqa: BLE001 - a failed refresh request must never break a read
                log.warning("could not request a refresh of stale gateways", exc_info=True)
        super().close()


class InvalidQuery(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.body = body


def _now_text() -> str:
    return datetime.now(tz=UTC).isoformat().replace("+00:00", "Z")


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _members(value: dict[str, Any]) -> bytes:
    """`{"a":1,"b":2}` -> `"a":1,"b":2`: members to splice into an object being assembled."""
    return orjson.dumps(value)[1:-1]


# Validated query parameters by (serializer, query, gateway slugs), oldest dropped first.
_VALID_PARAMS: dict[tuple[Any, ...], dict[str, Any]] = {}
_VALID_PARAMS_SIZE = 512
_VALID_PARAMS_LOCK = threading.Lock()


class CatalogView(APIView):
    """Public, read-only, throttled, JSON-only; errors in the catalog's shape."""

    authentication_classes = [CookieSessionAuthentication, LenientTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [CatalogThrottle]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation

    def get_exception_handler(self) -> Callable[..., Any]:
        return catalog_exception_handler

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, InvalidQuery):
            return self._json(exc.body, status=400)
        return super().handle_exception(exc)

    # -- helpers ----------------------------------------------------------------------------------

    def _json(self, body: Any, *, status: int = 200) -> CatalogResponse:
        return CatalogResponse(_dumps(body), status=status, content_type="application/json")

    def _params(self, serializer_class: type[drf_serializers.Serializer], request: Request, **context: Any) -> dict[str, Any]:
        # A plain dict: repeated parameters resolve to the last value; unknown ones are ignored.
        data = request.query_params.dict()
        # Clients repeat the same few queries: a valid one is validated once per process (the
        # gateway slugs are part of the key, since they decide what `gateway=` accepts).
        memo_key = (serializer_class, tuple(sorted(data.items())), tuple(sorted(context.get("gateways", ()))))
        known = _VALID_PARAMS.get(memo_key)
        if known is not None:
            return dict(known)
        serializer = serializer_class(data=data, context=context)
        if serializer.is_valid():
            validated = dict(serializer.validated_data)
            with _VALID_PARAMS_LOCK:
                if len(_VALID_PARAMS) >= _VALID_PARAMS_SIZE:
                    _VALID_PARAMS.pop(next(iter(_VALID_PARAMS)))  # the oldest
                _VALID_PARAMS[memo_key] = validated
            return dict(validated)
        param, messages = next(iter(serializer.errors.items()))
        field = serializer.fields.get(param)
        valid = None
        if param == "gateway":
            valid = ["all", *sorted(context.get("gateways", ()))]
        elif field is not None and hasattr(field, "valid_values"):
            valid = field.valid_values
        message = f"{param}: {messages[0]}" if param != "non_field_errors" else str(messages[0])
        raise InvalidQuery(error_body(message, code="invalid_parameter", param=param, valid_values=valid))

    def _statuses(self) -> dict[str, SourceStatus]:
        return source_statuses()

    @staticmethod
    def _involved(statuses: dict[str, SourceStatus], gateway: str) -> list[SourceStatus]:
        if gateway == "all":
            return [status for status in statuses.values() if status.enabled]
        return [statuses[gateway]]

    @staticmethod
    def _freshness(involved: Iterable[SourceStatus]) -> dict[str, Any]:
        return {status.slug: status.freshness() for status in involved}

    @staticmethod
    def _etag(*parts: Any, involved: Iterable[SourceStatus] = ()) -> str:
        signature = [(s.slug, s.status, s.stale) for s in involved]
        digest = hashlib.sha256(repr((parts, signature)).encode()).hexdigest()[:32]
        return f'W/"{digest}"'

    @staticmethod
    def _not_modified(request: Request, etag: str) -> bool:
        header = request.META.get("HTTP_IF_NONE_MATCH", "")
        if not header:
            return False
        tags = parse_etags(header)
        return "*" in tags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}

    def _finish(self, response: CatalogResponse, *, etag: str, involved: Iterable[SourceStatus]) -> CatalogResponse:
        response["ETag"] = etag
        response["Cache-Control"] = CACHE_CONTROL
        response["Vary"] = "Accept-Encoding"
        stale = [status for status in involved if status.stale]
        if stale:
            response.after_send.append(lambda: stale_read(stale, sender=type(self)))
        return response

    def _conditional(
        self,
        request: Request,
        *,
        etag: str,
        involved: list[SourceStatus],
        cache_key: str,
        build: Callable[[], bytes],
        tail: Callable[[], bytes],
    ) -> CatalogResponse:
        """304 when the client has it; else the cached (or freshly built) part plus `tail()`."""
        if self._not_modified(request, etag):
            return self._finish(CatalogResponse(status=304), etag=etag, involved=involved)
        part = cache.get(cache_key)
        if not isinstance(part, CompressedPart):
            part = CompressedPart.of(build())
            cache.set(cache_key, part, settings.CATALOG_CACHE_SECONDS)
        if accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            response = CatalogResponse(part.gzip(tail()), content_type="application/json")
            response["Content-Encoding"] = "gzip"
        else:
            response = CatalogResponse(_plain(cache_key, part) + tail(), content_type="application/json")
        return self._finish(response, etag=etag, involved=involved)


def _plain(cache_key: str, part: CompressedPart) -> bytes:
    """The part uncompressed, for clients that do not accept gzip; kept with this process's recent
    entries (never in the shared cache: it is the same data, several times larger)."""
    plain_key = cache_key + ":plain"
    text = cache.recent(plain_key)
    if not isinstance(text, bytes):
        text = part.plain(b"")
        cache.remember(plain_key, text)
    return text


# --- models ---------------------------------------------------------------------------------------

LIST_PARAMETERS_NOTE = (
    "Filters combine with AND. For `gateway=all` the entries are the merged models (one per model "
    "across gateways) and price filters and sorts use the lowest price across offers."
)


def _note(gateway: str, involved: list[SourceStatus]) -> str:
    if gateway == "all":
        text = "One entry per model across gateways; pricing is the source gateway's, lowest_pricing the lowest across offers."
    else:
        text = f"The active models of {gateway}."
    text += " Prices are USD per token as decimal strings; null means unknown."
    stale = [status.slug for status in involved if status.stale]
    if stale:
        text += f" Stale data (served, refresh requested): {', '.join(stale)}."
    return text


class _ModelListBase(CatalogView):
    query_serializer: type[drf_serializers.Serializer] = ModelListQuerySerializer
    column = "public_json"
    openai = False

    def get(self, request: Request) -> HttpResponse:
        statuses = self._statuses()
        params = self._params(self.query_serializer, request, gateways=statuses.keys())
        gateway = params["gateway"]
        filters = selectors.ModelFilters(
            gateway=gateway,
            gateway_id=statuses[gateway].id if gateway != "all" else None,
            providers=params.get("provider") or (),
            q=params.get("q") or "",
            input_modalities=params.get("input_modalities") or (),
            output_modalities=params.get("output_modalities") or (),
            supported_parameters=params.get("supported_parameters") or (),
            min_context=params.get("min_context"),
            max_prompt_price=params.get("max_prompt_price"),
            max_completion_price=params.get("max_completion_price"),
            free=params.get("free"),
            sort=params.get("sort") or "",
        )
        offset, limit = params["offset"], params["limit"]
        involved = self._involved(statuses, gateway)
        (version, totals), generation = cache.catalog_state(), cache.generation()
        query = (self.column, filters.cache_key_part(), offset, limit)

        def known_total() -> int | None:
            # An unfiltered list's total was stored with the version: no COUNT(*) over the catalog.
            if not filters.unfiltered:
                return None
            return totals.get("all") if gateway == "all" else totals.get("gateways", {}).get(gateway)

        def build() -> bytes:
            page = selectors.model_page(filters=filters, offset=offset, limit=limit, column=self.column, total=known_total())
            returned = len(page.fragments)
            has_more = offset + returned < page.total
            facts = {
                "total": page.total,
                "returned": returned,
                "offset": offset,
                "limit": limit,
                "gateway": gateway,
                "has_more": has_more,
                "next_offset": offset + returned if has_more else None,
            }
            head = b'{"object":"list","data":[' if self.openai else b'{"data":['
            return head + ",".join(page.fragments).encode() + b"]," + _members(facts)

        def tail() -> bytes:
            dynamic = {"note": _note(gateway, involved), "freshness": self._freshness(involved), "timestamp": _now_text()}
            return b"," + _members(dynamic) + b"}"

        return self._conditional(
            request,
            etag=self._etag(version, generation, query, involved=involved),
            involved=involved,
            cache_key=cache.key("models", version, generation, *query),
            build=build,
            tail=tail,
        )


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid parameter; the message names the valid values."),
    429: OpenApiResponse(ErrorSerializer, description="Too many anonymous requests; see Retry-After."),
}
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag).")}


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_models_list",
        summary="List, filter, sort and page models",
        description=LIST_PARAMETERS_NOTE,
        parameters=[ModelListQuerySerializer],
        responses={200: ModelListResponseSerializer, **NOT_MODIFIED, **ERRORS},
        tags=["catalog"],
    )
)
class ModelListView(_ModelListBase):
    pass


@extend_schema_view(
    get=extend_schema(
        operation_id="openai_models_list",
        summary="OpenAI-compatible model list (also the old catalog API's envelope)",
        description=(
            "The OpenAI list shape (`object`, `data` of models with `object`, `owned_by`, integer `created`) "
            "carrying full catalog models and the paging envelope. Without `limit` the whole list is served. "
            + LIST_PARAMETERS_NOTE
        ),
        parameters=[OpenAIModelListQuerySerializer],
        responses={200: OpenAIModelListResponseSerializer, **NOT_MODIFIED, **ERRORS},
        tags=["openai"],
    )
)
class OpenAIModelListView(_ModelListBase):
    query_serializer = OpenAIModelListQuerySerializer
    column = "openai_json"
    openai = True


@extend_schema_view(get=extend_schema(operation_id="openai_models_list_alias", summary="Alias of GET /v1/models"))
class OpenAIModelListAliasView(OpenAIModelListView):
    pass


@extend_schema_view(get=extend_schema(exclude=True))
class OpenAIModelListSlashView(OpenAIModelListView):
    """`/v1/models/` and `/models/`: some clients add the slash. Not in the schema (same operation)."""


MODEL_ID_PARAMETER = OpenApiParameter(
    "model_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="A model id (may contain slashes), matched case-insensitively, or a merge key.",
)


def _not_found(model_id: str, gateway: str) -> dict[str, Any]:
    return error_body(
        f"no model {model_id[:200]!r} in gateway {gateway!r} (looked up by id, case-insensitive, and by merge key); "
        f"search with GET /catalog/v1/models?q=...",
        code="model_not_found",
        type_="not_found_error",
        param="model_id",
    )


def _resolve(model_id: str, gateway: str) -> selectors.ResolvedModel | None:
    """`selectors.model_resolve` through the response cache (found models only: a miss is not
    remembered, so made-up ids cannot fill the cache)."""
    cache_key = cache.key("resolve", cache.catalog_version(), cache.generation(), gateway, model_id)
    resolved = cache.get(cache_key)
    if isinstance(resolved, selectors.ResolvedModel):
        return resolved
    resolved = selectors.model_resolve(model_id=model_id, gateway=gateway)
    if resolved is not None:
        cache.set(cache_key, resolved, settings.CATALOG_CACHE_SECONDS)
    return resolved


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_models_retrieve",
        summary="One model with every offer",
        parameters=[MODEL_ID_PARAMETER, ModelDetailQuerySerializer],
        responses={
            200: ModelDetailResponseSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such model."),
            **NOT_MODIFIED,
            **ERRORS,
        },
        tags=["catalog"],
    )
)
class ModelDetailView(CatalogView):
    def get(self, request: Request, model_id: str) -> HttpResponse:
        statuses = self._statuses()
        gateway = self._params(ModelDetailQuerySerializer, request, gateways=statuses.keys())["gateway"]
        model_id = model_id.rstrip("/")
        resolved = _resolve(model_id, gateway)
        if resolved is None:
            return self._json(_not_found(model_id, gateway), status=404)
        offer_gateways = list(dict.fromkeys(offer["gateway"] for offer in resolved.offers))
        involved = [statuses[slug] for slug in offer_gateways if slug in statuses]
        etag = self._etag(cache.catalog_version(), "detail", gateway, model_id, involved=involved)
        if self._not_modified(request, etag):
            return self._finish(CatalogResponse(status=304), etag=etag, involved=involved)
        document = orjson.loads(resolved.public_json)
        document["offers"] = [
            {**offer, "freshness": statuses[offer["gateway"]].freshness() if offer["gateway"] in statuses else None}
            for offer in resolved.offers
        ]
        body = {
            "data": document,
            "gateway": gateway,
            "matched_by": resolved.matched_by,
            "freshness": self._freshness(involved),
            "timestamp": _now_text(),
        }
        return self._finish(self._json(body), etag=etag, involved=involved)


@extend_schema_view(
    get=extend_schema(
        operation_id="openai_models_retrieve",
        summary="OpenAI-compatible model",
        parameters=[MODEL_ID_PARAMETER, ModelDetailQuerySerializer],
        responses={200: OpenAIModelSerializer, 404: OpenApiResponse(ErrorSerializer, description="No such model."), **ERRORS},
        tags=["openai"],
    )
)
class OpenAIModelDetailView(CatalogView):
    def get(self, request: Request, model_id: str) -> HttpResponse:
        statuses = self._statuses()
        gateway = self._params(ModelDetailQuerySerializer, request, gateways=statuses.keys())["gateway"]
        model_id = model_id.rstrip("/")
        resolved = _resolve(model_id, gateway)
        if resolved is None:
            body = _not_found(model_id, gateway)
            body["error"].update(param="model", message=f"The model {model_id[:200]!r} does not exist ({gateway}).")
            return self._json(body, status=404)
        involved = [statuses[slug] for slug in dict.fromkeys(o["gateway"] for o in resolved.offers) if slug in statuses]
        etag = self._etag(cache.catalog_version(), "openai-detail", gateway, model_id, involved=involved)
        if self._not_modified(request, etag):
            return self._finish(CatalogResponse(status=304), etag=etag, involved=involved)
        response = CatalogResponse(resolved.openai_json.encode(), content_type="application/json")
        return self._finish(response, etag=etag, involved=involved)


# --- providers, gateways, changes -----------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_providers_list",
        summary="Providers (model authors) with model counts per gateway",
        responses={200: ProviderListResponseSerializer, **NOT_MODIFIED, 429: ERRORS[429]},
        tags=["catalog"],
    )
)
class ProviderListView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        version, generation = cache.catalog_version(), cache.generation()

        def build() -> bytes:
            providers = selectors.provider_list()
            return b'{"data":' + _dumps(providers) + b"," + _members({"total": len(providers)})

        return self._conditional(
            request,
            etag=self._etag(version, generation, "providers"),
            involved=[],
            cache_key=cache.key("providers", version, generation),
            build=build,
            tail=lambda: b"," + _members({"timestamp": _now_text()}) + b"}",
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_gateways_list",
        summary="Gateways: public facts and health status",
        description="Never a key: `configured` says only whether a key is set where the gateway needs one.",
        responses={200: GatewayListResponseSerializer, **NOT_MODIFIED, 429: ERRORS[429]},
        tags=["catalog"],
    )
)
class GatewayListView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        statuses = self._statuses()
        counts = selectors.gateway_model_counts()
        data = [
            {
                "slug": status.slug,
                "name": status.name,
                "kind": status.kind,
                "enabled": status.enabled,
                "priority": status.priority,
                "configured": status.configured,
                "status": status.status,
                "stale": status.stale,
                "age_seconds": status.age_seconds,
                "last_success_at": status.last_success_at.isoformat() if status.last_success_at else None,
                "refresh_interval_seconds": status.refresh_interval_seconds,
                "stale_after_seconds": status.stale_after_seconds,
                "model_count": counts.get(status.slug, 0),
            }
            for status in statuses.values()
        ]
        etag = self._etag(
            cache.catalog_version(),
            "gateways",
            [(g["slug"], g["last_success_at"], g["enabled"], g["configured"], g["model_count"]) for g in data],
            involved=statuses.values(),
        )
        if self._not_modified(request, etag):
            return self._finish(CatalogResponse(status=304), etag=etag, involved=[])
        return self._finish(self._json({"data": data, "total": len(data), "timestamp": _now_text()}), etag=etag, involved=[])


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_changes_list",
        summary="Recorded model changes, newest first",
        description="Added, removed, price and context changes recorded at publish time. `since` is inclusive.",
        parameters=[ChangeQuerySerializer],
        responses={200: ChangeListResponseSerializer, **NOT_MODIFIED, **ERRORS},
        tags=["catalog"],
    )
)
class ChangeListView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        statuses = self._statuses()
        params = self._params(ChangeQuerySerializer, request, gateways=statuses.keys())
        gateway, since, kind = params["gateway"], params.get("since"), params.get("kind") or ""
        offset, limit = params["offset"], params["limit"]
        version, generation = cache.catalog_version(), cache.generation()
        query = ("changes", gateway, since.isoformat() if since else None, kind, offset, limit)

        def build() -> bytes:
            total, data = selectors.change_page(gateway=gateway, since=since, kind=kind, offset=offset, limit=limit)
            has_more = offset + len(data) < total
            facts = {
                "total": total,
                "returned": len(data),
                "offset": offset,
                "limit": limit,
                "gateway": gateway,
                "has_more": has_more,
                "next_offset": offset + len(data) if has_more else None,
            }
            return b'{"data":' + _dumps(data) + b"," + _members(facts)

        return self._conditional(
            request,
            etag=self._etag(version, generation, query),
            involved=[],
            cache_key=cache.key(version, generation, *query),
            build=build,
            tail=lambda: b"," + _members({"timestamp": _now_text()}) + b"}",
        )
