"""Deduplicated enqueueing and Retry-After on the gateway row; ticks that wait too long expire.

`refresh_queued_at` marks a gateway whose refresh task is queued (or waiting for its retry), so the
scheduler's tick, a stale read and a manual refresh enqueue it once. `retry_not_before` keeps
automatic refreshes away from an upstream that answered 429 with a Retry-After.

The periodic tick gets an expiry: a tick that waited in the queue longer than its own interval
(workers down, backlog) is dropped instead of run late; the next one does the same work.
"""

from django.db import migrations, models

TICK = "Enqueue due gateway refreshes"


def expire_ticks(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TICK, expires__isnull=True, expire_seconds__isnull=True).update(expire_seconds=55)


class Migration(migrations.Migration):
    dependencies = [
        ("gateways", "0003_enable_builtin_gateways"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="gateway",
            name="refresh_queued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="gateway",
            name="retry_not_before",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(expire_ticks, migrations.RunPython.noop),
    ]
