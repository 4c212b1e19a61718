"""`refresh_catalog` and `import_catalog` end to end: a real HTTP server on 127.0.0.1 for the
refresh, saved bodies (file and stdin) for the import."""

from __future__ import annotations

import io
import json
from os import EX_TEMPFAIL
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from catalog.models import AIModel
from gateways.leases import lease_acquire
from gateways.models import RefreshRun

from ..conftest import FakeUpstream
from ..factories import make_gateway, openai_body, openai_item

pytestmark = pytest.mark.django_db


def run_command(*args: str, stdin: bytes | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    out = io.StringIO()
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def live_gateways(settings: Any, fake_upstream: FakeUpstream) -> FakeUpstream:
    settings.GATEWAY_KEYS = {"GOOD": "sk-good", "BAD": "sk-bad"}
    make_gateway("good", base_url=fake_upstream.url + "/good/v1")
    make_gateway("bad", base_url=fake_upstream.url + "/bad/v1")
    fake_upstream.json("/good/v1/models", openai_body(openai_item("acme/one"), openai_item("acme/two")))
    fake_upstream.json("/bad/v1/models", {"error": "down"}, status=503)
    return fake_upstream


def test_refresh_catalog_refreshes_inline_and_prints_one_line_per_gateway(live_gateways: FakeUpstream) -> None:
    output = run_command("refresh_catalog", "good")
    assert output.startswith("good: success in ")
    assert output.rstrip().endswith("2 seen, 2 added, 0 changed, 0 removed, 0 missing, 0 rejected")
    assert sorted(AIModel.objects.values_list("upstream_id", flat=True)) == ["acme/one", "acme/two"]
    path, headers = live_gateways.requests[0]
    assert (path, headers["Authorization"]) == ("/good/v1/models", "Bearer sk-good")


def test_refresh_catalog_exits_non_zero_when_any_gateway_failed(live_gateways: FakeUpstream) -> None:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("refresh_catalog", "good", "bad", stdout=out)
    assert caught.value.returncode == 1
    assert str(caught.value) == "1 of 2 gateway refreshes failed"
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("good: success")
    assert lines[1].startswith("bad: FAILED (http_status)") and "HTTP 503" in lines[1]
    assert RefreshRun.objects.get(gateway__slug="bad").retryable is True


def test_refresh_catalog_names_valid_slugs_for_an_unknown_one(db: Any) -> None:
    with pytest.raises(CommandError, match=r"unknown gateway\(s\): nope\. Valid: .*openrouter"):
        call_command("refresh_catalog", "nope")


def test_import_catalog_publishes_a_saved_body_like_a_live_fetch(tmp_path: Path) -> None:
    make_gateway("acme")
    body = tmp_path / "body.json"
    body.write_text(json.dumps(openai_body(openai_item("acme/one", "0.0000031", "0.0000062", 128000))))

    output = run_command("import_catalog", "acme", str(body))

    assert output.startswith("acme: success")
    model = AIModel.objects.get()
    assert (model.upstream_id, model.pricing, model.context_length) == (
        "acme/one",
        {"prompt": "0.0000031", "completion": "0.0000062"},
        128000,
    )
    assert RefreshRun.objects.get().trigger == "import"


def test_import_catalog_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    make_gateway("acme")
    body = json.dumps(openai_body(openai_item("acme/stdin"))).encode()
    output = run_command("import_catalog", "acme", "-", stdin=body, monkeypatch=monkeypatch)
    assert output.startswith("acme: success")
    assert AIModel.objects.get().upstream_id == "acme/stdin"


def test_import_catalog_applies_the_same_guards_and_force_bypasses_the_shrink(tmp_path: Path) -> None:
    make_gateway("acme")
    full, small = tmp_path / "full.json", tmp_path / "small.json"
    full.write_text(json.dumps(openai_body(*(openai_item(f"acme/m{i}") for i in range(10)))))
    small.write_text(json.dumps(openai_body(openai_item("acme/m0"))))
    run_command("import_catalog", "acme", str(full))

    with pytest.raises(CommandError, match="import into acme failed; the stored catalog is unchanged"):
        call_command("import_catalog", "acme", str(small), stdout=io.StringIO())
    assert AIModel.objects.filter(is_active=True).count() == 10

    run_command("import_catalog", "acme", str(small), "--force")
    # Accepted: the nine it lacks are missing (served in their grace period), not removed yet.
    assert AIModel.objects.filter(is_active=True, missing_since=None).count() == 1
    assert AIModel.objects.filter(is_active=True).exclude(missing_since=None).count() == 9


def test_import_catalog_reports_a_malformed_body_and_keeps_the_catalog(tmp_path: Path) -> None:
    make_gateway("acme")
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(openai_body(openai_item("acme/one"))))
    bad.write_text('{"data": [')
    run_command("import_catalog", "acme", str(good))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", "acme", str(bad), stdout=out)
    assert out.getvalue().startswith("acme: FAILED (malformed)")
    assert AIModel.objects.filter(is_active=True).count() == 1


def test_import_catalog_missing_file_is_a_clear_error(db: Any) -> None:
    with pytest.raises(CommandError, match="nowhere.json: no such file"):
        call_command("import_catalog", "openrouter", "nowhere.json")


def test_import_catalog_force_accepts_a_list_below_min_expected_models_on_purpose(tmp_path: Path) -> None:
    make_gateway("acme", min_expected_models=5)
    small = tmp_path / "small.json"
    small.write_text(json.dumps(openai_body(openai_item("acme/one"), openai_item("acme/two"))))

    out = io.StringIO()
    with pytest.raises(CommandError, match="import into acme failed"):
        call_command("import_catalog", "acme", str(small), stdout=out)
    assert "fewer than min_expected_models=5" in out.getvalue()
    assert not AIModel.objects.exists()

    output = run_command("import_catalog", "acme", str(small), "--force")
    assert output.startswith("acme: success")
    assert AIModel.objects.filter(is_active=True).count() == 2


def test_import_catalog_exits_non_zero_with_the_reason_when_a_refresh_holds_the_gateway(tmp_path: Path) -> None:
    gateway = make_gateway("acme")
    body = tmp_path / "body.json"
    body.write_text(json.dumps(openai_body(openai_item("acme/one"))))
    assert lease_acquire(gateway_id=gateway.pk) is not None  # a refresh of acme is running

    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_catalog", "acme", str(body), stdout=out)

    assert caught.value.returncode == EX_TEMPFAIL
    assert str(caught.value) == (
        "nothing was imported into acme: another refresh of this gateway is in progress; try again later"
    )
    assert out.getvalue() == "acme: skipped: another refresh of this gateway is in progress\n"
    assert not AIModel.objects.exists()
