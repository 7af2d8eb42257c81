"""Building blocks for the store contract tests: configs, prepared records, queries."""
from datetime import UTC, datetime

from backdrop.buckets import DEFAULTS
from backdrop.builtins.bucket_types import Custom, Events
from backdrop.query import Collect, Filter, PrefixFilter, Query, SortBy
from backdrop.records import prepare_batch

__all__ = ["Collect", "Filter", "PrefixFilter", "Query", "SortBy"]


def config(name, **fields):
    """A full bucket config as the write API stores it."""
    return {"name": name, **DEFAULTS, "token_hash": "0" * 64, **fields}


def prepare(records, bucket_type="events", **bucket):
    """JSON-like dicts through the real record rules of a built-in bucket type."""
    kind = {"events": Events(), "custom": Custom()}[bucket_type]
    return prepare_batch(records, {"auto_ids": None, **bucket}, kind)


def at(text):
    """An aware UTC datetime from ISO 8601 text."""
    return datetime.fromisoformat(text).astimezone(UTC)


def events(store, name, records, **fields):
    """Create an events bucket ``name`` holding ``records``."""
    store.create_bucket(config(name, **fields))
    store.insert(name, prepare(records))


def custom(store, name, records, **fields):
    store.create_bucket(config(name, bucket_type="custom", **fields))
    store.insert(name, prepare(records, "custom"))


def ids(records):
    return [record["_id"] for record in records]


def rows(groups, *collects):
    """Groups as comparable tuples: keys, period start, count, collected values."""
    return [
        (group.keys, group.period_start, group.count, *(group.values[c] for c in collects))
        for group in groups
    ]

