"""The benchmark's catalog generator stays in step with the adapters (bench/generator.py), and an
unchanged refresh of a generated gateway writes no rows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import generator
from bench.common import builtin_slugs
from bench.upstream import serve
from catalog.models import AIModel
from gateways.fetch import decode_json
from gateways.models import Gateway
from gateways.refresh import gateway_import, gateway_refresh
from gateways.registry import registered_kinds

GENERATED = sorted(slug for slug in generator.SHAPES if slug in registered_kinds())


def test_every_shape_is_a_built_in_gateway_and_the_bench_loads_every_built_in() -> None:
    assert set(generator.SHAPES) <= set(builtin_slugs())
    catalog = generator.generate_catalog(200, slugs=builtin_slugs())
    assert list(catalog) == list(builtin_slugs())


def test_a_built_in_without_a_shape_gets_the_generic_list() -> None:
    catalog = generator.generate_catalog(100, slugs=["groq", "zephyrcloud"])
    assert catalog["zephyrcloud"] == generator.generic(len(catalog["zephyrcloud"]["data"]), prefix="zephyrcloud")
    assert catalog["groq"] == generator.generate("groq", len(catalog["groq"]["data"]))
    assert sum(generator.sizes_for(100, ["groq", "zephyrcloud"]).values()) == 100


def test_catalog_sizes_add_up_to_the_asked_total() -> None:
    for total in (60, 1000, 20000, 100000):
        assert sum(generator.sizes_for(total).values()) == total
    assert generator.sizes_for(20000) == generator.REAL_SIZES


@pytest.mark.parametrize("slug", GENERATED)
def test_generated_body_parses_through_its_adapter_without_rejections(slug: str) -> None:
    body = generator.generate(slug, 12)
    adapter = registered_kinds()[slug](options={})

    result = adapter.parse(adapter.items(decode_json(json.dumps(body))))

    assert (result.rejected, result.errors) == (0, [])
    assert len(result.models) == len(generator.items_of(slug, body)) == 12


@pytest.mark.django_db
@pytest.mark.parametrize("slug", GENERATED)
def test_fake_upstream_serves_every_page_the_adapter_asks_for(slug: str, gateway_keys: Any, tmp_path: Any) -> None:
    # 120 models: more than one page for the paginated upstreams (Google 50, Fal 100 per page).
    (tmp_path / f"{slug}.json").write_text(json.dumps(generator.generate(slug, 120)))
    server, _ = serve(tmp_path)
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        gateway_keys(**{slug: "bench-key"})
        adapter = registered_kinds()[slug]
        path = adapter.default_base_url.split("://", 1)[1].partition("/")[2]
        gateway = Gateway.objects.get(slug=slug)
        gateway.base_url = f"http://127.0.0.1:{server.server_address[1]}/{slug}/{path}".rstrip("/")
        gateway.enabled, gateway.min_expected_models = True, 1
        gateway.save()

        run = gateway_refresh(gateway=gateway)
    finally:
        server.shutdown()
        server.server_close()

    assert (run.outcome, run.error_message, run.models_rejected) == ("success", "", 0)
    assert AIModel.objects.filter(gateway=gateway, is_active=True).count() == 120


def _catalog_writes() -> int:
    """Rows inserted, updated or deleted in catalog tables by this transaction (PostgreSQL sees
    COPY too, which query capture cannot)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables WHERE relname LIKE 'catalog%%' AND relname != 'catalog_source'"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_unchanged_refresh_of_a_generated_gateway_writes_no_rows() -> None:
    gateway = Gateway.objects.get(slug="huggingface")
    body = json.dumps(generator.generate("huggingface", 40))
    postgres = connection.vendor == "postgresql"
    before_first = _catalog_writes() if postgres else 0
    first = gateway_import(gateway=gateway, body=body)
    assert (first.outcome, first.models_added) == ("success", 40)
    before = _catalog_writes() if postgres else 0
    if postgres:
        assert before - before_first >= 40 * 3  # the counter sees the first publish's COPY rows

    with CaptureQueriesContext(connection) as queries:
        again = gateway_import(gateway=gateway, body=body)

    assert (again.outcome, again.models_unchanged, again.models_added, again.models_changed) == ("success", 40, 0, 0)
    writes = [
        q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE", "COPY") and "catalog_" in q["sql"]
    ]
    # Only the gateway's freshness record moves (its last success is now); no model row is written.
    assert [sql.split('"')[1] for sql in writes] == ["catalog_source"]
    if postgres:
        assert _catalog_writes() - before == 0
