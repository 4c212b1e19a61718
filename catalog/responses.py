"""What every catalog endpoint does around its own query: the base view (`CatalogView`) with query
validation, freshness, the ETag and its 304, the response cache and `Cache-Control`, each body read
at one catalog version (`catalog.consistent`); and the one envelope builder that list bodies are
assembled with.

Every response carries each involved gateway's freshness; a read that finds a gateway stale
announces it (`catalog.sources.stale_read`, the `stale_data_read` signal) after the response has
been sent, so a background refresh is queued; the read never waits for it.

A cached body is `{<cached part>,<tail>}`: the part (the stored JSON of the page joined with the
page facts) depends only on the catalog version, the cache generation and the query, and is kept
compressed (`catalog.bodies`); the tail (freshness, note, timestamp) is computed per request.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import parse_etags
from rest_framework import serializers as drf_serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from catalog import cache, history, outage
from catalog.access import (
    CatalogThrottle,
    CookieSessionAuthentication,
    JSONOnlyNegotiation,
    LenientTokenAuthentication,
    catalog_exception_handler,
    error_body,
)
from catalog.bodies import CompressedPart, accepts_gzip
from catalog.consistent import at_one_version
from catalog.render import instant_text
from catalog.sources import SourceStatus, source_statuses, stale_read

log = logging.getLogger(__name__)

# Browsers and CDNs may reuse a response for a minute, revalidate in the background for ten, and
# fall back to it for a day when we are down: stale data served and labelled beats an error.
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=600, stale-if-error=86400"
# A page served while our database is down (`catalog.outage`) is not fresh for anyone: revalidate.
STALE_CACHE_CONTROL = "public, max-age=0, stale-if-error=86400"

# Parameters the old catalog API's clients and its web front end send that mean nothing here: accepted
# and ignored (docs/compatibility.md), so those clients keep working; any other unknown one is a 400.
IGNORED_PARAMETERS = frozenset({"include_huggingface", "developer", "lang", "page", "_"})

# Validated query parameters by (serializer, query, gateway slugs), oldest dropped first.
_VALID_PARAMS: dict[tuple[Any, ...], dict[str, Any]] = {}
_VALID_PARAMS_SIZE = 512
_VALID_PARAMS_LOCK = threading.Lock()

# What the last full answer to a query told its client, for `CatalogView.dispatch`'s early 304:
# (view class, path, query string) -> `_Revalidation`, oldest dropped first.
_REVALIDATIONS: dict[tuple[Any, str, str], _Revalidation] = {}
_REVALIDATIONS_SIZE = 1024
_REVALIDATIONS_LOCK = threading.Lock()


class CatalogResponse(HttpResponse):
    """A response that runs `after_send` callbacks once the server has written it (WSGI `close()`),
    before Django's own end-of-request handling."""

    encoding_chosen = False  # `gatewayz_site.compression`: gzip, or plain, decided here already

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_send: list[Callable[[], None]] = []

    def set_parts(self, *parts: bytes) -> None:
        """The body as parts written one after the other, never joined into one new copy (a
        cached page is large; its tail is per request). `content` still reads the whole body."""
        self._container = list(parts)
        self["Content-Length"] = str(sum(len(part) for part in parts))
        self.encoding_chosen = True

    def close(self) -> None:
        for callback in self.after_send:
            try:
                callback()
            except Exception:  # noqa: BLE001 - a failed refresh request must never break a read
                log.warning("could not request a refresh of stale gateways", exc_info=True)
        super().close()


@dataclass(frozen=True)
class _Revalidation:
    """The state a full answer was computed at and the ETag it gave: while the catalog version,
    the cache generation and the gateways' signature are the same, that query's ETag is this one."""

    version: int
    generation: Any
    signature: tuple[Any, ...]
    involved: tuple[str, ...]
    etag: str


def _signature(statuses: Mapping[str, SourceStatus]) -> tuple[Any, ...]:
    """Every fact of the gateways that a query's validation, filters or ETag reads."""
    return tuple((s.slug, s.id, s.enabled, s.status, s.stale) for s in statuses.values())


def _may_be_signed_in(request: HttpRequest) -> bool:
    """Whether the catalog's authentication could recognise someone (a session cookie, or an
    `Authorization` header shaped like a DRF token): only DRF's path knows who, and the throttle
    counts a signed-in user per account."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() in ("token", "bearer") and bool(credentials.strip())


class _AnonymousRequest:
    """DRF's request for a client without credentials, as a throttle reads it: the Django
    request's attributes (DRF's `Request` proxies them too), and `user` no one."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self.user = AnonymousUser()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


