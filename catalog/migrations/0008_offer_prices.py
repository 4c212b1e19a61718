"""Merged entries keep their offers' prices apart from the entry (`MergedModel.offer_prices_json`),
for the cost ranking; filled here from each stored entry's offers (offers stored before 0007 have
no `prices` yet: they get theirs at the gateway's next refresh, like the rest of the entry)."""

import orjson
from django.db import migrations, models


def fill(apps, schema_editor):
    MergedModel = apps.get_model("catalog", "MergedModel")
    batch = []
    for entry in MergedModel.objects.only("pk", "public_json").order_by("pk").iterator(chunk_size=500):
        offers = orjson.loads(entry.public_json).get("offers") or ()
        entry.offer_prices_json = orjson.dumps(
            [[o.get("gateway"), o.get("id"), bool(o.get("pricing_dynamic")), o.get("prices") or []] for o in offers]
        ).decode()
        batch.append(entry)
        if len(batch) >= 500:
            MergedModel.objects.bulk_update(batch, ["offer_prices_json"])
            batch = []
    MergedModel.objects.bulk_update(batch, ["offer_prices_json"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_price_components"),
    ]

    operations = [
        migrations.AddField(
            model_name="mergedmodel",
            name="offer_prices_json",
            field=models.TextField(default="[]"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
