"""The change feed's cursor: an opaque token for a position in the feed (the id of the last change a
reader saw; `catalog.services._insert_changes` allocates ids in commit order, so nothing committed
later can land behind it).

The token is `c1.` and the base-32 digits of the position: stable (the same position always gives
the same token, across restarts and processes, with no secret to rotate), short, and URL-safe.
It carries no filters: a reader sends its filters again with each cursor. `c1` versions the
format, so a later encoding can still read these."""

from __future__ import annotations

import re

PREFIX = "c1."
# No leading zeros, at most 2**63 - 1 ("7vvvvvvvvvvvv"); the schema states the same pattern.
PATTERN = r"c1\.(0|[1-9a-v][0-9a-v]{0,11}|[1-7][0-9a-v]{12})"
_TOKEN = re.compile(PATTERN)


class InvalidCursor(ValueError):
    pass


def encode(position: int) -> str:
    digits = ""
    while True:
        position, digit = divmod(position, 32)
        digits = "0123456789abcdefghijklmnopqrstuv"[digit] + digits
        if not position:
            return PREFIX + digits


def decode(token: str) -> int:
    """The position a token names; `InvalidCursor` for anything this feed did not issue."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise InvalidCursor(token)
    return int(match.group(1), 32)
