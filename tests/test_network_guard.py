"""The autouse `_no_network` fixture: any outbound connection to a non-loopback address fails
loudly, and loopback still works (integration tests use real servers on 127.0.0.1)."""

from __future__ import annotations

import socket
from unittest import mock

import pytest

from .conftest import FakeUpstream


def test_connecting_to_a_public_address_raises_before_any_packet() -> None:
    fake = mock.Mock(spec=socket.socket)
    fake.family = socket.AF_INET
    with pytest.raises(RuntimeError, match="test tried to reach the network"):
        socket.socket.connect(fake, ("192.0.2.10", 443))
    fake.assert_not_called()


def test_resolving_a_public_name_raises() -> None:
    with pytest.raises(RuntimeError, match="test tried to resolve a public host"):
        socket.getaddrinfo("catalog-test.invalid", 443)


def test_loopback_still_connects(fake_upstream: FakeUpstream) -> None:
    import urllib.request

    fake_upstream.json("/ping", {"ok": True})
    with urllib.request.urlopen(fake_upstream.url + "/ping", timeout=5) as response:
        assert response.status == 200
