"""SPEC 2.3, the records: keys, values, internal fields, ids, bucket types, batches."""
import base64
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from backdrop.query import Query

from .helpers import assert_error, bearer, event, records, snapshot

TIMESTAMP_MESSAGE = "_timestamp is not a valid timestamp, it must be ISO8601"


def _post(app, token, body, path="/seeded", method="POST"):
    call = app.post if method == "POST" else app.put
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {**bearer(token), "Content-Type": "application/json"}
    return call(path, data, headers=headers, expect_errors=True)


@pytest.fixture
def unchanged(store, seeded):
    before = snapshot(store, "seeded")
    yield seeded
    assert snapshot(store, "seeded") == before


@pytest.fixture
def custom(make_bucket):
    return make_bucket("loose", bucket_type="custom")


def _only_record(store, name="loose"):
    (record,) = records(store, name)
    return record


# -- keys -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "key", ["a", "A", "_id", "snake_case", "camelCase1", "a1_2_3", "x" * 255, "_timestamp"]
)
def test_valid_keys_are_accepted(app, store, custom, key):
    value = "2014-01-02T03:04:05Z" if key == "_timestamp" else "v"
    response = _post(app, custom, {key: value}, path="/loose")
    assert response.status_int == 200, response.json
    assert key in _only_record(store)


@pytest.mark.parametrize(
    "key",
    ["a\n", "1a", "9", "a-b", "a b", "a.b", "$where", "", "x" * 256, "é", "a$", "\na", "a\x00"],
    ids=repr,
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_invalid_keys_are_400(app, unchanged, key, method):
    message = assert_error(_post(app, unchanged, event(**{key: 1}), method=method), 400)
    assert "key" in message.lower() or key.strip() and key.strip() in message


@pytest.mark.parametrize("key", ["_foo", "_updated_at", "_week_start_at", "_count", "_", "__id", "_ID"])
def test_unknown_internal_fields_are_400_with_the_exact_message(app, unchanged, key):
    response = _post(app, unchanged, event(**{key: 1}))
    assert_error(response, 400, f"{key} is not a recognised internal field")


@pytest.mark.parametrize("key", ["_id", "_timestamp", "_start_at", "_end_at"])
def test_the_four_internal_fields_are_allowed(app, store, custom, key):
    value = "an-id" if key == "_id" else "2014-01-02T03:04:05Z"
    assert _post(app, custom, {key: value}, path="/loose").status_int == 200
    assert key in _only_record(store)


# -- values ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "value",
    ["text", "", "😀 snowman ☃", 0, -5, 2**63 - 1, -(2**63), 1.5, -0.25, 1e300, True, False, None],
    ids=repr,
)
def test_valid_values_are_stored_as_sent(app, store, custom, value):
    assert _post(app, custom, {"v": value}, path="/loose").status_int == 200
    stored = _only_record(store)["v"]
    assert stored == value and type(stored) is type(value)


def test_surrogate_pair_escapes_are_valid_unicode(app, store, custom):
    assert _post(app, custom, '{"v": "\\ud83d\\ude00"}', path="/loose").status_int == 200
    assert _only_record(store)["v"] == "😀"


