"""Every stored model gets its price components (`catalog.prices`), computed from the prices it
already has, so the first refresh after the upgrade compares like with like and records a change
only where a price really changed (or, for a price that is not per token, where it leaves
`pricing`). The stored JSON gets `prices` too; merged entries get theirs at each gateway's next
refresh (docs/operations.md, "Upgrading")."""

from decimal import Decimal, InvalidOperation

import orjson
from django.db import migrations, models

from catalog.prices import components, served_pricing, served_tiers, usd_text


def _decimals(values):
    read = {}
    for key, value in (values or {}).items():
        try:
            read[key] = Decimal(value) if isinstance(value, str) else value
        except InvalidOperation:
            read[key] = None
    return read


def _text(values):
    return {key: usd_text(value) if isinstance(value, Decimal) else value for key, value in values.items()}


def _patched(document, pricing, prices):
    patched = {}
    for key, value in document.items():
        patched[key] = pricing if key == "pricing" else value
        if key == "pricing":
            patched["prices"] = prices
    return patched


FIELDS = ["prices", "pricing", "prompt_price", "completion_price", "public_json", "openai_json"]


def add_components(apps, schema_editor):
    AIModel = apps.get_model("catalog", "AIModel")
    rows = AIModel.objects.only("pk", "pricing", "output_modalities", "public_json", "openai_json", "prompt_price", "completion_price")
    rows = rows.order_by("pk")
    batch = []
    for row in rows.iterator(chunk_size=500):
        stored = dict(row.pricing or {})
        overrides = [_decimals(tier) for tier in stored.pop("overrides", None) or ()]
        units = {"outputs": tuple(row.output_modalities or ())}
        base = _decimals(stored)
        try:
            prices = [price.document() for price in components(base, overrides, **units)]
        except ValueError:  # a tier window no longer readable: left to the next refresh
            continue
        per_token = served_pricing(base, **units)
        row.prompt_price, row.completion_price = per_token["prompt"], per_token["completion"]
        pricing = _text(per_token)
        if overrides:
            pricing["overrides"] = [_text(tier) for tier in served_tiers(overrides, **units)]
        row.prices, row.pricing = prices, pricing
        for field in ("public_json", "openai_json"):
            if getattr(row, field):
                document = orjson.loads(getattr(row, field))
                setattr(row, field, orjson.dumps(_patched(document, pricing, prices)).decode())
        batch.append(row)
        if len(batch) >= 500:
            AIModel.objects.bulk_update(batch, FIELDS)
            batch = []
    AIModel.objects.bulk_update(batch, FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_change_components"),
    ]

    operations = [
        migrations.AddField(
            model_name="aimodel",
            name="prices",
            field=models.JSONField(
                blank=True, default=list, help_text="Every price component as served: component, unit, usd, tier, window."
            ),
        ),
        migrations.RunPython(add_components, migrations.RunPython.noop),
    ]
