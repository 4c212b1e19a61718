"""Migration 0002 fills the new columns of rows published before it (an upgrade keeps serving)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone


@pytest.mark.django_db(transaction=True)
def test_0002_backfills_openai_json_and_merge_key() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("catalog", "0001_initial")])
    apps: Any = executor.loader.project_state([("catalog", "0001_initial")]).apps
    gateway = apps.get_model("gateways", "Gateway").objects.create(slug="old", name="Old", kind="openai_compatible")
    document = {"id": "org/m", "name": "M", "created": None, "provider_slug": None, "source_gateway": "old", "pricing": {}}
    now = timezone.now()
    row = apps.get_model("catalog", "AIModel").objects.create(
        gateway=gateway,
        upstream_id="org/m",
        canonical_key="org/m",
        name="M",
        content_hash="x",
        public_json=orjson.dumps(document).decode(),
        first_seen_at=now,
        last_seen_at=now,
        updated_at=now,
    )
    apps.get_model("catalog", "MergedModel").objects.create(
        canonical_key="org/m", model_id="org/m", primary_id=row.pk, name="M", public_json=row.public_json, updated_at=now
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from catalog.models import AIModel, MergedModel

    expected = {**document, "object": "model", "created": 0, "owned_by": "old"}
    assert orjson.loads(AIModel.objects.get(upstream_id="org/m").openai_json) == expected
    merged = MergedModel.objects.get(canonical_key="org/m")
    assert merged.merge_key == "org/m"
    assert orjson.loads(merged.openai_json) == expected
