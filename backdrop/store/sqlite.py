"""The embedded store: one SQLite file, safe to share between processes.

Layout (see docs/stores.md):

* ``buckets``: one row per bucket config, plus the name of its records table
  (``records_<random hex>``) and its last write time.
* ``users``: admin-app users and the buckets they may upload to.
* ``fields``: for each records table, which column (``c1``, ``c2``, ...) holds
  which record key. Columns are added as new keys arrive, so user keys never
  appear in SQL text, yet filters, groups and collects run on plain columns
  (SQL for queries: ``backdrop.store.sqlite_query``).
* ``records_<hex>``: ``seq`` (write order), ``id``, ``ts`` and the period
  starts as epoch microseconds, ``updated``, ``data`` (the record as JSON, for
  raw reads) and the typed key columns. Booleans are stored as one-byte BLOBs
  so they never compare equal to the numbers 0 and 1.

WAL mode and a busy timeout let a read process and a write process share the
file; ``synchronous=FULL`` makes a commit durable before a write is
acknowledged.
"""
import errno
import json
import os
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import orjson
from zope.interface import implementer

from ..feed import ID, SEQ, TIMESTAMP, FeedChanges, FeedPosition, value_column
from ..interfaces import IChangeFeed, IStore
from ..periods import (
    epoch_micros,
    from_epoch_micros,
    periods_between,
    shift,
    time_zone,
)
from ..prefetch import prefetched
from ..query import NUMERIC_PRIMITIVES, value_order
from ..raw_text import record_text
from . import sqlite_bulk_feed
from .errors import (
    BucketExists,
    BucketNotFound,
    DataGroupClash,
    NonNumericCollect,
    RecordNotFound,
    RecordsRefused,
    StoreFull,
)
from .sqlite_bulk_feed import bulk_feed
from .sqlite_checkpoint import Checkpointer
from .sqlite_layout import ensure_layout
from .sqlite_lock import WriteLock
from .sqlite_query import RAW_RECORDS, RAW_TEXTS, NoMatch, SQLQuery
from .sqlite_rows import FIXED_COLUMNS, built_rows, insert_new, upsert

