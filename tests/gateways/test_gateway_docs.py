"""docs/gateways.md is generated from the registry; a change to the registry or to a built-in's
declaration without regenerating it (`make goldens`) fails here."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from gateways.builtins import builtin_adapters
from gateways.docs import expected_files, gateways_table
from gateways.keys import key_variable
from gateways.registry import registered_kinds


def test_committed_gateway_docs_match_the_registry() -> None:
    root = Path(settings.BASE_DIR)
    for path, content in expected_files(root).items():
        assert path.exists(), f"{path.name} is missing; run `python manage.py gateway_docs`"
        assert path.read_text() == content, f"{path.name} is out of date; run `python manage.py gateway_docs`"


def test_table_has_a_row_for_every_builtin_gateway_and_registered_kind() -> None:
    rows = gateways_table().splitlines()[2:]
    builtins = builtin_adapters()
    assert len(rows) == len(registered_kinds())
    for slug, adapter in builtins.items():
        (row,) = [row for row in rows if row.startswith(f"| `{slug}` |")]
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[:3] == [f"`{slug}`", adapter.label, f"`{slug}`"]
        assert cells[4] == f"`{key_variable(slug)}`"
    generic = [row for row in rows if row.startswith("| (any) |")]
    assert len(generic) == len(registered_kinds()) - len(builtins)


def test_readme_points_at_the_generated_page() -> None:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "[docs/gateways.md](docs/gateways.md)" in readme
