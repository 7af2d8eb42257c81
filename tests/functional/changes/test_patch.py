"""``PATCH /<bucket>`` (SPEC 2.1): set keys of stored records, each checked as a whole record."""
import gzip
import json

import pytest

from backdrop.buckets import new_config
from tests.functional.write.helpers import assert_error, bearer, snapshot

from .conftest import ids, read

RECORDS = [
    {"_id": "a", "_timestamp": "2024-01-01T10:00:00Z", "browser": "Firefox", "n": 1, "note": "x"},
    {"_id": "b", "_timestamp": "2024-01-02T10:00:00Z", "browser": "Chrome", "n": 2},
]
NESTED = "has an invalid value: objects and arrays are not allowed"
DAYS = "period=day&start_at=2024-01-01T00:00:00Z&end_at=2024-01-04T00:00:00Z"


@pytest.fixture
def visits(bucket):
    return bucket("visits", RECORDS, data_group="site", data_type="visits")


def raw(app, name="visits"):
    return {record["_id"]: record for record in read(app, f"/{name}")}


def test_keys_given_are_set_and_the_others_kept(app, visits):
    response = app.patch_json("/visits", {"_id": "a", "n": 10, "note": None, "mobile": True},
                              headers=visits)

    assert response.json == {"status": "ok", "count": 1}
    assert response.headers["Cache-Control"] == "no-cache"
    assert raw(app)["a"] == {"_timestamp": "2024-01-01T10:00:00+00:00", "_id": "a",
                             "browser": "Firefox", "n": 10, "note": None, "mobile": True}
    assert raw(app)["b"] == {"_timestamp": "2024-01-02T10:00:00+00:00", "_id": "b",
                             "browser": "Chrome", "n": 2}


def test_an_array_patches_several_and_counts_records_changed(app, visits):
    response = app.patch_json("/visits", [{"_id": "a", "n": 5}, {"_id": "b", "n": 6},
                                          {"_id": "a", "browser": "Safari"}], headers=visits)

    assert response.json == {"status": "ok", "count": 2}
    assert raw(app)["a"]["n"] == 5 and raw(app)["a"]["browser"] == "Safari"
    assert raw(app)["b"]["n"] == 6
    assert read(app, "/visits?group_by=browser&collect=n:sum") == [
        {"browser": "Chrome", "_count": 1, "n:sum": 6},
        {"browser": "Safari", "_count": 1, "n:sum": 5},
    ]


def test_a_new_timestamp_moves_the_record_to_its_new_periods(app, visits):
    assert [row["_count"] for row in read(app, f"/visits?{DAYS}")] == [1, 1, 0]

    app.patch_json("/visits", {"_id": "a", "_timestamp": "2024-01-03T23:30:00+01:00"}, headers=visits)

    assert [row["_count"] for row in read(app, f"/visits?{DAYS}")] == [0, 1, 1]
    assert raw(app)["a"]["_timestamp"] == "2024-01-03T22:30:00+00:00"
    assert ids(app, "visits") == ["b", "a"]
    weeks = "period=week&start_at=2024-01-01T00:00:00Z&end_at=2024-01-08T00:00:00Z&collect=n:sum"
    assert read(app, f"/visits?{weeks}")[0]["n:sum"] == 3


def test_the_data_group_address_patches_too(app, visits):
    response = app.patch_json("/data/site/visits", [{"_id": "b", "n": 3}], headers=visits)
    assert response.json == {"status": "ok", "count": 1}
    assert raw(app)["b"]["n"] == 3


def test_an_empty_array_changes_nothing(app, visits, store):
    before, written = snapshot(store, "visits"), store.last_updated("visits")
    assert app.patch_json("/visits", [], headers=visits).json == {"status": "ok", "count": 0}
    assert snapshot(store, "visits") == before and store.last_updated("visits") == written


def test_a_patch_moves_last_updated(app, visits, store):
    written = store.last_updated("visits")
    app.patch_json("/visits", {"_id": "a", "n": 3}, headers=visits)
    assert store.last_updated("visits") > written


def test_an_unknown_id_is_404_naming_it_and_nothing_changes(app, visits, store):
    before = snapshot(store, "visits")

    response = app.patch_json("/visits", [{"_id": "a", "n": 7}, {"_id": "ghost", "n": 1}],
                              headers=visits, status="*")

    assert_error(response, 404, 'no record with _id "ghost" is stored in this bucket')
    assert response.json["index"] == 1
    assert snapshot(store, "visits") == before
    single = app.patch_json("/visits", {"_id": "ghost"}, headers=visits, status="*")
    assert_error(single, 404, 'no record with _id "ghost" is stored in this bucket')
    assert "index" not in single.json


