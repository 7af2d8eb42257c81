"""Request ids round-trip and reach every log line of the request; one access line per request."""
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pyramid.response import Response
from webtest import TestApp

from backdrop import make_config
from backdrop.logs import JSONFormatter, TextFormatter

ROOT = Path(__file__).resolve().parents[3]
GENERATED = re.compile(r"\A[0-9a-f]{32}\Z")
ACCESS = "backdrop.access"


def _access_records(caplog):
    return [record for record in caplog.records if record.name == ACCESS]


@pytest.fixture
def logging_app(settings):
    """The real app plus one route whose view logs a line, as any view might."""
    config = make_config(settings)
    config.add_route("test.logs", "/_test/logs")

    def view(request):
        logging.getLogger("backdrop.test").warning("working on it")
        return Response(json_body={"status": "ok"})

    config.add_view(view, route_name="test.logs")
    app = TestApp(config.make_wsgi_app())
    yield app
    app.app.registry["backdrop.store"].close()


@pytest.mark.parametrize("role", ["read", "write", "admin"])
def test_every_role_answers_with_a_request_id(make_app, role):
    app = make_app(**{"backdrop.roles": role})
    for path, status in (("/_status", 200), ("/_no/such/thing", 404)):
        response = app.get(path, status=status)
        assert GENERATED.match(response.headers["X-Request-Id"])


def test_a_well_formed_x_request_id_comes_back(app):
    response = app.get("/_status", headers={"X-Request-Id": "abc-123.def"})
    assert response.headers["X-Request-Id"] == "abc-123.def"


def test_govuk_request_id_is_taken_when_there_is_no_x_request_id(app):
    govuk = "12345-1401896402.031-10.3.3.1-382"
    assert app.get("/_status", headers={"Govuk-Request-Id": govuk}).headers["X-Request-Id"] == govuk
    both = app.get("/_status", headers={"X-Request-Id": "mine", "Govuk-Request-Id": govuk})
    assert both.headers["X-Request-Id"] == "mine"


@pytest.mark.parametrize("incoming", ["has space", "x" * 201, "-leading-dash", "semi;colon", ""])
def test_a_malformed_id_is_replaced_by_a_new_one(app, incoming):
    response = app.get("/_status", headers={"X-Request-Id": incoming})
    assert GENERATED.match(response.headers["X-Request-Id"])


def test_generated_ids_differ_between_requests(app):
    ids = {app.get("/_status").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


def test_errors_carry_the_request_id_too(app):
    response = app.post_json("/no-such-bucket", {}, status=404, headers={"X-Request-Id": "err-1"})
    assert response.headers["X-Request-Id"] == "err-1"
    assert response.json["status"] == "error"


def test_every_log_line_of_the_request_carries_its_id(logging_app, caplog):
    caplog.set_level(logging.INFO)
    logging_app.get("/_test/logs", headers={"X-Request-Id": "trace-me"})
    logging_app.get("/_status", headers={"X-Request-Id": "someone-else"})
    lines = [record for record in caplog.records if record.request_id == "trace-me"]
    assert [record.name for record in lines] == ["backdrop.test", ACCESS]
    assert lines[0].getMessage() == "working on it"
    logging.getLogger("backdrop.test").warning("outside any request")
    assert caplog.records[-1].request_id is None


def test_one_access_line_per_request_with_its_fields(app, make_bucket, caplog):
    token = make_bucket("visits", raw_queries_allowed=True)
    caplog.set_level(logging.INFO)
    body = [{"_timestamp": "2024-01-01T00:00:00Z", "n": 1}]
    app.post_json("/visits", body, headers={"Authorization": f"Bearer {token}"})
    app.get("/visits")
    app.get("/_status")
    records = _access_records(caplog)
    assert len(records) == 3
    post, read, status = (record.access for record in records)
    assert post["method"] == "POST" and post["path"] == "/visits" and post["status"] == 200
    assert post["bucket"] == "visits"
    assert read["bytes"] == len(app.get("/visits").body)
    assert status["bucket"] is None
    assert all(isinstance(fields["duration_ms"], float) for fields in (post, read, status))
    assert records[1].getMessage().startswith("GET /visits 200 ")


def test_query_values_are_never_logged_only_their_names(app, make_bucket, caplog):
    make_bucket("visits", raw_queries_allowed=True)
    caplog.set_level(logging.INFO)
    app.get("/visits?filter_by=email:alice@example.com&limit=3")
    (record,) = _access_records(caplog)
    assert record.access["query"] == ["filter_by", "limit"]
    assert "alice" not in json.dumps(record.access) and "alice" not in record.getMessage()


@pytest.mark.parametrize(
    "path, logged",
    [("/_status?%ff=1", "/_status"), ("/visits?filter_by=%ff", "/visits"), ("/%ff", "/\\xff"),
     ("/caf%C3%A9", "/café")],
)
def test_undecodable_urls_are_answered_and_logged(app, make_bucket, caplog, path, logged):
    make_bucket("visits", raw_queries_allowed=True)
    caplog.set_level(logging.INFO)
    response = app.get(path, expect_errors=True, headers={"X-Request-Id": "odd-1"})
    assert response.status_int in (200, 400, 404) and response.json["status"] in ("ok", "error")
    assert response.headers["X-Request-Id"] == "odd-1"
    (record,) = _access_records(caplog)
    assert record.access["status"] == response.status_int
    assert record.access["path"] == logged


def test_the_access_line_names_the_bucket_of_a_data_group_address(app, make_bucket, caplog):
    make_bucket("visits", data_group="site", data_type="visits", raw_queries_allowed=True)
    caplog.set_level(logging.INFO)
    app.get("/data/site/visits")
    app.get("/data/nothing/here", status=404)
    assert [record.access["bucket"] for record in _access_records(caplog)] == [
        "visits", "nothing/here"
    ]


def test_json_lines_carry_the_request_id_and_access_fields(app, caplog):
    caplog.set_level(logging.INFO)
    app.get("/_status", headers={"X-Request-Id": "json-1"})
    (record,) = _access_records(caplog)
    entry = json.loads(JSONFormatter().format(record))
    assert entry["request_id"] == "json-1"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/_status", 200)
    assert entry["logger"] == ACCESS


def test_text_lines_show_a_dash_outside_a_request():
    formatter = TextFormatter("[%(request_id)s] %(message)s")
    record = logging.LogRecord("backdrop", logging.INFO, __file__, 1, "hello", None, None)
    assert formatter.format(record) == "[-] hello"


def test_production_ini_logs_json_lines_with_request_ids(tmp_path):
    """production.ini's own logging setup, in a process of its own."""
    script = (
        "import sys; from pyramid.paster import get_app, setup_logging; from webtest import TestApp;"
        "setup_logging(sys.argv[1]); app = TestApp(get_app(sys.argv[1]));"
        "app.get('/_status', headers={'Govuk-Request-Id': 'prod-1'})"
    )
    env = {
        **os.environ,
        "BACKDROP_STORE_URL": f"sqlite:///{tmp_path}/prod.db",
        "BACKDROP_ADMIN_TOKEN": "admin-token-for-the-test",
        "BACKDROP_SESSION_SECRET": "session-secret-for-the-test-0123",
        "BACKDROP_OAUTH_BASE_URL": "https://signon.example",
        "BACKDROP_OAUTH_CLIENT_ID": "client",
        "BACKDROP_OAUTH_CLIENT_SECRET": "secret",
    }
    result = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "production.ini")],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    access = [entry for entry in entries if entry["logger"] == ACCESS]
    assert len(access) == 1
    assert access[0]["request_id"] == "prod-1" and access[0]["status"] == 200
