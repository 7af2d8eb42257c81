"""Percentiles, ``distinct`` and time-zone periods agree with plain Python on every engine.

The oracles are written out here, independently of the code under test:
``percentile_cont`` by its definition (``statistics.quantiles(...,
method="inclusive")`` computes the same points, with other float rounding, so
it is checked to within rounding), distinct values by value with booleans
apart, and local periods straight from ``zoneinfo`` wall-clock fields.
Percentiles are compared by ``repr``: a rank may hold ``-0.0`` (a tie with
``0.0`` or alone), and an answer shows it as ``0.0`` on every engine.
Runs on the SQLite store, the columnar mirror and MongoDB on mongomock.
"""
import math
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from backdrop.query import Collect, Query

from .test_aggregates import (  # noqa: F401 (store: the fixture of every engine)
    PROPERTY_SETTINGS,
    START,
    fill,
    grouped_by_k,
    moments,
    store,
)

numbers = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False),
                    st.sampled_from([0, 1, 1.0, 2.5, -3, 0.0, -0.0]))
mixed = st.one_of(st.integers(-3, 3), st.sampled_from([0.0, -0.0, 1.0, 2.0, 0.5, -1.5]),
                  st.booleans(), st.sampled_from(["a", "b", "1", "true", ""]))
records = st.lists(
    st.fixed_dictionaries(
        {"_timestamp": moments, "k": st.sampled_from(["a", "b", 1, -0.0])},
        optional={"v": st.one_of(st.none(), numbers), "m": st.one_of(st.none(), mixed)},
    ),
    max_size=40,
)
ZONES = ["Europe/London", "Australia/Sydney", "Asia/Kolkata", "America/New_York"]


def percentile_cont(values, fraction):
    """PostgreSQL's ``percentile_cont``: linear interpolation between the closest ranks."""
    ordered = sorted(float(value) for value in values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    delta = position - low
    if delta == 0:
        return ordered[low] + 0.0  # -0.0 is shown as 0.0
    return ordered[low] + (ordered[low + 1] - ordered[low]) * delta + 0.0


def distinct_count(values):
    return len({(type(value) is bool, value) for value in values})


def numeric(members, field):
    return [r[field] for r in members if r.get(field) is not None]


@PROPERTY_SETTINGS
@given(batch=records, rank=st.integers(1, 99))
def test_percentiles_and_distinct_by_group(store, batch, rank):  # noqa: F811
    name, prepared = fill(store, batch)
    fraction = rank / 100
    collects = (Collect("v", f"p{rank}"), Collect("v", "p50"), Collect("m", "distinct"),
                Collect("v", "distinct"))
    for group, members in grouped_by_k(store, name, prepared, collects):
        values = numeric(members, "v")
        got = group.values
        if values:
            assert repr(got[collects[0]]) == repr(percentile_cont(values, fraction))
            assert repr(got[collects[1]]) == repr(percentile_cont(values, 0.5))
            if len(values) > 1:
                inclusive = statistics.quantiles(values, n=100, method="inclusive")[rank - 1]
                assert math.isclose(got[collects[0]], inclusive, rel_tol=1e-9, abs_tol=1e-6)
        else:
            assert got[collects[0]] is None and got[collects[1]] is None
        assert got[collects[2]] == distinct_count(numeric(members, "m"))
        assert got[collects[3]] == distinct_count(values)


def local_start(moment, period, zone):
    """The start of ``moment``'s local period, from wall-clock fields alone."""
    local = moment.astimezone(zone)
    if period == "hour":
        start = datetime(local.year, local.month, local.day, local.hour, fold=local.fold,
                         tzinfo=zone)
    elif period == "day":
        start = datetime(local.year, local.month, local.day, tzinfo=zone)
    elif period == "week":
        monday = local.date() - timedelta(days=local.weekday())
        start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    elif period == "month":
        start = datetime(local.year, local.month, 1, tzinfo=zone)
    elif period == "quarter":
        start = datetime(local.year, (local.month - 1) // 3 * 3 + 1, 1, tzinfo=zone)
    else:
        start = datetime(local.year, 1, 1, tzinfo=zone)
    return start.astimezone(UTC)


# Hours over a short window (one statement per local hour on SQLite); the rest over up to a year.
windows = st.one_of(
    st.tuples(st.just("hour"), moments, st.integers(1, 4 * 24 * 3600)),
    st.tuples(st.sampled_from(["day", "week", "month", "quarter", "year"]), moments,
              st.integers(1, 400 * 24 * 3600)),
)


@PROPERTY_SETTINGS
@given(batch=records, window=windows, zone_name=st.sampled_from(ZONES))
def test_local_period_counts_and_medians(store, batch, window, zone_name):  # noqa: F811
    name, prepared = fill(store, batch)
    period, start, seconds = window
    zone = ZoneInfo(zone_name)
    end = start + timedelta(seconds=seconds)
    collects = (Collect("v", "p50"), Collect("m", "distinct"))
    groups = store.aggregate(name, Query(
        period=period, timezone=zone_name, start_at=start, end_at=end, group_by=("k",),
        collect=collects))
    expected = defaultdict(list)
    for record in prepared:
        if start <= record["_timestamp"] < end:
            key = (record["k"], local_start(record["_timestamp"], period, zone))
            expected[key].append(record)
    assert {(g.keys[0], g.period_start): g.count for g in groups} == {
        key: len(members) for key, members in expected.items()}
    for group in groups:
        members = expected[(group.keys[0], group.period_start)]
        values = numeric(members, "v")
        assert repr(group.values[collects[0]]) == repr(
            percentile_cont(values, 0.5) if values else None)
        assert group.values[collects[1]] == distinct_count(numeric(members, "m"))


@PROPERTY_SETTINGS
@given(batch=records, zone_name=st.sampled_from(ZONES),
       period=st.sampled_from(["hour", "day", "week", "month"]),
       first=moments, count=st.integers(1, 30))
def test_read_path_lists_consecutive_local_periods_with_their_offsets(
        store, batch, zone_name, period, first, count):  # noqa: F811
    """The whole read path: each listed period ends where the next starts, each label
    carries the zone's offset at that moment, and the counts match."""
    from backdrop.plugins import Registry, make_plugin_manager
    from backdrop.read.engine import Reader
    from backdrop.read.params import ReadParams

    name, prepared = fill(store, batch)
    zone = ZoneInfo(zone_name)
    params = ReadParams(start_at=first, duration=count, period=period, timezone=zone_name)
    collectors = Registry(make_plugin_manager(load_entry_points=False)).collectors
    rows = Reader(store, name, params, collectors, START).rows()
    assert len(rows) == count
    for row, following in zip(rows, rows[1:], strict=False):
        assert row["_end_at"] == following["_start_at"]
    for row in rows:
        start = datetime.fromisoformat(row["_start_at"])
        assert start.utcoffset() == start.astimezone(zone).utcoffset()
        assert local_start(start, period, zone) == start
        end = datetime.fromisoformat(row["_end_at"])
        assert row["_count"] == sum(1 for r in prepared if start <= r["_timestamp"] < end)
