"""Fuzzing our own OpenAPI schema with schemathesis, in-process against the WSGI app
(docs/security.md, "Fuzzing"): for every operation, a bounded number of generated requests (valid
and invalid), anonymously and with a staff token; no response is a 5xx, every response has a
documented status code, content type, headers and body shape, every request the schema allows is
accepted and every request it forbids is refused: the schema is the truth about the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, assume, settings
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalog.history import history_begins
from catalog.schema import add_gateway_enums
from catalog.serializers import SinceField
from catalog.services import catalog_publish
from gateways.builtins import builtin_adapters
from gateways.models import Gateway, RefreshRun

from ..factories import make_model

EXAMPLES_PER_OPERATION = 30
# The WSGI test client does not decompress: ask for plain bodies (gzip is tested elsewhere).
IDENTITY = {"Accept-Encoding": "identity"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
]


@pytest.fixture(autouse=True)
def small_catalog(db: Any, settings: Any) -> Iterator[None]:
    """A small catalog and a few refresh runs, so that reads find something. The WSGI app is called
    directly, so (as Django's test client does) it must not close the test's database connection
    at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": "1000000/min"}}
    settings.GATEWAY_KEYS = {"GROQ": "sk-groq-0123456789"}
    settings.ALLOWED_HOSTS = ["*"]
    Gateway.objects.exclude(slug__in=("groq", "openrouter")).update(enabled=False)
    Gateway.objects.update(min_expected_models=1)
    for slug, ids in (("groq", ["acme/alpha", "acme/beta:free"]), ("openrouter", ["acme/alpha", "bolt/vision"])):
        gateway = Gateway.objects.get(slug=slug)
        catalog_publish(gateway=gateway, models=[make_model(i) for i in ids], force=True)
        RefreshRun.objects.create(gateway=gateway, started_at=gateway.created_at, outcome="failed", error_message="HTTP 500")
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def served_schema() -> Any:
    """The schema exactly as /api/schema/ serves it. It is loaded when the tests are collected,
    before there is a database, so the gateway names it would list (`catalog.schema`) are put in
    here: the built-in gateways, which every test database has."""
    from django.core.wsgi import get_wsgi_application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    add_gateway_enums(loaded.raw_schema, list(builtin_adapters()))
    return loaded


schema = served_schema()


@pytest.fixture
def staff_token(db: Any) -> str:
    user, _ = get_user_model().objects.get_or_create(username="fuzz-staff", defaults={"is_staff": True, "is_superuser": True})
    return Token.objects.get_or_create(user=user)[0].key


FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.parametrize()
@FUZZ
def test_every_operation_answers_anonymous_generated_requests_as_documented(case: Any) -> None:
    # "dashboard" is a reserved slug (gateways/admin.py): /health/gateways/dashboard is the admin page.
    assume((case.path_parameters or {}).get("slug") != "dashboard")
    assume(not before_the_history(case))
    case.call_and_validate(headers=IDENTITY, checks=CHECKS)


def before_the_history(case: Any) -> bool:
    """An `at` before the catalog's history begins is a 400 (docs/api.md, "The catalog at an
    instant"): where the history begins is data, which the schema cannot state."""
    at = (case.query or {}).get("at")
    try:
        moment = SinceField().to_internal_value(at) if at is not None else None  # text or Unix seconds
    except ValidationError:
        return False
    begins = history_begins(now=timezone.now())
    return moment is not None and (begins is None or moment < begins)


@schema.include(tag="system").parametrize()
@FUZZ
def test_every_staff_operation_answers_a_staff_callers_generated_requests_as_documented(case: Any, staff_token: str) -> None:
    case.call_and_validate(headers={**IDENTITY, "Authorization": f"Token {staff_token}"}, checks=CHECKS)
