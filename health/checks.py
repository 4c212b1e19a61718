"""Readiness checks for `GET /readyz`: the database and the Celery broker, each in bounded time.

A check returns a `CheckResult`; its `detail` names what failed by exception class only (never a
message, which could carry a URL with a password in it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from kombu import Connection

BROKER_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = "ok"


def check_database() -> CheckResult:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return CheckResult("database", False, f"unreachable ({exc.__class__.__name__})")
    return CheckResult("database", True)


def check_broker() -> CheckResult:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        # The embedded broker is a folder: ready when the queue folder is there and writable.
        folder = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("data_folder_in", "")
        if not folder or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            return CheckResult("broker", False, "the filesystem broker's queue folder is missing or not writable")
        return CheckResult("broker", True)
    try:
        with Connection(
            url,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={"socket_timeout": BROKER_TIMEOUT_SECONDS, "socket_connect_timeout": BROKER_TIMEOUT_SECONDS},
        ) as broker:
            broker.ensure_connection(max_retries=0, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - every transport raises its own errors; all mean "not ready"
        return CheckResult("broker", False, f"unreachable ({exc.__class__.__name__})")
    return CheckResult("broker", True)


CHECKS: tuple[Callable[[], CheckResult], ...] = (check_database, check_broker)


def run_checks() -> list[CheckResult]:
    return [check() for check in CHECKS]
