"""A batch's rows as the SQLite store writes them, and the statements that write them.

A row is ``(seq, id, ts, hour ... year, updated, data, *values)``. The
parameters of a whole batch are built before the write lock is taken, as one
list, row after row, each column put in place by one C loop over the batch
(``map`` and extended-slice assignment); under the lock only the ``seq``
slots are filled in and the rows are written.

New rows are written by ``INSERT`` statements of many rows each (``VALUES
(...), (...), ...``), not by ``executemany``: ``executemany`` runs its
one-row statement once per row, so each row pays for a statement reset and
for opening and seeking the table and both of its indexes again; one
statement of 64 rows pays for that once and appends the rows with its
cursors in place (about a third less time for the same rows, see
``docs/benchmark.md``). What is stored is the same: the same values bound
the same way.
"""
from collections import deque
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import repeat
from operator import floordiv, itemgetter, mod, sub

import orjson

from ..periods import EPOCH, epoch_micros, hour_period_starts, period_starts_micros
from ..records import DATETIME_FIELDS
from .sqlite_query import FALSE, TRUE

# The columns of every records table before its key columns, in row order.
FIXED_COLUMNS = ("seq", "id", "ts", "hour", "day", "week", "month", "quarter", "year",
                 "updated", "data")
_SEQ, _ID, _TS, _PERIODS, _UPDATED, _DATA, _VALUES = 0, 1, 2, 3, 9, 10, 11
# Rows per INSERT statement (a power of two, see ``statement_sizes``): past ~16 rows a
# statement nothing more is saved, and each size is prepared once per connection. Wide
# rows get fewer, so that no statement binds more than ``INSERT_PARAMETERS`` values
# (a prepared statement's size grows with them, and the connection caches it).
INSERT_ROWS = 64
INSERT_PARAMETERS = 1024

# Booleans bound as ``bytearray``: the same one-byte BLOBs as ``TRUE``/``FALSE``, but sqlite3
# binds a bytearray as it is, where ``bytes`` first go through its adapter lookup.
_TRUE_PARAM, _FALSE_PARAM = bytearray(TRUE), bytearray(FALSE)
_BOOL_PARAMS = {True: _TRUE_PARAM, False: _FALSE_PARAM}
_MICROSECOND = timedelta(microseconds=1)
HOUR_MICROS = 3_600_000_000


class RowParams:
    """The parameters of a batch's rows, ``width`` a row, row after row.

    ``seq`` slots stay empty until ``number`` gives the sequence numbers
    under the write lock.
    """

    __slots__ = ("values", "width", "count")

    def __init__(self, values, width, count):
        self.values, self.width, self.count = values, width, count

    def number(self, last_seq):
        """Number the rows from ``last_seq + 1``."""
        self.values[_SEQ::self.width] = range(last_seq + 1, last_seq + 1 + self.count)

    def rows(self):
        """The rows as tuples (for ``executemany``)."""
        return zip(*[iter(self.values)] * self.width, strict=True)


def records_json(records):
    """The records as kept in ``data``: without ``_timestamp`` (the ``ts`` column has it),
    as orjson writes them (``_start_at``/``_end_at`` as ``isoformat()`` does), by C loops
    over the batch (copy, drop, dump, decode)."""
    copies = list(map(dict, records))
    deque(map(dict.pop, copies, repeat("_timestamp"), repeat(None)), maxlen=0)
    return list(map(bytes.decode, map(orjson.dumps, copies)))


def batch_columns(records):
    """``{key: each record's value or None}``: as the batch carries them
    (``records.PreparedBatch``), else gathered here."""
    columns = getattr(records, "columns", None)
    if columns is not None:
        return columns
    keys = set().union(*records) - {"_start_at", "_end_at"}
    columns = {key: list(map(dict.get, records, repeat(key))) for key in keys}
    columns["_id"] = list(map(itemgetter("_id"), records))
    return columns


