"""The columnar mirror keeps in step with the store: the hard cases of the change feed.

A writer and a reader are two ``SQLiteStore`` instances on one file, as a
write process and a read process would be; the reader's ``ColumnarMirror``
must answer every aggregate exactly as the store itself does after each
change, with no wait and no refresh call.
"""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import duckdb
import pytest

from backdrop.mirror import engine as mirror_engine
from backdrop.mirror.engine import ColumnarMirror
from backdrop.mirror.files import MirrorFiles
from backdrop.store import sqlite as sqlite_store
from backdrop.store.errors import BucketNotFound
from backdrop.store.sqlite import SQLiteStore

from .helpers import Collect, Filter, PrefixFilter, Query, SortBy, at, config, prepare

COLLECTS = tuple(Collect("v", primitive) for primitive in ("sum", "count", "set", "min", "max"))


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store.db"


@pytest.fixture
def writer(path):
    store = SQLiteStore(f"sqlite:///{path}")
    yield store
    store.close()


@pytest.fixture
def reader(path, writer):
    store = SQLiteStore(f"sqlite:///{path}")
    yield store
    store.close()


@pytest.fixture
def mirror(reader):
    mirror = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    yield mirror
    mirror.close()


def answers(engine, bucket, query):
    groups = engine.aggregate(bucket, query)
    return [(g.keys, g.period_start, g.count, [g.values[c] for c in query.collect])
            for g in groups]


def assert_agrees(mirror, store, bucket, *queries):
    """The mirror answers each query exactly as the store (values and their types)."""
    queries = queries or (Query(group_by=("k",), collect=COLLECTS),
                          Query(period="day", collect=COLLECTS))
    for query in queries:
        expected = answers(store, bucket, query)
        actual = answers(mirror, bucket, query)
        assert actual == expected
        assert [_types(row) for row in actual] == [_types(row) for row in expected]
    assert mirror.time_bounds(bucket, Query()) == store.time_bounds(bucket, Query())


def _types(row):
    keys, _, _, values = row
    return [type(k) for k in keys], [type(v) for v in values]


def write(store, bucket, records, bucket_type="custom", capped_size=None):
    store.insert(bucket, prepare(records, bucket_type), capped_size=capped_size)


def make(store, bucket, **fields):
    store.create_bucket(config(bucket, bucket_type="custom", **fields))


DAY1, DAY2 = "2024-03-01T10:00:00Z", "2024-03-02T10:00:00Z"


def test_reads_see_each_write_at_once(writer, reader, mirror):
    make(writer, "b")
    for round_ in range(5):
        write(writer, "b", [{"_timestamp": DAY1, "k": "a", "v": round_}])
        assert_agrees(mirror, reader, "b")
        [group] = mirror.aggregate("b", Query(group_by=("k",)))
        assert group.count == round_ + 1


def test_an_upsert_replaces_the_old_row(writer, reader, mirror):
    make(writer, "b")
    write(writer, "b", [{"_id": "x", "_timestamp": DAY1, "k": "a", "v": 1},
                        {"_id": "y", "_timestamp": DAY1, "k": "a", "v": 2}])
    assert_agrees(mirror, reader, "b")
    write(writer, "b", [{"_id": "x", "_timestamp": DAY2, "k": "b", "v": 10}])
    assert_agrees(mirror, reader, "b")
    assert answers(mirror, "b", Query(group_by=("k",), collect=(Collect("v", "sum"),))) == [
        (("a",), None, 1, [2]), (("b",), None, 1, [10])]


def test_a_batch_upserting_one_id_twice_keeps_the_last(writer, reader, mirror):
    make(writer, "b")
    write(writer, "b", [{"_id": "x", "k": "a", "v": 1}, {"_id": "x", "k": "a", "v": 5}])
    assert answers(mirror, "b", Query(group_by=("k",), collect=(Collect("v", "sum"),))) == [
        (("a",), None, 1, [5])]
    assert_agrees(mirror, reader, "b")


def test_capped_trims_leave_the_mirror(writer, reader, mirror):
    writer.create_bucket(config("rt", bucket_type="realtime", capped_size=3))
    for start in range(0, 12, 2):
        write(writer, "rt", [{"_timestamp": f"2024-03-01T10:00:{second:02d}Z", "k": "a",
                              "v": second} for second in (start, start + 1)],
              bucket_type="events", capped_size=3)
        assert_agrees(mirror, reader, "rt")
    [group] = mirror.aggregate("rt", Query(group_by=("k",), collect=(Collect("v", "set"),)))
    assert group.values[Collect("v", "set")] == [9, 10, 11]


