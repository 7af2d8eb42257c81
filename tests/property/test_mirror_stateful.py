"""Hypothesis interleaves writes of every kind with reads through a writer and a mirrored reader.

A writer ``SQLiteStore`` and a reader ``SQLiteStore`` share one file, as a
write process and a read process would; the reader's ``ColumnarMirror``
answers. After any sequence of inserts, upserts, capped inserts,
replace-alls, record deletes and updates (``DELETE``, ``PATCH``), bucket
delete/re-creates, reader restarts and reads from several threads at once,
every aggregate the mirror gives
equals the store's own answer (values and types) and a plain-Python
computation over a model of what should be stored.
"""
import shutil
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from backdrop.mirror.engine import ColumnarMirror
from backdrop.mirror.files import MirrorFiles
from backdrop.periods import period_start
from backdrop.query import Collect, Filter, Query, SortBy
from backdrop.read.params import filter_values
from backdrop.store.errors import BucketNotFound
from backdrop.store.sqlite import SQLiteStore
from tests.store.helpers import config, prepare

BUCKETS = ("a", "b")
START = datetime(2024, 3, 1, tzinfo=UTC)
# Exact in binary, so float sums do not depend on the order of addition.
numbers = st.one_of(st.integers(-5, 5), st.sampled_from([0.5, -2.25, 1.0, 3.0, 2**62]))
values = st.one_of(numbers, st.sampled_from(["x", "y", "1"]), st.booleans(), st.none())
records = st.lists(
    st.fixed_dictionaries(
        {"k": st.one_of(st.sampled_from(["p", "q"]), st.sampled_from([1, 1.0, 2, True]))},
        optional={
            "_id": st.sampled_from(["i1", "i2", "i3", "i4"]),
            "_timestamp": st.integers(0, 3 * 24).map(lambda h: START + timedelta(hours=h)),
            "n": st.integers(-(2**62), 2**62),
            "v": values,
        },
    ),
    max_size=6,
)
COLLECTS = (Collect("n", "sum"), Collect("v", "count"), Collect("v", "set"),
            Collect("v", "min"), Collect("v", "max"))


def prepared(batch):
    return prepare([{key: (value.isoformat() if key == "_timestamp" else value)
                     for key, value in record.items()} for record in batch], "custom")


# -- plain Python: what the answers must be, written independently of the engines -------
def _kind(value):
    return {bool: 3, str: 2, int: 1, float: 1}[type(value)]


def _distinct(members):
    """Numbers by value (an integer stands for an equal float), strings, booleans."""
    found = {}
    for value in members:
        key = (_kind(value), value if _kind(value) != 3 else ("bool", value))
        if key not in found or isinstance(found[key], float):
            found[key] = value
    return sorted(found.values(), key=lambda v: (_kind(v), v))


def _extreme(members, pick):
    if not members:
        return None
    best = pick(members, key=lambda v: (_kind(v), v))
    ties = [v for v in members if _kind(v) == _kind(best) and v == best]
    return next((v for v in ties if not isinstance(v, float)), best)


def expected_groups(stored):
    by_key = defaultdict(list)
    for record in stored:
        key = record["k"]
        by_key[(_kind(key), key if _kind(key) != 3 else ("bool", key))].append(record)
    rows = []
    for members in by_key.values():
        labels = [m["k"] for m in members]
        label = next((v for v in labels if not isinstance(v, float)), labels[0])
        ns = [m["n"] for m in members if m.get("n") is not None]
        vs = [m["v"] for m in members if m.get("v") is not None]
        total = sum(ns) if ns else None
        if total is not None and not -(2**63) <= total < 2**63:
            total = float(total)
        rows.append(((label,), None, len(members),
                     [total, len(vs), _distinct(vs), _extreme(vs, min), _extreme(vs, max)]))
    return sorted(rows, key=lambda row: (_kind(row[0][0]), row[0][0]))


def answers(engine, bucket, query):
    return [(g.keys, g.period_start, g.count, [g.values[c] for c in query.collect])
            for g in engine.aggregate(bucket, query)]


