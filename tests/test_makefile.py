"""What the make targets install into a new venv (`make -n`: printed, not run): running needs
requirements.txt only, the tests and linters add requirements-dev.txt."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def installs(target: str, venv: Path) -> list[str]:
    """The requirements files `make TARGET` installs into a venv that does not exist yet."""
    done = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return re.findall(r"pip install -q -r (\S+)", done.stdout)


@pytest.mark.parametrize("target", ["install", "run", "superuser", "bench"])
def test_running_installs_the_runtime_requirements_only(target: str, tmp_path: Path) -> None:
    assert installs(target, tmp_path / "venv") == ["requirements.txt"]


@pytest.mark.parametrize("target", ["install-dev", "test", "lint", "goldens"])
def test_tests_and_linters_install_the_dev_requirements(target: str, tmp_path: Path) -> None:
    assert installs(target, tmp_path / "venv") == ["requirements-dev.txt"]
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()  # which include the runtime set
