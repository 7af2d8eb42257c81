"""The columnar mirror: aggregates answered by an in-process DuckDB copy of each bucket.

Writes go to the store of record as always. Before each aggregate the
mirror reads the bucket's feed position (one cheap store query) and, when
the store has moved on, applies what changed (``backdrop.feed``) in one
DuckDB transaction: rows removed, rows written, a new generation started
from nothing. So a read never answers from a state older than the last
write committed before it began (SPEC 2.2), whichever process wrote.

Raw reads, counts and ``last_updated`` stay on the store, which answers
them faster than a copy could. The DuckDB file (one per process, in a
folder next to the store file, see ``files``) keeps what was applied and
the position it reached, so a restarted process only catches up.
"""
import itertools
import logging
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from zope.interface import implementer

from ..feed import SEQ, TIMESTAMP, FeedPosition, split_value_column
from ..interfaces import IQueryEngine
from ..periods import from_epoch_micros
from ..prefetch import prefetched
from ..query import NUMERIC_PRIMITIVES, PERIODS
from ..store.errors import BucketNotFound, NonNumericCollect
from . import appended
from .files import NO_SPACE, boot_id
from .later import LaterCatchUps
from .sql import TYPE_SUFFIXES, MirrorQuery, NoMatch, Typed

log = logging.getLogger(__name__)

# Arrow's default pool keeps freed memory for reuse; the mirror's loads are
# bursts, so give it back to the system between them (bounded process memory).
pa.set_memory_pool(pa.system_memory_pool())

# Bumped when the mirror's own tables change: an older file is rebuilt, never trusted.
LAYOUT = 3
_DUCK_TYPES = {"int": "BIGINT", "float": "DOUBLE", "str": "VARCHAR", "bool": "BOOLEAN"}

META = """
CREATE TABLE IF NOT EXISTS mirror_layout (version INTEGER NOT NULL, boot VARCHAR);
CREATE TABLE IF NOT EXISTS mirror_buckets (
    bucket VARCHAR PRIMARY KEY, mtable VARCHAR NOT NULL, generation VARCHAR NOT NULL,
    written BIGINT NOT NULL, removed BIGINT NOT NULL, forgotten BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS mirror_columns (
    mtable VARCHAR NOT NULL, key VARCHAR NOT NULL, value_type VARCHAR NOT NULL,
    col VARCHAR NOT NULL
);
"""


def _period_starts(timestamps):
    """Period start columns (epoch micros) of an Arrow column of ``_timestamp`` micros.

    Arrow's calendar flooring, vectorised; it agrees with ``backdrop.periods``
    (Monday weeks, true months, quarters and years) over years 1 to 9999, which
    ``tests/unit/test_mirror_periods.py`` checks.
    """
    moments = timestamps.cast(pa.timestamp("us"))
    return {
        name: pc.floor_temporal(moments, unit=name, week_starts_monday=True).cast(pa.int64())
        for name in PERIODS
    }


@dataclass
class MirroredBucket:
    """What the mirror holds of one bucket: its table, columns and feed position."""

    table: str
    position: FeedPosition | None
    columns: dict = field(default_factory=dict)  # key -> {value_type: column}
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Appends since the position was last saved in the file (see ``_apply``); a state
    # loaded from the file may hold rows past its saved position.
    unsaved: int = 0
    tail_unknown: bool = False

    def typed(self, key):
        return Typed(self.columns.get(key, {}))


