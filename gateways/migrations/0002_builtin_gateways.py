"""Create the built-in gateways, so a fresh database has them all.

Only facts a staff member can later edit in admin live here (name, priority, cadence, guard
thresholds); the adapter itself (URL, auth, units) is found from `kind` in the registry. A gateway
whose adapter is not registered yet is created disabled.
"""

from __future__ import annotations

from django.db import migrations

# slug, name, priority (higher wins in merges), min_expected_models
BUILTIN = [
    ("openrouter", "OpenRouter", 100, 50),
    ("portkey", "Portkey", 10, 1),
    ("featherless", "Featherless", 40, 100),
    ("deepinfra", "DeepInfra", 50, 10),
    ("google", "Google (Gemini API)", 60, 5),
    ("cerebras", "Cerebras", 60, 1),
    ("nebius", "Nebius", 50, 5),
    ("xai", "xAI", 60, 1),
    ("novita", "Novita", 50, 10),
    ("huggingface", "Hugging Face", 80, 10),
    ("chutes", "Chutes", 45, 5),
    ("groq", "Groq", 60, 5),
    ("fireworks", "Fireworks", 55, 5),
    ("together", "Together", 55, 10),
    ("aimo", "AIMO Network", 30, 1),
    ("near", "NEAR AI Cloud", 30, 1),
    ("fal", "Fal", 35, 50),
]


def create(apps, schema_editor):
    from gateways.registry import registered_kinds

    Gateway = apps.get_model("gateways", "Gateway")
    known = registered_kinds()
    for slug, name, priority, minimum in BUILTIN:
        Gateway.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": slug,
                "priority": priority,
                "min_expected_models": minimum,
                "enabled": slug in known,
                "refresh_interval_seconds": 3600,
                "stale_after_seconds": 3 * 3600,
            },
        )


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
        migrations.RunPython(create, migrations.RunPython.noop),
        migrations.RunPython(schedule, migrations.RunPython.noop),
    ]
