"""Plain batches, prepared and turned into rows a column at a time, equal the record-by-record way.

``records._prepared_plain`` may only answer for a batch ``prepare_record``
accepts whole, and must answer exactly as it does (ids aside: each is new);
``store.sqlite_rows.built_rows`` must give the rows a per-record builder gives.
"""
from datetime import UTC, datetime, timedelta, timezone
from itertools import repeat

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from backdrop.builtins.bucket_types import Custom, Events
from backdrop.periods import epoch_micros, period_starts_micros
from backdrop.records import RecordError, _prepared_plain, new_ids, prepare_batch, prepare_record
from backdrop.store.sqlite_query import FALSE, TRUE
from backdrop.store.sqlite_rows import built_rows, numbered_rows

GOOD_KEYS = st.sampled_from(["a", "b", "value", "ok_key"])
GOOD_VALUES = st.one_of(st.text(max_size=5), st.integers(-(2**63), 2**63 - 1),
                        st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none())
GOOD_TIMESTAMPS = st.sampled_from([
    "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123456Z", "2024-01-02T03:04:05+00:00",
    "20240102T030405Z", "1969-12-31T23:59:59Z"])
# One thing a plain batch must not hold (each is refused, or needs the record-by-record way).
BAD_KEYS = st.sampled_from(["_id", "_start_at", "_end_at", "_other", "9bad", "x" * 256, "a-b"])
BAD_VALUES = st.sampled_from(["a\x00b", "\ud800", "caf\u00e9", 2**63, -(2**63) - 1,
                              float("inf"), float("-inf"), float("nan"), [], {}, [1], {"x": 1}])
BAD_TIMESTAMPS = st.sampled_from([
    "2024-01-02T03:04:05+01:00", "2024-01-02T03:04:05", "2024-01-02", "2024-01-02 03:04:05Z",
    "2024-13-02T00:00:00Z", "2024-01-02x03:04:05Z", "2024-01-02t03:04:05Z", "not a time", "",
    None, 5])


@st.composite
def batches(draw):
    """A plain batch, often with one thing in one record that is not plain."""
    timestamped = draw(st.booleans())
    batch = []
    for _ in range(draw(st.integers(1, 6))):
        record = draw(st.dictionaries(GOOD_KEYS, GOOD_VALUES, max_size=3))
        if timestamped:
            record = {"_timestamp": draw(GOOD_TIMESTAMPS), **record}
        batch.append(record)
    index = draw(st.integers(0, len(batch) - 1))
    spoil = draw(st.sampled_from(["nothing", "key", "value", "timestamp", "record", "missing"]))
    if spoil == "key":
        batch[index][draw(BAD_KEYS)] = draw(GOOD_VALUES)
    elif spoil == "value":
        batch[index][draw(GOOD_KEYS)] = draw(BAD_VALUES)
    elif spoil == "timestamp":
        batch[index]["_timestamp"] = draw(BAD_TIMESTAMPS)
    elif spoil == "record":
        batch[index] = draw(st.sampled_from(["not an object", 1, None, []]))
    elif spoil == "missing":
        batch[index].pop("_timestamp", None)
    return batch


BATCHES = batches()
BUCKETS = st.sampled_from([{"name": "b"}, {"name": "b", "auto_ids": ["a"]}])
TYPES = st.sampled_from([Events(), Custom()])


def _one_by_one(batch, bucket, bucket_type):
    make_id = new_ids()
    return [prepare_record(record, bucket, bucket_type, make_id) for record in batch]


def _without_ids(prepared):
    return [[(key, value) for key, value in record.items() if key != "_id"] for record in prepared]


@settings(max_examples=400, deadline=None)
@given(BATCHES, BUCKETS, TYPES)
def test_a_plain_batch_is_prepared_as_record_by_record(batch, bucket, bucket_type):
    plain = _prepared_plain(batch, bucket, bucket_type)
    if plain is None:
        return
    expected = _one_by_one(batch, bucket, bucket_type)  # raises if a bad record got through
    assert _without_ids(plain) == _without_ids(expected)  # keys in the same order too
    ids = [record["_id"] for record in plain]
    assert len(set(ids)) == len(ids) and all(isinstance(value, str) and value for value in ids)