@implementer(IQueryEngine)
class ColumnarMirror:
    """Answers ``aggregate`` and ``time_bounds`` from DuckDB; everything else from the store."""

    def __init__(self, store, files, memory_limit="96MB", threads=2, memory_ceiling="1GB",
                 rebuild_memory_limit="24MB", merge_appended=True, catch_up_after=True):
        """``merge_appended``: answer what merges from the mirror plus the rows appended
        since (``appended``); ``catch_up_after``: then catch up in a thread of its own
        (tests turn it off to keep the mirror behind and every such read merging)."""
        self.store = store
        self.files = files
        self.config = {"memory_limit": memory_limit, "threads": threads}
        self.memory_ceiling = memory_ceiling
        self.rebuild_memory_limit = rebuild_memory_limit
        self._headroom_lock = threading.RLock()
        self._retrying = False
        self._database = None
        self._opening = threading.Lock()
        self._local = threading.local()
        self._cursors = []
        self._buckets = {}
        self._buckets_lock = threading.Lock()
        self.merge_appended = merge_appended
        self.catch_up_after = catch_up_after
        self._later = LaterCatchUps(self._catch_up_quietly)
        self._bases = appended.AnswerBases()
        self.catch_ups = 0  # how many times changes were applied (for tests and metrics)
        self.merged_answers = 0  # answers merged with the rows appended since (``appended``)
        self.catch_up_seconds = 0.0
        self.full_disk_fallbacks = 0  # reads the store answered because the mirror's disk was full

    # -- the DuckDB file ---------------------------------------------------
    @property
    def database(self):
        """Opened on first use, so processes that never aggregate hold no file."""
        if self._database is None:
            with self._opening:
                if self._database is None:
                    database = self.files.connect(self.config)
                    try:
                        self._load(database)
                    except BaseException:  # let the slot go: the next try may take it again
                        database.close()
                        self.files.release()
                        raise
                    self._database = database
        return self._database

    def _load(self, db):
        """Read what the file holds; a file of another layout is emptied first."""
        tables = {row[0] for row in db.execute("SELECT table_name FROM information_schema.tables")
                  .fetchall()}
        boot = boot_id()
        if tables and ("mirror_layout" not in tables or _layout(db) != (LAYOUT, boot)):
            for table in tables:  # an older layout, or written before a reboot: start again
                db.execute(f'DROP TABLE IF EXISTS "{table}"')
            tables = set()
        for statement in META.split(";"):
            if statement.strip():
                db.execute(statement)
        if not tables:
            db.execute("INSERT INTO mirror_layout VALUES (?, ?)", (LAYOUT, boot))
            db.execute("CHECKPOINT")
        held = {row[0] for row in db.execute("SELECT mtable FROM mirror_buckets").fetchall()}
        for table in tables - held - {"mirror_layout", "mirror_buckets", "mirror_columns"}:
            db.execute(f'DROP TABLE IF EXISTS "{table}"')  # left by a rebuild that crashed
            db.execute("DELETE FROM mirror_columns WHERE mtable = ?", (table,))
        for bucket, table, generation, written, removed, forgotten in db.execute(
                "SELECT * FROM mirror_buckets").fetchall():
            self._buckets[bucket] = MirroredBucket(
                table, FeedPosition(generation, written, removed, forgotten),
                columns=_saved_columns(db, table), tail_unknown=True)

    @property
    def cursor(self):
        """This thread's DuckDB connection (cursors of one database are thread-safe apart)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self.database.cursor()
            self._cursors.append(cursor)
        return cursor

    def close(self):
        """Save each bucket's position (appends may have left it behind), then let go."""
        self._later.stop()
        if self._database is not None:
            for bucket, state in list(self._buckets.items()):
                if state.unsaved and state.position is not None:
                    self._save_progress(self.cursor, bucket, state.position)
        for cursor in self._cursors:
            cursor.close()
        self._cursors = []
        self._local = threading.local()
        if self._database is not None:
            self._database.close()
            self._database = None
            self.files.release()

    # -- keeping in step ---------------------------------------------------
    def current(self, bucket, position=None):
        """The bucket's mirrored state, brought up to the store's position now (or to
        ``position``, read a moment ago)."""
        self.database  # noqa: B018 -- opening it loads what a previous run kept
        position = position or self._position(bucket)
        with self._buckets_lock:
            state = self._buckets.get(bucket)
            if state is None:
                state = self._buckets[bucket] = MirroredBucket(None, None)
        if state.position == position:
            return state
        with state.lock:
            if state.position is None or not _covers(state.position, position):
                self._catch_up(bucket, state)
        return state

    def _position(self, bucket):
        """The store's feed position for ``bucket`` now; raises ``BucketNotFound``."""
        position = self.store.feed_position(bucket)
        if position is None:
            if self._database is not None:
                self._forget(bucket)
            raise BucketNotFound(bucket)
        return position

    def wait_for_catch_ups(self):
        """Until the catch-ups that merged answers left for later are done."""
        self._later.wait()

    def _catch_up_quietly(self, bucket):
        """Catch up after a merged answer (in the ``LaterCatchUps`` thread): a failure
        is logged, and the next read that needs the mirror current tries again."""
        try:
            self._current_or_none(bucket)
        except BucketNotFound:
            pass
        except Exception:
            log.exception("mirror could not catch up %s after a read", bucket)

    def _catch_up(self, bucket, state):
        began = time.perf_counter()
        changes = self._with_headroom(self._catch_up_once, bucket, state)
        state.position = changes.position
        self.catch_ups += 1
        self.catch_up_seconds += time.perf_counter() - began

    def _catch_up_once(self, bucket, state):
        with self.store.feed_changes(bucket, state.position, ids=False) as changes:
            if changes.reset or state.table is None:
                self._rebuild(bucket, state, changes)
            else:
                self._apply(bucket, state, changes)
        return changes

    def _with_headroom(self, work, *args):
        """``work(*args)``, once more with ``memory_ceiling`` if DuckDB runs out of memory.

        The small default limit keeps a read process small, but a few
        operations need memory in proportion to the bucket: adding a key's
        column to a table of ten million rows needs about 48 MB. A failed
        attempt changed nothing (rolled back, or one statement that did not
        happen), so it is simply done again with room, then the limit is
        put back.
        """
        try:
            return work(*args)
        except duckdb.Error as error:
            if not _out_of_memory(error):
                raise
            log.info("mirror needed more than %s of memory, retrying with %s: %s",
                     self.config["memory_limit"], self.memory_ceiling, error)
            with self._headroom_lock:
                self.cursor.execute("SET memory_limit = ?", (self.memory_ceiling,))
                self._retrying = True
                try:
                    return work(*args)
                finally:
                    self._retrying = False
                    self.cursor.execute("SET memory_limit = ?", (self.config["memory_limit"],))

    def _apply(self, bucket, state, changes):
        """Removals and new rows, committed so that readers see all of it or none.

        The common catch-up — only new rows, of known keys, in one append — is
        one ``INSERT``, atomic by itself, and leaves the saved position behind
        (for up to ``SAVE_POSITION_EVERY`` appends): rows past a saved position
        are dropped and read again when a process starts from the file, so
        the position need not be written with every append. A longer one
        streams through in a transaction per append (``_apply_in_steps``):
        the feed is never held whole in memory.
        """
        cursor = self.cursor
        columns = {key: dict(types) for key, types in state.columns.items()}
        tables = _grouped(changes.batches)
        first = next(tables, None)
        second = next(tables, None) if first is not None else None
        if (second is None and not changes.removed and not state.tail_unknown
                and state.unsaved < SAVE_POSITION_EVERY
                and (first is None or _known(columns, first))):
            if first is not None:
                self._append(cursor, state.table, columns, first)
            state.unsaved += 1
            return
        if second is None:
            self._apply_at_once(bucket, state, changes, columns, [first] if first else [])
        else:
            self._apply_in_steps(bucket, state, changes, columns,
                                 itertools.chain([first, second], tables))

    def _apply_at_once(self, bucket, state, changes, columns, tables):
        cursor = self.cursor
        cursor.execute("BEGIN TRANSACTION")
        try:
            self._remove(cursor, state, changes)
            for table in tables:
                self._append(cursor, state.table, columns, table)
            self._save_progress(cursor, bucket, changes.position)
            cursor.execute("COMMIT")
        except BaseException:
            _rollback(cursor)
            raise
        state.columns, state.unsaved, state.tail_unknown = columns, 0, False

    def _apply_in_steps(self, bucket, state, changes, columns, tables):
        """A long catch-up, one committed transaction per append, the position saved last.

        Until the last commit the file holds rows past its saved position, as
        after the one-``INSERT`` catch-up: a crash in between costs only
        reading them again. Readers of this process wait on the bucket's lock,
        so none sees a part. If a step fails, what the file holds is read back.
        """
        cursor = self.cursor
        try:
            cursor.execute("BEGIN TRANSACTION")
            self._remove(cursor, state, changes)
            cursor.execute("COMMIT")
            for table in tables:
                cursor.execute("BEGIN TRANSACTION")
                self._append(cursor, state.table, columns, table)
                cursor.execute("COMMIT")
            self._save_progress(cursor, bucket, changes.position)
        except BaseException:
            _rollback(cursor)
            self._reread(bucket, state)
            raise
        state.columns, state.unsaved, state.tail_unknown = columns, 0, False

    @staticmethod
    def _remove(cursor, state, changes):
        if state.tail_unknown:
            cursor.execute(f"DELETE FROM {state.table} WHERE seq > ?", (state.position.written,))
        if changes.removed:
            cursor.execute(f"DELETE FROM {state.table} WHERE seq IN"
                           " (SELECT unnest(?::BIGINT[]))", (changes.removed,))

    def _reread(self, bucket, state):
        """``state`` as the file holds it, rows past the saved position untrusted."""
        [(generation, written, removed, forgotten)] = self.cursor.execute(
            "SELECT generation, written, removed, forgotten FROM mirror_buckets"
            " WHERE bucket = ?", (bucket,)).fetchall()
        state.position = FeedPosition(generation, written, removed, forgotten)
        state.columns = _saved_columns(self.cursor, state.table)
        state.unsaved, state.tail_unknown = 0, True

    @staticmethod
    def _save_progress(cursor, bucket, position):
        cursor.execute(
            "UPDATE mirror_buckets SET written = ?, removed = ?, forgotten = ? WHERE bucket = ?",
            (position.written, position.removed, position.forgotten, bucket))

    def _rebuild(self, bucket, state, changes):
        """``_rebuild_table`` under ``rebuild_memory_limit`` (unless this is a retry with room).

        Answers read cached column blocks, so they want memory; a rebuild only
        streams rows through, and DuckDB would fill whatever limit it has.
        """
        with self._headroom_lock:
            if self._retrying:
                return self._rebuild_table(bucket, state, changes)
            self.cursor.execute("SET memory_limit = ?", (self.rebuild_memory_limit,))
            try:
                return self._rebuild_table(bucket, state, changes)
            finally:
                self.cursor.execute("SET memory_limit = ?", (self.config["memory_limit"],))

    def _rebuild_table(self, bucket, state, changes):
        """A whole bucket into a new table, then swapped in by one small transaction.

        The rows stream in through one ``INSERT`` per run of batches of one
        shape (DuckDB writes full row groups to the file as they fill, so its
        memory stays within the rebuild limit); no reader sees the new table
        before the swap, and a crash leaves only an unused table, which the
        next start drops.
        """
        cursor = self.cursor
        table, columns = f"m_{secrets.token_hex(6)}", {}
        periods = ", ".join(f"{name} BIGINT" for name in PERIODS)
        cursor.execute(f"CREATE TABLE {table} (seq BIGINT, ts BIGINT, {periods})")
        swapping = False
        try:
            self._stream(cursor, table, columns, changes.batches)
            cursor.execute("BEGIN TRANSACTION")
            swapping = True
            self._save_position(cursor, bucket, table, changes.position)
            if state.table is not None:
                self._drop_table(cursor, state.table)
            cursor.execute("COMMIT")
        except BaseException:
            if swapping:
                _rollback(cursor)
            self._drop_table(cursor, table)
            raise
        state.table, state.columns = table, columns

    @staticmethod
    def _save_position(cursor, bucket, table, position):
        cursor.execute("DELETE FROM mirror_buckets WHERE bucket = ?", (bucket,))
        cursor.execute("INSERT INTO mirror_buckets VALUES (?, ?, ?, ?, ?, ?)",
                       (bucket, table, position.generation, position.written,
                        position.removed, position.forgotten))

    @staticmethod
    def _drop_table(cursor, table):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute("DELETE FROM mirror_columns WHERE mtable = ?", (table,))

    def _append(self, cursor, table, columns, batch):
        """Insert one feed batch (or table), adding a column for each key and type new to it."""
        names = _columns_for(cursor, table, columns, batch)
        # DuckDB finds ``incoming`` among this frame's variables (a replacement scan):
        # a millisecond less per catch-up than registering it as a view.
        incoming = _with_periods(batch.rename_columns(names))  # noqa: F841
        cursor.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")

    def _stream(self, cursor, table, columns, batches):
        """Every feed batch into ``table``, one streaming ``INSERT`` per run of one schema.

        One statement over a stream costs DuckDB a third of what a statement
        per chunk does, and a second thread turns the feed into Arrow while
        DuckDB compresses what it has (it lets go of the GIL as it does).
        """
        batches = prefetched(batches, ahead=2, name="mirror-prefetch")
        try:
            self._stream_runs(cursor, table, columns, batches)
        finally:
            batches.close()  # the prefetching thread stops before the feed does

    @staticmethod
    def _prepared(batch, names):
        """A feed batch in the mirror's column names, with its period starts."""
        return _with_periods(batch.rename_columns(names))

    def _stream_runs(self, cursor, table, columns, batches):
        """One ``INSERT`` per run of batches of one schema (a new key starts the next run)."""
        batch = next(batches, None)
        while batch is not None:
            names, schema, following = _columns_for(cursor, table, columns, batch), batch.schema, []

            def one_schema(batch=batch, names=names, schema=schema, following=following):
                yield self._prepared(batch, names)
                for later in batches:
                    if later.schema != schema:
                        following.append(later)
                        return
                    yield self._prepared(later, names)

            first = self._prepared(batch.slice(0, 0), names)
            stream = pa.RecordBatchReader.from_batches(first.schema, one_schema())  # noqa: F841
            cursor.execute(f"INSERT INTO {table} BY NAME SELECT * FROM stream")
            batch = following[0] if following else None

    def held_positions(self):
        """``{bucket: FeedPosition or None}`` the mirror holds now (for the lag metric)."""
        with self._buckets_lock:
            return {bucket: state.position for bucket, state in self._buckets.items()}

    def _forget(self, bucket):
        with self._buckets_lock:
            state = self._buckets.pop(bucket, None)
        if state is None:
            return
        with state.lock:  # not while another thread applies changes to it
            if state.table is None:
                return
            cursor = self.cursor
            cursor.execute("BEGIN TRANSACTION")
            try:
                cursor.execute("DELETE FROM mirror_buckets WHERE bucket = ?", (bucket,))
                self._drop_table(cursor, state.table)
                cursor.execute("COMMIT")
            except BaseException:
                _rollback(cursor)
                raise
            state.table = None

    # -- IQueryEngine ------------------------------------------------------
    def raw(self, bucket, query):
        return self.store.raw(bucket, query)

    def raw_json(self, bucket, query):
        return self.store.raw_json(bucket, query)

    def _current_or_none(self, bucket, position=None):
        """``current(bucket)``, or None when the mirror's disk is full: the store answers then.

        The store can answer every read itself, more slowly; a full disk must
        not stop reads (docs/operations.md). The mirror catches up once there
        is room again.
        """
        try:
            return self.current(bucket, position)
        except Exception as error:
            if not _no_space(error):
                raise
            log.warning("mirror cannot catch up, the store answers: %s", error)
            self.full_disk_fallbacks += 1
            return None

    @contextmanager
    def _mirrored(self, bucket, position):
        """The bucket's current state, held under its lock; None when the store should answer.

        Under the lock, the table, its columns and its rows are of one
        catch-up: another thread's cannot commit between building and running.
        """
        state = self._current_or_none(bucket, position)
        if state is None:
            yield None
            return
        with state.lock:
            if state.table is None:
                raise BucketNotFound(bucket)
            yield state

    def aggregate(self, bucket, query):
        if _by_id(query):
            return self.store.aggregate(bucket, query)
        position = self._position(bucket)
        merged = self._merged(bucket, query, position, self._held_groups,
                              self.store.feed_aggregate, appended.merged_groups)
        if merged is not None:
            return merged
        with self._mirrored(bucket, position) as state:
            if state is None:
                return self.store.aggregate(bucket, query)
            held, answer = state.position, self._held_groups(state, query)
        return self._kept(bucket, query, held, answer())

    def _held_groups(self, state, query):
        """The groups of the rows the mirror holds, run under ``state.lock``; returns a
        function that builds them (after the lock is let go)."""
        mirror_query = MirrorQuery(state.table, query, state.typed)
        try:
            sql, params = mirror_query.aggregate()
        except NoMatch:
            return list
        names, rows = self._with_headroom(self._fetch, sql, params)
        bad = mirror_query.first_non_numeric(rows, names)
        if bad is None and query.limit is not None and not query.period:
            bad = self._first_hidden_non_numeric(mirror_query)
        if bad is not None:
            raise NonNumericCollect(bad.field, bad.primitive)
        return lambda: mirror_query.groups(rows, names)

    def _kept(self, bucket, query, position, answer):
        """``answer``, kept as the base for merging what is appended after ``position``."""
        if self.merge_appended and position is not None:
            self._bases.keep(appended.AnswerBases.key(bucket, query), position, answer)
        return answer

    def _merged(self, bucket, query, position, held_answer, appended_answer, merge):
        """The answer from an earlier one, or from the rows the mirror holds, and the
        store's over the rows appended since (``appended``), when only appends came
        since and the answer merges exactly; else None, and the caller catches up
        first. The mirror then catches up in the background (``LaterCatchUps``)."""
        if not self.merge_appended:
            return None
        state = self._buckets.get(bucket)
        columns = state.columns if state is not None else {}
        if not appended.mergeable(query, columns):
            return None
        base = self._bases.get(appended.AnswerBases.key(bucket, query))
        if base is not None and base[0] != position and position.only_appended_since(base[0]):
            merged = self._merged_onto(bucket, query, *base, appended_answer, merge)
            if merged is not None:
                return merged
        if (state is None or state.position is None or _covers(state.position, position)
                or not position.only_appended_since(state.position)):
            return None
        with state.lock:
            held = state.position
            if (state.table is None or state.tail_unknown or _covers(held, position)
                    or not position.only_appended_since(held)
                    or not appended.mergeable(query, state.columns)):
                return None
            try:
                answer = held_answer(state, query)
            except NonNumericCollect:
                return None  # the whole answer says which collect failed
        return self._merged_onto(bucket, query, held, answer(), appended_answer, merge)

    def _merged_onto(self, bucket, query, since, answer, appended_answer, merge):
        """``answer`` (exact at ``since``) merged with the store's over the rows since."""
        try:
            found = appended_answer(bucket, since, query)
            if found is None:
                return None
            merged = merge(query, answer, found[1])
        except (NonNumericCollect, appended.CannotMerge):
            return None  # the whole answer says which collect failed, or how it sums
        self.merged_answers += 1
        if self.catch_up_after:
            self._later.catch_up(bucket)
        return self._kept(bucket, query, found[0], merged)

    def _fetch(self, sql, params):
        result = self.cursor.execute(sql, params)
        return [column[0] for column in result.description], result.fetchall()

    def _first_hidden_non_numeric(self, mirror_query):
        """With a limit, groups cut off must not hide a non-number from ``sum``/``mean``."""
        for collect in mirror_query.query.collect:
            if collect.primitive in NUMERIC_PRIMITIVES:
                try:
                    probe = mirror_query.non_numeric_probe(collect)
                except NoMatch:
                    return None
                if probe and self.cursor.execute(*probe).fetchall():
                    return collect
        return None

    def time_bounds(self, bucket, query):
        if _by_id(query):
            return self.store.time_bounds(bucket, query)
        position = self._position(bucket)
        merged = self._merged(bucket, query, position, self._held_bounds,
                              self.store.feed_time_bounds, appended.merged_bounds)
        if merged is not None:
            return merged
        with self._mirrored(bucket, position) as state:
            if state is None:
                return self.store.time_bounds(bucket, query)
            held, answer = state.position, self._held_bounds(state, query)
        return self._kept(bucket, query, held, answer())

    def _held_bounds(self, state, query):
        """``(earliest, latest)`` of the rows the mirror holds (as ``_held_groups``)."""
        try:
            sql, params = MirrorQuery(state.table, query, state.typed).time_bounds()
        except NoMatch:
            return lambda: (None, None)
        [(low, high)] = self._with_headroom(self._fetch, sql, params)[1]
        if low is None:
            return lambda: (None, None)
        return lambda: (from_epoch_micros(low), from_epoch_micros(high))


