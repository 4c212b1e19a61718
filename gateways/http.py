"""The one place that talks HTTP to upstreams.

`build_client()` makes every `httpx.Client` an adapter receives: the base URL (with the
`GATEWAY_BASE_URL_<SLUG>` override), the auth header from `GATEWAY_KEY_<SLUG>`, a wall-clock
deadline over the whole fetch, a byte cap, same-host redirects only, and the private-address guard.
`fetch_json()` is how adapters read a body. Every failure becomes one `AdapterError` with a `kind`
and a `permanent` flag; the refresh service records both and the task decides on a retry from them.

Keys only ever travel in request headers. Error messages are built here from our own words, and
anything taken from an upstream (a body snippet, an exception text) passes `redact()` first.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Iterator
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

if TYPE_CHECKING:
    from gateways.adapters.base import Adapter

USER_AGENT = "gatewayz-catalog/1.0 (+model catalog refresher)"


class ErrorKind:
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    HTTP_STATUS = "http_status"
    RATE_LIMITED = "rate_limited"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    REDIRECT = "redirect"
    FORBIDDEN_HOST = "forbidden_host"
    UNCONFIGURED = "unconfigured"
    GUARD = "guard"
    INTERNAL = "internal"

    CHOICES = [
        (TIMEOUT, "timeout"),
        (CONNECTION, "connection error"),
        (HTTP_STATUS, "HTTP error status"),
        (RATE_LIMITED, "rate limited (429)"),
        (UNAUTHORIZED, "unauthorized (401/403)"),
        (NOT_FOUND, "not found (404)"),
        (TOO_LARGE, "body over the byte cap"),
        (MALFORMED, "malformed body"),
        (REDIRECT, "redirect refused"),
        (FORBIDDEN_HOST, "host refused (private address or plain http)"),
        (UNCONFIGURED, "unconfigured (no key)"),
        (GUARD, "refused by the publish guard"),
        (INTERNAL, "internal error"),
    ]


class AdapterError(Exception):
    """A failed fetch or parse. `permanent` errors are not retried; the others are."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        permanent: bool,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.permanent = permanent
        self.http_status = http_status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


def env_suffix(slug: str) -> str:
    """`near-ai` -> `NEAR_AI`: the suffix of `GATEWAY_KEY_*` and `GATEWAY_BASE_URL_*`."""
    return slug.upper().replace("-", "_")


def key_variable(slug: str) -> str:
    return f"GATEWAY_KEY_{env_suffix(slug)}"


def gateway_key(slug: str) -> str | None:
    return settings.GATEWAY_KEYS.get(env_suffix(slug)) or None


def has_key(slug: str) -> bool:
    return gateway_key(slug) is not None


def base_url_for(*, slug: str, base_url: str, adapter: type[Adapter]) -> str:
    override = settings.GATEWAY_BASE_URLS.get(env_suffix(slug))
    return (override or base_url or adapter.default_base_url).rstrip("/")


def redact_url(url: str) -> str:
    """Drop the query string and any userinfo: only scheme, host and path reach a message."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


# --- the private-address guard ----------------------------------------------------------------


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to. Tests replace this to simulate DNS."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_target(url: httpx.URL, *, allow_private: bool, allow_http: bool) -> None:
    """Refuse a request that would reach a non-public address, or public plain http."""
    host = url.host
    if not host:
        raise AdapterError("upstream URL has no host", kind=ErrorKind.FORBIDDEN_HOST, permanent=True)
    if allow_private:
        return
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError) as exc:
        raise AdapterError(
            f"cannot resolve {host}: {exc.__class__.__name__}", kind=ErrorKind.CONNECTION, permanent=False
        ) from None
    private = [a for a in addresses if not _is_public(a)]
    if private or not addresses:
        raise AdapterError(
            f"{host} resolves to a non-public address ({', '.join(private) or 'none'}); refused. "
            "Set GATEWAY_ALLOW_PRIVATE_HOSTS=true only for local fakes and tests",
            kind=ErrorKind.FORBIDDEN_HOST,
            permanent=True,
        )
    if url.scheme != "https" and not allow_http:
        raise AdapterError(
            f"plain http to public host {host} is refused; use https or allow http on this gateway",
            kind=ErrorKind.FORBIDDEN_HOST,
            permanent=True,
        )


# --- deadline and byte cap --------------------------------------------------------------------


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def check(self) -> float:
        remaining = self.remaining()
        if remaining <= 0:
            raise AdapterError(f"fetch exceeded its {self.seconds:g} s deadline", kind=ErrorKind.TIMEOUT, permanent=False)
        return remaining


class _GuardedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, deadline: Deadline, max_bytes: int) -> None:
        self.inner = inner
        self.deadline = deadline
        self.max_bytes = max_bytes

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self.inner:
            self.deadline.check()
            received += len(chunk)
            if received > self.max_bytes:
                raise _too_large(self.max_bytes)
            yield chunk

    def close(self) -> None:
        self.inner.close()


def _too_large(max_bytes: int) -> AdapterError:
    return AdapterError(f"response body is larger than the {max_bytes} byte cap", kind=ErrorKind.TOO_LARGE, permanent=True)


class GuardedTransport(httpx.BaseTransport):
    """Applies the host guard, the deadline and the raw byte cap to every request, redirects and
    pagination included."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        allowed_host: str,
        deadline: Deadline,
        max_bytes: int,
        allow_private: bool,
        allow_http: bool,
    ) -> None:
        self.inner = inner
        self.allowed_host = allowed_host
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.allow_http = allow_http

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != self.allowed_host:
            raise AdapterError(
                f"refused to follow {redact_url(str(request.url))}: only {self.allowed_host} may be fetched",
                kind=ErrorKind.REDIRECT,
                permanent=True,
            )
        check_target(request.url, allow_private=self.allow_private, allow_http=self.allow_http)
        remaining = self.deadline.check()
        request.extensions["timeout"] = httpx.Timeout(min(remaining, 30.0), connect=min(remaining, 10.0)).as_dict()
        response = self.inner.handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_GuardedStream(response.stream, self.deadline, self.max_bytes),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()


