"""A schema-driven fuzz of the OpenAPI spec (schemathesis): no input makes any API operation fail with a
server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app


def test_no_input_breaks_the_api(web_store: TrialStore) -> None:
    app = create_app(web_store, secret=b"fuzz")
    app.state.site.match_limiter.limit = 1_000_000  # the fuzzer is one very busy client
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        fuzz()
