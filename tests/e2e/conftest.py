"""End-to-end helpers: the fake upstream gateway, a real Celery worker process (with the beat),
and a snapshot of the stored catalog to compare byte for byte.

A worker process opens the same database as the test: the PostgreSQL test database, or on SQLite
the test database file (settings: DATABASES TEST NAME). So these tests use committed data
(`transactional_db`). The broker is the configured one (Redis in the PostgreSQL+Redis run) with a
queue of the test's own, or a filesystem broker in the test's temp folder.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core.cache import cache as django_cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from catalog.models import AIModel, CatalogVersion, MergedModel, ModelChange
from gateways.models import Gateway
from gateways.refresh import gateway_refresh

from .upstream import KEY, FakeUpstream, models

REPO = Path(__file__).resolve().parents[2]
SLUG = "fakeup"
TICK = "Enqueue due gateway refreshes"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """API responses cached by one test must not answer the next (on Redis they outlive a test)."""
    django_cache.clear()
    yield
    django_cache.clear()


def api_models(client: Client) -> dict[str, Any]:
    """`GET /catalog/v1/models?gateway=fakeup`: what a REST consumer reads."""
    response = client.get(f"/catalog/v1/models?gateway={SLUG}&limit=1000")
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    server = FakeUpstream().start()
    yield server
    server.stop()


@pytest.fixture
def fake_gateway(upstream: FakeUpstream, settings: Any) -> Gateway:
    """The gateway under test, pointed at the fake upstream; every other gateway disabled (the
    built-in ones must never be fetched from here)."""
    settings.GATEWAY_KEYS = {SLUG.upper(): KEY}
    settings.GATEWAY_BASE_URLS = {SLUG.upper(): upstream.base_url}
    Gateway.objects.update(enabled=False)
    return Gateway.objects.create(
        slug=SLUG,
        name="Fake upstream",
        kind="openai_compatible",
        base_url="https://upstream.invalid/v1",  # GATEWAY_BASE_URL_FAKEUP overrides it
        options={"price_unit": "per_token"},
        min_expected_models=3,
        max_shrink_fraction=0.5,
        refresh_interval_seconds=3600,
        stale_after_seconds=3 * 3600,
        # These tests reprice the whole list (x3) to see that a refresh published; the drift guard's
        # share rule would hold that. Its own tests: tests/gateways/test_drift_guard.py.
        drift_repriced_share=1,
    )


def seed_catalog(gateway: Gateway, upstream: FakeUpstream, *, count: int = 10, stale: bool = True) -> None:
    """Publish a good list (in this process), then age it past the stale window if asked."""
    upstream.reply = models(count)
    run = gateway_refresh(gateway=gateway)
    assert run.outcome == "success", run.error_message
    if stale:
        long_ago = timezone.now() - timedelta(seconds=gateway.stale_after_seconds + 600)
        Gateway.objects.filter(pk=gateway.pk).update(last_success_at=long_ago, last_attempt_at=long_ago)
    gateway.refresh_from_db()
    upstream.reset_requests()


def catalog_snapshot(gateway: Gateway) -> dict[str, Any]:
    return {
        "public_json": dict(AIModel.objects.filter(gateway=gateway).values_list("upstream_id", "public_json")),
        "active": sorted(AIModel.objects.filter(gateway=gateway, is_active=True).values_list("upstream_id", flat=True)),
        "merged": sorted(MergedModel.objects.values_list("canonical_key", "public_json")),
        "version": CatalogVersion.objects.values_list("version", flat=True).first(),
        "changes": ModelChange.objects.count(),
    }


def wait_for(predicate: Callable[[], Any], *, what: str, timeout: float = 60.0, log: Callable[[], str] | None = None) -> Any:
    """Poll until `predicate()` is truthy; fail with `what` (and the worker's log) otherwise."""
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    tail = "\n".join(log().splitlines()[-60:]) if log else ""
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}\n{tail}")


def database_url() -> str:
    """The test database, as a URL a worker process can open."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def tick_every_second() -> None:
    """The migrations' one periodic task, edited as staff would in admin: every second.

    An earlier `transactional_db` test flushes the rows the migrations created, so this runs the
    migrations' own functions again first (tests/gateways/test_tasks.py checks their result on the
    freshly migrated database)."""
    importlib.import_module("gateways.migrations.0002_builtin_gateways").schedule(django_apps, None)
    importlib.import_module("gateways.migrations.0004_refresh_queue").expire_ticks(django_apps, None)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    tick = PeriodicTask.objects.get(name=TICK)
    tick.interval = every_second
    tick.save()


class Worker:
    """`celery -A gatewayz_site worker --beat` in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.queue = env["CELERY_TASK_DEFAULT_QUEUE"]
        self.broker_url = env["CELERY_BROKER_URL"]
        command = [sys.executable, "-m", "celery", "-A", "gatewayz_site", "worker", "--beat", "--loglevel=INFO"]
        command += ["--concurrency=2", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        command += ["-n", f"{self.queue}@%h", "--schedule", str(log_path.parent / "beat-schedule")]
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(lambda: " ready." in self.log() or self.process.poll() is not None, what="the worker to start", log=self.log)
        assert self.process.poll() is None, f"the worker exited at start:\n{self.log()}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool: what the OOM killer or a lost machine does."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the main process only: a warm shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.broker_url.startswith("redis://"):
            import redis

            redis.Redis.from_url(self.broker_url).delete(self.queue)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """`start_worker(upstream, **env)` starts a worker (with the beat) against the test database
    and the fake upstream; `env` overrides settings through the environment. Stopped at the end."""
    started: list[Worker] = []
    queue = f"e2e-{uuid.uuid4().hex[:12]}"

    def start(upstream: FakeUpstream, **overrides: Any) -> Worker:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("GATEWAY_", "CELERY_", "DATABASE_URL", "DJANGO_"))
        }
        env.update(
            PYTHONPATH=str(REPO),
            DJANGO_SETTINGS_MODULE="gatewayz_site.settings",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY="e2e-secret-key-not-for-production-0123456789",
            DATABASE_URL=database_url(),
            CELERY_TASK_DEFAULT_QUEUE=queue,
            GATEWAY_ALLOW_PRIVATE_HOSTS="true",
            **{f"GATEWAY_KEY_{SLUG.upper()}": KEY, f"GATEWAY_BASE_URL_{SLUG.upper()}": upstream.base_url},
        )
        if django_settings.CELERY_BROKER_URL.startswith("filesystem://"):
            env.update(CELERY_BROKER_URL="filesystem://", CELERY_BROKER_FILESYSTEM_DIR=str(tmp_path / "broker"))
        else:
            env["CELERY_BROKER_URL"] = django_settings.CELERY_BROKER_URL
        env.update({name: str(value) for name, value in overrides.items()})
        worker = Worker(env, tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    def __init__(self, command: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[Process, int]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: this test starts its own Redis and stops it to prove that catalog "
            "reads survive a Redis outage. Install it (apt-get install redis-server)."
        )
    port = free_port()
    server = Process(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        tmp_path / "redis.log",
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.5)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_for(answers, what="our redis-server", timeout=20, log=server.log)
    yield server, port
    server.stop()


def start_web(command: list[str], *, port: int, log_path: Path, env: dict[str, str], what: str) -> tuple[Process, str]:
    """A web process serving on 127.0.0.1:`port`, once its `/healthz` answers 200; and its base URL."""
    import httpx

    process = Process(command, log_path, env)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(up, what=what, timeout=30, log=process.log)
    return process, base


class PrivatePostgres:
    """A PostgreSQL server of the test's own, on a free loopback port, in a fresh data folder: the
    test may stop and start it; the suite's database is never touched. As root, the server runs as
    the `postgres` user (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        initdb = shutil.which("initdb") or next(
            iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)), None
        )
        if initdb is None:
            pytest.fail(
                "PostgreSQL's initdb is not installed: this test starts its own PostgreSQL and stops it to prove "
                "what the catalog serves while its database is down. Install it (apt-get install postgresql)."
            )
        self.bin = Path(initdb).resolve().parent
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="gatewayz-pg-"))
        self.data, self.log_path = self.root / "data", self.root / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            self.root.chmod(0o755)
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self.as_user, str(self.bin / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, f"{tool} failed: {result.stdout}{result.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    yield server
    server.remove()
