"""Rows published before price history existed get their spans: each active row is taken to have
been listed, at its current prices, since its `first_seen_at` (the only date it kept). So an `at=`
read after the upgrade answers from the first day the row was seen, and the first refresh after
the upgrade opens and closes spans only where a price really changes. Inactive rows get none: when
they were listed is not known (docs/operations.md, "Upgrading")."""

from django.db import migrations

from catalog.history import span_columns

BATCH = 500


def open_spans(apps, schema_editor):
    AIModel = apps.get_model("catalog", "AIModel")
    ListingSpan = apps.get_model("catalog", "ListingSpan")
    PriceSpan = apps.get_model("catalog", "PriceSpan")
    listings, prices = [], []
    rows = AIModel.objects.filter(is_active=True).order_by("pk").values_list("pk", "first_seen_at", "prices")
    for pk, first_seen_at, served in rows.iterator(chunk_size=BATCH):
        listings.append(ListingSpan(ai_model_id=pk, valid_from=first_seen_at))
        prices += [PriceSpan(ai_model_id=pk, valid_from=first_seen_at, **span_columns(entry)) for entry in served or ()]
        if len(listings) >= BATCH:
            ListingSpan.objects.bulk_create(listings, batch_size=BATCH)
            PriceSpan.objects.bulk_create(prices, batch_size=BATCH)
            listings, prices = [], []
    ListingSpan.objects.bulk_create(listings, batch_size=BATCH)
    PriceSpan.objects.bulk_create(prices, batch_size=BATCH)


def drop_spans(apps, schema_editor):
    apps.get_model("catalog", "PriceSpan").objects.all().delete()
    apps.get_model("catalog", "ListingSpan").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_price_history"),
    ]

    operations = [migrations.RunPython(open_spans, drop_spans)]
