"""gateways/http.py: the one outbound-HTTP module. Deadline, byte cap, host guard, error mapping,
and the key only ever in a header."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.client import build_client
from gateways.errors import AdapterError
from gateways.fetch import fetch_json

SECRET = "sk-canary-3f9a1c"


def client_for(handler: Any, settings: Any, *, base_url: str = "https://api.example.test/v1", **kwargs: Any) -> httpx.Client:
    settings.GATEWAY_KEYS = {"ACME": SECRET}
    return build_client(
        slug="acme", base_url=base_url, adapter=OpenAICompatible, transport=httpx.MockTransport(handler), **kwargs
    )


def fetch_error(handler: Any, settings: Any, **kwargs: Any) -> AdapterError:
    with client_for(handler, settings, **kwargs) as client, pytest.raises(AdapterError) as caught:
        fetch_json(client, "models")
    return caught.value


def test_key_travels_only_in_the_authorization_header(settings: Any) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": []})

    with client_for(handler, settings) as client:
        assert fetch_json(client, "models", params={"verbose": "true"}) == {"data": []}
    assert seen[0].headers["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in str(seen[0].url)
    assert str(seen[0].url) == "https://api.example.test/v1/models?verbose=true"


def test_error_snippet_has_the_key_redacted(settings: Any) -> None:
    error = fetch_error(lambda r: httpx.Response(401, text=f"invalid api key {SECRET}"), settings)
    assert SECRET not in str(error)
    assert str(error) == "HTTP 401 from https://api.example.test/v1/models: invalid api key [redacted] (check the gateway's key)"
    assert (error.kind, error.permanent, error.http_status) == ("unauthorized", True, 401)


def test_body_over_the_byte_cap_is_refused(settings: Any) -> None:
    error = fetch_error(lambda r: httpx.Response(200, content=b"[" + b"0," * 5000 + b"0]"), settings, max_bytes=1000)
    assert (error.kind, error.permanent) == ("too_large", True)


def test_gzip_bomb_is_stopped_at_the_decoded_byte_cap(settings: Any) -> None:
    bomb = gzip.compress(b" " * 5_000_000)
    assert len(bomb) < 10_000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"})

    error = fetch_error(handler, settings, max_bytes=100_000)
    assert error.kind == "too_large"


def test_slow_drip_past_the_deadline_is_a_timeout(settings: Any) -> None:
    def drip() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.05)
            yield b" "

    error = fetch_error(lambda r: httpx.Response(200, content=drip()), settings, deadline_seconds=0.3)
    assert (error.kind, error.permanent) == ("timeout", False)


def test_redirect_to_another_host_is_refused(settings: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://elsewhere.example.test/steal"})

    error = fetch_error(handler, settings)
    assert (error.kind, error.permanent) == ("redirect", True)
    assert "elsewhere.example.test" in str(error)


def test_redirect_on_the_same_host_is_followed(settings: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/models":
            return httpx.Response(301, headers={"location": "/v2/models"})
        return httpx.Response(200, json={"data": [1]})

    with client_for(handler, settings) as client:
        assert fetch_json(client, "models") == {"data": [1]}


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.10", True),
        ("172.16.5.4", True),
        ("169.254.169.254", True),
        ("::1", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", True),  # noqa: S104 - an address to refuse, not one we bind
        ("93.184.216.34", False),
    ],
)
def test_private_addresses_are_refused_after_resolution(
    settings: Any, monkeypatch: pytest.MonkeyPatch, address: str, refused: bool
) -> None:
    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = False
    monkeypatch.setattr("gateways.addresses.resolve_host", lambda host, port: [address])
    ok = lambda r: httpx.Response(200, json={"data": []})  # noqa: E731
    if refused:
        error = fetch_error(ok, settings)
        assert (error.kind, error.permanent) == ("forbidden_host", True)
        assert address in str(error)
    else:
        with client_for(ok, settings) as client:
            assert fetch_json(client, "models") == {"data": []}


def test_plain_http_to_a_public_host_is_refused_unless_allowed(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.GATEWAY_ALLOW_PRIVATE_HOSTS = False
    monkeypatch.setattr("gateways.addresses.resolve_host", lambda host, port: ["93.184.216.34"])
    ok = lambda r: httpx.Response(200, json={"data": []})  # noqa: E731
    error = fetch_error(ok, settings, base_url="http://api.example.test/v1")
    assert error.kind == "forbidden_host" and "plain http" in str(error)
    with client_for(ok, settings, base_url="http://api.example.test/v1", allow_http=True) as client:
        assert fetch_json(client, "models") == {"data": []}


def test_base_url_override_from_the_environment_wins(settings: Any) -> None:
    settings.GATEWAY_BASE_URLS = {"ACME": "https://staging.example.test/api"}
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"data": []})

    with client_for(handler, settings) as client:
        fetch_json(client, "models")
    assert seen == ["https://staging.example.test/api/models"]


@pytest.mark.parametrize(
    "body",
    [b"NaN", b'{"a": Infinity}', b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000, b'{"data": [}'],
    ids=["nan", "infinity", "invalid-utf8", "deep-nesting", "truncated"],
)
def test_non_json_bodies_are_malformed(settings: Any, body: bytes) -> None:
    error = fetch_error(lambda r: httpx.Response(200, content=body), settings)
    assert (error.kind, error.permanent) == ("malformed", True)


def test_floats_are_parsed_as_exact_decimals(settings: Any) -> None:
    from decimal import Decimal

    with client_for(lambda r: httpx.Response(200, content=b'{"p": 2.5999999999999996, "n": 3}'), settings) as client:
        body = fetch_json(client, "models")
    assert body == {"p": Decimal("2.5999999999999996"), "n": 3}
    assert isinstance(body["p"], Decimal)
