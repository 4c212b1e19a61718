"""Structured logs: one JSON line per refresh and per failed request, with a request id, and never a
request header."""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import subprocess
import sys
from typing import Any

import pytest

from gateways.refresh import gateway_refresh
from gatewayz_site.logs import JsonFormatter, RequestIdFilter

from .conftest import json_transport
from .factories import make_gateway, openai_body, openai_item
from .test_readme import ROOT


def json_lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    lines = []
    for record in caplog.records:
        if record.name == logger:
            lines.append(json.loads(formatter.format(record)))
    return lines


@pytest.mark.django_db
def test_one_json_line_per_refresh_with_its_figures(caplog: pytest.LogCaptureFixture, gateway_keys: Any) -> None:
    gateway_keys(acme="sk-log-canary")
    gateway = make_gateway("acme")
    caplog.set_level(logging.INFO, logger="gateways.refresh")

    gateway_refresh(
        gateway=gateway, transport=json_transport({"/v1/models": openai_body(openai_item("a/b"), openai_item("a/c"))})
    )

    [line] = json_lines(caplog, "gateways.refresh")
    assert {
        k: line[k] for k in ("level", "gateway", "outcome", "error_kind", "models_seen", "models_added", "models_rejected")
    } == {
        "level": "INFO",
        "gateway": "acme",
        "outcome": "success",
        "error_kind": None,
        "models_seen": 2,
        "models_added": 2,
        "models_rejected": 0,
    }
    assert isinstance(line["duration_ms"], int)
    assert "sk-log-canary" not in caplog.text


@pytest.mark.django_db
def test_failed_request_logs_one_line_with_its_request_id_and_no_headers(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="gatewayz.request")
    caplog.handler.addFilter(RequestIdFilter())  # as the console handler does, at emit time

    response = client.get("/no/such/page", HTTP_X_REQUEST_ID="req-12345678", HTTP_AUTHORIZATION="Bearer sk-client-secret")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-12345678"
    [line] = json_lines(caplog, "gatewayz.request")
    assert {k: line[k] for k in ("message", "method", "path", "status", "request_id")} == {
        "message": "request failed",
        "method": "GET",
        "path": "/no/such/page",
        "status": 404,
        "request_id": "req-12345678",
    }
    assert "sk-client-secret" not in json.dumps(line)


@pytest.mark.django_db
def test_a_malformed_request_id_is_replaced(client: Any) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32 and response["X-Request-ID"].isalnum()


def log_line_from_a_command(*, on_terminal: bool, log_format: str | None = None) -> str:
    """What `manage.py shell` logging one warning writes to stderr, a terminal or a pipe."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOG_"))}
    env.update(DJANGO_DEBUG="true", **({"LOG_FORMAT": log_format} if log_format else {}))
    command = [sys.executable, "manage.py", "shell", "-c", "import logging; logging.getLogger('gatewayz.x').warning('hello')"]
    if not on_terminal:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
        return done.stderr.strip().splitlines()[-1]
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the command exited and closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0, output
    text = re.sub(r"\x1b\[[0-9;]*m", "", output.decode())  # the shell's colour reset on a terminal
    return text.strip().splitlines()[-1]


def test_a_command_on_a_terminal_logs_text_and_json_into_a_pipe() -> None:
    on_terminal = log_line_from_a_command(on_terminal=True)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d [\d:,]+ WARNING gatewayz\.x \[None\] hello", on_terminal), on_terminal

    piped = json.loads(log_line_from_a_command(on_terminal=False))
    assert (piped["level"], piped["logger"], piped["message"]) == ("WARNING", "gatewayz.x", "hello")


def test_log_format_json_holds_on_a_terminal_too() -> None:
    line = json.loads(log_line_from_a_command(on_terminal=True, log_format="json"))
    assert line["message"] == "hello"


def test_an_unknown_log_format_is_refused_at_start() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOG_"))}
    env.update(DJANGO_DEBUG="true", LOG_FORMAT="xml")
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "LOG_FORMAT must be json, plain or auto, not 'xml'" in done.stderr
