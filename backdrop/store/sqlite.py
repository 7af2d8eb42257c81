"""The embedded store: one SQLite file, safe to share between processes.

Layout (see docs/stores.md):

* ``buckets``: one row per bucket config, plus the name of its records table
  (``records_<random hex>``) and its last write time.
* ``users``: admin-app users and the buckets they may upload to.
* ``fields``: for each records table, which column (``c1``, ``c2``, ...) holds
  which record key. Columns are added as new keys arrive, so user keys never
  appear in SQL text, yet filters, groups and collects run on plain indexed
  columns.
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
from datetime import UTC, datetime

from zope.interface import implementer

from ..interfaces import IStore
from ..periods import PERIODS, epoch_micros, from_epoch_micros, period_starts_micros
from ..query import Group
from .errors import BucketExists, BucketNotFound, DataGroupClash, NonNumericCollect, RecordsRefused

TRUE, FALSE = b"\x01", b"\x00"
DATETIME_FIELDS = ("_timestamp", "_start_at", "_end_at")
PERIOD_COLUMNS = {name: name for name in PERIODS}
BUSY_TIMEOUT_MS = 30_000
# SQLite allows 2,000 columns a table; the fixed columns take 11 of them.
MAX_KEYS = 1_900

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
CREATE INDEX {t}_ts ON {t} (ts);
"""


def encode(value):
    """A record value as stored in a key column."""
    if value is True:
        return TRUE
    if value is False:
        return FALSE
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def decode(value):
    if value == TRUE:
        return True
    if value == FALSE:
        return False
    return value


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _record_json(record):
    """The record as kept in ``data``: datetimes as ISO 8601 strings."""
    if any(name in record for name in DATETIME_FIELDS):
        record = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in record.items()
        }
    return _ENCODER.encode(record)