# Feed batches per INSERT: fewer, larger appends load faster.
BATCHES_PER_APPEND = 4
# Appends a bucket may be ahead of its saved position (``ColumnarMirror._apply``).
SAVE_POSITION_EVERY = 50


def _columns_for(cursor, table, columns, batch):
    """The mirror's column names for ``batch``'s columns, adding those new to ``table``."""
    names = []
    for name in batch.schema.names:
        if name in (SEQ, TIMESTAMP):
            names.append({SEQ: "seq", TIMESTAMP: "ts"}[name])
            continue
        key, value_type = split_value_column(name)
        types = columns.setdefault(key, {})
        if value_type not in types:
            column = f"c{sum(len(t) for t in columns.values())}_{TYPE_SUFFIXES[value_type]}"
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column} {_DUCK_TYPES[value_type]}")
            cursor.execute("INSERT INTO mirror_columns VALUES (?, ?, ?, ?)",
                           (table, key, value_type, column))
            types[value_type] = column
        names.append(types[value_type])
    return names  # our own column names: no key reaches SQL


def _with_periods(incoming):
    """``incoming`` (a batch or table in the mirror's names) with its period start columns."""
    for name, starts in _period_starts(incoming.column("ts")).items():
        incoming = incoming.append_column(name, starts)
    return incoming