@pytest.mark.parametrize("body, message", [
    ({"n": 1}, "a patch needs the _id of a stored record"),
    ([{"_id": "a"}, {"n": 1}], "record 1: a patch needs the _id of a stored record"),
    ([{"_id": ""}], "record 0: a patch needs the _id of a stored record"),
    ([{"_id": 5}], "record 0: a patch needs the _id of a stored record"),
    ([{"_id": "a"}, "a"], "record 1: each record must be a JSON object"),
    ("a", "expected a JSON object or an array of objects"),
    ([{"_id": "a", "n": 1}, {"_id": "b", "_timestamp": None}], "record 1: _timestamp is a required field"),
    ([{"_id": "b", "_timestamp": "yesterday"}],
     "record 0: _timestamp is not a valid timestamp, it must be ISO8601"),
    ([{"_id": "a", "n": {"deep": 1}}], f"record 0: n {NESTED}"),
    ([{"_id": "a", "n": [1]}], f"record 0: n {NESTED}"),
    ([{"_id": "a", "_updated_at": "2024-01-01T00:00:00Z"}],
     "record 0: _updated_at is not a recognised internal field"),
    ([{"_id": "a", "bad-key": 1}], "record 0: bad-key is not a valid key"),
    ([{"_id": "a", "n": 2**63}], "record 0: n is an integer too large to store (64 bits at most)"),
    ([{"_id": "a", "s": "nul\u0000"}], "record 0: s contains a NUL character"),
])
def test_a_bad_patch_is_400_naming_it_and_nothing_changes(app, visits, store, body, message):
    before, written = snapshot(store, "visits"), store.last_updated("visits")

    response = app.patch_json("/visits", body, headers=visits, status="*")

    assert_error(response, 400, message)
    assert snapshot(store, "visits") == before
    assert store.last_updated("visits") == written


def test_a_custom_bucket_may_lose_its_timestamp(app, bucket):
    headers = bucket("things", [{"_id": "t", "_timestamp": "2024-01-01T00:00:00Z", "k": 1}],
                     bucket_type="custom")
    app.patch_json("/things", {"_id": "t", "_timestamp": None}, headers=headers)
    assert read(app, "/things") == [{"_id": "t", "k": 1}]


def test_auto_ids_fields_cannot_change_but_others_can(app, bucket, store):
    headers = bucket("auto", [{"service": "tax", "channel": "web", "count": 1}],
                     bucket_type="custom", auto_ids=["service", "channel"])
    [record_id] = ids(app, "auto")
    before = snapshot(store, "auto")

    response = app.patch_json("/auto", {"_id": record_id, "channel": "phone"}, headers=headers,
                              status="*")

    assert_error(response, 400, "a patch cannot change the fields the _id is made of (service, channel)")
    assert snapshot(store, "auto") == before
    app.patch_json("/auto", {"_id": record_id, "count": 2}, headers=headers)
    assert read(app, "/auto") == [{"service": "tax", "channel": "web", "count": 2, "_id": record_id}]


@pytest.mark.parametrize("headers, message", [
    ({}, "Authorization header is missing"),
    (bearer("not-the-token"), "Bearer token is not valid for this bucket"),
])
def test_a_patch_needs_the_bucket_token(app, visits, store, headers, message):
    before = snapshot(store, "visits")
    response = app.patch_json("/visits", {"_id": "a", "n": 9}, headers=headers, status="*")
    assert_error(response, 401, message)
    assert snapshot(store, "visits") == before


def test_an_unknown_bucket_is_404_before_the_token(app, visits):
    assert_error(app.patch_json("/nowhere", {"_id": "a"}, status="*"), 404, "bucket not found")


# -- the body rules of a POST (SPEC 2.3), on the SQLite store -----------------------
@pytest.fixture
def limited(make_app):
    """An app with small body and batch limits and a bucket ``small`` holding record ``a``."""
    app = make_app(**{"backdrop.max_body_bytes": "1000", "backdrop.max_inflated_bytes": "2000",
                      "backdrop.max_batch_records": "3"})
    registry = app.app.registry
    config, token = new_config("small", {"raw_queries_allowed": True}, registry["backdrop.plugins"])
    registry["backdrop.store"].create_bucket(config)
    app.post_json("/small", {"_id": "a", "_timestamp": "2024-01-01T00:00:00Z"}, headers=bearer(token))
    return app, bearer(token), registry["backdrop.store"]


def _patch(app, headers, body, content_type="application/json", **extra):
    return app.patch("/small", body, headers={**headers, "Content-Type": content_type, **extra},
                     expect_errors=True)


@pytest.mark.parametrize("body, extra, status, message", [
    (b"", {}, 400, "Expected JSON request body but received zero bytes."),
    (b"{", {}, 400, None),
    (b'{"_id": "a", "n": NaN}', {}, 400, None),
    (b"[" * 100_000, {}, 413, "Request body is larger than the limit of 1000 bytes"),
    (json.dumps([{"_id": "a", "pad": "x" * 990}]).encode(), {}, 413,
     "Request body is larger than the limit of 1000 bytes"),
    (gzip.compress(json.dumps({"_id": "a", "pad": "x" * 3000}).encode()), {"Content-Encoding": "gzip"},
     413, "Inflated request body is larger than the limit of 2000 bytes"),
    (b'{"_id": "a"}', {"Content-Encoding": "br"}, 415,
     "Content-Encoding br is not supported (use gzip or none)"),
    (json.dumps([{"_id": "a"}] * 4).encode(), {}, 413, "A batch may hold at most 3 records"),
])
def test_body_limits_and_errors_are_a_posts(limited, body, extra, status, message):
    app, headers, store = limited
    before = snapshot(store, "small")
    assert_error(_patch(app, headers, body, **extra), status, message)
    assert snapshot(store, "small") == before


def test_a_body_that_is_not_json_content_is_415(limited):
    app, headers, store = limited
    assert_error(_patch(app, headers, b'{"_id": "a"}', content_type="text/plain"), 415,
                 "Content-Type must be application/json")


def test_a_gzip_patch_within_the_limits_is_applied(limited):
    app, headers, store = limited
    body = gzip.compress(json.dumps({"_id": "a", "pad": "x" * 1500}).encode())
    assert _patch(app, headers, body, **{"Content-Encoding": "gzip"}).json == {"status": "ok", "count": 1}
    assert app.get("/small").json["data"][0]["pad"] == "x" * 1500
