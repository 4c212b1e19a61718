"""`{% load timestamps %}`: `{{ value|when }}` and `{{ value|ago:now }}`, the admin's one timestamp
format and its one way to say how long ago (`catalog.display`)."""

from __future__ import annotations

from datetime import datetime

from django import template

from catalog.display import ago_text, when_text

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    return when_text(value)


@register.filter
def ago(value: datetime | None, now: datetime) -> str:
    return ago_text(value, now=now)