@pytest.mark.parametrize("replacement", [[], [{"k": "new", "v": 7}]])
def test_replace_all_is_seen_whole(writer, reader, mirror, replacement):
    make(writer, "b")
    write(writer, "b", [{"k": "old", "v": 1}, {"k": "old", "v": 2}])
    assert_agrees(mirror, reader, "b")
    writer.replace_all("b", prepare(replacement, "custom"))
    assert_agrees(mirror, reader, "b")
    assert [g.keys for g in mirror.aggregate("b", Query(group_by=("k",)))] == [
        (r["k"],) for r in replacement]


def test_a_bucket_deleted_and_created_again(writer, reader, mirror):
    make(writer, "b")
    write(writer, "b", [{"k": "first life", "v": 1}])
    assert_agrees(mirror, reader, "b")
    writer.delete_bucket("b")
    with pytest.raises(BucketNotFound):
        mirror.aggregate("b", Query(group_by=("k",)))
    make(writer, "b")
    write(writer, "b", [{"k": "second life", "other": True}])
    assert [g.keys for g in mirror.aggregate("b", Query(group_by=("k",)))] == [("second life",)]
    assert_agrees(mirror, reader, "b")


def test_new_keys_arriving(writer, reader, mirror):
    make(writer, "b")
    write(writer, "b", [{"k": "a"}])
    assert mirror.aggregate("b", Query(group_by=("later",))) == []
    write(writer, "b", [{"k": "a", "later": "yes", "v": 3}])
    assert [g.keys for g in mirror.aggregate("b", Query(group_by=("later",)))] == [("yes",)]
    assert_agrees(mirror, reader, "b", Query(group_by=("later",), collect=COLLECTS))


def test_a_key_whose_values_change_type(writer, reader, mirror):
    make(writer, "b")
    values = [1, "1", True, 2.5, False, 1.0, None, "z", 2**62, -0.5, 3]
    for value in values:
        write(writer, "b", [{"_timestamp": DAY1, "k": "a", "v": value, "g": value}])
        assert_agrees(mirror, reader, "b",
                      Query(group_by=("k",), collect=(Collect("v", "set"), Collect("v", "min"),
                                                      Collect("v", "max"), Collect("v", "count"))),
                      Query(group_by=("g",)),
                      Query(group_by=("k",), filters=(Filter("v", ("1", 1)),)))


def test_an_integer_and_an_equal_float(writer, reader, mirror):
    """Numbers compare as numbers; where they tie, the integer is the answer on both engines."""
    make(writer, "b")
    write(writer, "b", [{"k": 1.0, "v": 2.0}, {"k": 1, "v": 2}, {"k": 2.0, "v": 2**53 + 1},
                        {"k": 9007199254740992.0, "v": 9007199254740992.0}])
    query = Query(group_by=("k",), collect=COLLECTS)
    assert_agrees(mirror, reader, "b", query)
    rows = answers(mirror, "b", query)
    assert [keys for keys, *_ in rows] == [(1,), (2.0,), (9007199254740992.0,)]
    assert type(rows[0][0][0]) is int and type(rows[1][0][0]) is float
    assert rows[0][3][2] == [2] and type(rows[0][3][2][0]) is int  # the set


def test_record_deletes_reach_the_mirror(writer, reader, mirror):
    """The feed carries deletions (the records DELETE endpoint deletes rows like this)."""
    make(writer, "b")
    write(writer, "b", [{"_id": f"r{n}", "k": "a", "v": n} for n in range(5)])
    assert_agrees(mirror, reader, "b")
    table = writer.feed_position("b").generation
    with writer._write() as db:
        db.execute(f"DELETE FROM {table} WHERE id IN ('r1', 'r3')")
    assert_agrees(mirror, reader, "b")
    [group] = mirror.aggregate("b", Query(group_by=("k",), collect=(Collect("v", "set"),)))
    assert group.values[Collect("v", "set")] == [0, 2, 4]