def built_rows(records):
    """``(keys in column order, RowParams)`` of ``records``, built before the write lock."""
    columns = batch_columns(records)
    ordered = sorted(columns.keys() - {"_id", *DATETIME_FIELDS})
    count, width = len(records), len(FIXED_COLUMNS) + len(ordered)
    values = [None] * (count * width)
    values[_ID::width] = columns["_id"]
    for offset, column in enumerate(time_columns(columns.get("_timestamp"), count), _TS):
        values[offset::width] = column
    values[_UPDATED::width] = repeat(epoch_micros(datetime.now(UTC)), count)
    values[_DATA::width] = records_json(records)
    for offset, key in enumerate(ordered, _VALUES):
        values[offset::width] = bound(columns[key])
    return ordered, RowParams(values, width, count)


def numbered_rows(params, last_seq):
    """The rows of ``RowParams``, numbered from ``last_seq + 1``, as tuples."""
    params.number(last_seq)
    return params.rows()


def time_columns(stamps, count):
    """``ts`` and the six period starts (epoch microseconds) of each ``_timestamp`` or None
    (``stamps`` None: no record has one)."""
    if stamps is None or stamps.count(None) == count:
        return [repeat(None, count) for _ in range(7)]
    if None not in stamps:
        try:
            micros = list(map(floordiv, map(sub, stamps, repeat(EPOCH)), repeat(_MICROSECOND)))
        except TypeError:  # a naive datetime: UTC, as ``epoch_micros`` takes it
            micros = list(map(epoch_micros, stamps))
        starts = list(map(hour_period_starts, map(sub, micros, map(mod, micros, repeat(HOUR_MICROS)))))
        return [micros, *(map(itemgetter(period), starts) for period in range(6))]
    times = [(None,) * 7 if stamp is None else (ts := epoch_micros(stamp), *period_starts_micros(ts))
             for stamp in stamps]
    return list(zip(*times, strict=True))


def bound(values):
    """A key's values as bound: booleans as one-byte BLOBs (``sqlite_query.TRUE``/``FALSE``)."""
    kinds = set(map(type, values))
    if bool not in kinds:
        return values
    if kinds <= {bool, type(None)}:
        return list(map(_BOOL_PARAMS.get, values))
    return [_TRUE_PARAM if value is True else _FALSE_PARAM if value is False else value
            for value in values]


def statement_sizes(count, most):
    """Rows per statement for ``count`` rows: statements of ``most`` rows, then one of each
    smaller power of two the rest needs, so a connection prepares at most a few sizes."""
    sizes = [most] * (count // most)
    rest, size = count % most, most
    while rest:
        size //= 2
        if rest >= size:
            sizes.append(size)
            rest -= size
    return sizes


def most_rows(width, variable_limit):
    """Rows per statement: ``INSERT_ROWS``, or the largest power of two that keeps a
    statement within ``INSERT_PARAMETERS`` bound values and SQLite's limit on them
    (``SQLITE_LIMIT_VARIABLE_NUMBER``, 32,766 in SQLite's default build)."""
    most = INSERT_ROWS
    while most > 1 and most * width > min(INSERT_PARAMETERS, variable_limit):
        most //= 2
    return most


@lru_cache(maxsize=512)
def insert_sql(verb, table, columns, rows):
    """``verb INTO table (columns) VALUES (?, ...), ...`` of ``rows`` rows (store-made names only)."""
    row = f"({', '.join(['?'] * len(columns))})"
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * rows)}"


def insert_new(db, table, columns, params, variable_limit):
    """Write numbered ``RowParams`` as new rows with plain ``INSERT`` statements of many rows."""
    values, width, start = params.values, params.width, 0
    for rows in statement_sizes(params.count, most_rows(width, variable_limit)):
        end = start + rows * width
        db.execute(insert_sql("INSERT", table, columns, rows), values[start:end])
        start = end


def upsert(db, table, columns, params):
    """Write numbered ``RowParams`` one row at a time, each replacing a stored row of its id
    (the removals trigger logs each replaced row for the change feed)."""
    db.executemany(insert_sql("INSERT OR REPLACE", table, columns, 1), params.rows())
