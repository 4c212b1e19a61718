"""Writes to the catalog: the publish guard and the one-transaction publish.

`catalog_publish()` is the only way a fetched list replaces a stored one. It first asks the
guard (`publish_refusal()`): a list that is empty, with too many rejected items, or (unless a
person forced it) below `min_expected_models` or shrunk by more than `max_shrink_fraction` is refused, and the
stored catalog stays exactly as it was. Otherwise, in one transaction, it inserts new rows,
updates only rows whose content hash changed (an unchanged refresh writes no model rows), marks
models the list lacks missing and removes those missing past their grace period
(`catalog.lifecycle`), records changes, rebuilds the merged entries of the affected keys and
bumps the catalog version. Response caches are invalidated on commit.

Before writing, the drift guard (`catalog.drift`) compares the list with the stored one. Suspect
values are held, not published: a model whose prices are suspect keeps its stored row as it is, a
tracked field a list lost keeps its stored value, and the rest of the list publishes. The result
lists what was held (`PublishResult.held`: each model's full new row, ready to publish), which the
caller records for review; `catalog_publish_held()` publishes such rows later, exactly as this
publish would have (changes, spans, merged entries, version).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from catalog import bulk, cache, drift, history, identity, lifecycle, webhooks
from catalog.change_prices import largest_change_percent
from catalog.counts import active_counts_by_slug
from catalog.merge import canonical_key, entry_key, merge_documents, partition
from catalog.model_aliases import alias_map, record_signals, rekey
from catalog.models import AIModel, CatalogVersion, MergedModel, ModelChange
from catalog.price_changes import price_change
from catalog.prices import served_pricing
from catalog.provenance import disagreeing_gateways, origin
from catalog.records import NormalizedModel
from catalog.render import AVAILABLE, MISSING, content_hash, dumps, jsonable, model_document, openai_document, time_text
from catalog.selectors import endpoints_by_row

CHUNK = 500


class PublishRefused(Exception):
    """The publish guard refused a list; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class HeldModel:
    """One stored model's values the drift guard held back: `values`, its whole new row as a
    publish would write it (JSON-safe, `held_document`), `held` what is suspect (`"prices"` or
    tracked field names) and `reasons`, one sentence each."""

    upstream_id: str
    ai_model_id: int
    values: dict[str, Any]
    held: list[str]
    reasons: list[str]


@dataclass(slots=True)
class PublishResult:
    seen: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    deactivated: int = 0  # removed: missing past the grace period (catalog.lifecycle)
    missing: int = 0  # lacked by the list, still served marked missing
    newly_missing: int = 0
    version: int | None = None
    changes: list[str] = field(default_factory=list)
    held: list[HeldModel] = field(default_factory=list)  # suspect values kept back (`catalog.drift`)
    drift_reasons: list[str] = field(default_factory=list)

    @property
    def wrote_anything(self) -> bool:
        return bool(self.added or self.changed or self.deactivated or self.newly_missing)


def publish_refusal(*, gateway: Any, count: int, rejected: int, active_before: int, force: bool) -> str | None:
    """Why this list may not replace the stored one, or None when it may."""
    if count == 0:
        return "the upstream returned no usable models; the stored catalog was kept"
    if not force and count < gateway.min_expected_models:
        return (
            f"only {count} models, fewer than min_expected_models={gateway.min_expected_models}; "
            "the stored catalog was kept. Refresh with force to accept it"
        )
    total = count + rejected
    if total and rejected / total > gateway.max_reject_fraction:
        return (
            f"{rejected} of {total} items could not be normalized (over {gateway.max_reject_fraction:.0%}); "
            "the stored catalog was kept"
        )
    if not force and active_before and count < active_before * (1 - gateway.max_shrink_fraction):
        return (
            f"the list shrank from {active_before} to {count} models (more than {gateway.max_shrink_fraction:.0%}); "
            "the stored catalog was kept. Refresh with force to accept it"
        )
    return None


def _text_list(values: Iterable[str]) -> str:
    return "," + "".join(f"{v.lower()}," for v in values)