def test_forgotten_removals_mean_a_rebuild(writer, reader, mirror, monkeypatch):
    monkeypatch.setattr(sqlite_store, "REMOVALS_KEPT", 2)
    writer.create_bucket(config("rt", bucket_type="realtime", capped_size=1))
    write(writer, "rt", [{"_timestamp": DAY1, "k": "a", "v": 0}], "events", capped_size=1)
    assert_agrees(mirror, reader, "rt")
    for value in range(1, 12):
        write(writer, "rt", [{"_timestamp": DAY1, "k": "a", "v": value}], "events", capped_size=1)
    assert writer.feed_position("rt").forgotten > 0
    assert_agrees(mirror, reader, "rt")
    [group] = mirror.aggregate("rt", Query(group_by=("k",), collect=(Collect("v", "set"),)))
    assert group.values[Collect("v", "set")] == [11]


def test_many_read_threads_while_a_writer_writes(writer, reader, mirror):
    """Every read counts at least what was acknowledged before it began, in whole batches."""
    make(writer, "b")
    acknowledged, stop, failures = [0], threading.Event(), []

    def write_batches():
        for _ in range(40):
            write(writer, "b", [{"k": "a", "v": 1}] * 25)
            acknowledged[0] += 25
        stop.set()

    def read():
        while not stop.is_set():
            floor = acknowledged[0]
            groups = mirror.aggregate("b", Query(group_by=("k",), collect=(Collect("v", "sum"),)))
            count = groups[0].count if groups else 0
            if count < floor or count % 25 or (groups and groups[0].values[
                    Collect("v", "sum")] != count):
                failures.append((floor, count))

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    write_batches()
    for thread in threads:
        thread.join()
    assert failures == []
    assert mirror.aggregate("b", Query(group_by=("k",)))[0].count == 1000


def test_two_mirrors_on_one_store_each_keep_up(writer, reader, path):
    """Two read processes each hold a mirror of their own (two slots of one folder)."""
    other_reader = SQLiteStore(f"sqlite:///{path}")
    first = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    second = ColumnarMirror(other_reader, MirrorFiles(MirrorFiles.beside(reader)))
    try:
        make(writer, "b")
        for n in range(1, 4):
            write(writer, "b", [{"k": "a", "v": n}])
            assert_agrees(first, reader, "b")
            assert_agrees(second, reader, "b")
        assert first.files.path != second.files.path
    finally:
        first.close()
        second.close()
        other_reader.close()


def test_a_restarted_reader_keeps_its_mirror_and_catches_up(writer, reader, path):
    make(writer, "b")
    write(writer, "b", [{"k": "a", "v": n} for n in range(100)])
    mirror = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    assert_agrees(mirror, reader, "b")
    mirror.close()
    write(writer, "b", [{"k": "b", "v": 1}])
    again = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    try:
        assert_agrees(again, reader, "b")
        assert again.catch_ups == 1  # only the new write was applied
        assert again.files.path == mirror.files.path or again.files.path is not None
    finally:
        again.close()


def test_a_mirror_of_an_older_layout_is_rebuilt(writer, reader, path, monkeypatch):
    make(writer, "b")
    write(writer, "b", [{"k": "a", "v": 1}])
    mirror = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    assert_agrees(mirror, reader, "b")
    slot = mirror.files.path
    mirror.close()
    with duckdb.connect(slot) as database:  # as an older release would have left it
        database.execute("UPDATE mirror_layout SET version = version - 1")
        database.execute("DELETE FROM mirror_columns")  # it would be wrong to trust this
    again = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    try:
        assert_agrees(again, reader, "b")
        assert again.catch_ups == 1
    finally:
        again.close()


