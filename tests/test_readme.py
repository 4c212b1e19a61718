"""The README's offline example runs as written, line by line, in a fresh shell: no DJANGO_* variable
set beforehand, nothing but the repository and its .venv. Its own database and broker folder keep the
developer's var/ untouched."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- tested by tests/test_readme.py"


def offline_example() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(re.escape(MARKER) + r".*?-->\n```sh\n(.*?)```", readme, re.S)
    assert found, "README.md lost its tested offline example"
    return found.group(1)


def fresh_shell_env(tmp_path: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **inherited,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'readme.sqlite3'}",
        "CELERY_BROKER_FILESYSTEM_DIR": str(tmp_path / "broker"),
    }


def test_the_offline_example_runs_as_written_in_a_fresh_shell(tmp_path: Path) -> None:
    script = offline_example()
    assert "import_catalog" in script

    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=fresh_shell_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(r"^openrouter: success in [\d.]+s: 3 seen, 3 added", done.stdout, re.M), done.stdout
    with sqlite3.connect(tmp_path / "readme.sqlite3") as db:
        served = db.execute(
            "SELECT count(*) FROM catalog_aimodel m JOIN gateways_gateway g ON g.id = m.gateway_id "
            "WHERE g.slug = 'openrouter' AND m.is_active"
        ).fetchone()[0]
    assert served == 3


def test_without_the_development_switch_the_commands_say_what_to_set(tmp_path: Path) -> None:
    """The example's `export DJANGO_DEBUG=true` line is needed, and its absence is a clear message."""
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=fresh_shell_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is not set; set it (or DJANGO_DEBUG=true for local development)" in done.stderr
