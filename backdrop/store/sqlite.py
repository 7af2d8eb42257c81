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
import json
import os
import secrets
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime

from zope.interface import implementer

from ..interfaces import IStore
from ..periods import epoch_micros, from_epoch_micros, period_starts_micros, periods_between, shift
from ..query import value_order
from ..records import DATETIME_FIELDS
from .errors import BucketExists, BucketNotFound, DataGroupClash, NonNumericCollect, RecordsRefused
from .sqlite_query import FALSE, NUMERIC_PRIMITIVES, TRUE, NoMatch, SQLQuery

BUSY_TIMEOUT_MS = 30_000
# SQLite allows 2,000 columns a table; the fixed columns take 11 of them.
MAX_KEYS = 1_900
# Period queries run one statement per period up to this many periods.
MAX_PERIOD_STATEMENTS = 2_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    data_group TEXT,
    data_type TEXT,
    config TEXT NOT NULL,
    records_table TEXT NOT NULL UNIQUE,
    last_updated INTEGER,
    UNIQUE (data_group, data_type)
);
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY,
    buckets TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fields (
    records_table TEXT NOT NULL,
    key TEXT NOT NULL,
    col TEXT NOT NULL,
    PRIMARY KEY (records_table, key)
);
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
"""


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _record_json(record):
    """The record as kept in ``data``, without ``_timestamp`` (the ``ts`` column has it)."""
    data = dict(record)
    data.pop("_timestamp", None)
    for name in ("_start_at", "_end_at"):
        if name in data:
            data[name] = data[name].isoformat()
    return _ENCODER.encode(data)


@implementer(IStore)
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
        self._ensure_schema()

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
        return connection

    @property
    def db(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
            self._connections.append(connection)
        return connection

    def _ensure_schema(self):
        self.db.executescript(SCHEMA)

    def _write(self):
        """A transaction that takes the write lock at once (no lock upgrades, no deadlocks)."""
        return _Transaction(self.db)

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
            db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute("DELETE FROM fields WHERE records_table = ?", (table,))
            db.execute("DELETE FROM buckets WHERE name = ?", (name,))
        with self._columns_lock:
            self._columns.pop(table, None)
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

    def _insert_rows(self, db, table, records):
        if not records:
            return 0
        keys = set()
        for record in records:
            keys.update(record)
        keys -= {"_id", *DATETIME_FIELDS}
        columns = self._columns_for_write(db, table, keys)
        ordered = sorted(keys)
        names = [columns[key] for key in ordered]
        now = epoch_micros(datetime.now(UTC))
        sql = (
            f"INSERT OR REPLACE INTO {table} (id, ts, hour, day, week, month, quarter, year,"
            f" updated, data{''.join(', ' + name for name in names)})"
            f" VALUES ({', '.join(['?'] * (10 + len(names)))})"
        )
        rows = []
        for record in records:
            timestamp = record.get("_timestamp")
            if timestamp is not None:
                ts = epoch_micros(timestamp)
                starts = period_starts_micros(ts)
            else:
                ts = None
                starts = (None,) * 6
            get = record.get
            rows.append(
                (record["_id"], ts, *starts, now,
                 _record_json(record),
                 *[TRUE if value is True else FALSE if value is False else value
                   for value in map(get, ordered)])
            )
        db.executemany(sql, rows)
        self._touch(db, table, now)
        return len(rows)

    @staticmethod
    def _touch(db, table, now=None):
        """Record a write to ``table`` now (for ``last_updated``)."""
        now = now if now is not None else epoch_micros(datetime.now(UTC))
        db.execute("UPDATE buckets SET last_updated = ? WHERE records_table = ?", (now, table))

    def insert(self, bucket, records, capped_size=None):
        with self._write() as db:
            table = self._table(bucket, db)
            stored = self._insert_rows(db, table, records)
            if capped_size is not None:
                self._cap(db, table, capped_size)
        return stored

    def _cap(self, db, table, capped_size):
        if capped_size <= 0:
            db.execute(f"DELETE FROM {table}")
            return
        db.execute(
            f"DELETE FROM {table} WHERE seq < "
            f"(SELECT seq FROM {table} ORDER BY seq DESC LIMIT 1 OFFSET ?)",
            (capped_size - 1,),
        )

    def replace_all(self, bucket, records):
        with self._write() as db:
            table = self._table(bucket, db)
            db.execute(f"DELETE FROM {table}")
            stored = self._insert_rows(db, table, records)
            if not records:
                self._touch(db, table)  # emptying a bucket is a write too
        return stored

    def count(self, bucket):
        table = self._table(bucket)
        return self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def last_updated(self, bucket):
        row = self.db.execute("SELECT last_updated FROM buckets WHERE name = ?", (bucket,)).fetchone()
        if row is None:
            raise BucketNotFound(bucket)
        return from_epoch_micros(row[0]) if row[0] is not None else None

    # -- queries ---------------------------------------------------------------
    def _sql(self, table, query):
        return SQLQuery(table, query, lambda key: self._column(table, key))

    def raw(self, bucket, query):
        sql_query = self._sql(self._table(bucket), query)
        try:
            sql, params = sql_query.raw()
        except NoMatch:
            return []
        return [_load_record(data, ts) for data, ts in self.db.execute(sql, params)]

    def aggregate(self, bucket, query):
        table = self._table(bucket)
        groups = []
        try:
            with self._snapshot():
                slices = _period_slices(query)
                for part in slices:
                    groups += self._aggregate_part(self._sql(table, part))
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
            # Integer sums past 64 bits become floats, as MongoDB's $sum does.
            rows = self._fetch_rows(*sql_query.aggregate(sum_function="TOTAL"))
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
        try:
            sql, params = self._sql(self._table(bucket), query).time_bounds()
        except NoMatch:
            return None, None
        low, high = self.db.execute(sql, params).fetchone()
        if low is None:
            return None, None
        return from_epoch_micros(low), from_epoch_micros(high)


def _period_slices(query):
    """A period query as one query per period, or ``[query]``.

    ``GROUP BY`` sorts every matching row in a temporary B-tree; one range
    scan per period of the ``ts`` index needs no sort for period-only answers
    and only small ones with group keys, so answers come several times faster.
    Very long windows stay one statement.
    """
    if not query.period or query.start_at is None or query.end_at is None:
        return [query]
    starts = periods_between(query.start_at, query.end_at, query.period, query.end_inclusive)
    if len(starts) > MAX_PERIOD_STATEMENTS:
        return [query]
    slices = []
    for start in starts:
        low = max(start, query.start_at)
        high = min(shift(start, query.period), query.end_at)
        inclusive = query.end_inclusive and high == query.end_at
        if low < high or (inclusive and low == high):
            slices.append(replace(query, start_at=low, end_at=high, end_inclusive=inclusive))
    return slices


def _load_record(data, ts):
    record = json.loads(data)
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
        self.connection.execute("BEGIN")

    def __exit__(self, kind, error, traceback):
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on any error)."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        self.connection.execute("BEGIN IMMEDIATE")
        return _TransactionConnection(self.connection)

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.connection.execute("COMMIT")
        else:
            self.connection.execute("ROLLBACK")
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
        for statement in script.split(";"):
            if statement.strip():
                self.connection.execute(statement)
