"""What the SQLite store's INSERT statements store equals what ``executemany`` of its rows stores.

New rows are written many to a statement (``sqlite_rows.insert_new``); the
change feed's census of value types, the mirror and raw reads depend on every
column keeping the type and value that binding the same rows one at a time
gives: integers INTEGER (64-bit extremes exact), floats REAL (``1.0`` and
``-0.0`` too), text TEXT, booleans one-byte BLOBs, None NULL, and ``data``
the same text. Batches cross the statement sizes (64 rows, then powers of
two), and keys arrive late (a later batch adds columns).
"""
import math
import sqlite3
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backdrop.store.sqlite import SQLiteStore
from backdrop.store.sqlite_rows import FIXED_COLUMNS, built_rows, numbered_rows

EXTREMES = [2**63 - 1, -(2**63), 0, 1, -1, 2**53 + 1]
FLOATS = [1.0, -0.0, 0.0, 0.1, -1.5, 1e300, -1e-300, 5e-324, 1.7976931348623157e308,
          2.0**63, 123456789012345678.0, 1e16]
TEXTS = ["", "a", "true", "1", "1.0", "null", 'quote " and \\ backslash', "line\nbreak\ttab\x01",
         "caf\u00e9", "\u2028\u2029", "\U0001f600 emoji", "[1, 2]", '{"k": 1}']
VALUES = st.one_of(
    st.sampled_from(EXTREMES), st.integers(-(2**63), 2**63 - 1),
    st.sampled_from(FLOATS), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.none(),
    st.sampled_from(TEXTS), st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
)
KEYS = st.sampled_from(["a", "b", "value", "zz", "late_key"])
STAMPS = st.one_of(st.none(), st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))


@st.composite
def batches(draw):
    """Two batches of prepared records with unique ids; the second may bring new keys."""
    count = draw(st.integers(1, 140))
    records = draw(st.lists(st.dictionaries(KEYS, VALUES, max_size=4), min_size=count,
                            max_size=count))
    for index, record in enumerate(records):
        record["_id"] = f"id{index}"
        stamp = draw(STAMPS)
        if stamp is not None:
            record["_timestamp"] = stamp
        if draw(st.booleans()):
            record["_start_at"] = datetime(2014, 1, 6, tzinfo=UTC) + timedelta(days=index)
    split = draw(st.integers(0, count))
    first, second = records[:split], records[split:]
    for record in second:
        if draw(st.booleans()):
            record["only_later"] = draw(VALUES)
    return [batch for batch in (first, second) if batch]


def _typed(value):
    """A stored value with its type, telling -0.0 from 0.0 and bytes from text."""
    if isinstance(value, float):
        return ("real", math.copysign(1.0, value), repr(value))
    return (type(value).__name__, repr(value))


def _stored(connection, table, columns):
    rows = connection.execute(
        f"SELECT {', '.join(f'typeof({c}), {c}' for c in columns)} FROM {table} ORDER BY seq")
    return [tuple((kind, _typed(value)) for kind, value in zip(row[::2], row[1::2], strict=True))
            for row in rows]


def _written_and_expected(directory, batches):
    """The rows the store wrote, and the rows ``executemany`` of the same rows writes."""
    store = SQLiteStore(f"sqlite:///{directory}/store.db")
    try:
        store.create_bucket({"name": "b", "bucket_type": "custom"})
        for batch in batches:
            store.insert("b", batch)
        table = store._table("b")
        fields = dict(store.db.execute(
            "SELECT key, col FROM fields WHERE records_table = ?", (table,)).fetchall())
        ddl = [sql for (sql,) in store.db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index')"
            " AND sql IS NOT NULL", (table,))]
        columns = [c for c in FIXED_COLUMNS if c != "updated"] + sorted(fields.values())
        written = _stored(store.db, table, columns)
    finally:
        store.close()

    oracle = sqlite3.connect(":memory:")
    for statement in ddl:
        oracle.execute(statement)
    last_seq = 0
    for batch in batches:
        keys, params = built_rows(batch)
        names = (*FIXED_COLUMNS, *(fields[key] for key in keys))
        oracle.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            numbered_rows(params, last_seq))
        last_seq += params.count
    return written, _stored(oracle, table, columns)


@settings(max_examples=100, deadline=None)
@given(batches())
def test_rows_written_many_to_a_statement_store_what_executemany_stores(tmp_path_factory, batches):
    written, expected = _written_and_expected(tmp_path_factory.mktemp("types"), batches)
    assert written == expected


def test_wide_rows_are_written_fewer_to_a_statement_and_stored_the_same(tmp_path):
    values = [*EXTREMES, *FLOATS, *TEXTS, True, False, None]
    batch = [{"_id": f"id{n}", "_timestamp": datetime(2014, 1, 1, tzinfo=UTC) + timedelta(hours=n),
              **{f"k{key}": values[(n + key) % len(values)] for key in range(300)}}
             for n in range(70)]
    written, expected = _written_and_expected(tmp_path, [batch])
    assert len(written) == 70 and written == expected