class GatewayClient(httpx.Client):
    """An `httpx.Client` that also knows its byte cap and how to redact its own key."""

    max_bytes: int
    _secret: str | None

    def redact(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "[redacted]")
        return text


def build_client(
    *,
    slug: str,
    base_url: str,
    adapter: type[Adapter],
    allow_http: bool = False,
    transport: httpx.BaseTransport | None = None,
    deadline_seconds: float | None = None,
    max_bytes: int | None = None,
) -> GatewayClient:
    """The client for one fetch of one gateway. `transport=` is the test seam."""
    url = base_url_for(slug=slug, base_url=base_url, adapter=adapter)
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise AdapterError(f"base URL {redact_url(url)!r} is not an http(s) URL", kind=ErrorKind.FORBIDDEN_HOST, permanent=True)
    key = gateway_key(slug)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip, deflate"}
    if key:
        headers.update(adapter.auth_headers(key))
    cap = max_bytes or adapter.max_body_bytes or settings.GATEWAY_MAX_BODY_BYTES
    deadline = Deadline(deadline_seconds or settings.GATEWAY_FETCH_DEADLINE_SECONDS)
    guarded = GuardedTransport(
        transport or httpx.HTTPTransport(retries=0),
        allowed_host=parsed.host,
        deadline=deadline,
        max_bytes=cap,
        allow_private=settings.GATEWAY_ALLOW_PRIVATE_HOSTS,
        allow_http=allow_http,
    )
    client = GatewayClient(
        base_url=url + "/",
        headers=headers,
        transport=guarded,
        follow_redirects=True,
        max_redirects=5,
        trust_env=False,
    )
    client.max_bytes = cap
    client._secret = key
    return client


# --- reading bodies ---------------------------------------------------------------------------


def decode_json(body: bytes | str) -> Any:
    """Strict JSON with exact decimals: floats become `Decimal` straight from the text."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise AdapterError("body is nested too deeply to be a model list", kind=ErrorKind.MALFORMED, permanent=True) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdapterError(
            f"body is not valid JSON ({exc.__class__.__name__}: {str(exc)[:120]})", kind=ErrorKind.MALFORMED, permanent=True
        ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _status_error(response: httpx.Response, client: GatewayClient, snippet: str) -> AdapterError:
    status = response.status_code
    where = redact_url(str(response.request.url))
    detail = f": {client.redact(snippet)}" if snippet else ""
    message = f"HTTP {status} from {where}{detail}"
    if status in (401, 403):
        return AdapterError(
            message + " (check the gateway's key)", kind=ErrorKind.UNAUTHORIZED, permanent=True, http_status=status
        )
    if status == 404:
        return AdapterError(message, kind=ErrorKind.NOT_FOUND, permanent=True, http_status=status)
    if status == 429:
        return AdapterError(
            message,
            kind=ErrorKind.RATE_LIMITED,
            permanent=False,
            http_status=status,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    return AdapterError(message, kind=ErrorKind.HTTP_STATUS, permanent=status < 500, http_status=status)


def _snippet(raw: bytes) -> str:
    text = raw[:300].decode("utf-8", "replace")
    return " ".join(text.split())[:200]


def fetch_json(client: httpx.Client, url: str, *, params: dict[str, Any] | None = None) -> Any:
    """GET `url` (relative to the base URL, or absolute on the same host) and decode its JSON."""
    assert isinstance(client, GatewayClient), "adapters receive clients from gateways.http.build_client"
    try:
        with client.stream("GET", url, params=params) as response:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > client.max_bytes:  # decoded size: a gzip bomb stops here
                    raise _too_large(client.max_bytes)
                chunks.append(chunk)
            body = b"".join(chunks)
            if response.status_code >= 300:
                raise _status_error(response, client, _snippet(body))
            content_type = response.headers.get("content-type", "")
    except AdapterError:
        raise
    except httpx.TimeoutException:
        raise AdapterError(
            f"timed out fetching {redact_url(client.base_url.join(url))}", kind=ErrorKind.TIMEOUT, permanent=False
        ) from None
    except httpx.TooManyRedirects:
        raise AdapterError("too many redirects", kind=ErrorKind.REDIRECT, permanent=True) from None
    except httpx.DecodingError:
        raise AdapterError("body could not be decompressed", kind=ErrorKind.MALFORMED, permanent=True) from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise AdapterError(
            f"bad upstream URL: {client.redact(str(exc))[:200]}", kind=ErrorKind.FORBIDDEN_HOST, permanent=True
        ) from None
    except httpx.TransportError as exc:
        raise AdapterError(
            f"connection failed to {redact_url(client.base_url.join(url))}: {exc.__class__.__name__}",
            kind=ErrorKind.CONNECTION,
            permanent=False,
        ) from None
    stripped = body.lstrip()[:1]
    if "html" in content_type or stripped == b"<":
        raise AdapterError(
            f"expected JSON from {redact_url(str(response.request.url))}, got an HTML page",
            kind=ErrorKind.MALFORMED,
            permanent=True,
            http_status=response.status_code,
        )
    return decode_json(body)