def _sort_key(value):
    """Mixed-type ordering shared with MongoDB: numbers, then strings, then booleans."""
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, value)


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
        """Columns for ``keys``, adding new ones inside the caller's transaction."""
        columns = dict(self._known_columns(table, db, refresh=True))
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
                 *[encode(get(key)) for key in ordered])
            )
        db.executemany(sql, rows)
        db.execute("UPDATE buckets SET last_updated = ? WHERE records_table = ?", (now, table))
        return len(rows)

    def _refresh_columns_after(self, table):
        with self._columns_lock:
            self._columns.pop(table, None)

    def insert(self, bucket, records, capped_size=None):
        with self._write() as db:
            table = self._table(bucket, db)
            try:
                stored = self._insert_rows(db, table, records)
                if capped_size is not None:
                    self._cap(db, table, capped_size)
            finally:
                self._refresh_columns_after(table)
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
            try:
                stored = self._insert_rows(db, table, records)
                if not records:
                    now = epoch_micros(datetime.now(UTC))
                    db.execute(
                        "UPDATE buckets SET last_updated = ? WHERE records_table = ?", (now, table)
                    )
            finally:
                self._refresh_columns_after(table)
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
    def raw(self, bucket, query):
        table = self._table(bucket)
        where, params = self._where(table, query)
        if where is None:
            return []
        order = ["ts", "seq"]
        if query.sort_by is not None:
            column = self._sort_column(table, query.sort_by.field)
            direction = " DESC" if query.sort_by.descending else ""
            order = ([f"{column}{direction}"] if column else []) + order
        sql = f"SELECT data FROM {table} WHERE {where} ORDER BY {', '.join(order)}"
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        return [_load_record(row[0]) for row in self.db.execute(sql, params)]

    def _sort_column(self, table, field):
        if field == "_timestamp":
            return "ts"
        if field == "_id":
            return "id"
        return self._column(table, field)

    def _where(self, table, query):
        """SQL conditions and parameters for a query's window and filters.

        Returns ``(None, None)`` when a filter names a key no record has, so
        nothing can match.
        """
        clauses, params = ["1"], []
        if query.start_at is not None:
            clauses.append("ts >= ?")
            params.append(epoch_micros(query.start_at))
        if query.end_at is not None:
            clauses.append("ts <= ?" if query.end_inclusive else "ts < ?")
            params.append(epoch_micros(query.end_at))
        for filter_ in query.filters:
            if filter_.field == "_id":
                column, values = "id", [v for v in filter_.values if isinstance(v, str)]
            elif filter_.field == "_timestamp":
                column = "ts"
                values = [epoch_micros(v) for v in filter_.values if isinstance(v, datetime)]
            else:
                column = self._column(table, filter_.field)
                values = [encode(v) for v in filter_.values]
            if column is None or not values:
                return None, None
            clauses.append(f"{column} IN ({', '.join(['?'] * len(values))})")
            params.extend(values)
        for prefix in query.prefix_filters:
            column = self._column(table, prefix.field)
            if column is None:
                return None, None
            clauses.append(f"typeof({column}) = 'text' AND substr({column}, 1, ?) = ?")
            params.extend([len(prefix.prefix), prefix.prefix])
        return " AND ".join(clauses), params

    def aggregate(self, bucket, query):
        table = self._table(bucket)
        where, params = self._where(table, query)
        if where is None:
            return []
        key_columns = []
        for key in query.group_by:
            column = self._column(table, key)
            if column is None:
                return []
            key_columns.append(column)
            where += f" AND {column} IS NOT NULL"
        group = list(key_columns)
        if query.period:
            group.append(PERIOD_COLUMNS[query.period])
            where += f" AND {PERIOD_COLUMNS[query.period]} IS NOT NULL"
        selects = [*group, "COUNT(*)"]
        checks = []
        for collect in query.collect:
            column = self._column(table, collect.field) or "NULL"
            selects.append(_aggregate_sql(collect.primitive, column))
            if collect.primitive in ("sum", "mean"):
                checks.append((len(selects), collect))
                selects.append(f"SUM(typeof({column}) IN ('text', 'blob'))")
        sql = f"SELECT {', '.join(selects)} FROM {table} WHERE {where}"
        if group:
            sql += f" GROUP BY {', '.join(group)}"
        order = self._group_order(query, key_columns, group)
        if order:
            sql += f" ORDER BY {order}"
        if query.limit is not None and not query.period:
            sql += " LIMIT ?"
            params.append(query.limit)
        rows = self.db.execute(sql, params).fetchall()
        if query.limit is not None and not query.period:
            self._check_numeric(table, where, params[:-1], query)
        return self._groups(rows, query, len(key_columns), checks)

    def _check_numeric(self, table, where, params, query):
        """With a limit, groups cut off must not hide a non-number from ``sum``/``mean``."""
        for collect in query.collect:
            column = self._column(table, collect.field)
            if collect.primitive in ("sum", "mean") and column:
                found = self.db.execute(
                    f"SELECT 1 FROM {table} WHERE {where}"
                    f" AND typeof({column}) IN ('text', 'blob') LIMIT 1",
                    params,
                ).fetchone()
                if found:
                    raise NonNumericCollect(collect.field, collect.primitive)

    def _group_order(self, query, key_columns, group):
        order = list(group)
        if query.sort_by is not None and not query.period:
            direction = " DESC" if query.sort_by.descending else ""
            field = query.sort_by.field
            if field == "_count":
                order.insert(0, f"COUNT(*){direction}")
            elif field in query.group_by:
                order.insert(0, key_columns[query.group_by.index(field)] + direction)
            else:
                for position, collect in enumerate(query.collect):
                    if field in (collect.label, collect.field):
                        order.insert(0, f"{len(group) + 2 + self._offset(query, position)}{direction}")
                        break
        return ", ".join(order)

    @staticmethod
    def _offset(query, position):
        """Result-column offset of collect ``position`` (sum/mean carry a check column)."""
        offset = 0
        for collect in query.collect[:position]:
            offset += 2 if collect.primitive in ("sum", "mean") else 1
        return offset

    def _groups(self, rows, query, key_count, checks):
        for check_index, collect in checks:
            if any(row[check_index] for row in rows):
                raise NonNumericCollect(collect.field, collect.primitive)
        groups = []
        first_value = key_count + (1 if query.period else 0) + 1
        for row in rows:
            keys = tuple(decode(value) for value in row[:key_count])
            period_start = from_epoch_micros(row[key_count]) if query.period else None
            values, index = {}, first_value
            for collect in query.collect:
                values[collect] = _collected(collect.primitive, row[index])
                index += 2 if collect.primitive in ("sum", "mean") else 1
            groups.append(Group(keys, period_start, row[first_value - 1], values))
        return groups

    def time_bounds(self, bucket, query):
        table = self._table(bucket)
        where, params = self._where(table, query)
        if where is None:
            return None, None
        low, high = self.db.execute(
            f"SELECT MIN(ts), MAX(ts) FROM {table} WHERE {where} AND ts IS NOT NULL", params
        ).fetchone()
        if low is None:
            return None, None
        return from_epoch_micros(low), from_epoch_micros(high)


def _aggregate_sql(primitive, column):
    if primitive == "sum":
        return f"SUM({column})"
    if primitive == "mean":
        return f"AVG({column})"
    if primitive == "count":
        return f"COUNT({column})"
    if primitive == "min":
        return f"MIN({column})"
    if primitive == "max":
        return f"MAX({column})"
    if primitive == "set":
        return (
            f"json_group_array(DISTINCT CASE WHEN typeof({column}) = 'blob' THEN"
            f" json(CASE WHEN {column} = x'01' THEN 'true' ELSE 'false' END)"
            f" ELSE {column} END) FILTER (WHERE {column} IS NOT NULL)"
        )
    raise ValueError(f"unknown primitive {primitive!r}")


def _collected(primitive, value):
    if primitive == "set":
        return sorted(json.loads(value) if value else [], key=_sort_key)
    return decode(value)


def _load_record(data):
    record = json.loads(data)
    for name in DATETIME_FIELDS:
        if name in record:
            record[name] = datetime.fromisoformat(record[name])
    return record


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
