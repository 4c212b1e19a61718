"""Provenance (`catalog.provenance`): the run that last changed each row, and the merged entries'
disagreements. Entries stored before this have no `provenance` yet: `catalog.apps` re-merges them
after `migrate` (with today's code, so this migration stays independent of it).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0014_drift_guard'),
    ]

    operations = [
        migrations.AddField(
            model_name='aimodel',
            name='source_run_id',
            field=models.PositiveBigIntegerField(blank=True, help_text='The refresh run whose list last changed this row (null: none recorded).', null=True),
        ),
        migrations.AddField(
            model_name='mergedmodel',
            name='disagreeing_gateways_text',
            field=models.CharField(default=',', help_text="',portkey,deepinfra,'", max_length=1024),
        ),
        migrations.AddField(
            model_name='mergedmodel',
            name='has_disagreement',
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name='mergedmodel',
            index=models.Index(condition=models.Q(('has_disagreement', True)), fields=['has_disagreement'], name='merged_disagreement'),
        ),
    ]
