"""schemathesis against a live server (SPEC 9): every operation of the read and
write roles and the health endpoints, generated from ``/_openapi.json`` itself.

No 5xx (except /_status/buckets' documented 500 for a stale bucket, which the
fuzzer itself can cause by creating a bucket with ``max_age_expected``), and
every response conforms to the document: status, content type, headers, body.
The admin role's HTML pages are listed in the document but not fuzzed
(docs/openapi.md says why). ``test_statuses.py`` reaches every documented status.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import ServerError
from schemathesis.specs.openapi.checks import positive_data_acceptance, unsupported_method

from tests.support.servers import request

from .live import Live, served_document

# Small and fixed: a few minutes at most on 2 cores, for ~30 operations.
MAX_EXAMPLES = 25
# Left out, for the reasons docs/openapi.md gives: SPEC's rules that tie
# parameters together (period needs duration or both bounds, an events record
# needs a valid _timestamp) are beyond a per-parameter schema, so a
# schema-valid request may rightly be a 400; and a method no view of this
# process serves answers 404, as a URL of another role does (routes.py).
EXCLUDED = [not_a_server_error, positive_data_acceptance, unsupported_method]
# (method, path) -> statuses the fuzzer met, for the last test of this module.
SEEN = {}
STALE = {("GET", "/_status/buckets"), ("GET", "/_status/data-sets")}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with Live(tmp_path_factory.mktemp("fuzz")) as server:
        yield server


def no_server_error(ctx, response, case):
    """No 5xx, but a stale bucket's documented 500 on the freshness check."""
    if response.status_code < 500:
        return None
    if (case.method, case.path) in STALE and response.status_code == 500:
        if "out of date" in response.json().get("message", ""):
            return None
    raise ServerError(operation=case.operation.label, status_code=response.status_code)


DOCUMENT = served_document()
schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(tag="admin")


def test_the_live_server_serves_the_fuzzed_document(live):
    status, served = request(live.server.port, "GET", "/_openapi.json")
    assert status == 200
    assert served == DOCUMENT


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, live):
    live.aim(case)
    response = case.call_and_validate(
        base_url=live.url,
        headers=live.headers_for(case),
        excluded_checks=EXCLUDED,
        additional_checks=[no_server_error],
        timeout=30,
    )
    live.restore(case, response)
    if case.method.upper() == case.operation.method.upper():  # not a wrong-method probe
        SEEN.setdefault((case.method.upper(), case.path), set()).add(response.status_code)


def test_the_fuzzer_met_success_on_every_operation():
    """Runs after the fuzz (pytest keeps a module's order): tokens and the real bucket got through."""
    if not SEEN:
        pytest.skip("the fuzz did not run in this session (selected alone)")
    operations = {(operation.method.upper(), operation.path)
                  for operation in (result.ok() for result in schema.get_all_operations())}
    assert set(SEEN) == operations
    without_success = {key: sorted(codes) for key, codes in SEEN.items()
                       if not any(200 <= code < 300 for code in codes)}
    assert without_success == {}
