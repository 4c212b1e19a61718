"""Which records are the same model (ARCHITECTURE.md, "Trust": identity).

A record's merge key is found in three steps, each in one place:

1. The base: the Hugging Face id the upstream states, else the id without gateway-only prefixes
   and variant (`merge_base`, from the adapter; a provider's bare ids in its own list carry the
   provider, `gemini-2.5-pro` at Google is `google/gemini-2.5-pro`).
2. `spelled`: the spelling differences upstreams really use, undone: case; `_` between two digits
   is a `.` (`v1_5` = `v1.5`, `3_3` = `3.3`); the author spellings OpenRouter uses (`xai/` is
   `x-ai/`); an author's head repeated in the name (`meta-llama/meta-llama-3-8b-instruct` is
   `meta-llama/llama-3-8b-instruct`). Nothing that tells products apart is touched: sizes,
   quantizations, `-instruct`, dates.
3. The alias table (`ModelAlias`): a spelled key that is an alias resolves to its target
   (transitively). Aliases come from upstream signals (a record's id and `canonical_slug` are
   aliases of its Hugging Face key) and from `catalog/data/model_aliases.json`, a curated file
   where every entry names its evidence; staff edit them in admin.

The variant (`:free`, `-fast`, ...) is added after resolution: a variant is never the same offer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CURATED_FILE = Path(__file__).resolve().parent / "data" / "model_aliases.json"
# Author slugs some upstreams spell differently from OpenRouter (the most used spelling).
AUTHOR_SPELLINGS = {"xai": "x-ai", "mistral": "mistralai"}
_DIGIT_UNDERSCORE = re.compile(r"(?<=\d)_(?=\d)")
MAX_HOPS = 5


def spelled(key: str) -> str:
    """`key` with the spelling differences upstreams use undone (see the module docstring)."""
    key = _DIGIT_UNDERSCORE.sub(".", key.strip().lower())
    author, slash, name = key.partition("/")
    if not slash:
        return key
    author = AUTHOR_SPELLINGS.get(author, author)
    head, dash, rest = author.partition("-")
    if dash and name.startswith(f"{author}-") and rest:
        name = name.removeprefix(f"{head}-")  # meta-llama/meta-llama-3 -> meta-llama/llama-3
    return f"{author}/{name}"


def resolve(key: str, aliases: Mapping[str, str]) -> str:
    """The canonical key of a spelled key: followed through `aliases` (at most `MAX_HOPS`, so a
    loop an editor made cannot hang a publish)."""
    for _ in range(MAX_HOPS):
        target = aliases.get(key)
        if target is None or target == key:
            return key
        key = target
    return key


def merge_key(
    *,
    model_id: str,
    merge_base: str | None,
    hugging_face_id: str | None,
    variant: str | None,
    aliases: Mapping[str, str],
) -> str:
    if model_id.startswith("~"):  # moving aliases are rows of their own, never grouped
        return model_id.lower()
    base = resolve(spelled(hugging_face_id or merge_base or model_id), aliases)
    return f"{base}:{variant.strip().lower()}" if variant else base


@dataclass(frozen=True, slots=True)
class Signal:
    """An alias an upstream states: `alias` names the same model as `canonical_key`."""

    alias: str
    canonical_key: str
    source: str  # hugging_face_id | canonical_slug


def signals(*, model_id: str, merge_base: str | None, hugging_face_id: str | None, canonical_slug: str | None) -> list[Signal]:
    """The aliases one record states: its own id (and `canonical_slug`) name the model its Hugging
    Face id names. None for a record without a Hugging Face id, or a moving alias (`~...`)."""
    if not hugging_face_id or model_id.startswith("~"):
        return []
    target = spelled(hugging_face_id)
    found = []
    for alias, source in ((merge_base or model_id, "hugging_face_id"), (canonical_slug, "canonical_slug")):
        if alias and (key := spelled(alias)) != target:
            found.append(Signal(key, target, source))
    return found


@dataclass(frozen=True, slots=True)
class CuratedAlias:
    alias: str
    canonical_key: str
    evidence: str


def curated(path: Path = CURATED_FILE) -> list[CuratedAlias]:
    """The curated file's entries, spelled; raises `ValueError` naming the entry that lacks its
    alias, target or evidence (an alias nobody can check is not kept)."""
    entries = json.loads(path.read_text())
    found = []
    for index, entry in enumerate(entries):
        missing = [name for name in ("alias", "canonical_key", "evidence") if not str(entry.get(name) or "").strip()]
        if missing:
            raise ValueError(f"{path.name} entry {index}: {', '.join(missing)} missing")
        found.append(CuratedAlias(spelled(entry["alias"]), spelled(entry["canonical_key"]), entry["evidence"].strip()))
    return found
