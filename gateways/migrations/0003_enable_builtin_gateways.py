"""Enable the built-in gateways whose adapter now exists.

`0002_builtin_gateways` created a built-in gateway disabled when its adapter was not registered
yet. Every built-in kind has an adapter now, so those rows are enabled, once. A gateway that has
ever been refreshed (`last_attempt_at` set) is left as it is: if it is disabled, a person chose that.
"""

from __future__ import annotations

import importlib

from django.db import migrations
from django.db.models import F


def enable(apps, schema_editor):
    from gateways.registry import registered_kinds

    builtin = importlib.import_module("gateways.migrations.0002_builtin_gateways").BUILTIN
    Gateway = apps.get_model("gateways", "Gateway")
    known = set(registered_kinds())
    slugs = [slug for slug, *_ in builtin if slug in known]
    Gateway.objects.filter(slug__in=slugs, kind=F("slug"), enabled=False, last_attempt_at__isnull=True).update(enabled=True)


class Migration(migrations.Migration):
    dependencies = [("gateways", "0002_builtin_gateways")]

    operations = [migrations.RunPython(enable, migrations.RunPython.noop)]
