"""A whole bucket's change feed read by a helper process that builds Arrow in C.

Python's sqlite3 makes a Python object of every value before Arrow can take
it (about 3 µs a row of the benchmark's events, most of a cold start). The
SQLite driver of Apache Arrow's ADBC builds the Arrow columns in C, and as
a second process it reads while the mirror's DuckDB loads, on another core.

It must be another process: the driver links its own copy of SQLite, and
two copies of SQLite in one process undo each other's POSIX locks when
either closes the file (https://www.sqlite.org/howtocorrupt.html, 2.2.1).
The helper opens nothing but its one connection.

The helper reads the position, the fields, the type census and the rows in
one read transaction of its own and writes an Arrow IPC stream on stdout:
the position rides in the schema's metadata, so the feed is exactly the
helper's snapshot (always a ``reset``: every row). A helper that cannot
start (no ADBC, an odd interpreter) leaves the feed to the store's own
path; one that fails midway fails the read, as a failing disk would.

    python -m backdrop.store.sqlite_bulk_feed STORE_FILE BUCKET
"""
import json
import logging
import subprocess
import sys
import tempfile
from contextlib import contextmanager

from ..feed import FeedChanges, FeedPosition
from .errors import BucketNotFound

log = logging.getLogger(__name__)

# A whole bucket of fewer rows is read in-process: starting the helper costs ~0.3 s.
BULK_FEED_ROWS = 200_000
CHUNK_ROWS = 65_536
POSITION = b"backdrop.position"


@contextmanager
def bulk_feed(path, bucket):
    """``FeedChanges`` of every row of ``bucket``, read by the helper; None if it cannot start."""
    import pyarrow as pa

    with tempfile.TemporaryFile() as errors:  # a pipe nobody reads could fill and stall it
        helper = subprocess.Popen(
            [sys.executable, "-m", __name__, path, bucket],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
        try:
            try:
                stream = pa.ipc.open_stream(helper.stdout)
            except (pa.ArrowInvalid, OSError) as error:
                helper.wait()
                errors.seek(0)
                log.warning("the bulk feed helper did not start (%s): %s", error,
                            errors.read()[-2000:].decode(errors="replace"))
                yield None
                return
            position = json.loads(stream.schema.metadata[POSITION])
            if position is None:
                raise BucketNotFound(bucket)
            yield FeedChanges(FeedPosition(*position), True, [], iter(stream))
            if helper.wait() != 0:
                errors.seek(0)
                raise RuntimeError("the bulk feed helper failed: "
                                   + errors.read()[-2000:].decode(errors="replace"))
        finally:
            if helper.poll() is None:
                helper.kill()
            helper.wait()
            helper.stdout.close()


def main(argv=None):
    """The helper: the feed of one bucket as an Arrow IPC stream on stdout."""
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow as pa

    from .sqlite import feed_columns, read_feed_fields, read_feed_position

    path, bucket = argv if argv is not None else sys.argv[1:]
    connection = adbc.connect(path, autocommit=True)
    cursor = connection.cursor()
    cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(CHUNK_ROWS)})
    rows = _Rows(cursor)
    out = sys.stdout.buffer
    try:
        cursor.execute("BEGIN")  # one snapshot: the position and the rows agree
        position = read_feed_position(rows, bucket)
        if position is None:
            pa.ipc.new_stream(out, pa.schema([], metadata={POSITION: "null"})).close()
            return
        table = position.generation
        selects, names, types = feed_columns(
            rows, table, read_feed_fields(rows, table), 0, ids=False)
        kinds = [getattr(pa, kind)() for kind in types]
        schema = pa.schema(
            [(name, pa.bool_() if kind == pa.int8() else kind) for name, kind in zip(
                names, kinds, strict=True)],
            metadata={POSITION: json.dumps([position.generation, position.written,
                                            position.removed, position.forgotten])})
        writer = pa.ipc.new_stream(out, schema)
        after, sql = 0, (f"SELECT {', '.join(selects)} FROM {table} WHERE seq > ?"
                         f" ORDER BY seq LIMIT {CHUNK_ROWS}")
        # One statement per chunk: the driver infers each column's type from the
        # rows it holds, which the census made one type (or none) per column.
        while True:
            cursor.execute(sql, (after,))
            chunk = cursor.fetch_arrow_table()
            if chunk.num_rows == 0:
                break
            writer.write_batch(pa.RecordBatch.from_arrays(
                [column.combine_chunks().cast(field.type)
                 for column, field in zip(chunk.columns, schema, strict=True)], schema=schema))
            after = chunk.column(0)[-1].as_py()
        writer.close()
        cursor.execute("COMMIT")
    finally:
        cursor.close()
        connection.close()


class _Rows:
    """The sqlite3-like ``execute(...).fetchone()``/``fetchall()``/iteration over ADBC."""

    def __init__(self, cursor):
        self.cursor = cursor

    def execute(self, sql, params=()):
        self.cursor.execute(sql, params or None)
        return _Fetched(self.cursor.fetchall())


class _Fetched(list):
    def fetchone(self):
        return self[0] if self else None

    def fetchall(self):
        return list(self)


if __name__ == "__main__":
    main()
