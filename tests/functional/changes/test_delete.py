"""``DELETE /<bucket>`` (SPEC 2.1): the records a read with the same filters returns, atomically."""
import pytest

from tests.functional.write.helpers import assert_error, bearer, snapshot

from .conftest import ids, read

RECORDS = [
    {"_id": "a", "_timestamp": "2024-01-01T10:00:00Z", "browser": "Firefox", "n": 1},
    {"_id": "b", "_timestamp": "2024-01-02T10:00:00Z", "browser": "Chrome", "n": 2},
    {"_id": "c", "_timestamp": "2024-01-03T00:00:00Z", "browser": "Firefox", "n": "1"},
    {"_id": "d", "_timestamp": "2024-01-04T10:00:00Z", "browser": "Fire", "n": True},
]
ALL = ["a", "b", "c", "d"]
DAYS = "period=day&start_at=2024-01-01T00:00:00Z&end_at=2024-01-05T00:00:00Z"


@pytest.fixture
def visits(bucket):
    return bucket("visits", RECORDS, data_group="site", data_type="visits")


def test_one_record_by_id(app, visits):
    response = app.delete("/visits?filter_by=_id:b", headers=visits)

    assert response.json == {"status": "ok", "count": 1}
    assert response.headers["Cache-Control"] == "no-cache"
    assert ids(app, "visits") == ["a", "c", "d"]


@pytest.mark.parametrize("selection", [
    "filter_by=n:1",  # the number 1 and the string "1", never true
    "filter_by=n:true",
    "filter_by=browser:Firefox&filter_by=n:1",
    "filter_by_prefix=browser:Fire",
    "filter_by_prefix=_id:c",
    "start_at=2024-01-02T00:00:00Z&end_at=2024-01-03T00:00:00Z",
    "start_at=2024-01-02T00:00:00Z&end_at=2024-01-03T00:00:00Z&inclusive=true",
    "start_at=2024-01-02T01:00:00%2B01:00&end_at=2024-01-04T00:00:00 00:00",
    "filter_by=_timestamp:2024-01-03T00:00:00Z",
    "filter_by=browser:Firefox&start_at=2024-01-02T00:00:00Z&end_at=2024-01-05T00:00:00Z",
    "start_at=0001-01-01T00:00:00Z&end_at=2024-01-03T00:00:00Z",  # "everything before"
    "filter_by=nobody:1",
    "filter_by=browser:Safari",
])
def test_a_delete_takes_exactly_what_the_same_read_returns(app, visits, selection):
    selected = ids(app, "visits", "?" + selection)

    response = app.delete(f"/visits?{selection}", headers=visits)

    assert response.json == {"status": "ok", "count": len(selected)}
    assert ids(app, "visits") == [record_id for record_id in ALL if record_id not in selected]
    assert ids(app, "visits", "?" + selection) == []


def test_expected_counts_of_the_read_meaning(app, visits):
    """The shared parser's meaning, pinned: 1 matches 1 and "1"; a window is [start, end)."""
    assert app.delete("/visits?filter_by=n:1", headers=visits).json["count"] == 2
    assert ids(app, "visits") == ["b", "d"]
    window = "start_at=2024-01-02T10:00:00Z&end_at=2024-01-04T10:00:00Z"
    assert app.delete(f"/visits?{window}", headers=visits).json["count"] == 1
    assert ids(app, "visits") == ["d"]


def test_aggregates_follow_the_delete(app, visits):
    before = read(app, f"/visits?{DAYS}")
    assert [row["_count"] for row in before] == [1, 1, 1, 1]
    assert read(app, "/visits?group_by=browser&collect=n:count") == [
        {"browser": "Chrome", "_count": 1, "n:count": 1},
        {"browser": "Fire", "_count": 1, "n:count": 1},
        {"browser": "Firefox", "_count": 2, "n:count": 2},
    ]

    app.delete("/visits?filter_by=browser:Firefox", headers=visits)

    assert [row["_count"] for row in read(app, f"/visits?{DAYS}")] == [0, 1, 0, 1]
    assert read(app, "/visits?group_by=browser&collect=n:count") == [
        {"browser": "Chrome", "_count": 1, "n:count": 1},
        {"browser": "Fire", "_count": 1, "n:count": 1},
    ]
    assert read(app, "/visits?group_by=n&collect=browser:set&filter_by=browser:Firefox") == []


def test_the_data_group_address_deletes_too(app, visits):
    response = app.delete("/data/site/visits?filter_by=_id:a", headers=visits)
    assert response.json == {"status": "ok", "count": 1}
    assert ids(app, "data/site/visits") == ["b", "c", "d"]


def test_last_updated_moves_only_when_something_is_deleted(app, visits, store):
    written = store.last_updated("visits")

    assert app.delete("/visits?filter_by=_id:nobody", headers=visits).json["count"] == 0
    assert store.last_updated("visits") == written

    app.delete("/visits?filter_by=_id:a", headers=visits)
    assert store.last_updated("visits") > written


