"""The alias table's writes and reads (`ModelAlias`, rules in `catalog.identity`).

- `alias_map()`: alias -> canonical key, what a publish resolves every record's key through.
- `sync_curated()`: the curated file's entries in the table (after `migrate`); an entry that left
  the file leaves the table. Staff-made and curated aliases are never overwritten by a signal.
- `record_signals()`: the aliases one gateway's list states, kept; returns the ones that are new
  or moved, so the publish can re-key the rows (of any gateway) stored under those names.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from catalog import identity
from catalog.models import AIModel, ModelAlias

KEPT = (ModelAlias.Source.CURATED, ModelAlias.Source.STAFF)  # a signal never overwrites these


def alias_map() -> dict[str, str]:
    return dict(ModelAlias.objects.values_list("alias", "canonical_key"))


def alias_target(name: str) -> str | None:
    """The canonical key an alias (spelled) names, followed through at most `identity.MAX_HOPS`
    aliases (one indexed query each); None when `name` is no alias."""
    key, seen = name, {name}
    for _ in range(identity.MAX_HOPS):
        target = ModelAlias.objects.filter(alias=key).values_list("canonical_key", flat=True).first()
        if target is None or target in seen:
            break
        key = target
        seen.add(key)
    return key if key != name else None


def sync_curated() -> dict[str, str]:
    """Make the table's curated aliases those of the file; returns alias -> target for each one
    that is new or now points elsewhere (the rows stored under it are to be re-keyed)."""
    entries = {entry.alias: entry for entry in identity.curated()}
    ModelAlias.objects.filter(source=ModelAlias.Source.CURATED).exclude(alias__in=list(entries)).delete()
    stored = {row.alias: row for row in ModelAlias.objects.filter(alias__in=list(entries))}
    changed = {}
    for alias, entry in entries.items():
        row = stored.get(alias)
        if row is not None and row.source == ModelAlias.Source.STAFF:
            continue  # staff edited it: their word stands
        if row is None or row.canonical_key != entry.canonical_key:
            changed[alias] = entry.canonical_key
        ModelAlias.objects.update_or_create(
            alias=alias,
            defaults={"canonical_key": entry.canonical_key, "source": ModelAlias.Source.CURATED, "evidence": entry.evidence},
        )
    return changed


def record_signals(*, gateway_id: int, found: Iterable[identity.Signal], aliases: dict[str, str]) -> dict[str, str]:
    """Keep the aliases a list states (`aliases` is updated in place, in one statement); returns
    alias -> target for each one that is new or now points elsewhere."""
    kept = set(ModelAlias.objects.filter(source__in=KEPT).values_list("alias", flat=True))
    changed: dict[str, identity.Signal] = {}
    for signal in found:
        if signal.alias in kept or aliases.get(signal.alias) == signal.canonical_key:
            continue
        if identity.resolve(signal.canonical_key, aliases) == signal.alias:
            continue  # would make a loop
        changed[signal.alias] = signal
    now = timezone.now()
    rows = [
        ModelAlias(alias=alias, canonical_key=s.canonical_key, source=s.source, gateway_id=gateway_id, updated_at=now)
        for alias, s in changed.items()
    ]
    ModelAlias.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["alias"], update_fields=["canonical_key", "source", "gateway", "updated_at"]
    )
    aliases.update({alias: s.canonical_key for alias, s in changed.items()})
    return {alias: s.canonical_key for alias, s in changed.items()}


def rekey(renamed: dict[str, str], aliases: dict[str, str]) -> set[str]:
    """Move rows stored under a name that became an alias (`renamed`: alias -> target), variants
    included (`alias:free` -> `target:free`), to the resolved key. Returns every key touched (old and
    new), for the merge to rebuild."""
    if not renamed:
        return set()
    touched: set[str] = set()
    exact = list(renamed)
    rows = list(AIModel.objects.filter(canonical_key__in=exact).values_list("pk", "canonical_key"))
    rows += [
        (pk, key)
        for pk, key in AIModel.objects.filter(canonical_key__contains=":").values_list("pk", "canonical_key")
        if key.rsplit(":", 1)[0] in renamed
    ]
    moves: dict[str, list[int]] = {}
    for pk, key in rows:
        base, variant = (key, "") if key in renamed else key.rsplit(":", 1)
        target = identity.resolve(base, aliases) + (f":{variant}" if variant else "")
        moves.setdefault(target, []).append(pk)
        touched.update((key, target))
    for target, pks in moves.items():
        AIModel.objects.filter(pk__in=pks).update(canonical_key=target)
    return touched
