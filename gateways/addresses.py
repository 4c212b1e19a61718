"""The private-address guard: no gateway request may reach a loopback or private address unless
`GATEWAY_ALLOW_PRIVATE_HOSTS` is set (a staff-edited URL must not send a key to an internal host).

It runs twice: `check_target()` resolves the host before each request (a clear, early error, and
the only check a test's `MockTransport` sees), and the real transport (`network_transport()`)
connects only to an address it has itself resolved and checked, keeping the URL's host for the
`Host` header and TLS SNI. So a DNS answer that changes between the check and the connection (DNS
rebinding) cannot steer a request to a private address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from django.conf import settings

from gateways.errors import AdapterError, ErrorKind


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


def subscription_url_problem(url: str) -> str | None:
    """Why a webhook subscription's URL is refused, or None: an http(s) URL whose host resolves
    only to public addresses (unless `GATEWAY_ALLOW_PRIVATE_HOSTS`). Unlike a gateway's base URL, a
    host that does not resolve now is refused too: a subscriber is created by a person who can
    retry. Each delivery checks again (`gateways.webhook_delivery`), against DNS rebinding."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "Enter an http(s) URL with a host name."
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "Enter an http(s) URL with a host name."
    try:
        check_target(parsed, allow_private=settings.GATEWAY_ALLOW_PRIVATE_HOSTS, allow_http=True)
    except AdapterError as exc:
        return f"{exc.message}."
    return None
