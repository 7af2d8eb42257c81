"""Store aggregates agree with a plain-Python computation over the same random records.

Runs against the SQLite store, the columnar mirror following it (also kept
behind, merging the rows appended since), and the MongoDB store on mongomock
(a stand-in for a real server, not one). Keys and values include ``-0.0`` and
``0.0``: an answer never shows ``-0.0`` (docs/mirror.md, "Same answers, to the
last bit"), so labels and collected values are checked for its sign, which
``==`` does not see.
"""
import itertools
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backdrop.buckets import new_config
from backdrop.periods import period_start
from backdrop.plugins import Registry, make_plugin_manager
from backdrop.query import Collect, Filter, PrefixFilter, Query
from backdrop.read.params import filter_values
from backdrop.records import prepare_batch
from backdrop.store.sqlite import SQLiteStore
from tests.support.mirrored import MirroredStore

PLUGINS = Registry(make_plugin_manager(load_entry_points=False))
START = datetime(2013, 1, 1, tzinfo=UTC)
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

moments = st.integers(min_value=0, max_value=400 * 24 * 3600).map(
    lambda seconds: START + timedelta(seconds=seconds)
)
records = st.lists(
    st.fixed_dictionaries(
        {"_timestamp": moments, "k": st.sampled_from(["a", "b", "c", 1, 2, 0.0, -0.0])},
        optional={
            "v": st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False),
                           st.sampled_from([0.0, -0.0])),
            "n": st.integers(-50, 50),
            "s": st.sampled_from(["x", "y", "xy", "z%_", "Z"]),
            "flag": st.booleans(),
        },
    ),
    max_size=40,
)


def shown(value):
    """A label or value as an answer shows it: ``-0.0`` is ``0.0`` (in a set too)."""
    if isinstance(value, list):
        return [shown(member) for member in value]
    return 0.0 if type(value) is float and value == 0 else value


def negative_zeros(group):
    """The ``-0.0``s in a group's labels and collected values (sets included)."""
    values = [*group.keys, *group.values.values()]
    members = [m for value in values for m in (value if isinstance(value, list) else [value])]
    return [m for m in members if type(m) is float and m == 0 and math.copysign(1, m) < 0]


def sort_key(value):
    """The documented order of group keys, written out independently of the code under test."""
    kind = {bool: 3, int: 1, float: 1, str: 2}[type(value)]
    return (kind, value)


def _mongo_store():
    mongo = pytest.importorskip("backdrop.store.mongo")
    mongomock = pytest.importorskip("mongomock")
    return mongo.MongoStore("mongodb://localhost/backdrop_property", client=mongomock.MongoClient())


@pytest.fixture(params=["sqlite", "mirror", "mirror-merging", "mongomock"])
def store(request, tmp_path):
    if request.param == "sqlite":
        found = SQLiteStore(f"sqlite:///{tmp_path / 'property.db'}")
    elif request.param == "mirror":
        found = MirroredStore(tmp_path / "property.db")
    elif request.param == "mirror-merging":  # half of each batch held, half merged in
        found = MirroredStore(tmp_path / "property.db", merging=True, split_inserts=True)
    else:
        found = _mongo_store()
    yield found
    found.close()


_names = itertools.count()


def fill(store, batch):
    """A new bucket holding ``batch``; returns its name and the prepared records."""
    name = f"prop{next(_names)}"
    config, _ = new_config(name, {"bucket_type": "events"}, PLUGINS)
    store.create_bucket(config)
    prepared = prepare_batch(
        [{key: (value.isoformat() if key == "_timestamp" else value) for key, value in r.items()}
         for r in batch],
        config, PLUGINS.bucket_types["events"],
    )
    store.insert(name, prepared)
    return name, prepared


def spelled_by(stored, text):
    """Whether ``filter_by=k:<text>`` matches ``stored``: a string as itself, a number by
    value (``0``, ``0.0`` and ``-0.0`` are one), a boolean only by ``true``/``false``."""
    if isinstance(stored, bool):
        return text == str(stored).lower()
    if isinstance(stored, str):
        return stored == text
    try:
        return float(text) == stored
    except ValueError:
        return False


def close(actual, expected):
    if isinstance(expected, float) or isinstance(actual, float):
        return expected is not None and actual is not None and math.isclose(
            actual, expected, rel_tol=1e-9, abs_tol=1e-6)
    return actual == expected and type(actual) is type(expected)


def present(prepared, field):
    return [r[field] for r in prepared if r.get(field) is not None]


def grouped_by_k(store, name, prepared, collects):
    """The store's groups by ``k``, checked to be in key order, each with its records."""
    groups = store.aggregate(name, Query(group_by=("k",), collect=collects))
    by_key = defaultdict(list)
    for record in prepared:
        by_key[record["k"]].append(record)
    assert repr([g.keys for g in groups]) == repr([(shown(k),) for k in sorted(by_key, key=sort_key)])
    return [(group, by_key[group.keys[0]]) for group in groups]


