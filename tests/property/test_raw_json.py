"""A raw answer's record texts, as the store writes them, equal the generic ones.

The SQLite store has SQLite write each record's JSON (``raw_json``); for any
records, timestamps anywhere in years 1–9999 to the microsecond, and any
query order and limit, the texts must be byte for byte ``record_text`` of
what ``raw`` returns, and parse back to the records as Python shows them.
"""
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backdrop.query import Query, SortBy
from backdrop.raw_text import record_text
from backdrop.store.sqlite import SQLiteStore
from tests.store.helpers import config, prepare
from tests.support.mirrored import MirroredStore

FIRST, LAST = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
moments = st.integers(0, (LAST - FIRST) // timedelta(microseconds=1)).map(
    lambda micros: FIRST + timedelta(microseconds=micros))
values = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
                   st.floats(allow_nan=False, allow_infinity=False),
                   st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",))))
records = st.lists(
    st.fixed_dictionaries({"_timestamp": moments}, optional={"a": values, "b": values}),
    max_size=30,
)
_names = itertools.count()


@pytest.fixture(params=["sqlite", "mirror"])
def store(request, tmp_path):
    found = (SQLiteStore(f"sqlite:///{tmp_path / 'raw.db'}") if request.param == "sqlite"
             else MirroredStore(tmp_path / "raw.db"))
    yield found
    found.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=records, descending=st.booleans(), limit=st.none() | st.integers(0, 40))
def test_raw_json_is_record_text_of_raw(store, batch, descending, limit):
    name = f"raw{next(_names)}"
    store.create_bucket(config(name))
    store.insert(name, prepare([{**r, "_timestamp": r["_timestamp"].isoformat()} for r in batch]))
    query = Query(sort_by=SortBy("a", descending), limit=limit)

    texts = store.raw_json(name, query)

    records = store.raw(name, query)
    assert texts == [record_text(record) for record in records]
    assert [json.loads(text)["_timestamp"] for text in texts] == [
        record["_timestamp"].isoformat() for record in records]
