"""Once enabled the built-in gateways that `0002_builtin_gateways` had created disabled before
their adapter existed. It ran on every database that had such rows; built-ins are now created
enabled by `gateways.builtins`, so there is nothing left for it to do on a new database."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gateways", "0002_builtin_gateways")]

    operations: list[migrations.operations.base.Operation] = []