def _is_free(model: NormalizedModel, per_token: Mapping[str, Decimal | None]) -> bool:
    # Only a :free variant, or a text-output model whose every stated price is 0, is free:
    # video and rerank models report 0 token prices although they are billed otherwise.
    if model.variant == "free":
        return True
    prices = [per_token.get("prompt"), per_token.get("completion")]
    return (
        model.output_modalities[:1] == ("text",)
        and all(p is not None for p in prices)
        and all(p == 0 for p in model.pricing.values() if p is not None)
    )


def _row_values(model: NormalizedModel, *, gateway_slug: str, aliases: Mapping[str, str]) -> dict[str, Any]:
    document = model_document(model, gateway_slug=gateway_slug)
    # Only prices per token reach the sort and filter columns (`catalog.prices`).
    per_token = served_pricing(model.pricing, stated=model.price_units, outputs=model.output_modalities)
    raw = jsonable(model.raw)
    return {
        "canonical_key": canonical_key(
            model_id=model.id,
            merge_base=model.merge_base,
            hugging_face_id=model.hugging_face_id,
            variant=model.variant,
            aliases=aliases,
        ),
        "variant": model.variant or "",
        "canonical_slug": model.canonical_slug,
        "hugging_face_id": model.hugging_face_id,
        "name": model.name,
        "description": model.description,
        "created": model.created,
        "context_length": model.context_length,
        "modality": model.modality,
        "modality_source": model.modality_source,
        "input_modalities": list(model.input_modalities),
        "output_modalities": list(model.output_modalities),
        "tokenizer": model.tokenizer,
        "instruct_type": model.instruct_type,
        "pricing": document["pricing"],
        "prices": document["prices"],
        "pricing_dynamic": model.pricing_dynamic,
        "price_unit": model.price_unit,
        "prompt_price": per_token["prompt"],
        "completion_price": per_token["completion"],
        "is_free": _is_free(model, per_token),
        "top_provider": document["top_provider"],
        "per_request_limits": document["per_request_limits"],
        "supported_parameters": list(model.supported_parameters),
        "default_parameters": document["default_parameters"],
        "provider_slug": model.provider_slug,
        "data_source": model.data_source,
        "upstream_active": model.upstream_active,
        "sunset_at": datetime.fromtimestamp(model.sunset_at, UTC) if model.sunset_at is not None else None,
        "extra": jsonable(dict(model.extra)),
        "raw": raw,
        "input_modalities_text": _text_list(model.input_modalities),
        "output_modalities_text": _text_list(model.output_modalities),
        "supported_parameters_text": _text_list(model.supported_parameters),
        "public_json": dumps(document),
        "openai_json": dumps(openai_document(document)),
        "source_hash": model.source_hash,
    }


HASHED_FIELDS = (
    "public_json",
    "raw",
    "extra",
    "data_source",
    "upstream_active",
    "modality_source",
    "price_unit",
    "canonical_key",
)
UPDATE_FIELDS = [
    name
    for name in (
        "canonical_key",
        "variant",
        "canonical_slug",
        "hugging_face_id",
        "name",
        "description",
        "created",
        "context_length",
        "modality",
        "modality_source",
        "input_modalities",
        "output_modalities",
        "tokenizer",
        "instruct_type",
        "pricing",
        "prices",
        "pricing_dynamic",
        "price_unit",
        "prompt_price",
        "completion_price",
        "is_free",
        "top_provider",
        "per_request_limits",
        "supported_parameters",
        "default_parameters",
        "provider_slug",
        "data_source",
        "upstream_active",
        "sunset_at",
        "extra",
        "raw",
        "input_modalities_text",
        "output_modalities_text",
        "supported_parameters_text",
        "public_json",
        "openai_json",
        "content_hash",
        "source_hash",
        "is_active",
        "last_seen_at",
        "updated_at",
        "source_run_id",
    )
]


def _hash(values: dict[str, Any]) -> str:
    return content_hash({name: values[name] for name in HASHED_FIELDS})


