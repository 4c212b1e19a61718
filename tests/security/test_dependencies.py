"""Dependencies (docs/security.md, "Dependencies"): every direct dependency is pinned to one exact
version, the installed version is the pinned one (so what the tests ran is what ships), and
docs/security.md lists every pin with the version it audited."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[A-Za-z0-9,._-]+\])?==(?P<version>[A-Za-z0-9.+!-]+)$")


def requirement_lines() -> list[tuple[str, str]]:
    found = []
    for filename in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / filename).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and line != "-r requirements.txt":
                found.append((filename, line))
    return found


def pins() -> dict[str, str]:
    matches = [PIN.match(line) for _, line in requirement_lines()]
    return {m["name"] + (m["extras"] or ""): m["version"] for m in matches if m}


def test_every_requirement_is_pinned_to_one_exact_version() -> None:
    unpinned = [f"{filename}: {line}" for filename, line in requirement_lines() if not PIN.match(line)]
    assert unpinned == []


@pytest.mark.parametrize(("name", "version"), sorted(pins().items()))
def test_the_installed_version_is_the_pinned_one(name: str, version: str) -> None:
    assert importlib.metadata.version(name.split("[")[0]) == version


def test_docs_list_every_pin_with_its_version() -> None:
    section = (ROOT / "docs" / "security.md").read_text().split("## Dependencies", 1)[1].split("\n## ", 1)[0]
    table = dict(re.findall(r"^\| (\S+) \| (\S+) \|$", section, flags=re.MULTILINE))
    table.pop("package", None)
    assert table == pins()