@PROPERTY_SETTINGS
@given(batch=records)
def test_group_counts_and_collects(store, batch):
    name, prepared = fill(store, batch)
    collects = (Collect("n", "sum"), Collect("n", "min"), Collect("n", "max"),
                Collect("n", "count"), Collect("s", "set"), Collect("v", "mean"),
                Collect("v", "min"), Collect("v", "max"), Collect("v", "sum"))
    for group, members in grouped_by_k(store, name, prepared, collects):
        assert group.count == len(members) and type(group.count) is int
        assert negative_zeros(group) == []
        ns, vs = present(members, "n"), present(members, "v")
        values = group.values
        assert values[Collect("n", "count")] == len(ns)
        if ns:
            assert close(values[Collect("n", "sum")], sum(ns))
            assert values[Collect("n", "min")] == min(ns)
            assert values[Collect("n", "max")] == max(ns)
        else:
            assert values[Collect("n", "min")] is None
        assert values[Collect("s", "set")] == sorted(set(present(members, "s")))
        if vs:
            assert close(values[Collect("v", "mean")], sum(vs) / len(vs))
            assert values[Collect("v", "min")] == min(vs)
            assert values[Collect("v", "max")] == max(vs)
            assert close(values[Collect("v", "sum")], sum(vs))


@PROPERTY_SETTINGS
@given(batch=records, period=st.sampled_from(["day", "week", "month", "quarter", "year"]))
def test_period_counts(store, batch, period):
    name, prepared = fill(store, batch)
    groups = store.aggregate(name, Query(period=period, group_by=("k",)))
    expected = defaultdict(int)
    for record in prepared:
        expected[(record["k"], period_start(record["_timestamp"], period))] += 1
    actual = {(g.keys[0], g.period_start): g.count for g in groups}
    assert actual == dict(expected)


@PROPERTY_SETTINGS
@given(batch=records, value=st.sampled_from(["a", "1", "2", "true", "false", "x", "0", "-0.0"]),
       prefix=st.sampled_from(["x", "z%", "Z", ""]),
       window=st.tuples(moments, moments).map(sorted))
def test_filters_and_windows(store, batch, value, prefix, window):
    name, prepared = fill(store, batch)
    start, end = window
    query = Query(start_at=start, end_at=end, filters=(Filter("k", filter_values("k", value)),))
    expected = [r for r in prepared
                if start <= r["_timestamp"] < end and spelled_by(r["k"], value)]
    assert sorted(r["_id"] for r in store.raw(name, query)) == sorted(r["_id"] for r in expected)
    flag = value == "true"
    query = Query(filters=(Filter("flag", filter_values("flag", str(flag).lower())),),
                  prefix_filters=(PrefixFilter("s", prefix),))
    expected = [r for r in prepared if r.get("flag") is flag and r.get("s", 0) != 0
                and r["s"].startswith(prefix)]
    assert sorted(r["_id"] for r in store.raw(name, query)) == sorted(r["_id"] for r in expected)


@PROPERTY_SETTINGS
@given(batch=records, window=st.tuples(moments, moments).map(sorted))
def test_time_bounds(store, batch, window):
    name, prepared = fill(store, batch)
    start, end = window
    inside = [r["_timestamp"] for r in prepared if start <= r["_timestamp"] < end]
    expected = (min(inside), max(inside)) if inside else (None, None)
    assert store.time_bounds(name, Query(start_at=start, end_at=end)) == expected


@PROPERTY_SETTINGS
@given(batch=records, period=st.sampled_from(["day", "week", "month"]),
       window=st.tuples(moments, moments).map(sorted))
def test_period_and_group_responses(store, batch, period, window):
    """The whole read path: gap-filled values per group match a Python count."""
    from backdrop.read.engine import Reader
    from backdrop.read.params import CollectSpec, ReadParams
    from backdrop.read.windows import period_window

    name, prepared = fill(store, batch)
    start, end = window
    params = ReadParams(start_at=start, end_at=end, period=period, group_by=("k",),
                        collect=(CollectSpec("n", "sum"),))
    rows = Reader(store, name, params, PLUGINS.collectors, START).rows()
    periods = period_window(params, START, None).periods
    if not periods:
        assert rows == []
        return
    inside = [r for r in prepared if periods[0] <= r["_timestamp"] < end]
    keys = sorted({r["k"] for r in inside}, key=sort_key)
    assert [row["k"] for row in rows] == keys
    for row in rows:
        members = [r for r in inside if r["k"] == row["k"]]
        assert row["_count"] == len(members)
        counts = [sum(1 for r in members if period_start(r["_timestamp"], period) == p)
                  for p in periods]
        assert [entry["_count"] for entry in row["values"]] == counts
        assert row["_group_count"] == sum(1 for c in counts if c)
        ns = present(members, "n")
        assert row["n:sum"] == (sum(ns) if ns else None)
