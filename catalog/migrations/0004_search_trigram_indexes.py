"""Trigram indexes for `q=` on PostgreSQL (case-insensitive substring search in id, name and
description), so a search does not read the whole catalog. Nothing on SQLite.

The index expressions are the ones Django's `icontains` compiles to (`UPPER(col::text)`), so the
planner uses them as they are. `pg_trgm` is a trusted extension (PostgreSQL 13+): the database
owner may create it. Where it cannot be created, the migration says so and search still works,
reading every row as before.
"""

from __future__ import annotations

import logging

from django.db import migrations, transaction

log = logging.getLogger(__name__)

SEARCHED = {
    "catalog_aimodel": ("upstream_id", "name", "description"),
    "catalog_mergedmodel": ("model_id", "name", "description"),
}


def _name(table: str, column: str) -> str:
    return f"{table.removeprefix('catalog_')}_{column}_trgm"


def create(apps, schema_editor):  # noqa: ANN001, ARG001 - the RunPython signature
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001 - any refusal: go on without the indexes
        log.warning("pg_trgm could not be created (%s); q= searches will scan the catalog", exc.__class__.__name__)
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{_name(table, column)}" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop(apps, schema_editor):  # noqa: ANN001, ARG001
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_catalog_totals")]

    operations = [migrations.RunPython(create, drop)]