# Row values that are not JSON as they are: stored as text in a held document.
_DECIMAL_COLUMNS = ("prompt_price", "completion_price")


def held_document(values: Mapping[str, Any]) -> dict[str, Any]:
    """Row values (`_row_values`) as JSON: exact decimals and instants as text."""
    document = dict(values)
    for name in _DECIMAL_COLUMNS:
        document[name] = None if values[name] is None else str(values[name])
    document["sunset_at"] = None if values["sunset_at"] is None else values["sunset_at"].isoformat()
    document.pop("content_hash", None)
    return document


def _from_held_document(document: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(document)
    for name in _DECIMAL_COLUMNS:
        values[name] = None if document[name] is None else Decimal(document[name])
    values["sunset_at"] = None if document["sunset_at"] is None else datetime.fromisoformat(document["sunset_at"])
    values["content_hash"] = _hash(values)
    return values


def drift_thresholds(gateway: Any) -> drift.Thresholds:
    """The gateway's drift thresholds (its `drift_*` fields; the defaults where it has none)."""
    defaults = drift.Thresholds()
    return drift.Thresholds(
        price_factor=Decimal(str(getattr(gateway, "drift_price_factor", defaults.price_factor))),
        repriced_share=Decimal(str(getattr(gateway, "drift_repriced_share", defaults.repriced_share))),
        field_share=Decimal(str(getattr(gateway, "drift_field_share", defaults.field_share))),
    )


@dataclass(slots=True)
class _Staged:
    """What a publish writes, gathered before the bulk writes."""

    to_update: list[AIModel] = field(default_factory=list)
    # Rows whose content is unchanged but whose source hash is not the one stored (the first
    # refresh after migration 0018 or after a deploy): only that column is written.
    rehashed: list[AIModel] = field(default_factory=list)
    changes: list[ModelChange] = field(default_factory=list)
    touched_keys: set[str] = field(default_factory=set)


def _stage_update(
    staged: _Staged,
    result: PublishResult,
    *,
    gateway: Any,
    upstream_id: str,
    values: dict[str, Any],
    old: Sequence[Any],
    now: datetime,
    run_id: int | None,
) -> None:
    """Stage the write of a stored row whose content changed (or that is back on the list), with
    its change rows: the one rule for updates, for a publish and for approved held values. `run_id`
    is recorded on the row (`catalog.provenance`)."""
    pk, old_hash, was_active, old_pricing, old_context, old_key, old_prices = old[:7]
    if old_hash == values["content_hash"] and was_active:
        result.unchanged += 1
        if old[-1] != values.get("source_hash"):
            staged.rehashed.append(bulk.new(AIModel, pk=pk, source_hash=values.get("source_hash")))
        return
    staged.to_update.append(
        bulk.new(
            AIModel,
            pk=pk,
            gateway_id=gateway.pk,
            upstream_id=upstream_id,
            is_active=True,
            last_seen_at=now,
            updated_at=now,
            source_run_id=run_id,
            **values,
        )
    )
    staged.touched_keys.update((values["canonical_key"], old_key))
    if not was_active:  # back on the list
        result.added += 1
        staged.changes.append(_change(gateway, pk, upstream_id, ModelChange.Kind.ADDED, None, _facts(values), now))
        return
    result.changed += 1
    repriced = price_change(
        old_pricing=old_pricing, old_prices=old_prices, new_pricing=values["pricing"], new_prices=values["prices"]
    )
    if repriced:
        change = _change(gateway, pk, upstream_id, ModelChange.Kind.PRICE_CHANGED, repriced.before, repriced.after, now)
        change.components_text = repriced.components_text
        staged.changes.append(change)
    if old_context != values["context_length"]:
        staged.changes.append(
            _change(
                gateway,
                pk,
                upstream_id,
                ModelChange.Kind.CONTEXT_CHANGED,
                {"context_length": old_context},
                {"context_length": values["context_length"]},
                now,
            )
        )


STORED_COLUMNS = ("upstream_id", "pk", "content_hash", "is_active", "pricing", "context_length", "canonical_key", "prices")


def _stored_rows(gateway: Any, **filters: Any) -> dict[str, tuple[Any, ...]]:
    """upstream id -> (pk, hash, active, pricing, context, key, prices, *drift.TRACKED_FIELDS, source hash)."""
    rows = AIModel.objects.filter(gateway=gateway, **filters).values_list(*STORED_COLUMNS, *drift.TRACKED_FIELDS, "source_hash")
    return {row[0]: row[1:] for row in rows}


_TRACKED = slice(7, 7 + len(drift.TRACKED_FIELDS))
_PRICED = Cast("prices", TextField())


def _stored_rows_for(gateway: Any, unchanged: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """`_stored_rows` for a publish: the rows of `unchanged` ids (not normalized again, stored as
    they are) carry no decoded `pricing` (None) and, for `prices`, only whether they have any
    (True or []): nothing reads more of them. Every other row (changed, vanished, removed) is read
    whole."""
    if not unchanged:
        return _stored_rows(gateway)
    skipped = set(unchanged)
    light = [c for c in STORED_COLUMNS if c not in ("pricing", "prices")]
    rows = AIModel.objects.filter(gateway=gateway).values_list(*light, *drift.TRACKED_FIELDS, "source_hash", _PRICED)
    existing: dict[str, tuple[Any, ...]] = {}
    whole: list[str] = []
    for uid, pk, digest, active, context, key, *rest in rows:
        *tracked, source, priced = rest
        existing[uid] = (
            pk,
            digest,
            active,
            None,
            context,
            key,
            True if priced not in (None, "[]", "null") else [],
            *tracked,
            source,
        )
        if uid not in skipped:
            whole.append(uid)
    for start in range(0, len(whole), CHUNK):
        existing.update(_stored_rows(gateway, upstream_id__in=whole[start : start + CHUNK]))
    return existing


def catalog_publish(
    *,
    gateway: Any,
    models: Sequence[NormalizedModel],
    unchanged: Sequence[str] = (),
    force: bool = False,
    rejected: int = 0,
    now: datetime | None = None,
    accept_drift: bool = False,
    run_id: int | None = None,
) -> PublishResult:
    """Replace `gateway`'s stored list with `models`, or raise `PublishRefused` and change nothing.
    `run_id`: the refresh run publishing (recorded on the rows it writes, `catalog.provenance`).
    `unchanged`: upstream ids the list also has, not normalized again because their items hash as
    their stored rows' (`AIModel.source_hash`): each must be a row served as listed (active, not
    marked missing), and stays exactly as stored.

    Values the drift guard finds suspect are held (`PublishResult.held`) and the rest publishes;
    `force` (the shrink guard) does not change that. `accept_drift` (a person who reviewed this
    very list) publishes it whole, suspect values included."""
    now = now or timezone.now()
    with transaction.atomic():
        existing = _stored_rows_for(gateway, unchanged)
        # The shrink guard compares with the last list: models already missing from it do not count.
        missing = lifecycle.marked_missing(gateway=gateway)
        active_before = sum(1 for row in existing.values() if row[2]) - len(missing)
        missing_ids = {uid for _, _, uid in missing.values()}
        if any(uid not in existing or not existing[uid][2] or uid in missing_ids for uid in unchanged):
            raise PublishRefused("the stored list changed while this refresh read it; nothing was published, refresh again")
        count = len(models) + len(unchanged)
        refusal = publish_refusal(gateway=gateway, count=count, rejected=rejected, active_before=active_before, force=force)
        if refusal:
            raise PublishRefused(refusal)

        result = PublishResult(seen=count, unchanged=len(unchanged))
        # Rows served marked missing are compared with nothing: their return re-renders them.
        found = (
            drift.Drift()
            if accept_drift
            else drift.compare(
                stored={
                    uid: drift.Stored(prices=row[6] or [], fields=dict(zip(drift.TRACKED_FIELDS, row[_TRACKED], strict=True)))
                    for uid, row in existing.items()
                    if row[2] and row[0] not in missing
                },
                models=models,
                thresholds=drift_thresholds(gateway),
                unchanged=unchanged,
            )
        )
        result.drift_reasons = found.reasons
        to_create: list[AIModel] = []
        staged = _Staged()
        changes = staged.changes
        # The names this list states for its models join the alias table first; rows of any gateway
        # stored under one of them move to the model's key (`catalog.identity`).
        aliases = alias_map()
        renamed = record_signals(gateway_id=gateway.pk, found=_signals(models), aliases=aliases)
        staged.touched_keys |= rekey(renamed, aliases)
        for model in models:
            values = _row_values(model, gateway_slug=gateway.slug, aliases=aliases)
            values["content_hash"] = _hash(values)
            old = existing.get(model.id)
            if old is None:
                to_create.append(
                    bulk.new(
                        AIModel,
                        gateway_id=gateway.pk,  # the id: a relation set through its descriptor costs more
                        upstream_id=model.id,
                        is_active=True,
                        first_seen_at=now,
                        last_seen_at=now,
                        updated_at=now,
                        source_run_id=run_id,
                        **values,
                    )
                )
                staged.touched_keys.add(values["canonical_key"])
                continue
            suspect = found.suspects.get(model.id)
            if suspect is not None:
                held = ["prices"] if suspect.prices else sorted(suspect.fields)
                values["source_hash"] = None  # what is stored is not this item's rendering
                result.held.append(HeldModel(model.id, old[0], held_document(values), held, list(suspect.reasons)))
                if suspect.prices:
                    result.unchanged += 1  # the stored row stays as it is
                    continue
                # The source hash is not kept: the next refresh normalizes the item and asks the guard again.
                values = _row_values(
                    replace(model, source_hash=None, **suspect.fields), gateway_slug=gateway.slug, aliases=aliases
                )
                values["content_hash"] = _hash(values)
            _stage_update(staged, result, gateway=gateway, upstream_id=model.id, values=values, old=old, now=now, run_id=run_id)
        to_update, touched_keys = staged.to_update, staged.touched_keys

        # Models the list lacks are missing, then removed after the grace period (catalog.lifecycle).
        new_ids = {model.id for model in models}.union(unchanged)
        vanished = {uid: row for uid, row in existing.items() if row[2] and uid not in new_ids}
        absences = lifecycle.note_absences(
            gateway=gateway,
            vanished=[lifecycle.Vanished(row[0], uid, row[5]) for uid, row in vanished.items()],
            marked=missing,
            now=now,
        )
        for gone in absences.removed:
            _, _, _, old_pricing, old_context, old_key, _ = vanished[gone.upstream_id][:7]
            touched_keys.add(old_key)
            before = {"pricing": {k: (old_pricing or {}).get(k) for k in ("prompt", "completion")}, "context_length": old_context}
            changes.append(_change(gateway, gone.pk, gone.upstream_id, ModelChange.Kind.REMOVED, before, None, now))
        changes.extend(_availability_changes(gateway, absences, now))
        touched_keys |= absences.keys
        result.deactivated, result.missing, result.newly_missing = (
            len(absences.removed),
            absences.missing,
            len(absences.newly_missing),
        )

        bulk.insert(to_create)
        result.added += len(to_create)
        # COPY (PostgreSQL) returns no primary keys: read them back in one query.
        pk_by_id = (
            dict(AIModel.objects.filter(gateway=gateway).values_list("upstream_id", "pk"))
            if any(row.pk is None for row in to_create)
            else {}
        )
        for row in to_create:
            changes.append(
                _change(
                    gateway,
                    row.pk or pk_by_id.get(row.upstream_id),
                    row.upstream_id,
                    ModelChange.Kind.ADDED,
                    None,
                    _facts({"pricing": row.pricing, "prices": row.prices, "context_length": row.context_length}),
                    now,
                )
            )
        if to_update:
            bulk.update(to_update, UPDATE_FIELDS)
        bulk.update(staged.rehashed, ["source_hash"])
        history.record_spans(
            new={row.pk or pk_by_id[row.upstream_id]: row.prices for row in to_create},
            written={row.pk: row.prices for row in to_update},
            delisted=[gone.pk for gone in absences.removed],  # the rows lifecycle deactivated above
            now=now,
        )
        result.changes = [f"{c.kind} {c.upstream_id}" for c in changes[:20]]

        if result.wrote_anything:
            _commit_writes(changes, touched_keys, result, now)
    return result


def _commit_writes(changes: list[ModelChange], touched_keys: set[str], result: PublishResult, now: datetime) -> None:
    # Publishes of different gateways take turns from here: the merge and the totals then
    # see every publish committed before this one (on PostgreSQL's READ COMMITTED a
    # concurrent publish would otherwise be missing from the totals stored with the version).
    _lock_version()
    _insert_changes(changes)  # every change comes with a write, so it is inserted here
    rebuild_merged(keys=touched_keys, now=now)
    result.version = _bump_version(now)
    transaction.on_commit(cache.invalidate)


def catalog_publish_held(
    *, gateway: Any, held: Sequence[tuple[str, Mapping[str, Any]]], now: datetime | None = None, run_id: int | None = None
) -> PublishResult:
    """Publish values the drift guard held (`HeldModel.upstream_id`, `HeldModel.values`) exactly
    as a publish would have: rows updated, change rows, price and listing spans, merged entries,
    a new catalog version. A model no longer served (removed since) is skipped; one whose stored
    row already is what was held changes nothing."""
    now = now or timezone.now()
    result = PublishResult(seen=len(held))
    with transaction.atomic():
        existing = _stored_rows(gateway, upstream_id__in=[upstream_id for upstream_id, _ in held], is_active=True)
        staged = _Staged()
        for upstream_id, document in held:
            old = existing.get(upstream_id)
            if old is None:
                continue
            values = _from_held_document(document)
            _stage_update(
                staged, result, gateway=gateway, upstream_id=upstream_id, values=values, old=old, now=now, run_id=run_id
            )
        bulk.update(staged.rehashed, ["source_hash"])
        if staged.to_update:
            bulk.update(staged.to_update, UPDATE_FIELDS)
            history.record_spans(new={}, written={row.pk: row.prices for row in staged.to_update}, delisted=[], now=now)
        result.changes = [f"{c.kind} {c.upstream_id}" for c in staged.changes[:20]]
        if result.wrote_anything:
            _commit_writes(staged.changes, staged.touched_keys, result, now)
    return result


def _signals(models: Sequence[NormalizedModel]) -> list[identity.Signal]:
    return [
        signal
        for m in models
        for signal in identity.signals(
            model_id=m.id, merge_base=m.merge_base, hugging_face_id=m.hugging_face_id, canonical_slug=m.canonical_slug
        )
    ]


def _change(gateway: Any, pk: int | None, upstream_id: str, kind: str, before: Any, after: Any, now: datetime) -> ModelChange:
    return bulk.new(
        ModelChange,
        gateway_id=gateway.pk,
        ai_model_id=pk,
        upstream_id=upstream_id,
        kind=kind,
        before=before,
        after=after,
        recorded_at=now,
    )


def _availability_changes(gateway: Any, absences: lifecycle.Absences, now: datetime) -> list[ModelChange]:
    """`missing` for models this list lacked for the first time, `returned` for missing ones it has again."""
    available, missing = {"availability": AVAILABLE}, {"availability": MISSING}
    return [
        *(
            _change(
                gateway,
                row.pk,
                row.upstream_id,
                ModelChange.Kind.MISSING,
                available,
                {**missing, "missing_since": time_text(since)},
                now,
            )
            for row, since in absences.newly_missing
        ),
        *(
            _change(
                gateway,
                pk,
                upstream_id,
                ModelChange.Kind.RETURNED,
                {**missing, "missing_since": time_text(since)},
                available,
                now,
            )
            for pk, upstream_id, since in absences.returned
        ),
    ]


def _facts(values: dict[str, Any]) -> dict[str, Any]:
    """What an added model's change row says of it: its per-token head prices, every price
    component and its context."""
    return {
        "pricing": {k: values["pricing"].get(k) for k in ("prompt", "completion")},
        "prices": values["prices"],
        "context_length": values["context_length"],
    }


def _insert_changes(changes: list[ModelChange]) -> None:
    """Insert a publish's change rows, holding the version row lock (`_lock_version`).

    The change feed's cursor is the last id a reader saw, so ids must be allocated in commit
    order: no row may appear later behind an id already handed out. On PostgreSQL an id comes
    from a sequence when the row is inserted, not when it commits; inserted before the lock, a
    slow publish's ids could be smaller than those of a faster one that commits first. Under the
    lock, the publish that holds it allocates its ids after every earlier publish committed and
    commits before the next one allocates any. (SQLite has one writer at a time anyway.)
    `change_percent` is written here, from whatever shape `before`/`after` were built in.

    The webhook outbox is written here too, in the same transaction (`catalog.webhooks`): one
    pending delivery per subscription these changes match."""
    for change in changes:
        change.change_percent = largest_change_percent(change.before, change.after)
    outbox_after = webhooks.outbox_position()
    bulk.insert(changes)
    webhooks.queue_deliveries(after=outbox_after)


def _lock_version() -> None:
    """Hold the catalog version row until this transaction ends (SQLite's write lock already does).
    The row is created first if missing, so even the first publishes take turns."""
    CatalogVersion.objects.get_or_create(pk=1)
    list(CatalogVersion.objects.select_for_update().filter(pk=1).values_list("pk", flat=True))


def _bump_version(now: datetime) -> int:
    """A new catalog version, with the totals of the unfiltered lists as of this transaction (so
    an unfiltered page needs no `COUNT(*)` over the whole catalog; see `catalog_totals`)."""
    totals = catalog_totals()
    updated = CatalogVersion.objects.filter(pk=1).update(version=F("version") + 1, updated_at=now, totals=totals)
    if not updated:
        CatalogVersion.objects.create(pk=1, version=1, updated_at=now, totals=totals)
    return CatalogVersion.objects.values_list("version", flat=True).get(pk=1)


def catalog_totals() -> dict[str, Any]:
    """`{"all": merged entries, "gateways": {slug: active models}}`, counted now."""
    return {"all": MergedModel.objects.count(), "gateways": active_counts_by_slug()}


def rebuild_merged(*, keys: Iterable[str], now: datetime | None = None) -> int:
    """Recompute the merged entries of `keys` from the active rows of enabled gateways. Returns
    entries written. Offers are ordered by gateway priority (highest first), then gateway slug,
    then upstream id, so the result does not depend on row order."""
    now = now or timezone.now()
    keys = sorted(set(keys))
    written = 0
    # Every old entry goes first, while the table still has the size its statistics describe: a
    # delete between the chunks' inserts meets a table that has grown since the planner last
    # looked and is read whole each time (4.5 s of a 20,000-model first publish).
    for start in range(0, len(keys), CHUNK):
        MergedModel.objects.filter(merge_key__in=keys[start : start + CHUNK]).delete()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = (
            AIModel.objects.filter(canonical_key__in=chunk, is_active=True, gateway__enabled=True)
            .order_by("canonical_key", "-gateway__priority", "gateway__slug", "upstream_id")
            .values_list("canonical_key", "pk", "gateway__slug", "public_json", "is_free", "source_run_id", "updated_at")
        )
        groups: dict[str, list[tuple[Any, ...]]] = {}
        for row in rows:
            groups.setdefault(row[0], []).append(row)
        endpoints = endpoints_by_row(row[1] for group in groups.values() for row in group)
        entries = []
        for key, group in groups.items():
            documents = [(row[2], _with_endpoints(orjson.loads(row[3]), endpoints.get(row[1]))) for row in group]
            for index, members in enumerate(partition(documents)):
                offers = [documents[i] for i in members]
                entries.append(
                    _merged_entry(
                        merge_key=key,
                        key=entry_key(key, index, offers),
                        offers=offers,
                        sources=[origin(group[i][2], group[i][5], group[i][6]) for i in members],
                        primary_pk=group[members[0]][1],
                        is_free=any(group[i][4] for i in members),
                        now=now,
                    )
                )
        bulk.insert(entries)
        written += len(entries)
    return written


def _with_endpoints(document: dict[str, Any], endpoints: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A row's document with its per-provider endpoint offers, for the merge (`catalog.endpoints`)."""
    if endpoints:
        document["endpoints"] = endpoints
    return document


def _merged_entry(
    *,
    merge_key: str,
    key: str,
    offers: list[tuple[str, dict[str, Any]]],
    sources: list[dict[str, Any]],
    primary_pk: int,
    is_free: bool,
    now: datetime,
) -> MergedModel:
    document = merge_documents(offers, sources)
    disagreeing = disagreeing_gateways(document["disagreements"])
    lowest = document["lowest_pricing"]
    architecture = document.get("architecture") or {}
    return bulk.new(
        MergedModel,
        canonical_key=key,
        merge_key=merge_key,
        model_id=document["id"],
        primary_id=primary_pk,
        name=document.get("name") or document["id"],
        description=document.get("description"),
        created=document.get("created"),
        context_length=document.get("context_length"),
        provider_slug=document.get("provider_slug"),
        prompt_price=Decimal(lowest["prompt"]) if lowest["prompt"] is not None else None,
        completion_price=Decimal(lowest["completion"]) if lowest["completion"] is not None else None,
        is_free=is_free,
        gateways_text=_text_list(document["source_gateways"]),
        input_modalities_text=_text_list(architecture.get("input_modalities") or ()),
        output_modalities_text=_text_list(architecture.get("output_modalities") or ()),
        supported_parameters_text=_text_list(document.get("supported_parameters") or ()),
        sunset_at=_sunset(document),
        has_disagreement=bool(disagreeing),
        disagreeing_gateways_text=_text_list(disagreeing),
        public_json=dumps(document),
        openai_json=dumps(openai_document(document)),
        offer_prices_json=dumps(
            [[o["gateway"], o["id"], o["pricing_dynamic"], o["prices"], o["provider"]] for o in document["offers"]]
        ),
        updated_at=now,
    )


def aliases_changed(*, renamed: dict[str, str]) -> int:
    """After aliases were added or moved outside a publish (the curated file, admin): the rows stored
    under those names move to their model's key and the merged entries involved are rebuilt.
    Returns entries written."""
    with transaction.atomic():
        touched = rekey(renamed, alias_map())
        if not touched:
            return 0
        _lock_version()
        count = rebuild_merged(keys=touched)
        _bump_version(timezone.now())
        transaction.on_commit(cache.invalidate)
    return count


def _sunset(document: dict[str, Any]) -> datetime | None:
    sunset = (document.get("deprecation") or {}).get("sunset_at")
    return datetime.fromisoformat(sunset) if sunset else None


def merge_outdated() -> int:
    """Merge again the entries stored without `provenance` (before migration 0015). Returns entries
    written."""
    keys = set(MergedModel.objects.exclude(public_json__contains='"provenance":').values_list("merge_key", flat=True))
    if not keys:
        return 0
    with transaction.atomic():
        _lock_version()
        count = rebuild_merged(keys=keys)
        _bump_version(timezone.now())
        transaction.on_commit(cache.invalidate)
    return count


def rebuild_all_merged() -> int:
    """Rebuild every merged entry (after a gateway is enabled, disabled or re-prioritised)."""
    keys = set(AIModel.objects.values_list("canonical_key", flat=True).distinct())
    keys |= set(MergedModel.objects.values_list("merge_key", flat=True))
    with transaction.atomic():
        _lock_version()
        count = rebuild_merged(keys=keys)
        _bump_version(timezone.now())
        transaction.on_commit(cache.invalidate)
    return count