@pytest.mark.parametrize(
    "raw_value",
    [
        '{"a": 1}', "[1, 2]", "[]", "{}",
        str(2**63), str(-(2**63) - 1), str(2**200),
        '"nul\\u0000byte"', '"\\u0000"',
        '"\\ud800"', '"lone \\udfff low"', '"\\ude00\\ud83d"',
        "NaN", "Infinity", "-Infinity", "1e999",
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_invalid_values_are_400(app, unchanged, raw_value, method):
    body = '{"_timestamp": "2014-01-02T03:04:05Z", "the_value": ' + raw_value + "}"
    message = assert_error(_post(app, unchanged, body, method=method), 400)
    if raw_value not in ("NaN", "Infinity", "-Infinity"):  # those are not JSON at all
        assert "the_value" in message


def test_invalid_value_message_names_the_field(app, unchanged):
    message = assert_error(_post(app, unchanged, event(region_name={"nested": 1})), 400)
    assert "region_name" in message


# -- _timestamp, _start_at, _end_at ------------------------------------------------

@pytest.mark.parametrize(
    "text,expected",
    [
        ("2012-12-12T01:02:03Z", datetime(2012, 12, 12, 1, 2, 3, tzinfo=UTC)),
        ("2012-12-12T01:02:03+00:00", datetime(2012, 12, 12, 1, 2, 3, tzinfo=UTC)),
        ("2012-12-12T01:02:03+01:00", datetime(2012, 12, 12, 0, 2, 3, tzinfo=UTC)),
        ("2012-12-12T01:02:03+0100", datetime(2012, 12, 12, 0, 2, 3, tzinfo=UTC)),
        ("2012-12-12T21:02:03-05:00", datetime(2012, 12, 13, 2, 2, 3, tzinfo=UTC)),
        ("2012-12-12T00:30:00+0530", datetime(2012, 12, 11, 19, 0, 0, tzinfo=UTC)),
        ("2012-12-12", datetime(2012, 12, 12, tzinfo=UTC)),
    ],
)
def test_timestamps_are_accepted_and_stored_in_utc(app, store, seeded, text, expected):
    response = _post(app, seeded, {"_timestamp": text, "_id": "t"})
    assert response.json == {"status": "ok", "count": 1}
    (record,) = [r for r in records(store, "seeded") if r["_id"] == "t"]
    assert record["_timestamp"] == expected
    assert record["_timestamp"].utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "2012-12-12T01:02:03", "2012-12-12 01:02:03", "12/12/2012", "not a date", "",
        "2012-13-45T00:00:00Z", "2012-12-12T25:00:00Z", "T01:02:03Z", "2012-12-12Z",
        "1355274123", 1355274123, True, ["2012-12-12"],
    ],
    ids=repr,
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_invalid_timestamps_are_400_with_the_exact_message(app, unchanged, value, method):
    response = _post(app, unchanged, {"_timestamp": value}, method=method)
    if isinstance(value, list):
        assert_error(response, 400)  # arrays are refused as values anyway
    else:
        assert_error(response, 400, TIMESTAMP_MESSAGE)


@pytest.mark.parametrize("field", ["_start_at", "_end_at"])
def test_time_chunk_fields_are_iso8601_in_utc(app, store, custom, field):
    assert _post(app, custom, {field: "2013-04-01T00:00:00+0100"}, path="/loose").status_int == 200
    assert _only_record(store)[field] == datetime(2013, 3, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize("field", ["_start_at", "_end_at"])
@pytest.mark.parametrize("value", ["2013-04-01T00:00:00", "April", 20130401])
def test_invalid_time_chunk_fields_are_400(app, store, custom, field, value):
    _post(app, custom, {"n": 0}, path="/loose")
    before = snapshot(store, "loose")
    message = assert_error(_post(app, custom, {field: value}, path="/loose"), 400)
    assert field in message
    assert snapshot(store, "loose") == before


def test_time_chunks_from_the_fixture_are_accepted(app, store, custom, fixture_path):
    chunks = json.loads(fixture_path("time_chunks.json").read_text())
    response = _post(app, custom, chunks, path="/loose")
    assert response.json == {"status": "ok", "count": len(chunks)}
    assert store.count("loose") == len(chunks)


# -- _id and upserts ---------------------------------------------------------------

@pytest.mark.parametrize("value", ["", " ", "a b", "a\tb", " lead", "trail\n", 42, True, None, 1.5], ids=repr)
def test_invalid_ids_are_400(app, unchanged, value):
    message = assert_error(_post(app, unchanged, event(_id=value)), 400)
    assert "_id" in message


def test_an_existing_id_is_replaced(app, store, seeded):
    response = _post(app, seeded, event(_id="one", n=100, extra="yes"))
    assert response.json == {"status": "ok", "count": 1}
    by_id = {r["_id"]: r for r in records(store, "seeded")}
    assert store.count("seeded") == 2
    assert by_id["one"]["n"] == 100 and by_id["one"]["extra"] == "yes"
    assert by_id["two"]["n"] == 2


def test_upsert_replaces_the_whole_record(app, store, seeded):
    _post(app, seeded, event(_id="three", a=1, b=2))
    _post(app, seeded, event(_id="three", a=5))
    (record,) = [r for r in records(store, "seeded") if r["_id"] == "three"]
    assert record["a"] == 5 and "b" not in record


def test_a_repeated_id_within_a_batch_keeps_the_last(app, store, seeded):
    response = _post(app, seeded, [event(_id="dup", n=1), event(_id="dup", n=2)])
    assert response.status_int == 200
    assert [r["n"] for r in records(store, "seeded") if r["_id"] == "dup"] == [2]
    assert store.count("seeded") == 3


def test_records_without_an_id_get_distinct_ids(app, store, custom):
    _post(app, custom, [{"n": 1}, {"n": 1}, {"n": 1}], path="/loose")
    ids = [r["_id"] for r in records(store, "loose")]
    assert len(set(ids)) == 3 and all(isinstance(i, str) and i for i in ids)


# -- auto_ids ------------------------------------------------------------------

@pytest.fixture
def auto(make_bucket):
    return make_bucket("auto", bucket_type="custom", auto_ids=["service", "channel"])


def test_auto_ids_are_urlsafe_base64_without_padding(app, store, auto):
    assert _post(app, auto, {"service": "fo?", "channel": "b~", "n": 1}, path="/auto").status_int == 200
    # "fo?.b~" is Zm8/LmJ+ in standard base64: URL-safe swaps / and + for _ and -.
    assert _only_record(store, "auto")["_id"] == "Zm8_LmJ-"


def test_auto_ids_drop_the_padding(app, store, auto):
    _post(app, auto, {"service": "a?", "channel": ">"}, path="/auto")
    assert _only_record(store, "auto")["_id"] == "YT8uPg"  # YT8uPg== with padding


def test_auto_ids_use_values_as_strings(app, store, auto):
    _post(app, auto, {"service": "licensing", "channel": 7}, path="/auto")
    expected = base64.urlsafe_b64encode(b"licensing.7").decode().rstrip("=")
    assert _only_record(store, "auto")["_id"] == expected


def test_auto_ids_upsert(app, store, auto):
    _post(app, auto, {"service": "s", "channel": "c", "n": 1}, path="/auto")
    _post(app, auto, {"service": "s", "channel": "c", "n": 2}, path="/auto")
    _post(app, auto, {"service": "s", "channel": "d", "n": 3}, path="/auto")
    assert sorted(r["n"] for r in records(store, "auto")) == [2, 3]


def test_auto_ids_missing_fields_are_400_naming_them(app, store, auto):
    _post(app, auto, {"service": "s", "channel": "c"}, path="/auto")
    before = snapshot(store, "auto")
    message = assert_error(_post(app, auto, {"n": 1}, path="/auto"), 400)
    assert "service" in message and "channel" in message
    message = assert_error(_post(app, auto, {"service": "s"}, path="/auto"), 400)
    assert "channel" in message and "service" not in message
    assert snapshot(store, "auto") == before


# -- bucket types ------------------------------------------------------------------

@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_events_require_a_timestamp(app, unchanged, method):
    message = assert_error(_post(app, unchanged, [event(n=1), {"n": 2}], method=method), 400)
    assert "_timestamp" in message


def test_custom_buckets_do_not_need_a_timestamp(app, store, custom):
    assert _post(app, custom, {"n": 1}, path="/loose").json == {"status": "ok", "count": 1}
    assert "_timestamp" not in _only_record(store)


@pytest.fixture
def realtime(make_bucket):
    return make_bucket("live", bucket_type="realtime", capped_size=3)


def _live(n):
    return event(n=n, _timestamp=f"2014-01-02T03:04:{n:02d}Z")


def test_realtime_keeps_the_newest_capped_size_records_of_a_batch(app, store, realtime):
    assert _post(app, realtime, [_live(n) for n in range(5)], path="/live").status_int == 200
    assert sorted(r["n"] for r in records(store, "live")) == [2, 3, 4]


def test_realtime_drops_the_oldest_by_write_order(app, store, realtime):
    # Written newest-timestamp first: write order, not _timestamp, decides.
    for n in (9, 8, 7, 6, 5):
        _post(app, realtime, _live(n), path="/live")
    assert sorted(r["n"] for r in records(store, "live")) == [5, 6, 7]
    assert store.count("live") == 3


def test_realtime_put_is_capped_too(app, store, realtime):
    assert _post(app, realtime, [_live(n) for n in range(6)], path="/live", method="PUT").status_int == 200
    assert sorted(r["n"] for r in records(store, "live")) == [3, 4, 5]


def test_realtime_requires_a_timestamp(app, store, realtime):
    assert_error(_post(app, realtime, {"n": 1}, path="/live"), 400)
    assert store.count("live") == 0


def test_capped_size_is_ignored_by_other_types(app, store, make_bucket):
    token = make_bucket("notcapped", bucket_type="events", capped_size=2)
    _post(app, token, [_live(n) for n in range(4)], path="/notcapped")
    assert store.count("notcapped") == 4


# -- batches and responses -----------------------------------------------------------

@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_batch_is_all_or_nothing_naming_the_first_bad_index(app, unchanged, method):
    batch = [event(n=10), event(n=11), event(_foo=1), event(_bar=1), event(n=12)]
    message = assert_error(_post(app, unchanged, batch, method=method), 400)
    assert "2" in message.replace("_foo", "")
    assert "_foo is not a recognised internal field" in message
    assert "_bar" not in message


@pytest.mark.parametrize("index", [0, 3, 11])
def test_the_index_in_the_message_is_zero_based(app, unchanged, index):
    batch = [event(n=i) for i in range(12)]
    batch[index] = {"n": "no timestamp"}
    message = assert_error(_post(app, unchanged, batch), 400)
    numbers = {int(word) for word in message.replace(":", " ").split() if word.isdigit()}
    assert numbers == {index}


def test_success_body_counts_the_records(app, seeded):
    response = _post(app, seeded, [event(n=i) for i in range(7)])
    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json == {"status": "ok", "count": 7}
    assert response.headers["Cache-Control"] == "no-cache"


def test_single_object_counts_one(app, seeded):
    assert _post(app, seeded, event(n=1)).json == {"status": "ok", "count": 1}


def test_post_appends(app, store, seeded):
    _post(app, seeded, [event(n=3), event(n=4)])
    assert sorted(r["n"] for r in records(store, "seeded")) == [1, 2, 3, 4]


def test_post_by_data_group_and_type_appends(app, store, seeded):
    response = _post(app, seeded, [event(n=3)], path="/data/grp/kind")
    assert response.json == {"status": "ok", "count": 1}
    assert sorted(r["n"] for r in records(store, "seeded")) == [1, 2, 3]


def test_empty_array_appends_nothing(app, store, seeded):
    assert _post(app, seeded, []).json == {"status": "ok", "count": 0}
    assert store.count("seeded") == 2


def test_updated_at_is_stamped_but_not_returned(app, store, seeded):
    before = datetime.now(UTC) - timedelta(seconds=1)
    _post(app, seeded, event(n=3))
    assert before <= store.last_updated("seeded") <= datetime.now(UTC) + timedelta(seconds=1)
    assert all("_updated_at" not in r for r in records(store, "seeded"))


def test_writes_are_visible_to_the_read_role_on_the_same_store(app, make_app, seeded):
    """Read-your-writes: a separate read-role app on the same SQLite file sees every 200."""
    reader = make_app(**{"backdrop.roles": "read"}).app.registry["backdrop.store"]
    for n in range(3, 6):
        assert _post(app, seeded, event(n=n, _id=f"rw{n}")).status_int == 200
        assert [r["n"] for r in reader.raw("seeded", Query()) if r["_id"] == f"rw{n}"] == [n]
    assert reader.count("seeded") == 5


def test_writes_are_visible_to_a_read_role_get(app, make_app, make_bucket):
    """Read-your-writes over HTTP: the read role, a separate app on the same file."""
    token = make_bucket("visible", raw_queries_allowed=True, data_group="vis", data_type="ible")
    reader = make_app(**{"backdrop.roles": "read"})
    assert reader.get("/visible").json["data"] == []
    for n in range(3):
        assert _post(app, token, event(n=n, _id=f"r{n}"), path="/visible").status_int == 200
        data = reader.get("/data/vis/ible").json["data"]
        assert [row["n"] for row in data] == list(range(n + 1))
    _post(app, token, [], path="/visible", method="PUT")
    assert reader.get("/visible").json["data"] == []


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2012-12-12T01:02:03.250Z"]
)
def test_extreme_and_fractional_timestamps_are_stored(app, store, seeded, text):
    assert _post(app, seeded, {"_timestamp": text, "_id": "edge"}).status_int == 200
    (record,) = [r for r in records(store, "seeded") if r["_id"] == "edge"]
    assert record["_timestamp"] == datetime.fromisoformat(text)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_timestamps_outside_the_representable_range_are_400(app, unchanged, text):
    assert_error(_post(app, unchanged, {"_timestamp": text}), 400)


def test_a_record_with_thousands_of_keys_is_not_a_server_error(app, store, custom):
    record = {f"key_{i}": i for i in range(2100)}
    response = _post(app, custom, record, path="/loose")
    assert response.status_int < 500, response.body
    if response.status_int == 200:
        assert _only_record(store) == {**record, "_id": _only_record(store)["_id"]}
    else:
        assert_error(response, response.status_int)
        assert store.count("loose") == 0


def test_a_bucket_gathering_thousands_of_keys_is_not_a_server_error(app, store, custom):
    for batch in range(25):
        response = _post(app, custom, {f"k{batch}_{i}": i for i in range(100)}, path="/loose")
        assert response.status_int < 500, (batch, response.body)
        if response.status_int != 200:
            assert_error(response, response.status_int)


@pytest.mark.parametrize("fields", [{"queryable": False}, {"published": False}])
def test_hidden_and_unpublished_buckets_are_still_writable(app, store, make_bucket, fields):
    token = make_bucket("quiet", **fields)
    assert _post(app, token, event(n=1), path="/quiet").json == {"status": "ok", "count": 1}
    assert store.count("quiet") == 1


@pytest.mark.parametrize("method, status", [("get", (404, 405)), ("delete", (400,)), ("patch", (415,))])
def test_other_methods_on_a_bucket_in_the_write_role_are_json_errors(app, store, seeded, method, status):
    """GET is another role's; a DELETE without parameters or a PATCH without a body is refused."""
    before = snapshot(store, "seeded")
    response = getattr(app, method)("/seeded", headers=bearer(seeded), expect_errors=True)
    assert response.status_int in status
    assert_error(response, response.status_int)
    assert snapshot(store, "seeded") == before


def test_concurrent_writers_lose_nothing(app, store, seeded):
    errors = []

    def write(worker):
        for n in range(15):
            response = _post(app, seeded, event(worker=worker, n=n))
            if response.status_int != 200:
                errors.append(response.body)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.count("seeded") == 2 + 6 * 15