def test_a_mirror_beside_another_store_is_not_trusted(tmp_path):
    """A mirror folder copied next to a different store file is rebuilt from that store."""
    first, second = (SQLiteStore(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db"))
    folder = str(tmp_path / "shared.mirror")
    try:
        for store, value in ((first, 1), (second, 2)):
            make(store, "b")
            write(store, "b", [{"k": "a", "v": value}])
        mirror = ColumnarMirror(first, MirrorFiles(folder))
        assert_agrees(mirror, first, "b")
        mirror.close()
        mirror = ColumnarMirror(second, MirrorFiles(folder))
        assert_agrees(mirror, second, "b")
        mirror.close()
    finally:
        first.close()
        second.close()


CRASHING_READER = textwrap.dedent("""
    import sys
    from backdrop.mirror.engine import ColumnarMirror
    from backdrop.mirror.files import MirrorFiles
    from backdrop.query import Query
    from backdrop.store.sqlite import SQLiteStore
    store = SQLiteStore(sys.argv[1])
    mirror = ColumnarMirror(store, MirrorFiles(sys.argv[2]))
    original, prepared = mirror._prepared, []
    def prepare_slowly(*args):  # the rebuild's insert stops with part of the rows in
        prepared.append(original(*args))
        if len(prepared) == 3:
            print("appended", flush=True)
            import time; time.sleep(30)
        return prepared[-1]
    mirror._prepared = prepare_slowly
    mirror.aggregate("b", Query(group_by=("k",)))
""")


def test_a_reader_killed_mid_catch_up_answers_right_after_restart(writer, reader, path):
    make(writer, "b")
    write(writer, "b", [{"k": "a", "v": n} for n in range(50_000)])
    folder = MirrorFiles.beside(reader)
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_READER, f"sqlite:///{path}", folder],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert process.stdout.readline().strip() == "appended"  # part of the rows are in
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 10
    while True:  # the killed process's file lock goes with it
        try:
            mirror = ColumnarMirror(reader, MirrorFiles(folder))
            mirror.database  # noqa: B018
            break
        except RuntimeError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    try:
        assert mirror.files.path.endswith("0.duckdb")
        assert_agrees(mirror, reader, "b", Query(group_by=("k",), collect=COLLECTS))
        tables = {row[0] for row in mirror.cursor.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        assert len(tables - {"mirror_layout", "mirror_buckets", "mirror_columns"}) == 1
    finally:
        mirror.close()


def test_layout_constant_is_recorded(mirror, writer, reader):
    make(writer, "b")
    write(writer, "b", [{"k": "a"}])
    mirror.aggregate("b", Query(group_by=("k",)))
    assert mirror.cursor.execute("SELECT version FROM mirror_layout").fetchall() == [
        (mirror_engine.LAYOUT,)]


def test_aggregates_by_id_are_answered_by_the_store(writer, reader, mirror):
    """The mirror keeps no ids; a query picking records by ``_id`` still gets the right answer."""
    make(writer, "b")
    write(writer, "b", [{"_id": "alpha-1", "_timestamp": DAY1, "k": "a", "v": 1},
                        {"_id": "alpha-2", "_timestamp": DAY2, "k": "b", "v": 2},
                        {"_id": "beta", "_timestamp": DAY2, "k": "b", "v": 3}])
    by_id = Query(group_by=("k",), collect=COLLECTS, filters=(Filter("_id", ("alpha-2",)),))
    by_prefix = Query(period="day", prefix_filters=(PrefixFilter("_id", "alpha"),))
    assert_agrees(mirror, reader, "b", by_id, by_prefix)
    assert answers(mirror, "b", by_id)[0][:3] == (("b",), None, 1)
    assert mirror.time_bounds("b", by_prefix) == reader.time_bounds("b", by_prefix)


def test_a_mirror_written_before_a_reboot_is_rebuilt(writer, reader, monkeypatch):
    """Commits skip fsync, so a file is trusted only in the boot that wrote it."""
    make(writer, "b")
    write(writer, "b", [{"k": "a", "v": 1}])
    mirror = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    assert_agrees(mirror, reader, "b")
    mirror.close()
    again = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    assert_agrees(again, reader, "b")
    assert again.catch_ups == 0  # same boot: trusted
    again.close()
    monkeypatch.setattr(mirror_engine, "boot_id", lambda: "a-later-boot")
    rebooted = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    try:
        assert_agrees(rebooted, reader, "b")
        assert rebooted.catch_ups == 1
    finally:
        rebooted.close()


def test_an_operation_out_of_memory_is_retried_with_room(writer, reader):
    """A tiny memory limit fails a new key's column on a large table; the retry has room."""
    make(writer, "b")
    write(writer, "b", [{"_timestamp": DAY1, "k": f"key-{n % 500}", "v": n} for n in range(60_000)])
    mirror = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)), memory_limit="2MB",
                            memory_ceiling="512MB")
    try:
        assert_agrees(mirror, reader, "b", Query(group_by=("k",), collect=COLLECTS))
        write(writer, "b", [{"_timestamp": DAY2, "k": "late", "new_key": 1.5}])
        assert_agrees(mirror, reader, "b", Query(group_by=("k",), collect=COLLECTS),
                      Query(group_by=("new_key",)))
        limit = mirror.cursor.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        assert limit.startswith("1.9") or limit.startswith("2.0"), limit  # put back
    finally:
        mirror.close()


