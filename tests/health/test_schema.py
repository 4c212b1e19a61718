"""The health and system endpoints are in the OpenAPI schema, with their responses and auth."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/health/gateways", "get", {"200", "429"}),
        ("/health/gateways/{slug}", "get", {"200", "404", "429"}),
        ("/readyz", "get", {"200", "503"}),
        ("/cache/status", "get", {"200", "401", "403"}),
        ("/cache/refresh", "post", {"202", "400", "401", "403", "503"}),
        ("/cache/refresh/{gateway}", "post", {"202", "400", "401", "403", "409", "503"}),
        ("/cache/clear", "post", {"200", "400", "401", "403"}),
        ("/cache/runs/{run_id}", "get", {"200", "401", "403", "404"}),
    ],
)
def test_endpoint_is_documented_with_its_responses(schema: dict, path: str, method: str, codes: set[str]) -> None:
    operation = schema["paths"][path][method]

    assert set(operation["responses"]) == codes | {"414"}  # every operation: the server's URL limit


@pytest.mark.parametrize("path", ["/cache/status", "/cache/refresh", "/cache/refresh/{gateway}", "/cache/clear"])
def test_system_endpoints_declare_token_and_session_auth(schema: dict, path: str) -> None:
    operation = next(iter(schema["paths"][path].values()))

    assert {name for requirement in operation["security"] for name in requirement} == {"tokenAuth", "cookieAuth"}


def test_refresh_documents_the_force_parameter(schema: dict) -> None:
    parameters = {p["name"]: p for p in schema["paths"]["/cache/refresh/{gateway}"]["post"]["parameters"]}

    assert parameters["force"]["in"] == "query"
    # Exactly the values the view reads: schemathesis checks that each is accepted and others refused.
    assert parameters["force"]["schema"] == {"type": "string", "enum": ["", "0", "1", "false", "no", "true", "yes"]}