class InvalidQuery(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.body = body


# -- the envelope -----------------------------------------------------------------------------------


def now_text() -> str:
    return datetime.now(tz=UTC).isoformat().replace("+00:00", "Z")


def members(value: Mapping[str, Any]) -> bytes:
    """`{"a":1,"b":2}` -> `"a":1,"b":2`: members to splice into an object being assembled."""
    return orjson.dumps(value)[1:-1]


def page_facts(*, total: int, returned: int, offset: int, limit: int, gateway: str) -> dict[str, Any]:
    """The paging members of a list envelope."""
    has_more = offset + returned < total
    return {
        "total": total,
        "returned": returned,
        "offset": offset,
        "limit": limit,
        "gateway": gateway,
        "has_more": has_more,
        "next_offset": offset + returned if has_more else None,
    }


def envelope_part(data: bytes, facts: Mapping[str, Any], *, head: bytes = b'{"data":') -> bytes:
    """The cacheable part of a list envelope, still open: `{"data":<data>,<facts>`."""
    return b"".join((head, data, b",", members(facts)))


def fragments_part(fragments: Iterable[str], facts: Mapping[str, Any], *, head: bytes = b'{"data":') -> bytes:
    """`envelope_part` of stored JSON documents: `{"data":[<fragment>,...],<facts>`, the page's
    text encoded once and copied once into the part (a whole `/v1/models` is tens of MB)."""
    return b"".join((head, b"[", ",".join(fragments).encode(), b"],", members(facts)))


def envelope_tail(**values: Any) -> bytes:
    """The per-request members that close an envelope: `,<values>}`; always ends with `timestamp`."""
    return b"," + members({**values, "timestamp": now_text()}) + b"}"


# -- the base view ----------------------------------------------------------------------------------


class CatalogView(APIView):
    """Public, read-only, throttled, JSON-only; errors in the catalog's shape."""

    # (The docstring above is every catalog operation's description in the schema.) Subclasses
    # validate their query with `params`, then answer through `cached` (a body kept in the response
    # cache) or `uncached`; both answer 304 to a matching `If-None-Match` and set caching headers.

    authentication_classes = [CookieSessionAuthentication, LenientTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [CatalogThrottle]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation

    def get_exception_handler(self) -> Callable[..., Any]:
        return catalog_exception_handler

    # -- the early 304 --------------------------------------------------------------------------

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """A revalidation of a query answered before (`cached(..., statuses=...)`) whose state has
        not changed is answered 304 here, without DRF's request, negotiation and view: the same
        throttle count, the same headers (`_finish`, `finalize_response`). Anything else (and a
        throttled client, whose 429 DRF writes) takes DRF's path, counted once."""
        early = self._early_not_modified(request, args, kwargs)
        if early is not None:
            return early
        return super().dispatch(request, *args, **kwargs)

    def _early_not_modified(self, request: HttpRequest, args: Any, kwargs: Any) -> HttpResponseBase | None:
        if request.method not in ("GET", "HEAD") or "HTTP_IF_NONE_MATCH" not in request.META:
            return None
        if _may_be_signed_in(request):
            return None
        known = _REVALIDATIONS.get((type(self), request.path, request.META.get("QUERY_STRING", "")))
        if known is None:
            return None
        # DRF's order: the throttle before the view reads anything. Its answer is kept for DRF's
        # path (`check_throttles`), so a request that goes on is not counted twice.
        # It sees what DRF's authentication makes of a request without credentials: no one (never
        # the middleware's lazy `request.user`, which would open the session and vary on Cookie).
        anonymous = _AnonymousRequest(request)
        self._throttle_waits = [t.wait() for t in self.get_throttles() if not t.allow_request(anonymous, self)]
        if self._throttle_waits:
            return None
        outage.begin_request()
        try:
            version, generation, statuses = cache.catalog_version(), cache.generation(), self.statuses()
        except outage.DATABASE_UNAVAILABLE:
            return None  # DRF's path answers it (with its own fallbacks)
        if (version, generation, _signature(statuses)) != (known.version, known.generation, known.signature):
            return None
        if not _not_modified(request, known.etag):
            return None
        involved = [statuses[slug] for slug in known.involved]
        self.args, self.kwargs, self.request = args, kwargs, request
        self.headers = self.default_response_headers
        response = self._finish(CatalogResponse(status=304), etag=known.etag, involved=involved)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def check_throttles(self, request: Request) -> None:
        waits = getattr(self, "_throttle_waits", None)
        if waits is None:
            super().check_throttles(request)
        elif waits:
            durations = [wait for wait in waits if wait is not None]
            self.throttled(request, max(durations, default=None))

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        outage.begin_request()
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, InvalidQuery):
            return self.json(exc.body, status=400)
        return super().handle_exception(exc)

    # -- input ----------------------------------------------------------------------------------

    def params(self, serializer_class: type[drf_serializers.Serializer], request: Request, **context: Any) -> dict[str, Any]:
        """The validated query; raises `InvalidQuery` (a 400 naming the parameter and its valid
        values, or an unknown parameter and the accepted ones). Repeated parameters resolve to the
        last value; `IGNORED_PARAMETERS` are accepted and do nothing."""
        data = {k: v for k, v in request.query_params.dict().items() if k not in IGNORED_PARAMETERS}
        accepted = _accepted(serializer_class)
        unknown = sorted(name for name in data if name not in accepted)
        if unknown:
            name = unknown[0][:100]
            listed = ", ".join(sorted(accepted)) or "no parameters"
            raise InvalidQuery(
                error_body(
                    f"{name}: unknown parameter; this endpoint accepts: {listed}",
                    code="unknown_parameter",
                    param=name,
                    valid_values=sorted(accepted),
                )
            )
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
        if param == "non_field_errors":  # about the query as a whole (a workload with no count)
            raise InvalidQuery(error_body(str(messages[0]), code="invalid_parameter", param=None))
        raise InvalidQuery(error_body(f"{param}: {messages[0]}", code="invalid_parameter", param=param, valid_values=valid))

    @staticmethod
    def instant(params: Mapping[str, Any]) -> datetime | None:
        """The validated `at` of a point-in-time read (None without one); raises `InvalidQuery`
        for an instant before the history the catalog keeps."""
        at = params.get("at")
        if at is None:
            return None
        begins = history.history_begins(now=timezone.now())
        if begins is None or at < begins:
            when = f"begins at {instant_text(begins)}" if begins else "is empty (nothing has been published yet)"
            raise InvalidQuery(
                error_body(
                    f"at: {instant_text(at)} is before any data: the catalog's history {when}; ask for an instant at or after it",
                    code="invalid_parameter",
                    param="at",
                )
            )
        return at

    # -- freshness ------------------------------------------------------------------------------

    @staticmethod
    def statuses() -> dict[str, SourceStatus]:
        return source_statuses()

    @staticmethod
    def involved(statuses: dict[str, SourceStatus], gateway: str) -> list[SourceStatus]:
        if gateway == "all":
            return [status for status in statuses.values() if status.enabled]
        return [statuses[gateway]]

    @staticmethod
    def freshness(involved: Iterable[SourceStatus]) -> dict[str, Any]:
        return {status.slug: status.freshness() for status in involved}

    # -- output ---------------------------------------------------------------------------------

    @staticmethod
    def json(body: Any, *, status: int = 200) -> CatalogResponse:
        return CatalogResponse(orjson.dumps(body), status=status, content_type="application/json")

    @staticmethod
    def etag(*parts: Any, involved: Iterable[SourceStatus] = ()) -> str:
        signature = [(s.slug, s.status, s.stale) for s in involved]
        digest = hashlib.sha256(repr((parts, signature)).encode()).hexdigest()[:32]
        return f'W/"{digest}"'

    def uncached(
        self, request: Request, *, etag: str, involved: Iterable[SourceStatus], body: Callable[[], bytes]
    ) -> CatalogResponse:
        """304 when the client has it; else `body()`."""
        if _not_modified(request, etag):
            return self._finish(CatalogResponse(status=304), etag=etag, involved=involved)
        return self._finish(CatalogResponse(body(), content_type="application/json"), etag=etag, involved=involved)

    def cached(
        self,
        request: Request,
        *,
        parts: tuple[Any, ...],
        involved: Iterable[SourceStatus],
        build: Callable[[Mapping[str, Any]], bytes],
        tail: Callable[[], bytes],
        content_type: str = "application/json",
        statuses: Mapping[str, SourceStatus] | None = None,
    ) -> CatalogResponse:
        """304 when the client has it; else the cached (or freshly built) part plus `tail()`,
        gzip-compressed when the client accepts it. (A whole document, such as the Atom feed,
        is a part with an empty tail.)

        `statuses`: the gateways the view read, given when `parts` depend on nothing but the
        request's path and query, that state, the version and the generation (no clock: not a
        cost sort's minute, not `at=`). The ETag is then remembered so that the next revalidation
        of the same query is answered before DRF (`dispatch`).

        The ETag and the cache key name the catalog version the part was read at: `parts` says
        what the query is, and a miss runs `build(totals)` in one snapshot (`catalog.consistent`)
        that also reads the version and its totals, so rows, total, ETag and key all agree."""
        version, generation = cache.catalog_version(), cache.generation()
        involved = list(involved)
        etag = self.etag(version, generation, *parts, involved=involved)
        if statuses is not None and not _may_be_signed_in(request._request):
            _remember_revalidation(
                (type(self), request._request.path, request.META.get("QUERY_STRING", "")),
                _Revalidation(version, generation, _signature(statuses), tuple(s.slug for s in involved), etag),
            )
        if _not_modified(request, etag):
            return self._finish(CatalogResponse(status=304), etag=etag, involved=involved)
        cache_key = cache.key(version, generation, *parts)
        part = cache.get(cache_key)
        text: bytes | None = None  # the part uncompressed, when this request built it
        if not isinstance(part, CompressedPart):
            read_version, text = at_one_version(build)
            part = CompressedPart.of(text)
            if read_version != version:  # published since this process last looked
                etag = self.etag(read_version, generation, *parts, involved=involved)
                cache_key = cache.key(read_version, generation, *parts)
            cache.set(cache_key, part, settings.CATALOG_CACHE_SECONDS)
        response = CatalogResponse(content_type=content_type)
        if accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            response.set_parts(*part.gzip_parts(tail()))
            response["Content-Encoding"] = "gzip"
        else:
            response.set_parts(_plain(cache_key, part, built=text), tail())
        return self._finish(response, etag=etag, involved=involved)

    def _finish(self, response: CatalogResponse, *, etag: str, involved: Iterable[SourceStatus]) -> CatalogResponse:
        response["ETag"] = etag
        response["Vary"] = "Accept-Encoding"
        if outage.served_stale():
            # Answered from this process's last copy: say so, and ask no refresh of a database
            # that cannot take the request.
            response["Cache-Control"] = STALE_CACHE_CONTROL
            response[outage.STALE_HEADER] = outage.STALE_REASON
            return response
        response["Cache-Control"] = CACHE_CONTROL
        stale = [status for status in involved if status.stale]
        if stale:
            response.after_send.append(lambda: stale_read(stale, sender=type(self)))
        return response


def _remember_revalidation(key: tuple[Any, str, str], entry: _Revalidation) -> None:
    if _REVALIDATIONS.get(key) == entry:
        return
    with _REVALIDATIONS_LOCK:
        if len(_REVALIDATIONS) >= _REVALIDATIONS_SIZE and key not in _REVALIDATIONS:
            _REVALIDATIONS.pop(next(iter(_REVALIDATIONS)))  # the oldest
        _REVALIDATIONS[key] = entry


def _accepted(serializer_class: type[drf_serializers.Serializer]) -> frozenset[str]:
    """The query parameters a query serializer declares."""
    known = _ACCEPTED.get(serializer_class)
    if known is None:
        known = _ACCEPTED[serializer_class] = frozenset(serializer_class().fields)
    return known


_ACCEPTED: dict[type[drf_serializers.Serializer], frozenset[str]] = {}


def _not_modified(request: Request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}


def _plain(cache_key: str, part: CompressedPart, *, built: bytes | None = None) -> bytes:
    """The part uncompressed, for clients that do not accept gzip; kept with this process's recent
    entries (never in the shared cache: it is the same data, several times larger). `built`: the
    text this request has just built the part from, so nothing is decompressed."""
    plain_key = cache_key + ":plain"
    if built is not None:
        cache.remember(plain_key, built)
        return built
    text = cache.recent(plain_key)
    if not isinstance(text, bytes):
        text = part.plain(b"")
        cache.remember(plain_key, text)
    return text
