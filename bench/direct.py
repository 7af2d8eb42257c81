"""The engine's own limit: the same SQL and the same rows, straight through sqlite3."""
import sqlite3
import time

PRAGMAS = ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL")


def connect(path):
    """A connection set up as the store sets up its own (WAL, durable commits)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        connection.execute(pragma)
    return connection


def records_table(connection, bucket):
    """The bucket's records table and its ``{key: column}`` map, from the store's catalogue."""
    (table,) = connection.execute(
        "SELECT records_table FROM buckets WHERE name = ?", (bucket,)
    ).fetchone()
    columns = dict(connection.execute(
        "SELECT key, col FROM fields WHERE records_table = ?", (table,)
    ).fetchall())
    return table, columns


def time_query(connection, statements):
    """Wall and CPU milliseconds to run ``[(sql, args), ...]``, fetching every row, and the rows."""
    started, cpu = time.perf_counter(), time.thread_time()
    rows = [row for sql, args in statements for row in connection.execute(sql, args).fetchall()]
    return (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000, rows


def time_fastest(connection, forms):
    """``time_query`` of the fastest of several equivalent forms of one question."""
    return min((time_query(connection, form) for form in forms), key=lambda timed: timed[0])


def _as_bound(value):
    """A BLOB (a stored boolean) as a ``bytearray``, as the store binds it: sqlite3 binds a
    bytearray as it is but sends ``bytes`` through its adapter lookup first (~2 us each)."""
    return bytearray(value) if type(value) is bytes else value


def ingest_baseline(source_path, table, target_path, batch_size, limit):
    """``(rows, seconds, cpu seconds)`` for ``executemany`` of the store's rows into a copy.

    The rows are read back from the store's own table (so they are exactly
    the rows Backdrop wrote: the first ``limit``, those of the timed ingest) a
    batch at a time; only ``executemany`` and ``COMMIT`` are timed, in one
    transaction per batch, as the store does, with the statement it runs for
    new records: a plain ``INSERT`` (the store falls back to its upsert only
    for a batch that replaces records), sequence numbers included, and the
    values bound as the store binds them (``_as_bound``).
    """
    source = sqlite3.connect(source_path)
    ddl = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
        " AND type != 'trigger'"
        " ORDER BY type = 'index', name", (table,)
    )]
    names = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
    target = connect(target_path)
    for statement in ddl:
        target.execute(statement)
    insert = (
        f"INSERT INTO {table} ({', '.join(names)})"
        f" VALUES ({', '.join('?' * len(names))})"
    )
    cursor = source.execute(
        f"SELECT {', '.join(names)} FROM {table} ORDER BY seq LIMIT ?", (limit,))
    count, elapsed, cpu = 0, 0.0, 0.0
    while rows := cursor.fetchmany(batch_size):
        rows = [tuple(map(_as_bound, row)) for row in rows]
        started, cpu_started = time.perf_counter(), time.thread_time()
        target.execute("BEGIN IMMEDIATE")
        target.executemany(insert, rows)
        target.execute("COMMIT")
        elapsed += time.perf_counter() - started
        cpu += time.thread_time() - cpu_started
        count += len(rows)
    source.close()
    target.close()
    return count, elapsed, cpu
