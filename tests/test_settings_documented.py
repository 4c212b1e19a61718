"""Every documented setting works: each variable `.env.example` and the settings tables of
docs/operations.md name is read by the code, and each setting filled from the environment is used
by something (a module of ours, Django, Celery, or the settings derived from it). A variable that is
read but used by nothing (`GATEWAY_MAX_PAGES` once was) fails here."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from celery.app.defaults import DEFAULTS as CELERY_DEFAULTS
from django.conf import global_settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "gatewayz_site" / "settings.py"
GUNICORN = ROOT / "gatewayz_site" / "gunicorn.conf.py"
FAMILIES = ("GATEWAY_KEY_", "GATEWAY_BASE_URL_")  # one variable per gateway, collected by prefix


def env_reads(tree: ast.AST) -> set[str]:
    """Names read by `env.<type>("NAME", ...)` (settings) or `os.environ.get("NAME", ...)` (gunicorn)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner = node.func.value
            from_env = isinstance(owner, ast.Name) and owner.id == "env"
            from_environ = isinstance(owner, ast.Attribute) and owner.attr == "environ" and node.func.attr == "get"
            if (from_env or from_environ) and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
    return found


def read_by_the_code() -> set[str]:
    return env_reads(ast.parse(SETTINGS.read_text())) | env_reads(ast.parse(GUNICORN.read_text()))


def documented() -> set[str]:
    names = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    for row in (ROOT / "docs" / "operations.md").read_text().splitlines():
        cells = [cell.strip() for cell in row.strip("|").split("|")] if row.startswith("| `") else []
        if len(cells) == 2:  # | `NAME` (default) | what it does |
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]))
        elif len(cells) == 3 and not cells[1].startswith("fixed"):  # | setting | environment (default) | ... |
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0] if cells[1].startswith("same name") else cells[1]))
    return {name for name in names if not name.startswith(FAMILIES)}


def test_every_documented_variable_is_read() -> None:
    names = documented()
    assert {"DJANGO_SECRET_KEY", "GATEWAY_MAX_PAGES", "CELERY_TASK_TIME_LIMIT", "WEB_CONCURRENCY"} <= names  # the parse holds
    assert sorted(names - read_by_the_code()) == []


def test_every_variable_read_is_documented() -> None:
    assert sorted(read_by_the_code() - documented()) == []


def test_every_setting_filled_from_the_environment_is_used() -> None:
    tree = ast.parse(SETTINGS.read_text())
    derived_from = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    unused = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and env_reads(node)):
            continue
        for target in (t for t in node.targets if isinstance(t, ast.Name)):
            name = target.id
            consumed = (
                hasattr(global_settings, name)  # Django's own
                or name == "REST_FRAMEWORK"  # Django REST framework's (rest_framework.settings.api_settings)
                or name.removeprefix("CELERY_").lower() in CELERY_DEFAULTS  # Celery's, through the CELERY_ namespace
                or name in derived_from  # settings derived from it
                or subprocess.run(
                    ["git", "grep", "-qw", f"settings.{name}", "--", "*.py", ":!tests"], cwd=ROOT, check=False
                ).returncode
                == 0
            )
            if not consumed:
                unused.append(name)
    assert unused == []
