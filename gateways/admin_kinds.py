"""What the gateway form says about each kind: the picked kind's notes beside the Kind select, and
the reference table of every kind (collapsed below the form).

The notes are each adapter module's docstring after its title line, written in a little Markdown
(`code`, **bold**). They are shown as HTML, escaped first, and without the references to documents
staff cannot open from the admin (`UPSTREAMS.md 2.4`, `docs/adapters.md, "Google"`).
"""

from __future__ import annotations

import re
import sys
from typing import Any

from django import forms
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# A reference to a document outside the admin: the upstream notes (by section) or a docs page.
_REFERENCE = r'(?:shared/)?UPSTREAMS\.md(?:,? (?:section )?[\d.]+)?|docs/[\w.-]+\.md(?:, "[^"]*")?'
_ONLY_REFERENCES = re.compile(rf"\s*\((?:{_REFERENCE})(?:[;,]\s*(?:{_REFERENCE}))*\)")
_TRAILING_REFERENCE = re.compile(rf"[;,]\s*(?:{_REFERENCE})(?=[;,)])")
_ANY_REFERENCE = re.compile(rf"\s*(?:see\s+)?(?:{_REFERENCE})")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def notes_text(adapter: type) -> str:
    """The module docstring after its title line, one paragraph, without document references."""
    doc = (sys.modules[adapter.__module__].__doc__ or "").strip()
    paragraphs = [p for p in doc.split("\n\n") if p.strip()]
    text = " ".join((paragraphs[1] if len(paragraphs) > 1 else doc).split())
    text = _ONLY_REFERENCES.sub("", text)
    text = _TRAILING_REFERENCE.sub("", text)
    text = _ANY_REFERENCE.sub("", text)
    return re.sub(r"\s+([.,;:)])", r"\1", text).strip()


def notes_html(adapter: type) -> SafeString:
    """`notes_text` as HTML: escaped, then `code` and **bold**."""
    html = _CODE.sub(r"<code>\1</code>", escape(notes_text(adapter)))
    return mark_safe(_BOLD.sub(r"<strong>\1</strong>", html))  # noqa: S308 - built from escaped text


def _default_url(adapter: type) -> str:
    return adapter.default_base_url or "none: enter the base URL (…/v1)"


def kind_summary(adapter: type) -> SafeString:
    """One kind's card for the picker: its facts, then its notes."""
    return format_html(
        '<p class="kind-facts"><strong>{}</strong> · key {} · prices: {}<br>default base URL: <code>{}</code></p>'
        '<p class="kind-text">{}</p>',
        adapter.label,
        "needed" if adapter.requires_key else "not needed",
        adapter.price_unit_label,
        _default_url(adapter),
        notes_html(adapter),
    )


class KindSelect(forms.Select):
    """The Kind select with the picked kind's notes beside it (`gateways/kind_notes.js` switches
    them as the value changes; without JavaScript the stored kind's notes show)."""

    class Media:
        css = {"all": ("gateways/kinds.css",)}
        js = ("gateways/kind_notes.js",)

    def __init__(self, *args: Any, adapters: dict[str, type], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.adapters = adapters

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        select = super().render(name, value, attrs, renderer)
        cards = format_html_join(
            "",
            '<div class="kind-card" data-kind="{}"{}>{}</div>',
            ((kind, "" if kind == value else mark_safe(" hidden"), kind_summary(a)) for kind, a in self.adapters.items()),
        )
        return format_html(
            '<div class="kind-picker">{}<div id="kind-notes" class="kind-notes" aria-live="polite">'
            '<p class="kind-card" data-kind=""{}>Pick a kind to read what it fetches and how it reads prices.</p>{}</div></div>',
            select,
            mark_safe(" hidden") if value in self.adapters else "",
            cards,
        )


def kinds_reference(adapters: list[type]) -> SafeString:
    """Every kind in one table, inside a closed <details>: the reference below the form."""
    rows = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (a.kind, a.label, _default_url(a), "yes" if a.requires_key else "no", a.price_unit_label, notes_html(a))
            for a in adapters
        ),
    )
    return format_html(
        '<details class="kinds-reference"><summary>Every kind ({}): default base URL, key, price unit, notes</summary>'
        '<table class="adapter-table"><thead><tr><th>kind</th><th>label</th><th>default base URL</th>'
        "<th>key</th><th>upstream price unit</th><th>notes</th></tr></thead><tbody>{}</tbody></table></details>",
        len(adapters),
        rows,
    )


def adapter_facts(adapter: type) -> SafeString:
    """One kind's facts and notes, for a gateway's change page."""
    return format_html('<div class="kind-notes">{}</div>', kind_summary(adapter))
