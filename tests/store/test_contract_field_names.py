"""``store.field_names``: the user fields a bucket's records have (the explorer offers them)."""
import pytest

from backdrop.buckets import new_config
from backdrop.plugins import Registry, make_plugin_manager
from backdrop.records import prepare_batch
from backdrop.store.errors import BucketNotFound

PLUGINS = Registry(make_plugin_manager())


def _bucket(store, name, records):
    config, _ = new_config(name, {}, PLUGINS)
    store.create_bucket(config)
    if records:
        store.insert(name, prepare_batch(records, config, PLUGINS.bucket_types["events"]))


def test_field_names_are_the_user_fields_of_every_record_sorted(store):
    _bucket(store, "visits", [
        {"_timestamp": "2024-01-01T00:00:00Z", "page": "/", "count": 3},
        {"_timestamp": "2024-01-02T00:00:00Z", "browser": "Firefox", "_id": "x"},
    ])
    _bucket(store, "other", [{"_timestamp": "2024-01-01T00:00:00Z", "elsewhere": 1}])
    assert store.field_names("visits") == ["browser", "count", "page"]


def test_an_empty_bucket_has_no_field_names(store):
    _bucket(store, "empty", [])
    assert store.field_names("empty") == []


def test_field_names_of_an_unknown_bucket_is_bucket_not_found(store):
    with pytest.raises(BucketNotFound):
        store.field_names("nope")
