"""`AIModel.source_hash`: the hash of the upstream item a row was rendered from. Existing rows get
null and are rendered once more at their gateway's next refresh."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0017_model_endpoints")]

    operations = [
        migrations.AddField(
            model_name="aimodel",
            name="source_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
    ]
