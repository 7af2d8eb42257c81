"""A merged answer (the mirror's rows plus the store's over the rows appended since) is
the answer one query over every row gives: values and types, to the last bit.

Hypothesis writes random records in two parts, the mirror holding the first,
and asks random aggregates of the kinds ``backdrop.mirror.appended`` merges,
over the values that make merging hard: ``1`` and ``1.0`` and ``True`` as
group keys, ``0``, ``0.0`` and ``-0.0`` (an answer shows ``0.0``), integer sums
past 64 bits, mixed-type minima, maxima and sets, keys and types that arrive
only in the second part.
The SQLite store's own answer over every row is the oracle (the store is
checked against plain Python in ``test_aggregates``).
"""
import shutil
import tempfile
from dataclasses import replace
from datetime import timedelta  # noqa: E402,I001 -- kept beside its only use

from hypothesis import given, settings
from hypothesis import strategies as st

from backdrop.mirror.appended import mergeable
from backdrop.mirror.engine import ColumnarMirror
from backdrop.mirror.files import MirrorFiles
from backdrop.query import Collect, Filter, Query
from backdrop.store.errors import NonNumericCollect
from backdrop.store.sqlite import SQLiteStore
from tests.property.test_mirror_stateful import START, answers, prepared
from tests.store.helpers import config

keys = st.sampled_from([1, 1.0, True, 0, 0.0, -0.0, False, "a", ""])
mixed_values = st.one_of(st.integers(-3, 3), st.sampled_from([0.0, -0.0, 1.0, 2.5, 2**53 + 1]),
                         st.booleans(), st.sampled_from(["a", "B", "1", ""]), st.none())
record = st.fixed_dictionaries(
        {"k": keys, "_timestamp": st.integers(0, 60 * 24).map(lambda h: START + timedelta(hours=h))},
        optional={
            "n": st.one_of(st.sampled_from([2**62 + 1, 2**63 - 1, -(2**63), 7]),
                           st.sampled_from([2**62 + 1, 2**62 + 3]),
                           st.integers(-(2**63), 2**63 - 1)),
            "m": mixed_values,
            "f": st.sampled_from([0.5, 1.0, -2.25]),
            "late": st.sampled_from(["x", 1, 1.5, True]),
        },
)
merging = st.lists(st.sampled_from([
    Collect("n", "sum"), Collect("n", "min"), Collect("m", "count"), Collect("m", "min"),
    Collect("m", "max"), Collect("m", "set"), Collect("late", "set"), Collect("late", "max"),
]), max_size=4, unique=True)
# Now and then one that does not merge (a float sum, a mean) or fails (a sum of strings).
collects = st.one_of(merging, merging, merging, st.tuples(merging, st.sampled_from([
    Collect("m", "sum"), Collect("f", "sum"), Collect("f", "mean")])).map(
        lambda both: [*both[0], both[1]] if both[1] not in both[0] else both[0]))
groupings = st.sampled_from([("k",), ("late",), ("k", "late"), ()])
periods = st.sampled_from([None, "day", "week", "month"])
filters = st.sampled_from([(), (), (), (Filter("k", (1,)),), (Filter("m", ("a", True)),),
                           (Filter("late", ("x",)),), (Filter("k", (-0.0,)),)])


def answer_or_error(engine, bucket, query):
    try:
        return answers(engine, bucket, query)
    except NonNumericCollect as error:
        return ("error", error.args)


def failed(answer):
    return isinstance(answer, tuple)


def appended_part(store, since, query):
    """The store's answer over only the rows written after ``since``, as ``answers`` rows."""
    try:
        _, groups = store.feed_aggregate("b", since, query)
    except NonNumericCollect as error:
        return ("error", error.args)
    return [(g.keys, g.period_start, g.count, [g.values[c] for c in query.collect])
            for g in groups]


def float_sums(query, rows):
    sums = [index for index, collect in enumerate(query.collect) if collect.primitive == "sum"]
    return any(isinstance(values[index], float) for *_, values in rows for index in sums)


@settings(max_examples=150, deadline=None)
@given(first=st.lists(record, max_size=12), then=st.lists(record, min_size=1, max_size=12),
       grouping=groupings, period=periods, collect=collects, where=filters, window=st.booleans())
def test_a_merged_answer_is_the_whole_answer(first, then, grouping, period, collect, where,
                                             window):
    if not grouping and not period:
        period = "day"
    start, end = (START + timedelta(days=3), START + timedelta(days=40)) if window else (None, None)
    if period is not None and not window:
        start, end = START, START + timedelta(days=70)
    query = Query(start_at=start, end_at=end, group_by=grouping, period=period,
                  collect=tuple(collect), filters=where)
    folder = tempfile.mkdtemp()
    try:
        url = f"sqlite:///{folder}/store.db"
        writer, reader = SQLiteStore(url), SQLiteStore(url)
        mirror = ColumnarMirror(reader, MirrorFiles(f"{folder}/store.db.mirror"),
                                catch_up_after=False)
        try:
            writer.create_bucket(config("b", bucket_type="custom"))
            writer.insert("b", prepared(first))
            held = answer_or_error(mirror, "b", query)  # the mirror holds the first part
            assert held == answer_or_error(reader, "b", query)
            since = reader.feed_position("b")
            writer.insert("b", prepared(then))
            part = appended_part(reader, since, query)
            before = mirror.merged_answers
            got, expected = answer_or_error(mirror, "b", query), answer_or_error(reader, "b", query)
            assert got == expected
            assert repr(got) == repr(expected)  # 1 is not 1.0 is not True, in sets too
            # A query not asked before: the mirror's rows, not a kept answer, are merged onto.
            fresh = replace(query, end_inclusive=not query.end_inclusive)
            assert repr(answer_or_error(mirror, "b", fresh)) == repr(
                answer_or_error(reader, "b", fresh))
            state = mirror._buckets["b"]
            if (mergeable(query, state.columns) and not failed(held) and not failed(got)
                    and not failed(part) and not float_sums(query, held + part)):
                # Only float sums may refuse to merge: a float first met in the second
                # part, or a part's integers past 64 bits (summed to a float already).
                assert mirror.merged_answers == before + 2, "answered without merging"
            assert mirror.time_bounds("b", Query(filters=where)) == reader.time_bounds(
                "b", Query(filters=where))
        finally:
            mirror.close()
            writer.close()
            reader.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
