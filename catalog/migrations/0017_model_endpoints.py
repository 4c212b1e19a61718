"""Per-provider offers (`ModelEndpoint`, catalog.endpoints), and the stored merged entries in the
shape that serves them: every offer gets `provider` and `endpoint` (null: the gateway's own
offer), and each `offer_prices_json` entry its provider, so an entry no publish rebuilds serves the
same offer members as a rebuilt one (docs/operations.md, "Upgrading")."""

import django.db.models.deletion
import orjson
from django.db import migrations, models

BATCH = 500


def _offer(offer):
    patched = {}
    for key, value in offer.items():
        patched[key] = value
        if key == "provider_slug":
            patched.setdefault("provider", None)
    patched.setdefault("provider", None)
    patched.setdefault("endpoint", None)
    return patched


def _document(text):
    document = orjson.loads(text) if text else None
    if not isinstance(document, dict) or not isinstance(document.get("offers"), list):
        return text
    document["offers"] = [_offer(offer) if isinstance(offer, dict) else offer for offer in document["offers"]]
    return orjson.dumps(document).decode()


def name_the_offers(apps, schema_editor):
    MergedModel = apps.get_model("catalog", "MergedModel")
    fields = ["public_json", "openai_json", "offer_prices_json"]
    last = 0
    while True:
        # A batch read whole before it is written: no cursor stays open across the updates.
        rows = list(MergedModel.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:BATCH])
        if not rows:
            return
        changed = []
        for pk, public, openai, offer_prices in rows:
            prices = [list(entry) + [None] * (5 - len(entry)) for entry in orjson.loads(offer_prices or "[]")]
            changed.append(
                MergedModel(
                    pk=pk,
                    public_json=_document(public),
                    openai_json=_document(openai),
                    offer_prices_json=orjson.dumps(prices).decode(),
                )
            )
        MergedModel.objects.bulk_update(changed, fields)
        last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0016_webhooks'),
    ]

    operations = [
        migrations.CreateModel(
            name='ModelEndpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('provider', models.CharField(help_text="The endpoint's tag, e.g. `deepinfra/fp8`.", max_length=128)),
                ('pricing', models.JSONField(blank=True, default=dict, help_text='Exact decimal strings, discount applied.')),
                ('prices', models.JSONField(blank=True, default=list)),
                ('context_length', models.BigIntegerField(blank=True, null=True)),
                ('raw', models.JSONField(blank=True, help_text='The upstream endpoint entry as received.', null=True)),
                ('content_hash', models.CharField(max_length=64)),
                ('public_json', models.TextField()),
                ('first_seen_at', models.DateTimeField()),
                ('updated_at', models.DateTimeField()),
                ('ai_model', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='endpoints', to='catalog.aimodel')),
            ],
            options={
                'ordering': ['ai_model_id', 'provider'],
                'constraints': [models.UniqueConstraint(fields=('ai_model', 'provider'), name='endpoint_model_provider')],
            },
        ),
        migrations.RunPython(name_the_offers, migrations.RunPython.noop),
    ]
