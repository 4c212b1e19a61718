"""The one place that talks HTTP to upstreams.

`build_client()` makes every `httpx.Client` an adapter receives: the base URL (with the
`GATEWAY_BASE_URL_<SLUG>` override), the auth header from `GATEWAY_KEY_<SLUG>`, a wall-clock
deadline over the whole fetch, a byte cap, same-host redirects only, and the private-address guard.
`fetch_json()` is how adapters read a body. Every failure becomes one `AdapterError` with a `kind`
and a `permanent` flag; the refresh service records both and the task decides on a retry from them.

Keys only ever travel in request headers. Error messages are built here from our own words, and
anything taken from an upstream (a body snippet, an exception text) passes `redact()` first; every
`AdapterError` message also has every configured gateway key scrubbed out (`scrub_keys`), so a key
an upstream echoes back (in an error body, a redirect `Location`, a next-page link) never reaches a
RefreshRun, a log line or an admin page. A request whose URL carries the key is refused before it is
sent, and a 2xx body that contains the key is refused rather than stored.

The address guard runs twice: `check_target()` resolves the host before each request (a clear,
early error, and the only check a test's `MockTransport` sees), and the real transport
(`network_transport()`) connects only to an address it has itself resolved and checked, keeping
the URL's host for the `Host` header and TLS SNI. So a DNS answer that changes between the check and
the connection (DNS rebinding) cannot steer a request to a private address.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpcore
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
        message = scrub_keys(message)
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


# A configured key shorter than this is not scrubbed from messages (it would mangle ordinary words);
# no provider issues keys that short, and the client still redacts its own key whatever its length.
MIN_SCRUBBED_KEY_LENGTH = 8
REDACTED = "[redacted]"


def scrub_keys(text: str) -> str:
    """`text` with every configured gateway key (`GATEWAY_KEY_*`) replaced by `[redacted]`."""
    for key in settings.GATEWAY_KEYS.values():
        key = key.strip()
        if _scrubbable(key) and key in text:
            text = text.replace(key, REDACTED)
    return text


def _scrubbable(key: str | None) -> bool:
    return key is not None and len(key.strip()) >= MIN_SCRUBBED_KEY_LENGTH


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


def is_public_address(address: str) -> bool:
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
    _refuse_non_public(host, addresses)
    if url.scheme != "https" and not allow_http:
        raise AdapterError(
            f"plain http to public host {host} is refused; use https or allow http on this gateway",
            kind=ErrorKind.FORBIDDEN_HOST,
            permanent=True,
        )


def _refuse_non_public(host: str, addresses: list[str]) -> None:
    private = [a for a in addresses if not is_public_address(a)]
    if private or not addresses:
        raise AdapterError(
            f"{host} resolves to a non-public address ({', '.join(private) or 'none'}); refused. "
            "Set GATEWAY_ALLOW_PRIVATE_HOSTS=true only for local fakes and tests",
            kind=ErrorKind.FORBIDDEN_HOST,
            permanent=True,
        )


class PinnedNetworkBackend(httpcore.SyncBackend):
    """httpcore's socket backend, but it resolves the host itself, refuses any non-public answer
    and connects to the checked address. httpcore still uses the URL's host for TLS SNI and the
    `Host` header, so certificates are verified against the name, not the address."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve_host(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.__class__.__name__}") from None
        _refuse_non_public(host, addresses)
        failure: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


def network_transport(*, allow_private: bool) -> httpx.BaseTransport:
    """The real transport under every gateway client. Unless private hosts are allowed, it connects
    only to addresses it resolved and checked itself (`PinnedNetworkBackend`)."""
    transport = httpx.HTTPTransport(retries=0)
    if not allow_private:
        pool = transport._pool
        assert hasattr(pool, "_network_backend"), "httpcore's pool layout changed: re-check PinnedNetworkBackend"
        pool._network_backend = PinnedNetworkBackend()
    return transport


def base_url_problem(url: str, *, allow_http: bool) -> str | None:
    """Why a staff-entered base URL would be refused at fetch time, or None. For the admin form: an
    early, clear error. A host that does not resolve now is not an error here (DNS may be down);
    the fetch checks again, after resolution, on every request."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "Enter an http(s) URL with a host name."
    try:
        check_target(parsed, allow_private=settings.GATEWAY_ALLOW_PRIVATE_HOSTS, allow_http=allow_http)
    except AdapterError as exc:
        if exc.kind == ErrorKind.FORBIDDEN_HOST:
            if "plain http" in exc.message:
                return f"Plain http to the public host {parsed.host} would send the key unencrypted: use https, or tick “allow insecure http” if this upstream has no https."
            return f"{exc.message}."
    return None


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
        origin: httpx.URL,
        deadline: Deadline,
        max_bytes: int,
        allow_private: bool,
        allow_http: bool,
        secret: str | None = None,
    ) -> None:
        self.inner = inner
        self.origin = origin
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.allow_http = allow_http
        self.secret = secret

    def _same_origin(self, url: httpx.URL) -> bool:
        """Same scheme, host and port as the base URL; an http base may also go to https on the
        same host. Never a downgrade to plain http, never another port of the same host."""
        if url.host != self.origin.host:
            return False
        if url.scheme == self.origin.scheme:
            return url.port == self.origin.port
        return self.origin.scheme == "http" and url.scheme == "https" and url.port is None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.secret and (self.secret in str(request.url) or self.secret in unquote(str(request.url))):
            raise AdapterError(
                "refused to request a URL that carries the gateway's key (an upstream redirect or next-page link "
                "echoed it); keys travel only in request headers",
                kind=ErrorKind.REDIRECT,
                permanent=True,
            )
        if not self._same_origin(request.url):
            origin = redact_url(str(self.origin.copy_with(path="/")))
            raise AdapterError(
                f"refused to follow {redact_url(str(request.url))}: only {origin} may be fetched",
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
    allow_private = settings.GATEWAY_ALLOW_PRIVATE_HOSTS
    guarded = GuardedTransport(
        transport or network_transport(allow_private=allow_private),
        origin=parsed,
        deadline=deadline,
        max_bytes=cap,
        allow_private=allow_private,
        allow_http=allow_http,
        secret=key if _scrubbable(key) else None,
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
    detail = f": {snippet}" if snippet else ""
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


def _snippet(raw: bytes, client: GatewayClient) -> str:
    # Redact before cutting: a key cut in half by the length limit would no longer match.
    text = client.redact(raw[:4096].decode("utf-8", "replace"))
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
                raise _status_error(response, client, _snippet(body, client))
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
    if _scrubbable(client._secret) and client._secret.encode() in body:
        raise AdapterError(
            f"the body from {redact_url(str(response.request.url))} contains the gateway's key; refused, so the key "
            "is never stored, served or logged",
            kind=ErrorKind.MALFORMED,
            permanent=True,
            http_status=response.status_code,
        )
    stripped = body.lstrip()[:1]
    if "html" in content_type or stripped == b"<":
        raise AdapterError(
            f"expected JSON from {redact_url(str(response.request.url))}, got an HTML page",
            kind=ErrorKind.MALFORMED,
            permanent=True,
            http_status=response.status_code,
        )
    return decode_json(body)