def _grouped(batches):
    """Feed record batches as Arrow tables of up to ``BATCHES_PER_APPEND`` batches."""
    group = []
    for batch in batches:
        group.append(batch)
        if len(group) == BATCHES_PER_APPEND:
            yield _table(group)
            group = []
    if group:
        yield _table(group)


def _known(columns, batch):
    """True when every value column of ``batch`` already has a mirror column."""
    for name in batch.schema.names:
        split = split_value_column(name)
        if split and split[1] not in columns.get(split[0], {}):
            return False
    return True


def _table(batches):
    """One Arrow table from batches whose value columns may differ (missing ones are null)."""
    names = list(dict.fromkeys(name for batch in batches for name in batch.schema.names))
    tables = []
    for batch in batches:
        table = pa.Table.from_batches([batch])
        for name in names:
            if name not in table.schema.names:
                kind = next(b.schema.field(name).type for b in batches if name in b.schema.names)
                table = table.append_column(name, pa.nulls(len(table), kind))
        tables.append(table.select(names))
    return pa.concat_tables(tables)


def _saved_columns(db, table):
    """``{key: {value_type: column}}`` of a mirror table, as its file records them."""
    columns = {}
    for key, value_type, column in db.execute(
            "SELECT key, value_type, col FROM mirror_columns WHERE mtable = ?", (table,)).fetchall():
        columns.setdefault(key, {})[value_type] = column
    return columns