def test_sorting_by_a_sum_past_64_bits(writer, reader, mirror):
    """The store's exact-sum retry could not sort by the sum (no column v0): a 500."""
    make(writer, "b")
    write(writer, "b", [{"k": "a", "v": 2**62}, {"k": "a", "v": 2**62}, {"k": "b", "v": 1}])
    query = Query(group_by=("k",), collect=(Collect("v", "sum"),),
                  sort_by=SortBy("v:sum", descending=True), limit=1)
    assert_agrees(mirror, reader, "b", query)
    assert answers(reader, "b", query) == [(("a",), None, 2, [float(2**63)])]


def test_an_inclusive_end_on_a_period_boundary_counts_once(writer, reader, mirror):
    writer.create_bucket(config("e", bucket_type="events"))
    write(writer, "e", [{"_timestamp": "2024-03-02T00:00:00Z"}, {"_timestamp": DAY1}], "events")
    query = Query(period="day", start_at=at("2024-03-01T00:00:00Z"),
                  end_at=at("2024-03-02T00:00:00Z"), end_inclusive=True)
    assert_agrees(mirror, reader, "e", query)
    assert [row[2] for row in answers(reader, "e", query)] == [1, 1]


def test_a_torn_mirror_file_starts_again(writer, reader):
    """A mirror is only a copy: a file DuckDB cannot open (a WAL torn by a crash) is made anew."""
    make(writer, "b")
    write(writer, "b", [{"k": "a", "v": 1}])
    mirror = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    assert_agrees(mirror, reader, "b")
    slot = mirror.files.path
    mirror.close()
    with open(slot, "r+b") as file:  # damage the middle of the file
        file.seek(8192)
        file.write(b"\xff" * 4096)
    again = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    try:
        assert_agrees(again, reader, "b")
    finally:
        again.close()


def _small_steps(monkeypatch):
    """Feed chunks of 10 rows, one per append: a 100-row catch-up takes many steps."""
    monkeypatch.setattr(sqlite_store, "FEED_CHUNK_ROWS", 10)
    monkeypatch.setattr(mirror_engine, "BATCHES_PER_APPEND", 1)


def test_a_long_catch_up_streams_the_feed(writer, reader, mirror, monkeypatch):
    """Each append is made before the next part of the feed is read: memory stays bounded."""
    make(writer, "b")
    write(writer, "b", [{"_id": "up", "k": "a", "v": -1}])
    assert_agrees(mirror, reader, "b")
    _small_steps(monkeypatch)
    write(writer, "b", [{"k": f"k{n % 7}", "v": n} for n in range(100)]
          + [{"_id": "up", "k": "b", "v": 1.5, "late": True}])
    read_ahead, real_append = [], ColumnarMirror._append
    feed_changes = reader.feed_changes

    def counting_feed(*args, **kwargs):
        context = feed_changes(*args, **kwargs)
        changes = context.__enter__()
        batches = changes.batches

        def counted():
            for batch in batches:
                read_ahead.append("batch")
                yield batch
        changes.batches = counted()

        class Wrapped:
            def __enter__(self):
                return changes

            def __exit__(self, *exc):
                return context.__exit__(*exc)
        return Wrapped()

    def append(self, cursor, table, columns, batch):
        read_ahead.append("append")
        return real_append(self, cursor, table, columns, batch)

    monkeypatch.setattr(reader, "feed_changes", counting_feed)
    monkeypatch.setattr(ColumnarMirror, "_append", append)
    assert_agrees(mirror, reader, "b")
    assert read_ahead.count("append") == 11
    # Never more than two parts read ahead of the appends made (the fast path looks at two).
    for position in range(len(read_ahead)):
        seen = read_ahead[:position + 1]
        assert seen.count("batch") - seen.count("append") <= 2


