"""Bulk writes for the publish transaction.

On PostgreSQL, inserts go through `COPY` and updates through `COPY` into a temporary table
followed by one `UPDATE ... FROM`. Django's `bulk_create` (which on PostgreSQL sends each column
as one text array that psycopg escapes value by value) and `bulk_update` (one `CASE WHEN` per
field and row) cost 20-40 s for a 20,000-model publish; these cost about a second (see
docs/benchmarks.md). Other databases use the ORM's bulk methods. Values are prepared by each
field's own `get_db_prep_save`, so what is stored is exactly what the ORM would store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import orjson
from django.db import connection, models
from django.db.models.base import ModelState

BATCH = 500
ANALYZE_AFTER = 5000  # rows inserted in one call
# Values psycopg adapts exactly as the ORM would: no conversion needed on the COPY path.
PASS_THROUGH = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateTimeField", "DecimalField",
    "FloatField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField",
    "TextField", "URLField",
}  # fmt: skip


_PLANS: dict[type[models.Model], tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]], frozenset[str]]] = {}


def new(model: type[models.Model], **values: Any) -> models.Model:
    """An unsaved instance for `insert`/`update`, built without `Model.__init__`'s per-field
    descriptor work (about a third of a 20,000-model publish). Fields not given get their
    defaults; relations and `pk` go through their descriptors. No `pre_init`/`post_init` signals."""
    plan = _PLANS.get(model)
    if plan is None:
        fields = model._meta.concrete_fields
        factories = [(f.attname, f.default) for f in fields if f.has_default() and callable(f.default)]
        constant = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
        plain = frozenset(f.attname for f in fields)
        plan = _PLANS[model] = (constant, factories, plain)
    constant, factories, plain = plan
    obj = model.__new__(model)
    obj._state = ModelState()
    attributes = obj.__dict__
    attributes.update(constant)
    for attname, factory in factories:
        attributes[attname] = factory()
    for name, value in values.items():
        if name in plain:
            attributes[name] = value
        else:
            setattr(obj, name, value)
    return obj


def _fields(model: type[models.Model], names: Sequence[str] | None = None) -> list[models.Field]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if names is not None:
        wanted = set(names)
        fields = [f for f in fields if f.name in wanted or f.attname in wanted]
    return fields


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _converter(field: models.Field, *, add: bool) -> Callable[[models.Model, Any], Any] | None:
    """How one field's attribute becomes its database value; None when it is passed as is."""
    internal = (field.target_field if field.is_relation else field).get_internal_type()
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj, value: field.get_db_prep_save(field.pre_save(obj, add), connection)
    if internal in PASS_THROUGH:
        return None
    if internal == "JSONField" and field.encoder is None:  # jsonb: the server parses the text
        return lambda obj, value: _json_text(value)
    return lambda obj, value: field.get_db_prep_save(field.pre_save(obj, add), connection)


def _rows(objs: Sequence[models.Model], fields: list[models.Field], *, add: bool) -> Any:
    # One C-level attrgetter call per row, then only the fields that need converting.
    get = attrgetter(*(field.attname for field in fields))
    converters = [(i, c) for i, field in enumerate(fields) if (c := _converter(field, add=add)) is not None]
    for obj in objs:
        values = get(obj)
        if len(fields) == 1:
            values = (values,)
        if converters:
            values = list(values)
            for index, convert in converters:
                values[index] = convert(obj, values[index])
        yield values


def insert(objs: Sequence[models.Model]) -> None:
    """Insert new rows. Primary keys are not set on `objs` on PostgreSQL (COPY returns none)."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        return
    fields = _fields(model)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in _rows(objs, fields, add=True):
                copy.write_row(row)
        if len(objs) >= ANALYZE_AFTER:
            # The planner still has the statistics of the table before this transaction (empty, on a
            # first publish): the merge rebuild's key lookups then scan the table once per chunk,
            # 200 x 100,000 rows for a 100k-model gateway. Fresh statistics make them index lookups.
            # Only the indexed columns: sampling the wide JSON columns too took 1.8 s of 20,000 rows
            # (autovacuum's own analyze fills in the rest later).
            indexed = ", ".join(connection.ops.quote_name(column) for column in _indexed_columns(model))
            cursor.execute(f"ANALYZE {table} ({indexed})")


def _indexed_columns(model: type[models.Model]) -> list[str]:
    """Columns some index or unique constraint of `model` starts with or includes."""
    meta = model._meta
    columns = {f.column for f in meta.concrete_fields if f.primary_key or f.unique or f.db_index}
    groups = [index.fields for index in meta.indexes]
    groups += [constraint.fields for constraint in meta.constraints if getattr(constraint, "fields", None)]
    groups += [fields for fields in meta.unique_together]
    for names in groups:
        columns.update(meta.get_field(name.lstrip("-")).column for name in names)
    return sorted(columns)


def update(objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Write `names` of existing rows (matched by primary key)."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(names), batch_size=BATCH)
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = _fields(model, names)
    table = quote(model._meta.db_table)
    staging = quote(f"bulk_update_{model._meta.db_table}")
    columns = [quote(pk.column)] + [quote(f.column) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {', '.join(columns)} FROM {table} WITH NO DATA"  # noqa: S608 - quoted model names
        )
        with cursor.cursor.copy(f"COPY {staging} ({', '.join(columns)}) FROM STDIN") as copy:
            for obj, row in zip(objs, _rows(objs, fields, add=False), strict=True):
                copy.write_row((obj.pk, *row))
        assignments = ", ".join(f"{c} = s.{c}" for c in columns[1:])
        cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {staging} AS s WHERE t.{columns[0]} = s.{columns[0]}")  # noqa: S608
        cursor.execute(f"DROP TABLE {staging}")
