"""The supported-gateways tables in README.md and docs/gateways.md are generated; a change to the
registry or the built-in gateways without regenerating them fails here."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from gateways.docs import END, START, expected_files, gateways_table
from gateways.registry import registered_kinds


def test_committed_gateway_docs_match_the_registry() -> None:
    root = Path(settings.BASE_DIR)
    for path, content in expected_files(root).items():
        assert path.exists(), f"{path.name} is missing; run `python manage.py gateway_docs`"
        assert path.read_text() == content, f"{path.name} is out of date; run `python manage.py gateway_docs`"


def test_table_has_a_row_for_every_builtin_gateway_and_registered_kind() -> None:
    table = gateways_table()
    from gateways.docs import builtin_rows

    for slug, *_ in builtin_rows():
        assert f"| `{slug}` |" in table
        assert f"`GATEWAY_KEY_{slug.upper().replace('-', '_')}`" in table
    for kind in registered_kinds():
        assert f"`{kind}`" in table


def test_readme_table_sits_between_the_markers() -> None:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert readme.count(START) == 1 and readme.count(END) == 1
    assert readme.index(START) < readme.index("| `openrouter` |") < readme.index(END)
