"""Shared plumbing of the bench scripts: paths, the child-process environment, the database."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
DEFAULT_DATABASE = "bench_catalog"
REFRESH_GATEWAY = "bench-refresh"
# Catalog tables whose rows are "model rows" for the unchanged-refresh count.
MODEL_TABLES = ("catalog_aimodel", "catalog_mergedmodel", "catalog_modelchange")


def best(repeat: int, call: Any) -> float:
    """The fastest of `repeat` calls, in seconds (the least disturbed by the rest of the machine)."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return min(times)


def builtin_slugs() -> tuple[str, ...]:
    """The built-in gateways, from the adapter registry (importing it needs no Django set-up)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from gateways.builtins import builtin_adapters

    return tuple(builtin_adapters())


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{DEFAULT_DATABASE}"


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def env_suffix(slug: str) -> str:
    return slug.upper().replace("-", "_")


def stand_in_slug(slug: str) -> str:
    return f"bench-{slug}"


def child_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of every bench child: production-like settings (DEBUG off, so no query
    log), loopback upstreams allowed, a dummy key per gateway, the bench settings module."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_BASE_URL_", "GATEWAY_KEY_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-used-anywhere-else-0123456789",  # noqa: S106 - loopback bench servers only
        CELERY_BROKER_URL="memory://",
        GATEWAY_ALLOW_PRIVATE_HOSTS="true",
        CATALOG_ANON_THROTTLE_RATE="100000000/min",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    for slug in builtin_slugs():
        env[f"GATEWAY_KEY_{env_suffix(slug)}"] = "bench-key"
        env[f"GATEWAY_KEY_{env_suffix(stand_in_slug(slug))}"] = "bench-key"
    env[f"GATEWAY_KEY_{env_suffix(REFRESH_GATEWAY)}"] = "bench-key"
    env.update(extra)
    return env


def setup_django() -> None:
    """For child scripts: the bench settings on the repository root."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


# --- the database ----------------------------------------------------------------------------


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.replace("postgresql", "postgres"), parts.netloc, "/postgres", parts.query, ""))


def connect(url: str, *, autocommit: bool = True) -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, "")), autocommit=autocommit)


def ensure_database(url: str) -> bool:
    """Create the bench database if it does not exist. True if it was created."""
    name = database_name(url)
    with connect(_admin_url(url)) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        admin.execute(f'CREATE DATABASE "{name}"')
    return True


def migrate(url: str) -> None:
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=child_env(url), check=True)


def reset_catalog(url: str) -> None:
    """Empty every catalog table and the refresh history; gateways stay."""
    with connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND (tablename LIKE 'catalog\\_%%' OR tablename = 'gateways_refreshrun')"
            )
        ]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        conn.execute(
            "UPDATE gateways_gateway SET last_success_at = NULL, last_attempt_at = NULL, lease_token = '', lease_expires_at = NULL"
        )


def write_stats(url: str) -> dict[str, int]:
    """Rows inserted + updated + deleted per catalog table, from pg_stat_user_tables."""
    with connect(url) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        rows = conn.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relname LIKE 'catalog\\_%%'"
        ).fetchall()
    return {name: int(count) for name, count in rows}


def stats_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after.get(name, 0) - before.get(name, 0) for name in sorted(set(before) | set(after))}


# --- children --------------------------------------------------------------------------------


def run_json(args: list[str], *, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run a bench child that prints one JSON object as its last stdout line."""
    done = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_for(check: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


# --- the machine -----------------------------------------------------------------------------


def _first(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    return ((done.stdout or done.stderr).strip().splitlines() or ["unavailable"])[0]


def machine(url: str, cache_url: str) -> dict[str, str]:
    from importlib.metadata import version

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    with connect(url) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    info = {
        "CPU": f"{cpu} ({os.cpu_count()} cores)",
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()} ({_first(['sh', '-c', '. /etc/os-release && echo $PRETTY_NAME'])})",
        "Python": platform.python_version(),
        "PostgreSQL": postgres,
        "Django": version("django"),
        "psycopg": version("psycopg"),
        "gunicorn": version("gunicorn"),
        "httpx": version("httpx"),
        "orjson": version("orjson"),
        "wrk": _first(["wrk", "--version"]).split(" Copyright")[0] if shutil.which("wrk") else "not installed",
        "response cache": cache_url.split("@")[-1] if cache_url else "local memory (per worker)",
        "commit": _first(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
        + (" (uncommitted changes)" if _first(["git", "-C", str(ROOT), "status", "--porcelain"]) != "unavailable" else ""),
    }
    if cache_url.startswith("redis"):
        info["Redis"] = _first(["redis-server", "--version"])
    return info
