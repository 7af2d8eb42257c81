"""``/_metrics``: off by default, guarded by a token, and its counters move."""
import os

import pytest

from backdrop.settings import SettingsError
from tests.support.metrics import METRICS_SETTINGS, METRICS_TOKEN, scrape, value

RECORDS = [{"_timestamp": "2024-01-01T00:00:00Z", "n": n} for n in range(3)]


@pytest.fixture
def settings(settings):
    return {**settings, **METRICS_SETTINGS}


@pytest.fixture
def visits(make_bucket):
    return make_bucket("visits", raw_queries_allowed=True)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_metrics_are_off_unless_enabled(make_app):
    app = make_app(**{"backdrop.metrics.enabled": "false"})
    response = app.get("/_metrics", headers=_bearer(METRICS_TOKEN), status=404)
    assert response.json["status"] == "error"


def test_enabling_metrics_without_a_token_refuses_to_start(make_app):
    with pytest.raises(SettingsError, match="backdrop.metrics.token"):
        make_app(**{"backdrop.metrics.token": ""})


def test_the_token_may_come_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("BACKDROP_METRICS_TOKEN", "from-the-environment")
    app = make_app(**{"backdrop.metrics.token": ""})
    app.get("/_metrics", headers=_bearer("from-the-environment"), status=200)
    assert os.environ["BACKDROP_METRICS_TOKEN"] == "from-the-environment"


@pytest.mark.parametrize(
    "headers, message",
    [
        ({}, "Authorization header is missing"),
        ({"Authorization": "Basic abc"}, "Authorization header must be of the form 'Bearer <token>'"),
        (_bearer("wrong"), "Bearer token is not the metrics token"),
    ],
)
def test_metrics_need_the_metrics_token(app, headers, message):
    response = app.get("/_metrics", headers=headers, status=401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json == {"status": "error", "message": message}


@pytest.mark.parametrize("role", ["read", "write", "admin"])
def test_every_role_serves_metrics(make_app, role):
    app = make_app(**{"backdrop.roles": role})
    app.get("/_status")
    samples = scrape(app)
    assert value(samples, "backdrop_http_requests_total", route="status", method="GET", status="200") == 1


def test_requests_and_latency_by_route_move(app, visits):
    before = scrape(app)
    app.get("/visits")
    app.get("/visits")
    app.get("/no-such-bucket", status=404)
    after = scrape(app)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("backdrop_http_requests_total", route="bucket", method="GET", status="200") == 2
    assert moved("backdrop_http_requests_total", route="bucket", method="GET", status="404") == 1
    assert moved("backdrop_http_request_duration_seconds_count", route="bucket") == 3
    assert moved("backdrop_http_request_duration_seconds_bucket", route="bucket", le="+Inf") == 3
    assert moved("backdrop_http_request_duration_seconds_sum", route="bucket") > 0


def test_records_written_and_refused_per_bucket(app, visits):
    app.post_json("/visits", RECORDS, headers=_bearer(visits))
    app.put_json("/visits", RECORDS[:2], headers=_bearer(visits))
    bad = [RECORDS[0], {"n": "no timestamp"}]
    app.post_json("/visits", bad, headers=_bearer(visits), status=400)
    app.post_json("/visits", RECORDS, headers=_bearer("wrong"), status=401)
    samples = scrape(app)
    assert value(samples, "backdrop_records_written_total", bucket="visits") == 5
    # The 401 is refused before its body is read: it counts as a batch, not as records.
    assert value(samples, "backdrop_records_refused_total", bucket="visits") == 2
    assert value(samples, "backdrop_batches_refused_total", bucket="visits", status="400") == 1
    assert value(samples, "backdrop_batches_refused_total", bucket="visits", status="401") == 1


def test_unknown_buckets_never_become_labels(app):
    app.post_json("/made-up-name", RECORDS, status=404)
    text = app.get("/_metrics", headers=_bearer(METRICS_TOKEN)).text
    assert "made-up-name" not in text


def test_an_unreachable_store_counts_as_a_store_error(app, db_path):
    app.get("/_status")
    os.remove(db_path)
    app.get("/_status", status=500)
    assert value(scrape(app), "backdrop_store_errors_total", kind="unreachable") == 1


def test_two_apps_in_one_process_count_apart(make_app):
    first, second = make_app(), make_app()
    first.get("/_status")
    samples = scrape(second)
    assert value(samples, "backdrop_http_requests_total", route="status", method="GET", status="200") == 0


def test_mirror_lag_and_catch_up_time_move(app, visits):
    weekly = "/visits?period=week&start_at=2024-01-01T00:00:00Z&end_at=2024-01-08T00:00:00Z"

    def mirrored_count():  # the read role answers aggregates from the mirror
        return app.get(weekly).json["data"][0]["_count"]

    app.post_json("/visits", RECORDS, headers=_bearer(visits))
    assert value(scrape(app), "backdrop_mirror_lag_records", bucket="visits") == 0  # not mirrored yet
    assert mirrored_count() == 3
    first = scrape(app)
    assert ("backdrop_mirror_lag_records", frozenset({("bucket", "visits")})) in first
    assert value(first, "backdrop_mirror_lag_records", bucket="visits") == 0
    assert value(first, "backdrop_mirror_catch_ups_total") == 1

    app.post_json("/visits", RECORDS + [{**RECORDS[0], "n": 9}], headers=_bearer(visits))
    assert value(scrape(app), "backdrop_mirror_lag_records", bucket="visits") == 4
    assert mirrored_count() == 7  # answered at once: the mirror's rows and the new ones
    assert value(scrape(app), "backdrop_mirror_merged_answers_total") == 1
    app.app.registry["backdrop.read_engine"].wait_for_catch_ups()
    after = scrape(app)
    assert value(after, "backdrop_mirror_lag_records", bucket="visits") == 0
    assert value(after, "backdrop_mirror_catch_ups_total") == 2
    assert value(after, "backdrop_mirror_catch_up_seconds_total") > 0


def test_mirror_lag_counts_this_buckets_records_only(app, visits, make_bucket):
    """Removals elsewhere move the store-wide removal log; they are not this bucket's lag."""
    other = make_bucket("other")
    weekly = "/visits?period=week&start_at=2024-01-01T00:00:00Z&end_at=2024-01-08T00:00:00Z"
    first = [{**record, "_id": f"v{index}"} for index, record in enumerate(RECORDS)]
    app.post_json("/visits", first, headers=_bearer(visits))
    app.get(weekly)
    for _ in range(5):  # each upsert replaces three rows of "other": fifteen removals
        app.post_json("/other", [{**record, "_id": f"o{index}"} for index, record in enumerate(RECORDS)],
                      headers=_bearer(other))
    app.post_json("/visits", [{**first[0], "n": 9}], headers=_bearer(visits))
    assert value(scrape(app), "backdrop_mirror_lag_records", bucket="visits") == 1
    app.get(weekly)
    app.post_json("/other", [{**RECORDS[0], "_id": "o0"}], headers=_bearer(other))
    assert value(scrape(app), "backdrop_mirror_lag_records", bucket="visits") == 0

def test_a_write_only_process_has_no_mirror_metrics(make_app):
    samples = scrape(make_app(**{"backdrop.roles": "write"}))
    assert not [name for name, _ in samples if name.startswith("backdrop_mirror_")]
