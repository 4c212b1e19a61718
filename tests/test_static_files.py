"""Static files in production: `collectstatic` writes content-hashed names with gzip variants, and the
WSGI app (whitenoise) serves them, compressed and cacheable for a year, from STATIC_ROOT only; with
DEBUG off nothing is served from the apps' folders. Development serves the apps' folders without
collecting.

Each case is its own process with the environment a deployment sets, as tests/test_deploy_settings.py
does: the suite's own process serves static files as development does (tests/conftest.py)."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Asks the WSGI application for each path given, as gunicorn would, and prints what it answered.
SERVE = """
import io, json, sys
from wsgiref.util import setup_testing_defaults
from django.contrib.staticfiles.storage import staticfiles_storage
from gatewayz_site.wsgi import application

answers = {"base_css_url": staticfiles_storage.url("admin/css/base.css") if sys.argv[1] == "url" else None}
for path in sys.argv[2:]:
    environ = {"PATH_INFO": path, "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_ENCODING": "gzip, br"}
    setup_testing_defaults(environ)
    seen = {}
    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=dict(headers))
    body = b"".join(application(environ, start_response))
    answers[path] = {**seen, "body": body.hex()}
print(json.dumps(answers))
"""


def deployment_env(tmp_path: Path, *, debug: bool) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(
        DJANGO_DEBUG="true" if debug else "false",
        DJANGO_SECRET_KEY="static-test-secret-key-not-for-production-0123456789",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'static.sqlite3'}",
        CELERY_BROKER_FILESYSTEM_DIR=str(tmp_path / "broker"),
    )
    return env


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def serve(env: dict[str, str], *paths: str, resolve_url: bool = False) -> dict[str, Any]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "gatewayz_site.settings", "PYTHONPATH": str(ROOT)}
    return json.loads(run(env, "-c", SERVE, "url" if resolve_url else "-", *paths).splitlines()[-1])


def test_production_serves_collected_files_by_hashed_name_and_compressed(tmp_path: Path) -> None:
    env = deployment_env(tmp_path, debug=False)
    run(env, "manage.py", "collectstatic", "--noinput", "-v0")
    hashed = serve(env, resolve_url=True)["base_css_url"]
    assert re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", hashed), hashed
    assert (tmp_path / "static" / (hashed.removeprefix("/static/") + ".gz")).is_file()

    answer = serve(env, hashed)[hashed]

    assert answer["status"] == "200 OK"
    assert answer["headers"]["Content-Encoding"] == "gzip"
    assert answer["headers"]["Cache-Control"] == "max-age=315360000, public, immutable"
    collected = (tmp_path / "static" / hashed.removeprefix("/static/")).read_bytes()  # its url()s hashed too
    assert gzip.decompress(bytes.fromhex(answer["body"])) == collected


def test_production_serves_nothing_it_did_not_collect(tmp_path: Path) -> None:
    """No finders with DEBUG off: the apps' folders are not searched per request."""
    env = deployment_env(tmp_path, debug=False)

    answer = serve(env, "/static/admin/css/base.css")["/static/admin/css/base.css"]

    assert answer["status"].startswith("404")


def test_development_serves_the_apps_static_files_without_collecting(tmp_path: Path) -> None:
    env = deployment_env(tmp_path, debug=True)

    answers = serve(env, "/static/admin/css/base.css", resolve_url=True)

    assert answers["base_css_url"] == "/static/admin/css/base.css"
    assert answers["/static/admin/css/base.css"]["status"] == "200 OK"
    assert not (tmp_path / "static").exists()
