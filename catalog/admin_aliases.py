"""The alias table in admin: the one part of the catalog staff edit by hand (`catalog.identity`).

Saving an alias (spelled as the rules spell keys) moves the rows stored under it to its target and
rebuilds the merged entries involved, in the request (one indexed update and a merge of the few
keys concerned). Deleting one takes effect at the next refresh of the gateways whose rows it joined.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from catalog import identity
from catalog.models import ModelAlias
from catalog.services import aliases_changed


class ModelAliasForm(forms.ModelForm):
    class Meta:
        model = ModelAlias
        fields = ("alias", "canonical_key", "evidence")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        alias, target = (identity.spelled(cleaned.get(name) or "") for name in ("alias", "canonical_key"))
        if alias and alias == target:
            raise forms.ValidationError("an alias cannot name itself: give the key of the model it is another name of")
        if not (cleaned.get("evidence") or "").strip():
            self.add_error("evidence", "say why the two names are one model (a link to the upstream's docs, a quote)")
        cleaned["alias"], cleaned["canonical_key"] = alias, target
        return cleaned


@admin.register(ModelAlias)
class ModelAliasAdmin(admin.ModelAdmin):
    form = ModelAliasForm
    list_display = ("alias", "canonical_key", "source", "gateway", "updated_at")
    list_filter = ("source",)
    search_fields = ("alias", "canonical_key")
    readonly_fields = ("source", "gateway", "updated_at")
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: ModelAlias, form: Any, change: bool) -> None:
        obj.source = ModelAlias.Source.STAFF  # a hand edit outranks what an upstream or the file says
        super().save_model(request, obj, form, change)
        rebuilt = aliases_changed(renamed={obj.alias: obj.canonical_key})
        if rebuilt:
            self.message_user(
                request,
                f"Rows stored as {obj.alias} joined {obj.canonical_key}: {rebuilt} merged entries rebuilt.",
                messages.SUCCESS,
            )
