"""The plugin on its own: its hook answers and its rules hold."""
import pytest
from backdrop_measurements import Measurements, backdrop_bucket_types

from backdrop.records import RecordError, prepare_batch


def prepare(records):
    return prepare_batch(records, {"auto_ids": None}, Measurements())


def test_hook_contributes_the_type():
    assert [t.name for t in backdrop_bucket_types()] == ["measurements"]


def test_accepts_numbers():
    [record] = prepare([{"_timestamp": "2024-01-01T00:00:00Z", "value": 1.5, "unit": "s"}])
    assert record["value"] == 1.5


@pytest.mark.parametrize("value", ["1", True, None])
def test_refuses_non_numbers(value):
    with pytest.raises(RecordError, match="value must be a number"):
        prepare([{"_timestamp": "2024-01-01T00:00:00Z", "value": value}])


def test_requires_timestamp():
    with pytest.raises(RecordError, match="_timestamp"):
        prepare([{"value": 1}])