def test_a_capped_bucket_stays_capped_to_the_newest(app, bucket):
    headers = bucket("live", [{"_id": f"r{n}", "_timestamp": f"2024-01-0{n}T00:00:00Z"}
                              for n in range(1, 4)], bucket_type="realtime", capped_size=3)

    app.delete("/live?filter_by=_id:r2", headers=headers)
    assert ids(app, "live") == ["r1", "r3"]
    app.post_json("/live", [{"_id": "r4", "_timestamp": "2024-01-04T00:00:00Z"}], headers=headers)
    assert ids(app, "live") == ["r1", "r3", "r4"]
    app.post_json("/live", [{"_id": "r5", "_timestamp": "2024-01-05T00:00:00Z"}], headers=headers)
    assert ids(app, "live") == ["r3", "r4", "r5"]


def test_everything_in_a_window_then_the_bucket_is_empty_but_there(app, visits):
    window = "start_at=2000-01-01T00:00:00Z&end_at=2100-01-01T00:00:00Z"
    assert app.delete(f"/visits?{window}", headers=visits).json == {"status": "ok", "count": 4}
    assert read(app, "/visits") == []
    assert [row["_count"] for row in read(app, f"/visits?{DAYS}")] == [0, 0, 0, 0]


ONLY = "only filter_by, filter_by_prefix, start_at, end_at and inclusive"


@pytest.mark.parametrize("query, message", [
    ("", "a delete needs at least one filter or time bound"),
    ("?inclusive=true", "a delete needs at least one filter or time bound"),
    ("?limit=1&filter_by=n:1", f"limit cannot be used in a delete ({ONLY})"),
    ("?filter_by=n:1&period=day", f"period cannot be used in a delete ({ONLY})"),
    ("?duration=2&filter_by=n:1", f"duration cannot be used in a delete ({ONLY})"),
    ("?group_by=n", f"group_by cannot be used in a delete ({ONLY})"),
    ("?format=csv&filter_by=n:1", f"format cannot be used in a delete ({ONLY})"),
    ("?start_at=2024-01-01T00:00:00Z", "a delete's time window needs both start_at and end_at"),
    ("?end_at=2024-01-01T00:00:00Z", "a delete's time window needs both start_at and end_at"),
    ("?start_at=yesterday&end_at=2024-01-01T00:00:00Z",
     "start_at is not a valid datetime: use ISO 8601 with a UTC offset, e.g. 2014-01-01T00:00:00+00:00"),
    ("?start_at=2024-01-01T00:00:00&end_at=2024-01-02T00:00:00Z",
     "start_at is not a valid datetime: use ISO 8601 with a UTC offset, e.g. 2014-01-01T00:00:00+00:00"),
    ("?start_at=2024-01-02T00:00:00Z&end_at=2024-01-01T00:00:00Z", "end_at must not be before start_at"),
    ("?start_at=2024-01-01T00:00:00Z&start_at=2024-01-02T00:00:00Z&end_at=2024-01-03T00:00:00Z",
     "start_at may be given only once"),
    ("?filter_by=$where:1", "filter_by: field names cannot start with $ ($where)"),
    ("?filter_by=_updated_at:1",
     "filter_by: internal field _updated_at cannot be used (only _id and _timestamp)"),
    ("?filter_by=browser", "filter_by must be field:value"),
    ("?filter_by=bad-key:1", "filter_by: bad-key is not a valid field name"),
    ("?filter_by=_timestamp:soon", "filter_by: _timestamp must be an ISO 8601 datetime with a UTC offset"),
    ("?filter_by_prefix=_timestamp:2024", "filter_by_prefix: internal field _timestamp cannot be used"
     " (only _id)"),
    ("?inclusive=yes&filter_by=n:1", "inclusive must be true or false"),
    ("?" + "&".join(["filter_by=n:1"] * 11), "filter_by may be given at most 10 times"),
    ("?filter_by=%ff:1", "the query string is not valid UTF-8"),
])
def test_bad_parameters_are_400_and_delete_nothing(app, visits, store, query, message):
    before, written = snapshot(store, "visits"), store.last_updated("visits")

    response = app.delete(f"/visits{query}", headers=visits, status="*")

    assert_error(response, 400, message)
    assert snapshot(store, "visits") == before
    assert store.last_updated("visits") == written


@pytest.mark.parametrize("headers, message", [
    ({}, "Authorization header is missing"),
    ({"Authorization": "Token abc"}, "Authorization header must be of the form 'Bearer <token>'"),
    (bearer("not-the-token"), "Bearer token is not valid for this bucket"),
])
def test_a_delete_needs_the_bucket_token(app, visits, store, headers, message):
    before = snapshot(store, "visits")

    response = app.delete("/visits?filter_by=_id:a", headers=headers, status="*")

    assert_error(response, 401, message)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(store, "visits") == before


def test_an_unknown_bucket_is_404_before_the_token(app, visits):
    response = app.delete("/nowhere?filter_by=_id:a", status="*")
    assert_error(response, 404, "bucket not found")
    assert_error(app.delete("/data/site/nothing?filter_by=_id:a", headers=visits, status="*"), 404)
