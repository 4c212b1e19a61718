"""One module per upstream kind. Each registers its adapter with `@register`; see `base.py`."""