def _layout(db):
    """``(version, boot)`` a mirror file was written with, or None for a file of no known layout."""
    try:
        rows = db.execute("SELECT version, boot FROM mirror_layout").fetchall()
        return tuple(rows[0]) if rows else ()
    except duckdb.Error:
        return None


def _by_id(query):
    """Queries that pick records by ``_id``: the store's unique index answers them
    at once, so the mirror keeps no ids (a third of its memory)."""
    return any(f.field == "_id" for f in (*query.filters, *query.prefix_filters))


def _out_of_memory(error):
    """DuckDB ran out of its memory limit (it says so in several kinds of error)."""
    return isinstance(error, duckdb.OutOfMemoryException) or any(
        words in str(error) for words in ("Out of Memory", "failed to pin block",
                                          "could not allocate block"))


def _rollback(cursor):
    """``ROLLBACK`` if a transaction is still open (a failed ``COMMIT`` has already ended it)."""
    try:
        cursor.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass


def _no_space(error):
    """Whether ``error``, or one it arose from, says the disk is full."""
    while error is not None:
        if NO_SPACE in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _covers(held, wanted):
    """The mirror at ``held`` already includes every change up to ``wanted``."""
    return (held.generation == wanted.generation and held.written == wanted.written
            and held.removed == wanted.removed)
