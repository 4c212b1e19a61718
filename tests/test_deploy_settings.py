"""Deployment settings: `manage.py check --deploy` passes with no warnings under the production
environment that `.env.example` documents, and a production process refuses to start without a
secret key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("DJANGO_") and "=" in line:
            name, value = line.split("=", 1)
            env[name] = value
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    return env


def documented_production_env() -> dict[str, str]:
    """The `env` block under "Production environment" in docs/security.md."""
    text = (ROOT / "docs" / "security.md").read_text()
    block = text.split("## Production environment", 1)[1].split("```env", 1)[1].split("```", 1)[0]
    return dict(line.split("=", 1) for line in block.strip().splitlines())


def test_the_docs_describe_the_production_environment_that_is_checked() -> None:
    example = {
        name: value
        for name, value in (line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line)
        if name.startswith("DJANGO_")
    }
    assert documented_production_env() == example


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_the_documented_production_environment(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    assert env["DJANGO_DEBUG"] == "false"

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]

    result = manage(env, "check")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["DJANGO_DEBUG"]
    result = manage(env, "shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
