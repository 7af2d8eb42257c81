"""Unit tests for ``backdrop.records``: the record rules of SPEC 2.3."""
import base64
import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from backdrop import records
from backdrop.builtins.bucket_types import Custom, Events, Realtime
from backdrop.records import (
    RecordError,
    auto_id,
    check_record,
    check_value,
    format_datetime,
    is_valid_key,
    parse_datetime,
    prepare_batch,
    prepare_record,
)

BUCKET = {"name": "b", "auto_ids": None}


# -- keys ------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["a", "_", "_id", "A_b_9", "x" * 255, "camelCase"])
def test_valid_keys(key):
    assert is_valid_key(key)


@pytest.mark.parametrize("key", ["a\n", "\na", "1a", "", "x" * 256, "a-b", "a b", "é", "$x", "a.b", None, 1])
def test_invalid_keys(key):
    assert not is_valid_key(key)


def test_check_record_refuses_unknown_internal_fields_by_name():
    with pytest.raises(RecordError) as caught:
        check_record({"_foo": 1})
    assert str(caught.value) == "_foo is not a recognised internal field"


@pytest.mark.parametrize("key", ["_id", "_timestamp", "_start_at", "_end_at"])
def test_check_record_allows_the_internal_fields(key):
    check_record({key: "x"})


def test_check_record_refuses_non_objects():
    for record in ([], "x", 1, None):
        with pytest.raises(RecordError):
            check_record(record)


# -- values --------------------------------------------------------------------

@pytest.mark.parametrize("value", [None, True, False, 0, 2**63 - 1, -(2**63), 1.5, "", "text", "😀"])
def test_valid_values(value):
    check_value("k", value)


@pytest.mark.parametrize(
    "value",
    [2**63, -(2**63) - 1, float("nan"), float("inf"), float("-inf"), {}, [], {"a": 1}, [1],
     "a\x00b", "\ud800", "x\udfff"],
    ids=repr,
)
def test_invalid_values_name_the_key(value):
    with pytest.raises(RecordError) as caught:
        check_value("the_key", value)
    assert "the_key" in str(caught.value)


# -- datetimes ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,expected",
    [
        ("2012-12-12T01:02:03Z", datetime(2012, 12, 12, 1, 2, 3, tzinfo=UTC)),
        ("2012-12-12T01:02:03+01:00", datetime(2012, 12, 12, 0, 2, 3, tzinfo=UTC)),
        ("2012-12-12T01:02:03+0100", datetime(2012, 12, 12, 0, 2, 3, tzinfo=UTC)),
        ("2012-12-12T01:02:03-0230", datetime(2012, 12, 12, 3, 32, 3, tzinfo=UTC)),
        ("2012-12-12", datetime(2012, 12, 12, tzinfo=UTC)),
    ],
)
def test_parse_datetime_returns_utc(text, expected):
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    ["2012-12-12T01:02:03", "12/12/2012", "", "nonsense", "2012-13-01", "2012-12-32T00:00:00Z",
     1355274123, None],
)
def test_parse_datetime_refuses(text):
    with pytest.raises(ValueError):
        parse_datetime(text)