@settings(max_examples=400, deadline=None)
@given(BATCHES, BUCKETS, TYPES)
def test_a_batch_with_a_bad_record_is_refused_as_record_by_record(batch, bucket, bucket_type):
    try:
        expected = _one_by_one(batch, bucket, bucket_type)
    except RecordError:
        expected = None
    try:
        prepared = prepare_batch(batch, bucket, bucket_type)
    except RecordError:
        prepared = None
    assert (prepared is None) == (expected is None)


def test_an_ordinary_batch_takes_the_plain_way():
    batch = [{"_timestamp": f"2024-01-02T03:04:{second:02d}Z", "authority": "a", "value": second,
              "paid": second % 2 == 0, "share": 0.5, "note": None} for second in range(60)]
    plain = _prepared_plain(batch, {"name": "b"}, Events())
    assert plain is not None and len(plain) == 60
    assert plain[0]["_timestamp"] == datetime(2024, 1, 2, 3, 4, tzinfo=UTC)
    assert batch[0]["_timestamp"] == "2024-01-02T03:04:00Z"  # the caller's records untouched
    assert "_id" not in batch[0]


def _record_json(record):
    """``data`` as the store kept it one record at a time: the record without ``_timestamp``."""
    return orjson.dumps({key: value for key, value in record.items() if key != "_timestamp"}).decode()


def _row_by_row(records):
    """The rows as the store built them one record at a time (the oracle)."""
    keys = sorted({key for record in records for key in record} - {"_id", "_timestamp",
                                                                    "_start_at", "_end_at"})
    rows = []
    for seq, record in enumerate(records, 1):
        stamp = record.get("_timestamp")
        times = (None,) * 7 if stamp is None else (
            epoch_micros(stamp), *period_starts_micros(epoch_micros(stamp)))
        values = [TRUE if value is True else FALSE if value is False else value
                  for value in map(record.get, keys)]
        rows.append((seq, record["_id"], *times, _record_json(record), *values))
    return keys, rows


STAMPS = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2100, 1, 1),
                 timezones=st.sampled_from([UTC, timezone(timedelta(hours=5))])),
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2100, 1, 1)),  # naive: UTC
)
PREPARED = st.lists(st.fixed_dictionaries(
    {"_id": st.uuids().map(str), "_timestamp": STAMPS},
    optional={"a": st.one_of(st.booleans(), st.integers(-5, 5), st.none()),
              "b": st.booleans(), "c": st.text(max_size=3)}),
    min_size=1, max_size=8, unique_by=lambda record: record["_id"])


@settings(max_examples=300, deadline=None)
@given(PREPARED)
def test_rows_built_a_column_at_a_time_equal_rows_built_one_by_one(records):
    for record in records:
        if record["_timestamp"] is None:
            del record["_timestamp"]
    keys, params = built_rows(records)
    expected_keys, expected = _row_by_row(records)
    assert keys == expected_keys
    rows = [row[:9] + row[10:] for row in numbered_rows(params, 0)]  # ``updated`` is the time now
    assert rows == expected


@settings(max_examples=300, deadline=None)
@given(BATCHES, BUCKETS, TYPES)
def test_a_plain_batch_carries_each_key_a_column_at_a_time(batch, bucket, bucket_type):
    plain = _prepared_plain(batch, bucket, bucket_type)
    if plain is None:
        return
    keys = set().union(*plain)
    assert plain.columns.keys() == keys
    for key in keys:
        assert all(a is b for a, b in zip(plain.columns[key], map(dict.get, plain, repeat(key)),
                                          strict=True))
    # The rows bound from the columns are the rows gathered from the records.
    from_columns, gathered = built_rows(plain), built_rows(list(plain))
    assert from_columns[0] == gathered[0]
    assert ([row[:9] + row[10:] for row in numbered_rows(from_columns[1], 0)]
            == [row[:9] + row[10:] for row in numbered_rows(gathered[1], 0)])
