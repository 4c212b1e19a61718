"""gatewayz_site/gunicorn.conf.py: what it reads from the environment, and its two hooks for
prometheus-client's multi-process folder (tests/e2e/test_gunicorn.py runs gunicorn with it)."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

CONFIG = Path(__file__).resolve().parent.parent / "gatewayz_site" / "gunicorn.conf.py"


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_KEEPALIVE", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_defaults_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    default = load(monkeypatch)
    assert (default["bind"], default["workers"], default["threads"]) == (["127.0.0.1:8000"], 4, 4)
    assert (default["worker_class"], default["keepalive"]) == ("gthread", 5)  # keep-alive by default
    assert default["wsgi_app"] == "gatewayz_site.wsgi:application"

    chosen = load(monkeypatch, GUNICORN_BIND="0.0.0.0:9000", WEB_CONCURRENCY="8", GUNICORN_THREADS="2", GUNICORN_KEEPALIVE="30")
    assert (chosen["bind"], chosen["workers"], chosen["threads"]) == (["0.0.0.0:9000"], 8, 2)
    assert (chosen["worker_class"], chosen["keepalive"]) == ("gthread", 30)


def test_one_thread_names_the_sync_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn's sync worker has no keep-alive: one thread is the connection-per-request setup."""
    single = load(monkeypatch, GUNICORN_THREADS="1")
    assert (single["threads"], single["worker_class"]) == (1, "sync")


def test_gunicorn_reads_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The names are gunicorn's own: its Config accepts each value the file sets."""
    from gunicorn.config import Config

    config = Config()
    for name, value in load(monkeypatch).items():
        if name in ("workers", "threads", "worker_class", "keepalive"):
            config.set(name, value)
    assert (config.workers, config.threads, config.keepalive) == (4, 4, 5)
    assert config.worker_class_str == "gthread"


def test_a_dead_workers_live_gauges_go_and_its_counters_stay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = load(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    for name in ("counter_4242.db", "histogram_4242.db", "gauge_livesum_4242.db", "gauge_liveall_4242.db", "counter_7.db"):
        (tmp_path / name).write_bytes(b"")

    config["child_exit"](None, SimpleNamespace(pid=4242))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_4242.db", "counter_7.db", "histogram_4242.db"]


def test_a_new_run_starts_with_an_empty_metrics_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    config = load(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(folder))
    config["on_starting"](None)
    assert folder.is_dir()
    (folder / "counter_11.db").write_bytes(b"")
    (folder / "README").write_text("not ours")

    config["on_starting"](None)

    assert sorted(p.name for p in folder.iterdir()) == ["README"]