def typed(rows):
    return [(tuple(map(type, keys)), count, [type(v) for v in vals]) for keys, _, count, vals in rows]


class MirrorFollowsTheStore(RuleBasedStateMachine):
    # Reads after appends merge, then the mirror catches up in its own thread, while
    # the next steps run: every interleaving of the two must answer the same.
    CATCH_UP_AFTER = True

    @initialize()
    def open_stores(self):
        self.folder = tempfile.mkdtemp()
        url = f"sqlite:///{self.folder}/store.db"
        self.writer, self.reader = SQLiteStore(url), SQLiteStore(url)
        self.mirror = ColumnarMirror(self.reader, MirrorFiles(f"{self.folder}/store.db.mirror"),
                                     catch_up_after=self.CATCH_UP_AFTER)
        self.model = {}  # bucket -> {"records": {id: record}, "capped": int | None}

    def teardown(self):
        if hasattr(self, "mirror"):
            self.mirror.close()
            self.writer.close()
            self.reader.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    @rule(bucket=st.sampled_from(BUCKETS), capped=st.one_of(st.none(), st.integers(0, 4)))
    def create(self, bucket, capped):
        if bucket in self.model:
            return
        self.writer.create_bucket(config(bucket, bucket_type="custom"))
        self.model[bucket] = {"records": {}, "capped": capped}

    def _store_model(self, bucket, batch):
        stored = self.model[bucket]["records"]
        for record in batch:
            stored.pop(record["_id"], None)  # an upsert moves the record to the newest place
            stored[record["_id"]] = record
        capped = self.model[bucket]["capped"]
        if capped is not None:
            for record_id in list(stored)[: max(0, len(stored) - capped)]:
                del stored[record_id]

    @precondition(lambda self: self.model)
    @rule(data=st.data(), batch=records)
    def insert(self, data, batch):
        bucket = data.draw(st.sampled_from(sorted(self.model)))
        batch = prepared(batch)
        self.writer.insert(bucket, batch, capped_size=self.model[bucket]["capped"])
        self._store_model(bucket, batch)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), batch=records)
    def replace_all(self, data, batch):
        bucket = data.draw(st.sampled_from(sorted(self.model)))
        batch = prepared(batch)
        self.writer.replace_all(bucket, batch)
        self.model[bucket]["records"] = {}
        capped, self.model[bucket]["capped"] = self.model[bucket]["capped"], None
        self._store_model(bucket, batch)
        self.model[bucket]["capped"] = capped

    @precondition(lambda self: self.model)
    @rule(data=st.data(), key=st.sampled_from(["p", "1", "true", "2.0"]),
          window=st.one_of(st.none(), st.tuples(st.integers(0, 3 * 24), st.integers(0, 24))))
    def delete_records(self, data, key, window):
        """``DELETE`` by a ``filter_by=k:<key>`` and/or a window (SPEC 2.1)."""
        bucket = data.draw(st.sampled_from(sorted(self.model)))
        by_key = data.draw(st.booleans()) or window is None
        filters = (Filter("k", filter_values("k", key)),) if by_key else ()
        start = end = None
        if window is not None:
            start = START + timedelta(hours=window[0])
            end = start + timedelta(hours=window[1])
        deleted = self.writer.delete_records(bucket, Query(start_at=start, end_at=end, filters=filters))
        stored = self.model[bucket]["records"]
        matching = [record_id for record_id, record in stored.items()
                    if (not filters or any(_kind(value) == _kind(record["k"]) and value == record["k"]
                                           for value in filters[0].values))
                    and (start is None or (record.get("_timestamp") is not None
                                           and start <= record["_timestamp"] < end))]
        assert deleted == len(matching)
        for record_id in matching:
            del stored[record_id]

    @precondition(lambda self: any(self.model[bucket]["records"] for bucket in self.model))
    @rule(data=st.data(), value=values)
    def update_records(self, data, value):
        """``PATCH`` of one record's ``v``: it takes the newest write position."""
        bucket = data.draw(st.sampled_from(sorted(b for b in self.model if self.model[b]["records"])))
        stored = self.model[bucket]["records"]
        record_id = data.draw(st.sampled_from(sorted(stored)))
        revised = {**stored[record_id], "v": value}
        self.writer.update_records(bucket, [record_id], lambda found: [revised])
        del stored[record_id]
        stored[record_id] = revised

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def delete_bucket(self, data):
        bucket = data.draw(st.sampled_from(sorted(self.model)))
        self.writer.delete_bucket(bucket)
        del self.model[bucket]

    @rule()
    def restart_reader(self):
        """A read process stopped and started again: it keeps its mirror file and catches up."""
        self.mirror.close()
        self.reader.close()
        self.reader = SQLiteStore(f"sqlite:///{self.folder}/store.db")
        self.mirror = ColumnarMirror(self.reader, MirrorFiles(f"{self.folder}/store.db.mirror"),
                                     catch_up_after=self.CATCH_UP_AFTER)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), batch=records)
    def write_then_read_from_threads(self, data, batch):
        """Several read threads meet one catch-up: each answer includes the write, none doubles it."""
        bucket = data.draw(st.sampled_from(sorted(self.model)))
        batch = prepared(batch)
        self.writer.insert(bucket, batch, capped_size=self.model[bucket]["capped"])
        self._store_model(bucket, batch)
        query = Query(group_by=("k",), collect=COLLECTS)
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(lambda _: answers(self.mirror, bucket, query), range(3)))
        expected = answers(self.reader, bucket, query)
        assert results == [expected] * 3

    @invariant()
    def every_answer_agrees(self):
        if not hasattr(self, "mirror"):
            return
        for bucket in BUCKETS:
            if bucket not in self.model:
                try:
                    self.mirror.aggregate(bucket, Query(group_by=("k",)))
                except BucketNotFound:
                    continue
                raise AssertionError(f"{bucket} was deleted but the mirror answered")
            stored = list(self.model[bucket]["records"].values())
            query = Query(group_by=("k",), collect=COLLECTS)
            mirrored = answers(self.mirror, bucket, query)
            assert mirrored == answers(self.reader, bucket, query)
            assert typed(mirrored) == typed(answers(self.reader, bucket, query))
            assert mirrored == expected_groups(stored)
            for other in (
                Query(group_by=("k",), collect=COLLECTS[:2],
                      sort_by=SortBy("n:sum", descending=True), limit=2),
                Query(group_by=("k",), collect=(Collect("v", "max"),),
                      sort_by=SortBy("v:max"), limit=1),
                Query(group_by=("k",), sort_by=SortBy("_count", descending=True), limit=1),
                Query(period="day", filters=(Filter("v", filter_values("v", "1")),)),
                Query(group_by=("v",), filters=(Filter("k", filter_values("k", "1")),)),
            ):
                assert answers(self.mirror, bucket, other) == answers(self.reader, bucket, other)
            by_day = Query(period="day")
            days = defaultdict(int)
            for record in stored:
                if record.get("_timestamp") is not None:
                    days[period_start(record["_timestamp"], "day")] += 1
            assert answers(self.mirror, bucket, by_day) == [
                ((), day, count, []) for day, count in sorted(days.items())]
            assert self.mirror.time_bounds(bucket, Query()) == self.reader.time_bounds(
                bucket, Query())


MirrorFollowsTheStore.TestCase.settings = settings(
    max_examples=40, stateful_step_count=15, deadline=None)
test_mirror_follows_the_store = MirrorFollowsTheStore.TestCase


class MirrorKeptBehindFollowsTheStore(MirrorFollowsTheStore):
    """The same, the mirror never catching up after a read: appends pile up, merged each read."""

    CATCH_UP_AFTER = False


MirrorKeptBehindFollowsTheStore.TestCase.settings = settings(
    max_examples=25, stateful_step_count=15, deadline=None)
test_mirror_kept_behind_follows_the_store = MirrorKeptBehindFollowsTheStore.TestCase
