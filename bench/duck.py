"""DuckDB's own engine time: the same rows in a plain DuckDB table, asked the same questions.

This is the limit the columnar mirror is held to: what DuckDB takes when
nothing stands between the question and the engine (no HTTP, no feed, no
mixed-type columns). The rows are copied from the store's own table, so
both hold exactly the records Backdrop stored.
"""
import sqlite3
import time

import duckdb
import pyarrow as pa

CHUNK = 100_000


def load(sqlite_path, table, columns):
    """An in-memory DuckDB ``events`` table holding the bucket's rows, natively typed."""
    source = sqlite3.connect(sqlite_path)
    target = duckdb.connect()
    target.execute(
        "CREATE TABLE events (seq BIGINT, id VARCHAR, ts BIGINT, day BIGINT, week BIGINT,"
        " authority VARCHAR, licence_name VARCHAR, type VARCHAR, value BIGINT, paid BOOLEAN)")
    cursor = source.execute(
        f"SELECT seq, id, ts, day, week, {columns['authority']}, {columns['licence_name']},"
        f" {columns['type']}, {columns['value']}, {columns['paid']} = x'01' FROM {table}"
        " ORDER BY seq")
    types = [pa.int64(), pa.string(), pa.int64(), pa.int64(), pa.int64(), pa.string(),
             pa.string(), pa.string(), pa.int64(), pa.bool_()]
    names = ["seq", "id", "ts", "day", "week", "authority", "licence_name", "type", "value",
             "paid"]
    while rows := cursor.fetchmany(CHUNK):
        arrays = [pa.array([bool(v) for v in values], kind) if kind == pa.bool_()
                  else pa.array(values, kind)
                  for kind, values in zip(types, zip(*rows, strict=True), strict=True)]
        chunk = pa.Table.from_arrays(arrays, names=names)  # noqa: F841 - read by DuckDB by name
        target.execute("INSERT INTO events SELECT * FROM chunk")
    source.close()
    return target


def time_query(connection, sql, args):
    """Wall and CPU milliseconds for one statement, fetching every row, and the rows."""
    started, cpu = time.perf_counter(), time.process_time()
    rows = connection.execute(sql, list(args)).fetchall()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, rows