def test_format_datetime_is_utc_with_offset():
    moment = datetime(2012, 12, 12, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert format_datetime(moment) == "2012-12-12T00:00:00+00:00"


# -- ids ----------------------------------------------------------------------------

def test_auto_id_is_urlsafe_base64_without_padding():
    assert auto_id({"a": "fo?", "b": "b~"}, ["a", "b"]) == "Zm8_LmJ-"
    assert auto_id({"a": "a?", "b": ">"}, ["a", "b"]) == "YT8uPg"


def test_auto_id_uses_values_as_strings_in_the_listed_order():
    expected = base64.urlsafe_b64encode(b"7.x").decode().rstrip("=")
    assert auto_id({"b": "x", "a": 7}, ["a", "b"]) == expected


def test_auto_id_names_every_missing_field():
    with pytest.raises(RecordError) as caught:
        auto_id({"region": "r"}, ["service", "region", "channel"])
    message = str(caught.value)
    assert "service" in message and "channel" in message and "region" not in message


@pytest.mark.parametrize("value", ["", "a b", "a\tb", 5, None])
def test_prepare_record_refuses_bad_ids(value):
    with pytest.raises(RecordError) as caught:
        prepare_record({"_id": value}, BUCKET, Custom())
    assert "_id" in str(caught.value)


def test_prepare_record_generates_distinct_ids():
    ids = {prepare_record({}, BUCKET, Custom())["_id"] for _ in range(50)}
    assert len(ids) == 50


def test_prepare_record_uses_auto_ids():
    prepared = prepare_record({"a": "x", "b": 1}, {**BUCKET, "auto_ids": ["a", "b"]}, Custom())
    assert prepared["_id"] == base64.urlsafe_b64encode(b"x.1").decode().rstrip("=")


def test_prepare_record_parses_time_fields():
    prepared = prepare_record(
        {"_timestamp": "2012-12-12T01:00:00+01:00", "_start_at": "2012-12-12", "_end_at": "2012-12-13"},
        BUCKET, Events(),
    )
    assert prepared["_timestamp"] == datetime(2012, 12, 12, tzinfo=UTC)
    assert prepared["_start_at"] == datetime(2012, 12, 12, tzinfo=UTC)
    assert prepared["_end_at"] == datetime(2012, 12, 13, tzinfo=UTC)


def test_prepare_record_timestamp_message_is_exact():
    with pytest.raises(RecordError) as caught:
        prepare_record({"_timestamp": "yesterday"}, BUCKET, Custom())
    assert str(caught.value) == "_timestamp is not a valid timestamp, it must be ISO8601"


@pytest.mark.parametrize("bucket_type", [Events(), Realtime()])
def test_timestamped_types_require_a_timestamp(bucket_type):
    with pytest.raises(RecordError) as caught:
        prepare_record({"n": 1}, BUCKET, bucket_type)
    assert "_timestamp" in str(caught.value)


def test_custom_does_not_require_a_timestamp():
    assert prepare_record({"n": 1}, BUCKET, Custom())["n"] == 1


def test_prepare_record_does_not_change_its_input():
    record = {"_timestamp": "2012-12-12", "n": 1}
    prepare_record(record, BUCKET, Events())
    assert record == {"_timestamp": "2012-12-12", "n": 1}


# -- batches ------------------------------------------------------------------------

def test_prepare_batch_names_the_first_bad_index():
    with pytest.raises(RecordError) as caught:
        prepare_batch([{"n": 1}, {"n": 2}, {"_x": 1}, {"_y": 1}], BUCKET, Custom())
    assert caught.value.index == 2
    assert "2" in str(caught.value) and "_x is not a recognised internal field" in str(caught.value)
    assert "_y" not in str(caught.value)


def test_prepare_batch_single_object_has_no_index():
    with pytest.raises(RecordError) as caught:
        prepare_batch({"_x": 1}, BUCKET, Custom())
    assert caught.value.index is None
    assert str(caught.value) == "_x is not a recognised internal field"


def test_prepare_batch_accepts_objects_and_arrays():
    assert len(prepare_batch({"n": 1}, BUCKET, Custom())) == 1
    assert len(prepare_batch([{"n": 1}, {"n": 2}], BUCKET, Custom())) == 2
    assert prepare_batch([], BUCKET, Custom()) == []


@pytest.mark.parametrize("body", ["x", 1, None, True])
def test_prepare_batch_refuses_other_bodies(body):
    with pytest.raises(RecordError):
        prepare_batch(body, BUCKET, Custom())


@pytest.mark.parametrize("first", [0, 5, 0xFF, 0x1FF00 - 3, 0xFFFFFF - 600, 0xFFFFFF])
@pytest.mark.parametrize("count", [1, 2, 255, 256, 257, 1000])
def test_new_id_list_formats_each_counter_as_new_id_does(monkeypatch, first, count):
    monkeypatch.setattr(records, "_ID_COUNTER", itertools.count(first))
    ids = records.new_id_list(count)
    assert len(ids) == count and len({record_id[:18] for record_id in ids}) == 1
    assert ids[0][8:18] == records._ID_PROCESS
    assert [record_id[18:] for record_id in ids] == [
        f"{counter & 0xFFFFFF:06x}" for counter in range(first, first + count)]


def test_new_id_list_formats_counters_another_thread_interleaved(monkeypatch):
    monkeypatch.setattr(records, "_ID_COUNTER", iter([7, 9, 10, 0x1000000]))
    assert [record_id[18:] for record_id in records.new_id_list(4)] == [
        "000007", "000009", "00000a", "000000"]
