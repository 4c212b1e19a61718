"""The beat schedule that enqueues due refreshes every minute.

This migration also created the 17 built-in gateways once; they are now declared on their
adapters (`Adapter.builtin`) and given to every database after `migrate` by `gateways.builtins`,
so the creation step is gone (it ran on every existing database already).
"""

from __future__ import annotations

from django.db import migrations


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Enqueue due gateway refreshes",
        defaults={"task": "gateways.tasks.enqueue_due_refreshes", "interval": every_minute, "enabled": True},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("gateways", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedule, migrations.RunPython.noop),
    ]
