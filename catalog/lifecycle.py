"""A stored model's life on its gateway's list: listed, missing, removed (ARCHITECTURE.md, "Trust").

Upstream lists flap: a model hidden for one refresh, a page an upstream dropped, an outage of one
of its regions. So a model that a published list lacks is not removed at once. It stays active
and served, marked `availability: "missing"` with `missing_since` (the first published list
without it), until both hold:

- the gateway's grace period (`missing_grace_seconds`, default 24 h) has passed since then, and
- at least `MIN_MISSED_REFRESHES` published lists in a row have lacked it;

the publish that finds both true removes it (inactive, a `removed` change). A model listed again
before that is `available` again with a `returned` change: it never stopped being served, so
there is no `removed` nor `added`. Only published lists count; a refused or failed refresh says
nothing about any model.

A missing model still counts as active (`catalog.counts`: it is served), except to the publish
guard's shrink check, which compares a new list with the last list, i.e. the models it had: a list
that lacks what the previous one already lacked has not shrunk again, and after a forced shrink
(a person saying "this small list is right") the next scheduled refresh is not refused for the
models still in their grace period.

`marked_missing()` and `note_absences()` are the one place this rule runs; `catalog_publish`
calls them inside its transaction and records the changes they report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.db.models import F

from catalog import bulk
from catalog.models import AIModel
from catalog.render import MISSING, dumps, time_text

MIN_MISSED_REFRESHES = 2
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Vanished:
    """An active row the new list lacks."""

    pk: int
    upstream_id: str
    canonical_key: str


@dataclass(slots=True)
class Absences:
    """What one published list did to the models it lacks (and to those it lists again)."""

    newly_missing: list[tuple[Vanished, datetime]] = field(default_factory=list)  # and since when
    still_missing: int = 0  # lacked again, still in their grace period
    removed: list[Vanished] = field(default_factory=list)
    returned: list[tuple[int, str, datetime]] = field(default_factory=list)  # pk, upstream id, missing since

    @property
    def missing(self) -> int:
        """Models served marked missing after this publish."""
        return len(self.newly_missing) + self.still_missing

    @property
    def keys(self) -> set[str]:
        """Merge keys whose served entries changed (a newly missing offer)."""
        return {row.canonical_key for row, _ in self.newly_missing}


def due_for_removal(*, missing_since: datetime, missed_refreshes: int, grace_seconds: int, now: datetime) -> bool:
    """The rule: the grace period has passed and enough published lists in a row lacked the model."""
    return missed_refreshes >= MIN_MISSED_REFRESHES and (now - missing_since).total_seconds() >= grace_seconds


Marked = dict[int, tuple[datetime, int, str]]  # pk -> (missing since, lists in a row without it, upstream id)


def marked_missing(*, gateway: Any) -> Marked:
    """The rows of `gateway` served marked missing now (one query)."""
    rows = AIModel.objects.filter(gateway_id=gateway.pk, is_active=True, missing_since__isnull=False)
    return {
        pk: (since, missed, uid)
        for pk, since, missed, uid in rows.values_list("pk", "missing_since", "missed_refreshes", "upstream_id")
    }


def note_absences(*, gateway: Any, vanished: Sequence[Vanished], marked: Marked, now: datetime) -> Absences:
    """Apply the rule for one published list of `gateway`: `vanished` are its active rows the list
    lacks, `marked` what `marked_missing` read before the list was stored. Marks newly missing rows
    (their served JSON too), counts another miss for the others, removes those that are due and
    clears the marks of missing rows the list has again. Returns what happened, for the change rows."""
    grace = gateway.missing_grace_seconds
    absences = Absences()
    again: list[int] = []
    for row in vanished:
        since, missed, _ = marked.get(row.pk, (now, 0, row.upstream_id))
        if due_for_removal(missing_since=since, missed_refreshes=missed + 1, grace_seconds=grace, now=now):
            absences.removed.append(row)
        elif row.pk in marked:
            absences.still_missing += 1
            again.append(row.pk)
        else:
            absences.newly_missing.append((row, now))
    gone = {row.pk for row in vanished}
    absences.returned = [(pk, upstream_id, since) for pk, (since, _, upstream_id) in marked.items() if pk not in gone]

    _mark_missing([row.pk for row, _ in absences.newly_missing], since=now)
    _update(again, missed_refreshes=F("missed_refreshes") + 1)
    # A removed row forgets its marks (its `removed` change keeps when it went), so a model listed
    # again later starts over, as `added`. A returned row's JSON is re-rendered by the publish: its
    # content hash was cleared when it was marked.
    _update([row.pk for row in absences.removed], is_active=False, missing_since=None, missed_refreshes=0, updated_at=now)
    _update([pk for pk, _, _ in absences.returned], missing_since=None, missed_refreshes=0)
    return absences


def _update(pks: list[int], **values: Any) -> None:
    for start in range(0, len(pks), CHUNK):
        AIModel.objects.filter(pk__in=pks[start : start + CHUNK]).update(**values)


def _mark_missing(pks: list[int], *, since: datetime) -> None:
    """Mark rows missing and re-serve them so. Their content hash is cleared: the stored JSON no
    longer is what their upstream item renders to, so the next list that has them rewrites it."""
    for start in range(0, len(pks), CHUNK):
        rows = AIModel.objects.filter(pk__in=pks[start : start + CHUNK]).values_list("pk", "public_json", "openai_json")
        bulk.update(
            [
                bulk.new(
                    AIModel,
                    pk=pk,
                    public_json=served_missing(public_json, since=since),
                    openai_json=served_missing(openai_json, since=since),
                    content_hash="",
                    missing_since=since,
                    missed_refreshes=1,
                )
                for pk, public_json, openai_json in rows
            ],
            ["public_json", "openai_json", "content_hash", "missing_since", "missed_refreshes"],
        )


def served_missing(text: str, *, since: datetime) -> str:
    """A stored document (`public_json` or `openai_json`) as served while its model is missing."""
    document = orjson.loads(text)
    document["availability"], document["missing_since"] = MISSING, time_text(since)
    return dumps(document)
