"""schemathesis over an OpenAPI document: every operation, bounded, every finding collected.

The checks: no 5xx, and every response matches the status codes and schemas its
operation documents. Used on an empty database in-process (tests/ops/test_openapi_fuzz.py)
and on the running stack with the corpus loaded (tests/integration/test_corpus.py), where
real ids, province slugs, period keys and page cursors are drawn beside random values,
and the ingest document also runs stateful (POST a report, then follow its links).

The Python API rather than schemathesis's pytest plug-in, which does not support this
pytest version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

#: for an operation, the real inputs to try beside random ones: each a dict with
#: "path_parameters" and/or "query"; an empty list means random inputs only
RealInputs = Callable[[Any], list[dict[str, dict[str, str]]]]


def bounded(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_ctx, value) -> bytes:  # type: ignore[no-untyped-def]
    """The batch body is documented as a string; send it as it is."""
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)


def _with_inputs(case: Any, inputs: dict[str, dict[str, str]]) -> Any:
    if "path_parameters" in inputs:
        case.path_parameters = {**(case.path_parameters or {}), **inputs["path_parameters"]}
    if "query" in inputs:
        case.query = {**(case.query or {}), **inputs["query"]}
    return case


def fuzz(
    schema: Any,
    headers: dict[str, str],
    *,
    max_examples: int = 40,
    real_inputs: RealInputs | None = None,
) -> list[str]:
    """Every operation of the schema; the failures, one line each."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy()
        real = real_inputs(operation) if real_inputs else []
        if real:
            with_real = st.tuples(operation.as_strategy(), st.sampled_from(real))
            strategy = st.one_of(with_real.map(lambda pair: _with_inputs(*pair)), strategy)

        @given(case=strategy)
        @bounded(max_examples)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect them all, then fail once with every finding
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    return failures


def fuzz_stateful(schema: Any, headers: dict[str, str], *, max_examples: int = 20) -> list[str]:
    """Sequences of calls along the document's links (inferred by schemathesis: the id
    a submission answers leads to the report's status and retry operations)."""
    machine = schema.as_state_machine()

    class WithHeaders(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        WithHeaders.run(settings=bounded(max_examples))
    except Exception as exc:
        return [f"stateful: {str(exc)[:3000]}"]
    return []