def test_a_long_catch_up_that_fails_part_way_is_read_back(writer, reader, mirror, monkeypatch):
    """Steps already committed are kept or dropped by the file's saved position, never doubled."""
    make(writer, "b")
    write(writer, "b", [{"_id": "up", "k": "a", "v": -1}])
    assert_agrees(mirror, reader, "b")
    _small_steps(monkeypatch)
    write(writer, "b", [{"k": f"k{n % 7}", "v": n, f"new{n // 30}": n} for n in range(100)]
          + [{"_id": "up", "k": "b", "v": 1.5}])
    real_append, calls = ColumnarMirror._append, []

    def failing(self, cursor, table, columns, batch):
        calls.append(1)
        if len(calls) == 5:
            raise duckdb.IOException("disk went away")
        return real_append(self, cursor, table, columns, batch)

    monkeypatch.setattr(ColumnarMirror, "_append", failing)
    with pytest.raises(duckdb.IOException):
        mirror.aggregate("b", Query(group_by=("k",)))
    monkeypatch.setattr(ColumnarMirror, "_append", real_append)
    assert_agrees(mirror, reader, "b", Query(group_by=("k",), collect=COLLECTS),
                  *(Query(group_by=(f"new{n}",)) for n in range(4)))


def test_a_failed_open_lets_its_slot_go(writer, reader, monkeypatch):
    """A mirror whose file could not be read keeps no slot: the next try opens the same one."""
    make(writer, "b")
    write(writer, "b", [{"k": "a", "v": 1}])
    mirror = ColumnarMirror(reader, MirrorFiles(MirrorFiles.beside(reader)))
    real_load = ColumnarMirror._load

    def failing_load(self, db):
        raise duckdb.IOException("disk went away")

    monkeypatch.setattr(ColumnarMirror, "_load", failing_load)
    with pytest.raises(duckdb.IOException):
        mirror.aggregate("b", Query(group_by=("k",)))
    monkeypatch.setattr(ColumnarMirror, "_load", real_load)
    try:
        assert_agrees(mirror, reader, "b")
        assert mirror.files.path.endswith("/0.duckdb")
    finally:
        mirror.close()


def _feed_batch(rows, **columns):
    import pyarrow as pa
    arrays = {"_seq": pa.array([seq for seq, _ in rows], pa.int64()),
              "_timestamp": pa.array([ts for _, ts in rows], pa.int64())}
    arrays.update({name: pa.array(values) for name, values in columns.items()})
    return pa.RecordBatch.from_pydict(arrays)


def test_a_stream_whose_batches_change_shape_goes_in_whole(mirror):
    """The rebuild streams runs of one schema; a batch of another starts the next run."""
    day = 86_400_000_000
    batches = [
        _feed_batch([(1, 0), (2, day)], **{"k:str": ["a", "b"]}),
        _feed_batch([(3, 2 * day)], **{"k:str": ["c"]}),
        _feed_batch([(4, 3 * day)], **{"k:int": [7], "v:float": [1.5]}),
        _feed_batch([(5, None)], **{"k:str": ["d"]}),
    ]
    cursor, columns = mirror.cursor, {}
    cursor.execute("CREATE TABLE m_test (seq BIGINT, ts BIGINT, hour BIGINT, day BIGINT,"
                   " week BIGINT, month BIGINT, quarter BIGINT, year BIGINT)")
    mirror._stream(cursor, "m_test", columns, iter(batches))
    assert set(columns) == {"k", "v"} and set(columns["k"]) == {"str", "int"}
    rows = cursor.execute(
        f"SELECT seq, day, {columns['k']['str']}, {columns['k']['int']}, {columns['v']['float']}"
        " FROM m_test ORDER BY seq").fetchall()
    assert rows == [(1, 0, "a", None, None), (2, day, "b", None, None),
                    (3, 2 * day, "c", None, None), (4, 3 * day, None, 7, 1.5),
                    (5, None, "d", None, None)]


def test_a_feed_that_fails_mid_stream_raises_and_leaves_no_thread(mirror):
    def failing():
        yield _feed_batch([(1, 0)], **{"k:str": ["a"]})
        raise OSError("the feed broke")

    cursor = mirror.cursor
    cursor.execute("CREATE TABLE m_test (seq BIGINT, ts BIGINT, hour BIGINT, day BIGINT,"
                   " week BIGINT, month BIGINT, quarter BIGINT, year BIGINT)")
    before = set(threading.enumerate())
    with pytest.raises(Exception, match="the feed broke"):
        mirror._stream(cursor, "m_test", {}, failing())
    assert not [thread for thread in set(threading.enumerate()) - before
                if thread.name == "mirror-prefetch"]
    assert cursor.execute("SELECT count(*) FROM m_test").fetchall() == [(0,)]
