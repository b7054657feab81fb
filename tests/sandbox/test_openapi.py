"""Schemathesis fuzzes both services against the OpenAPI documents the sandbox serves.

It finds no server error and no response that breaks the sandbox's own schema:
status codes, content types, headers and bodies all as documented. (Hypothesis
drives each operation directly: schemathesis' lazy pytest fixtures do not work
with every pytest release.)
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from driver2_kp.sandbox import KP_API_KEY, Sandbox
from driver2_kp.sandbox._openapi import openapi_document

from .conftest import fetch_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZING = hypothesis.settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
)
SCHEMAS = {
    service: schemathesis.openapi.from_dict(openapi_document(service, "http://sandbox"))
    for service in ("driver2", "kp")
}


def _operations() -> list[Any]:
    params = []
    for service, schema in SCHEMAS.items():
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()
            params.append(pytest.param(service, result.ok(), id=f"{service} {result.ok().label}"))
    return params


OPERATIONS = _operations()


@pytest.mark.parametrize(("service", "operation"), OPERATIONS)
def test_each_operation_conforms_to_its_openapi_document(
    service: str, operation: Any, driver2_kp_sandbox: Sandbox
) -> None:
    if service == "driver2":
        base_url = driver2_kp_sandbox.driver2_url
        headers = {"Authorization": f"Bearer {fetch_token(driver2_kp_sandbox)}"}
    else:
        base_url, headers = driver2_kp_sandbox.kp_url, {"X-API-Key": KP_API_KEY}

    @FUZZING
    @hypothesis.given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    fuzz()


def test_the_documents_name_the_server_they_are_served_from(driver2_kp_sandbox: Sandbox) -> None:
    for base in (driver2_kp_sandbox.driver2_url, driver2_kp_sandbox.kp_url):
        document = schemathesis.openapi.from_url(base + "/openapi.json").raw_schema
        assert document["servers"] == [{"url": base}]
        assert document["openapi"].startswith("3.1")