BUSY_TIMEOUT_MS = 30_000
# SQLite allows 2,000 columns a table; the fixed columns take 11 of them.
MAX_KEYS = 1_900
# Period queries run one statement per period up to this many periods.
MAX_PERIOD_STATEMENTS = 2_000
# Ids looked up per statement by an update (SQLite binds at most 32,766 values).
ID_CHUNK = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    data_group TEXT,
    data_type TEXT,
    config TEXT NOT NULL,
    records_table TEXT NOT NULL UNIQUE,
    last_updated INTEGER,
    last_seq INTEGER NOT NULL DEFAULT 0,
    removed_through INTEGER NOT NULL DEFAULT 0,
    UNIQUE (data_group, data_type)
);
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY,
    buckets TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS user_sessions (
    email TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fields (
    records_table TEXT NOT NULL,
    key TEXT NOT NULL,
    col TEXT NOT NULL,
    PRIMARY KEY (records_table, key)
);
CREATE TABLE IF NOT EXISTS removals (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    records_table TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS removals_by_table ON removals (records_table, pos);
"""

RECORDS_TABLE = """
CREATE TABLE {t} (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    ts INTEGER,
    hour INTEGER, day INTEGER, week INTEGER, month INTEGER, quarter INTEGER, year INTEGER,
    updated INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX {t}_ts ON {t} (ts, seq, hour, day, week, month, quarter, year);
CREATE TRIGGER {t}_removed AFTER DELETE ON {t}
BEGIN INSERT INTO removals (records_table, seq) VALUES ('{t}', OLD.seq); END;
"""


@implementer(IStore, IChangeFeed)
class SQLiteStore:
    def __init__(self, url):
        self.url = url
        if not url.startswith("sqlite:///"):
            raise ValueError("a SQLite store URL is sqlite:///relative/path or sqlite:////absolute/path")
        self.path = url[len("sqlite:///"):]
        self._local = threading.local()
        self._columns = {}  # records table -> {key: column}
        self._columns_lock = threading.Lock()
        self._connections = []
        self._write_lock = WriteLock(self.path, BUSY_TIMEOUT_MS / 1000)
        self._checkpoints = Checkpointer(self.path)
        self._ensure_schema()
        # Bound parameters a statement may have (how many rows one INSERT may hold).
        self._variable_limit = self.db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

    # -- connections ---------------------------------------------------------
    def _connect(self):
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, not left in free pages (erasure requests).
        connection.execute("PRAGMA secure_delete = ON")
        # Rows an upsert replaces fire the removals trigger too (the change feed).
        connection.execute("PRAGMA recursive_triggers = ON")
        return connection

    @property
    def db(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
            self._connections.append(connection)
        return connection

    def _ensure_schema(self):
        """Create, upgrade or refuse the file by its layout version (``sqlite_layout``)."""
        self.layout = ensure_layout(self.db, self.path, self._transaction)

    def _transaction(self, connection):
        return _Transaction(connection, self._write_lock)

    def _write(self):
        """A transaction that takes the write lock at once (no lock upgrades, no deadlocks)."""
        return self._transaction(self.db)

    def ping(self):
        """The file must still be there (an open connection outlives its deletion) and answer."""
        if self.path != ":memory:" and not os.path.exists(self.path):
            return False
        try:
            self.db.execute("SELECT 1 FROM buckets LIMIT 1").fetchall()
            return True
        except sqlite3.Error:
            return False

    def close(self):
        for connection in self._connections:
            try:
                connection.close()
            except sqlite3.Error:
                pass
        self._connections = []
        self._local = threading.local()
        self._checkpoints.close()
        self._write_lock.close()

    # -- bucket configs ------------------------------------------------------
    def create_bucket(self, config):
        table = "records_" + secrets.token_hex(8)
        with self._write() as db:
            if db.execute("SELECT 1 FROM buckets WHERE name = ?", (config["name"],)).fetchone():
                raise BucketExists(config["name"])
            self._check_address(db, config)
            db.execute(
                "INSERT INTO buckets (name, data_group, data_type, config, records_table)"
                " VALUES (?, ?, ?, ?, ?)",
                (config["name"], config.get("data_group"), config.get("data_type"),
                 json.dumps(config), table),
            )
            db.executescript_in_transaction(RECORDS_TABLE.format(t=table))

    def _check_address(self, db, config):
        if config.get("data_group") is None:
            return
        clash = db.execute(
            "SELECT name FROM buckets WHERE data_group = ? AND data_type = ? AND name != ?",
            (config["data_group"], config.get("data_type"), config["name"]),
        ).fetchone()
        if clash:
            raise DataGroupClash(f"{config['data_group']}/{config.get('data_type')}")

    def get_bucket(self, name):
        row = self.db.execute("SELECT config FROM buckets WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def find_bucket(self, data_group, data_type):
        row = self.db.execute(
            "SELECT config FROM buckets WHERE data_group = ? AND data_type = ?",
            (data_group, data_type),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def list_buckets(self):
        rows = self.db.execute("SELECT config FROM buckets ORDER BY name").fetchall()
        return [json.loads(row[0]) for row in rows]

    def update_bucket(self, name, changes):
        with self._write() as db:
            row = db.execute("SELECT config FROM buckets WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise BucketNotFound(name)
            config = {**json.loads(row[0]), **changes, "name": name}
            self._check_address(db, config)
            db.execute(
                "UPDATE buckets SET config = ?, data_group = ?, data_type = ? WHERE name = ?",
                (json.dumps(config), config.get("data_group"), config.get("data_type"), name),
            )
        return config

    def delete_bucket(self, name):
        with self._write() as db:
            row = db.execute("SELECT records_table FROM buckets WHERE name = ?", (name,)).fetchone()
            if row is None:
                return False
            table = row[0]
            self._drop_records_table(db, table)
            db.execute("DELETE FROM buckets WHERE name = ?", (name,))
        self._forget_columns(table)
        return True

    # -- users -----------------------------------------------------------------
    def save_user(self, email, buckets):
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO users (email, buckets) VALUES (?, ?)",
                (email, json.dumps(list(buckets))),
            )

    def get_user(self, email):
        row = self.db.execute("SELECT email, buckets FROM users WHERE email = ?", (email,)).fetchone()
        return {"email": row[0], "buckets": json.loads(row[1])} if row else None

    def list_users(self):
        rows = self.db.execute("SELECT email, buckets FROM users ORDER BY email").fetchall()
        return [{"email": email, "buckets": json.loads(buckets)} for email, buckets in rows]

    def delete_user(self, email):
        with self._write() as db:
            return db.execute("DELETE FROM users WHERE email = ?", (email,)).rowcount > 0

    def session_generation(self, email):
        row = self.db.execute(
            "SELECT generation FROM user_sessions WHERE email = ?", (email,)
        ).fetchone()
        return row[0] if row else 0

    def end_sessions(self, email):
        with self._write() as db:
            return db.execute(
                "INSERT INTO user_sessions (email, generation) VALUES (?, 1) ON CONFLICT (email)"
                " DO UPDATE SET generation = generation + 1 RETURNING generation",
                (email,),
            ).fetchone()[0]

    # -- records ---------------------------------------------------------------
    def _table(self, bucket, db=None):
        row = (db or self.db).execute(
            "SELECT records_table FROM buckets WHERE name = ?", (bucket,)
        ).fetchone()
        if row is None:
            raise BucketNotFound(bucket)
        return row[0]

    def _known_columns(self, table, db=None, refresh=False):
        with self._columns_lock:
            columns = self._columns.get(table)
        if columns is None or refresh:
            rows = (db or self.db).execute(
                "SELECT key, col FROM fields WHERE records_table = ?", (table,)
            ).fetchall()
            columns = dict(rows)
            with self._columns_lock:
                self._columns[table] = columns
        return columns

    def _column(self, table, key):
        """The column holding ``key``, or None if no record ever had it."""
        columns = self._known_columns(table)
        if key not in columns:
            columns = self._known_columns(table, refresh=True)
        return columns.get(key)

    def _columns_for_write(self, db, table, keys):
        """Columns for ``keys``, adding new ones inside the caller's transaction.

        A key's column never changes once added, so the cache answers for known
        keys; only new ones need the current catalogue, read under the write lock
        (another process may have added them). The cache learns new columns on
        the next miss after commit, so a rolled-back column is never cached.
        """
        columns = self._known_columns(table)
        if keys - columns.keys():
            columns = self._known_columns(table, db, refresh=True)
        columns = dict(columns)
        new_keys = keys - columns.keys()
        if len(columns) + len(new_keys) > MAX_KEYS:
            raise RecordsRefused(
                f"a bucket may hold at most {MAX_KEYS} distinct keys on this store;"
                f" these records would bring it to {len(columns) + len(new_keys)}"
            )
        for key in sorted(new_keys):
            column = f"c{len(columns) + 1}"
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            db.execute(
                "INSERT INTO fields (records_table, key, col) VALUES (?, ?, ?)", (table, key, column)
            )
            columns[key] = column
        return columns

    def _insert_rows(self, db, table, built, last_seq, replacing=False):
        """Insert ``built`` rows (``sqlite_rows.built_rows``) after write position ``last_seq``.

        ``replacing``: the rows replace stored ones by id (an update), so the
        upsert runs at once instead of after a plain INSERT meets the index.

        Returns the new position. Sequence numbers are given here, never
        reused (not even after the newest rows are deleted), so the change
        feed can say "everything after N".
        """
        ordered, params = built
        if not params.count:
            return last_seq
        columns = self._columns_for_write(db, table, set(ordered))
        names = (*FIXED_COLUMNS, *(columns[key] for key in ordered))
        params.number(last_seq)
        # A plain INSERT costs SQLite half what INSERT OR REPLACE does (no delete
        # triggers to prepare for). Only a batch that replaces records by ``_id``
        # (or repeats one) meets the unique index: it is undone to the savepoint
        # and written again as an upsert, whose replaced rows the removals trigger logs.
        if replacing:
            upsert(db, table, names, params)
            return last_seq + params.count
        db.execute("SAVEPOINT new_rows")
        try:
            insert_new(db, table, names, params, self._variable_limit)
        except sqlite3.IntegrityError:
            db.execute("ROLLBACK TO new_rows")
            upsert(db, table, names, params)
        db.execute("RELEASE new_rows")
        return last_seq + params.count

    @staticmethod
    def _touch(db, table, last_seq):
        """Record a write to ``table`` now (``last_updated``) and its new write position."""
        db.execute(
            "UPDATE buckets SET last_updated = ?, last_seq = ? WHERE records_table = ?",
            (epoch_micros(datetime.now(UTC)), last_seq, table),
        )

    def _write_position(self, db, bucket):
        row = db.execute(
            "SELECT records_table, last_seq FROM buckets WHERE name = ?", (bucket,)
        ).fetchone()
        if row is None:
            raise BucketNotFound(bucket)
        return row

    def insert(self, bucket, records, capped_size=None):
        built = built_rows(records)  # outside the write lock: other processes write meanwhile
        with self._write() as db:
            table, last_seq = self._write_position(db, bucket)
            self._touch(db, table, self._insert_rows(db, table, built, last_seq))
            if capped_size is not None:
                self._cap(db, table, capped_size)
        self._checkpoints.wrote(len(records))
        return len(records)

    def _cap(self, db, table, capped_size):
        if capped_size <= 0:
            db.execute(f"DELETE FROM {table}")
        else:
            db.execute(
                f"DELETE FROM {table} WHERE seq < "
                f"(SELECT seq FROM {table} ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                (capped_size - 1,),
            )
        _prune_removals(db, table)

    def replace_all(self, bucket, records):
        """A new records table (a new feed generation) takes the old one's place.

        Readers see the old records or the new, never a mix, and the old rows
        are dropped with their table instead of being deleted one by one.
        """
        new_table = "records_" + secrets.token_hex(8)
        built = built_rows(records)
        with self._write() as db:
            table, _ = self._write_position(db, bucket)
            db.executescript_in_transaction(RECORDS_TABLE.format(t=new_table))
            db.execute("UPDATE buckets SET records_table = ? WHERE name = ?", (new_table, bucket))
            self._drop_records_table(db, table)
            self._touch(db, new_table, self._insert_rows(db, new_table, built, 0))
        self._forget_columns(table)
        self._checkpoints.wrote(len(records))
        return len(records)

    @staticmethod
    def _drop_records_table(db, table):
        db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute("DELETE FROM fields WHERE records_table = ?", (table,))
        db.execute("DELETE FROM removals WHERE records_table = ?", (table,))

    def _forget_columns(self, table):
        with self._columns_lock:
            self._columns.pop(table, None)

    # -- deletes and updates (SPEC 2.1 DELETE and PATCH) -------------------------
    def delete_records(self, bucket, query):
        """One ``DELETE`` with the read query's conditions; the trigger logs each row in the feed."""
        with self._write() as db:
            table, last_seq = self._write_position(db, bucket)
            try:
                clauses, params = self._sql(table, query).where()
            except NoMatch:
                return 0
            deleted = db.execute(f"DELETE FROM {table} WHERE {' AND '.join(clauses)}", params).rowcount
            if deleted:
                self._touch(db, table, last_seq)
                _prune_removals(db, table)
        return deleted

    def update_records(self, bucket, ids, revise):
        ids = list(dict.fromkeys(ids))
        if not ids:  # nothing written: last_updated stays as it was
            self._table(bucket)
            return 0
        with self._write() as db:
            table, last_seq = self._write_position(db, bucket)
            stored = {}
            for start in range(0, len(ids), ID_CHUNK):
                chunk = ids[start:start + ID_CHUNK]
                rows = db.execute(
                    f"SELECT id, data, ts FROM {table} WHERE id IN ({', '.join(['?'] * len(chunk))})",
                    chunk,
                )
                stored.update((record_id, _load_record(data, ts)) for record_id, data, ts in rows)
            missing = next((record_id for record_id in ids if record_id not in stored), None)
            if missing is not None:
                raise RecordNotFound(missing)
            records = revise(stored)
            self._touch(db, table, self._insert_rows(db, table, built_rows(records), last_seq,
                                                     replacing=True))
            _prune_removals(db, table)
        return len(records)

    def count(self, bucket, query=None):
        table = self._table(bucket)
        if query is None:
            return self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        try:
            clauses, params = self._sql(table, query).where()
        except NoMatch:
            return 0
        return self.db.execute(
            f"SELECT COUNT(*) FROM {table} WHERE {' AND '.join(clauses)}", params).fetchone()[0]

    def field_names(self, bucket):
        columns = self._known_columns(self._table(bucket), refresh=True)
        return sorted(key for key in columns if not key.startswith("_"))

    def last_updated(self, bucket):
        row = self.db.execute("SELECT last_updated FROM buckets WHERE name = ?", (bucket,)).fetchone()
        if row is None:
            raise BucketNotFound(bucket)
        return from_epoch_micros(row[0]) if row[0] is not None else None

    # -- change feed -----------------------------------------------------------
    def feed_position(self, bucket):
        return read_feed_position(self.db, bucket)

    @contextmanager
    def feed_changes(self, bucket, since, ids=True):
        if not ids and self._whole_and_large(bucket, since):
            with bulk_feed(self.path, bucket) as changes:
                if changes is not None:
                    yield changes
                    return
        with self._feed_here(bucket, since, ids) as changes:
            yield changes

    def _whole_and_large(self, bucket, since):
        """Whether the feed is every row of a bucket large enough for the helper process."""
        position = self.feed_position(bucket)
        return (position is not None and not position.follows_from(since)
                and position.written >= sqlite_bulk_feed.BULK_FEED_ROWS)

    @contextmanager
    def _feed_here(self, bucket, since, ids):
        """The feed read in this process, in one read transaction."""
        db = self.db
        with _ReadTransaction(db):
            position = read_feed_position(db, bucket)
            if position is None:
                raise BucketNotFound(bucket)
            table = position.generation
            reset = not position.follows_from(since)
            removed = []
            if not reset and position.removed > since.removed:
                removed = [seq for (seq,) in db.execute(
                    "SELECT seq FROM removals WHERE records_table = ? AND pos > ?",
                    (table, since.removed),
                )]
            fields = read_feed_fields(db, table)
            after = 0 if reset else since.written
            selects, names, types = feed_columns(db, table, fields, after, ids)
            cursor = db.execute(
                f"SELECT {', '.join(selects)} FROM {table} WHERE seq > ? ORDER BY seq", (after,))
            # A small catch-up is read at once; only a long one pays for a second thread.
            batches = _feed_batches(cursor, names, types,
                                    ahead=position.written - after > FEED_CHUNK_ROWS)
            try:
                yield FeedChanges(position, reset, removed, batches)
            finally:  # the fetching thread stops before the snapshot ends, error or not
                batches.close()
                cursor.close()

    def feed_aggregate(self, bucket, since, query):
        return self._appended_answer(bucket, since, query, self._aggregate_table, [])

    def feed_time_bounds(self, bucket, since, query):
        return self._appended_answer(bucket, since, query, self._time_bounds_table, (None, None))

    def _appended_answer(self, bucket, since, query, answer, nothing):
        """``(position, answer(table, query, after))`` over the rows appended since ``since``,
        in one snapshot; None when anything else changed since (see ``IChangeFeed``)."""
        with self._snapshot():
            position = read_feed_position(self.db, bucket)
            if position is None:
                raise BucketNotFound(bucket)
            if not position.only_appended_since(since):
                return None
            if position.written == since.written:
                return position, nothing
            return position, answer(position.generation, query, after=since.written)

    # -- queries ---------------------------------------------------------------
    def _sql(self, table, query, period_micros=None, after=None):
        return SQLQuery(table, query, lambda key: self._column(table, key), period_micros, after)

    def raw(self, bucket, query):
        return [_load_record(data, ts) for data, ts in self._raw_rows(bucket, query, RAW_RECORDS)]

    def raw_json(self, bucket, query):
        return [
            record_text(_load_record(data, ts)) if text is None else text
            for text, data, ts in self._raw_rows(bucket, query, RAW_TEXTS)
        ]

    def _raw_rows(self, bucket, query, columns):
        # The bucket's table is looked up in the same snapshot as its rows: a
        # replace-all in between would leave the name of a dropped table.
        with self._snapshot():
            sql_query = self._sql(self._table(bucket), query)
            try:
                sql, params = sql_query.raw(columns)
            except NoMatch:
                return []
            return self.db.execute(sql, params).fetchall()

    def aggregate(self, bucket, query):
        with self._snapshot():
            return self._aggregate_table(self._table(bucket), query)

    def _aggregate_table(self, table, query, after=None):
        """``aggregate`` of a records table (of its rows written after ``after``), in a snapshot."""
        groups = []
        # A few appended rows are one rowid range: slicing by period would only repeat it.
        slices = _period_slices(query) if after is None or query.local_periods else [(query, None)]
        try:
            for part, local_start in slices:
                groups += self._aggregate_part(self._sql(table, part, local_start, after))
        except NoMatch:
            return []
        if len(slices) > 1:
            groups.sort(key=lambda group: (tuple(map(value_order, group.keys)), group.period_start))
        return groups

    def _aggregate_part(self, sql_query):
        try:
            rows = self._fetch_rows(*sql_query.aggregate())
        except sqlite3.OperationalError as error:
            if "integer overflow" not in str(error):
                raise
            # Integer sums past 64 bits: summed exactly, then a float (``mixed.combine_sum``).
            rows = self._fetch_rows(*sql_query.aggregate(exact_sums=True))
        query = sql_query.query
        bad = sql_query.first_non_numeric(rows)
        if bad is None and query.limit is not None and not query.period:
            bad = self._first_hidden_non_numeric(sql_query)
        if bad is not None:
            raise NonNumericCollect(bad.field, bad.primitive)
        return sql_query.groups(rows)

    def _snapshot(self):
        """A read transaction: every statement of one answer sees the same data."""
        return _ReadTransaction(self.db)

    def _fetch_rows(self, sql, params):
        cursor = self.db.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params).fetchall()

    def _first_hidden_non_numeric(self, sql_query):
        """With a limit, groups cut off must not hide a non-number from ``sum``/``mean``."""
        for collect in sql_query.query.collect:
            if collect.primitive in NUMERIC_PRIMITIVES:
                probe = sql_query.non_numeric_probe(collect)
                if probe and self.db.execute(*probe).fetchone():
                    return collect
        return None

    def time_bounds(self, bucket, query):
        with self._snapshot():
            return self._time_bounds_table(self._table(bucket), query)

    def _time_bounds_table(self, table, query, after=None):
        try:
            sql, params = self._sql(table, query, after=after).time_bounds()
        except NoMatch:
            return None, None
        low, high = self.db.execute(sql, params).fetchone()
        if low is None:
            return None, None
        return from_epoch_micros(low), from_epoch_micros(high)


# Removals kept per records table for the change feed; a copy further behind rebuilds.
REMOVALS_KEPT = 100_000
FEED_CHUNK_ROWS = 16_384


def _prune_removals(db, table):
    """Forget the oldest removals past ``REMOVALS_KEPT`` (and say up to where)."""
    low, high = db.execute(
        "SELECT MIN(pos), MAX(pos) FROM removals WHERE records_table = ?", (table,)
    ).fetchone()
    if low is None or high - low < 2 * REMOVALS_KEPT:
        return
    through = high - REMOVALS_KEPT
    db.execute("DELETE FROM removals WHERE records_table = ? AND pos <= ?", (table, through))
    db.execute("UPDATE buckets SET removed_through = ? WHERE records_table = ?", (through, table))


def read_feed_position(db, bucket):
    """The bucket's ``FeedPosition`` as ``db`` (a connection, in a snapshot or not) sees it."""
    row = db.execute(
        "SELECT b.records_table, b.last_seq, b.removed_through,"
        " (SELECT MAX(pos) FROM removals r WHERE r.records_table = b.records_table)"
        " FROM buckets b WHERE b.name = ?", (bucket,),
    ).fetchone()
    if row is None:
        return None
    table, written, forgotten, removed = row
    return FeedPosition(table, written, removed or forgotten, forgotten)


def read_feed_fields(db, table):
    """``[(key, column)]`` of a records table, in key order."""
    return db.execute(
        "SELECT key, col FROM fields WHERE records_table = ? ORDER BY key", (table,)).fetchall()


_FEED_TYPES = {"integer": ("int", "int64"), "real": ("float", "float64"),
               "text": ("str", "string"), "blob": ("bool", "int8")}


def feed_columns(db, table, fields, since, ids):
    """``(select expressions, feed column names, arrow types)`` for rows after ``since``.

    SQLite first says which types each key column holds there (one scan, in
    C), so a key that only ever held one type travels as one column, and
    Python touches no more values than it must.
    """
    selects, names, types = ["seq", "ts"], [SEQ, TIMESTAMP], ["int64", "int64"]
    if ids:
        selects, names, types = ["seq", "id", "ts"], [SEQ, ID, TIMESTAMP], ["int64", "string", "int64"]
    if not fields:
        return selects, names, types
    census = ", ".join(f"typeof({column})" for _, column in fields)
    held = [set() for _ in fields]
    for row in db.execute(f"SELECT DISTINCT {census} FROM {table} WHERE seq > ?", (since,)):
        for found, kind in zip(held, row, strict=True):
            found.add(kind)
    for (key, column), found in zip(fields, held, strict=True):
        kinds = [kind for kind in _FEED_TYPES if kind in found]
        for kind in kinds:
            value = f"{column} = x'01'" if kind == "blob" else column
            selects.append(value if len(kinds) == 1 else
                           f"CASE WHEN typeof({column}) = '{kind}' THEN {value} END")
            names.append(value_column(key, _FEED_TYPES[kind][0]))
            types.append(_FEED_TYPES[kind][1])
    return selects, names, types


def _feed_batches(cursor, names, types, ahead):
    """Arrow record batches of the feed's rows (see ``backdrop.feed``)."""
    import pyarrow as pa

    arrow_types = [getattr(pa, kind)() for kind in types]
    # With ``ahead``, a second thread steps SQLite (which lets go of the GIL) for
    # the next chunk while this one is turned into Arrow and loaded elsewhere.
    chunks = iter(lambda: cursor.fetchmany(FEED_CHUNK_ROWS), [])
    if ahead:
        chunks = prefetched(chunks, name="feed-fetch")
    for rows in chunks:
        arrays = []
        for kind, values in zip(arrow_types, zip(*rows, strict=True), strict=True):
            array = pa.array(values, kind)
            arrays.append(array.cast(pa.bool_()) if kind == pa.int8() else array)
        yield pa.RecordBatch.from_arrays(arrays, names=names)


def _period_slices(query):
    """A period query as ``(query, local start)`` per period, or ``[(query, None)]``.

    ``GROUP BY`` sorts every matching row in a temporary B-tree; one range
    scan per period of the ``ts`` index needs no sort for period-only answers
    and only small ones with group keys, so answers come several times faster.
    Very long windows stay one statement. Periods of a time zone other than
    UTC are always one slice each (the stored starts are UTC's); the local
    start of each is a constant of its statement.
    """
    if not query.period or query.start_at is None or query.end_at is None:
        if query.local_periods:
            raise ValueError("a period query in a time zone needs start_at and end_at")
        return [(query, None)]
    zone = time_zone(query.timezone)
    starts = periods_between(
        query.start_at, query.end_at, query.period, query.end_inclusive, zone)
    if len(starts) > MAX_PERIOD_STATEMENTS and not query.local_periods:
        return [(query, None)]
    slices = []
    for start in starts:
        low = max(start, query.start_at)
        high = min(shift(start, query.period, 1, zone), query.end_at)
        # Only the slice whose period runs past ``end_at`` includes it.
        inclusive = (query.end_inclusive and high == query.end_at
                     and shift(start, query.period, 1, zone) > query.end_at)
        if low < high or (inclusive and low == high):
            local_start = epoch_micros(start) if zone is not None else None
            slices.append(
                (replace(query, start_at=low, end_at=high, end_inclusive=inclusive), local_start))
    return slices


def _load_record(data, ts):
    record = orjson.loads(data)
    for name in ("_start_at", "_end_at"):
        if name in record:
            record[name] = datetime.fromisoformat(record[name])
    if ts is None:
        return record
    return {"_timestamp": from_epoch_micros(ts), **record}


class _ReadTransaction:
    """``BEGIN`` ... ``COMMIT``: a WAL snapshot for a read of several statements."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        # Inside a transaction already (a read within a write), that one is the snapshot.
        self.began = not self.connection.in_transaction
        if self.began:
            self.connection.execute("BEGIN")

    def __exit__(self, kind, error, traceback):
        if self.began:
            self.connection.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


def _full_store(error):
    """``StoreFull`` for a full disk or size limit (``SQLITE_FULL``, ``ENOSPC``), else None."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(error, sqlite3.Error) and code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
        return StoreFull(str(error))
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return StoreFull(error.strerror or "no space left on device")
    return None


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on any error), inside the
    store's ``WriteLock`` (``sqlite_lock``), which wakes a waiting writer at once.

    A full disk (in any statement or in the commit) rolls the whole
    transaction back and raises ``StoreFull``; SQLite may have rolled it back
    already, so ``ROLLBACK`` runs only while a transaction is still open.
    """

    def __init__(self, connection, lock):
        self.connection = connection
        self._held = lock.held()

    def __enter__(self):
        self._held.__enter__()
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._held.__exit__(None, None, None)
            raise
        return _TransactionConnection(self.connection)

    def __exit__(self, kind, error, traceback):
        try:
            return self._end(kind, error)
        finally:
            self._held.__exit__(None, None, None)

    def _end(self, kind, error):
        if kind is None:
            try:
                self.connection.execute("COMMIT")
                return False
            except sqlite3.Error as commit_error:
                error = commit_error
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")
        full = _full_store(error)
        if full is not None:
            raise full from error
        if kind is None:
            raise error
        return False


class _TransactionConnection:
    """The connection inside a transaction; ``executescript`` would commit, so split it."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, *args):
        return self.connection.execute(*args)

    def executemany(self, *args):
        return self.connection.executemany(*args)

    def executescript_in_transaction(self, script):
        statement = ""
        for line in script.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                self.connection.execute(statement)
                statement = ""
