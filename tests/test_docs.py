"""The documentation stands on the repository alone: README.md and docs/ name no file outside it
(a reader of a fresh clone has no `../shared/...`), and every relative Markdown link resolves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OUTSIDE = re.compile(r"(?<![\w/.-])(?:\.\./)*shared/[\w./-]+")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_no_page_names_a_file_outside_the_repository() -> None:
    found = {page.relative_to(ROOT).as_posix(): OUTSIDE.findall(page.read_text()) for page in PAGES}
    assert {page: names for page, names in found.items() if names} == {}


def test_relative_links_resolve_inside_the_repository() -> None:
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            resolved = (page.parent / target).resolve()
            if not resolved.exists() or not resolved.is_relative_to(ROOT):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []
