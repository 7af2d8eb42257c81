"""Turn a ``backdrop.query.Query`` into MongoDB match documents and pipelines.

User input only ever arrives here as validated field names (``is_valid_key``:
letters, digits, underscores) and as values. Field names become document keys
or ``$field`` paths, never operators; values are always operands. Every
pipeline uses only ``$match``, ``$group``, ``$project``, ``$sort`` and
``$limit``, which both MongoDB and mongomock run, except the percentile
pipeline's ``$setWindowFields`` (MongoDB 5.0; the tests' mongomock is given a
stand-in of it in ``tests/store/mongo_fakes.py``).
"""
import re
from datetime import datetime

from ..mixed import unsigned
from ..periods import PERIODS, from_epoch_micros, query_period_starts, to_utc
from ..query import NUMERIC_PRIMITIVES, PRIMITIVES, percentile_fraction, value_order
from ..records import INT64, is_valid_key

PERIOD_FIELDS = {name: f"_{name}_start_at" for name in PERIODS}
SEQ = "_seq"
UPDATED_AT = "_updated_at"
STORE_FIELDS = (SEQ, UPDATED_AT, *PERIOD_FIELDS.values())
NOTHING = {"_id": {"$in": []}}


def field(name):
    """``name`` if it is a valid record key; anything else is a programming error."""
    if not is_valid_key(name):
        raise ValueError(f"invalid field name {name!r}")
    return name


def to_bson_datetime(moment):
    """Naive UTC with millisecond precision: exactly what BSON keeps.

    Storing this form (rather than letting the driver convert) makes
    mongomock compare datetimes the way a real server does.
    """
    moment = to_utc(moment)
    return moment.replace(tzinfo=None, microsecond=moment.microsecond // 1000 * 1000)


def from_bson_datetime(moment):
    return to_utc(moment)


def _operand(value):
    return to_bson_datetime(value) if isinstance(value, datetime) else value


def value_match(name, values):
    """``name`` equals one of ``values``, booleans never equal to numbers.

    MongoDB already keeps ``true`` and ``1`` apart; the explicit ``$type``
    checks make mongomock (which compares with Python's ``==``) agree.
    """
    name = field(name)
    booleans = [value for value in values if isinstance(value, bool)]
    others = [_operand(value) for value in values if not isinstance(value, bool)]
    clauses = []
    if others:
        clauses.append({name: {"$in": others, "$not": {"$type": "bool"}}})
    if booleans:
        clauses.append({name: {"$in": booleans, "$type": "bool"}})
    if not clauses:
        return NOTHING
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def prefix_match(name, prefix):
    """String ``name`` starts with ``prefix``, taken literally and case-sensitively."""
    if "\x00" in prefix:  # no stored string contains NUL, and BSON regexes cannot
        return NOTHING
    return {field(name): {"$regex": "^" + re.escape(prefix)}}


def window_match(query):
    bounds = {}
    if query.start_at is not None:
        bounds["$gte"] = to_bson_datetime(query.start_at)
    if query.end_at is not None:
        bounds["$lte" if query.end_inclusive else "$lt"] = to_bson_datetime(query.end_at)
    return {"_timestamp": bounds} if bounds else None


def match(query, *extra):
    """The ``$match`` document for a query's window and filters (ANDed with ``extra``)."""
    clauses = [window_match(query)]
    clauses += [value_match(item.field, item.values) for item in query.filters]
    clauses += [prefix_match(item.field, item.prefix) for item in query.prefix_filters]
    clauses += extra
    clauses = [clause for clause in clauses if clause]
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


# -- raw ------------------------------------------------------------------
def raw_pipeline(query):
    order = {}
    if query.sort_by is not None:
        order[field(query.sort_by.field)] = -1 if query.sort_by.descending else 1
    order.setdefault("_timestamp", 1)
    order[SEQ] = 1
    pipeline = [{"$match": match(query)}, {"$sort": order}]
    if query.limit is not None:
        pipeline.append({"$limit": query.limit})
    pipeline.append({"$project": {name: 0 for name in STORE_FIELDS}})
    return pipeline


def record_from_document(document):
    """A stored document as a record, ``_id`` last.

    A server always stores ``_id`` as a document's first field (an upsert
    by replacement included); the record's own fields come first, as the
    SQLite store and the CSV header order have them.
    """
    record = {
        key: from_bson_datetime(value) if isinstance(value, datetime) else value
        for key, value in document.items()
        if key not in STORE_FIELDS and key != "_id"
    }
    if "_id" in document:
        record["_id"] = document["_id"]
    return record


# -- aggregates -----------------------------------------------------------
def _present(path):
    """1 when the field has a non-null value, else 0 (missing counts as null)."""
    return {"$cond": [{"$ne": [{"$ifNull": [path, None]}, None]}, 1, 0]}


def _non_numeric(path):
    """1 when the field holds a value that is not a number (a string or a boolean)."""
    return {"$cond": [{"$and": [{"$ne": [{"$ifNull": [path, None]}, None]},
                                {"$eq": [{"$isNumber": path}, False]}]}, 1, 0]}


_ACCUMULATORS = {"sum": "$sum", "mean": "$avg", "min": "$min", "max": "$max"}


def grouped_match(query, *extra):
    """Window and filters, plus: every group key and the period start present."""
    required = [{field(key): {"$ne": None}} for key in query.group_by]
    if query.local_periods:
        required.append({"_timestamp": {"$ne": None}})
    elif query.period:
        required.append({PERIOD_FIELDS[query.period]: {"$ne": None}})
    return match(query, *required, *extra)


def _local_period(starts):
    """The start of the local period holding ``_timestamp``: a binary search over
    ``starts`` (zoneinfo's, ascending) as nested ``$cond``s, log2(n) deep."""
    if len(starts) == 1:
        return starts[0]
    middle = len(starts) // 2
    return {"$cond": [{"$lt": ["$_timestamp", starts[middle]]},
                      _local_period(starts[:middle]), _local_period(starts[middle:])]}


def group_id(query):
    """The ``$group`` key: ``k0..kN`` and the period start ``p``."""
    key = {f"k{index}": "$" + field(name) for index, name in enumerate(query.group_by)}
    if query.local_periods:
        starts = [to_bson_datetime(from_epoch_micros(micros))
                  for micros in query_period_starts(query)]
        key["p"] = _local_period(starts)
    elif query.period:
        key["p"] = "$" + PERIOD_FIELDS[query.period]
    return key


def _distinct_count(name):
    """How many distinct non-null values the ``$addToSet`` of ``_distinct_member`` holds."""
    return {"$size": {"$filter": {
        "input": "$" + name, "cond": {"$ne": [{"$ifNull": ["$$this.v", None]}, None]}}}}


def _distinct_member(path):
    """A set member: the value, and whether it is a number, so ``true`` is never ``1``
    (MongoDB keeps them apart already; mongomock compares with Python's ``==``)."""
    return {"v": path, "n": {"$isNumber": path}}


def aggregate_pipeline(query):
    """One ``$group`` per key combination and period start.

    Output rows: ``_id.k0..kN`` (keys), ``_id.p`` (period start), ``n``
    (records), ``v0..vN`` (one per collect, in query order) and, for ``sum``
    and ``mean``, ``x<i>``: how many values were not numbers (``$isNumber``).
    """
    if not query.is_aggregate:
        raise ValueError("an aggregate needs group_by or a period")
    group = {"_id": group_id(query), "n": {"$sum": 1}}
    project = {"_id": 1, "n": 1}
    for index, collect in enumerate(query.collect):
        path = "$" + field(collect.field)
        name = f"v{index}"
        primitive = collect.primitive
        if primitive not in PRIMITIVES:
            raise ValueError(f"unknown primitive {primitive!r}")
        project[name] = 1
        if percentile_fraction(primitive) is not None:
            del project[name]  # ``percentile_pipeline`` computes it
        elif primitive == "distinct":
            group[name] = {"$addToSet": _distinct_member(path)}
            project[name] = _distinct_count(name)
        elif primitive == "count":
            group[name] = {"$sum": _present(path)}
        elif primitive == "set":
            # Wrapped, because mongomock's $addToSet drops falsy scalars (0, false, "").
            group[name] = {"$addToSet": {"v": path}}
        else:
            group[name] = {_ACCUMULATORS[primitive]: path}
        if primitive in NUMERIC_PRIMITIVES:
            group[f"x{index}"] = {"$sum": _non_numeric(path)}
            project[f"x{index}"] = 1
        if primitive == "sum":
            # $sum of nothing is 0; like SQL, a sum over no values is null.
            group[f"c{index}"] = {"$sum": _present(path)}
            project[name] = {"$cond": [{"$gt": [f"$c{index}", 0]}, "$" + name, None]}
    pipeline = [{"$match": grouped_match(query)}, {"$group": group}, {"$project": project}]
    pipeline.append({"$sort": _group_order(query)})
    if query.limit is not None and not query.period:
        pipeline.append({"$limit": query.limit})
    return pipeline


def percentile_pipeline(query, collect):
    """One percentile collect for every group: ``_id`` as ``aggregate_pipeline``'s, ``v``.

    ``$setWindowFields`` ranks each group's values (``r``, from 1) and counts
    them (``c``); a ``$group`` keeps the values at the two closest ranks of
    position ``(c - 1) * fraction`` and the position's fraction ``d``; the
    value is ``lo + (hi - lo) * d`` in doubles, the arithmetic of every engine.
    Memory stays that of one window partition's sort, which MongoDB spills to
    disk; no group's values are ever gathered into one document.
    Non-numbers are found by ``aggregate_pipeline`` (a 400), so all ranked
    values here are numbers.
    """
    path = "$" + field(collect.field)
    key = group_id(query)
    position = {"$multiply": [{"$subtract": ["$c", 1]}, percentile_fraction(collect.primitive)]}
    floor = {"$floor": position}

    def at_rank(offset):
        return {"$max": {"$cond": [{"$eq": ["$r", {"$add": [floor, offset]}]},
                                   {"$multiply": [path, 1.0]}, None]}}

    return [
        {"$match": grouped_match(query, {field(collect.field): {"$ne": None}})},
        {"$setWindowFields": {
            "partitionBy": key, "sortBy": {field(collect.field): 1},
            "output": {"r": {"$documentNumber": {}}, "c": {"$count": {}}}}},
        {"$group": {"_id": key, "lo": at_rank(1), "hi": at_rank(2),
                    "d": {"$first": {"$subtract": [position, floor]}}}},
        {"$project": {"_id": 1, "v": {"$cond": [
            {"$eq": ["$d", 0]}, "$lo",
            {"$add": ["$lo", {"$multiply": [{"$subtract": ["$hi", "$lo"]}, "$d"]}]}]}}},
    ]


def group_key(key):
    """A hashable form of a ``$group`` ``_id``, equal where BSON compares equal
    (``1`` and ``1.0``), apart where it does not (``true`` and ``1``)."""
    return tuple((name, type(value) is bool, value) for name, value in sorted(key.items()))


def _group_order(query):
    """Keys then period ascending, led by ``sort_by`` for queries without a period."""
    keys = [f"_id.k{index}" for index in range(len(query.group_by))]
    if query.period:
        keys.append("_id.p")
    order = {}
    if query.sort_by is not None and not query.period:
        target = _sort_target(query)
        if target:
            order[target] = -1 if query.sort_by.descending else 1
    for key in keys:
        order.setdefault(key, 1)
    return order


def _sort_target(query):
    """The output field ``sort_by`` names: ``_count``, a key, a collect label or field.

    Anything else leaves the default key order.
    """
    name = query.sort_by.field
    if name == "_count":
        return "n"
    if name in query.group_by:
        return f"_id.k{query.group_by.index(name)}"
    for index, collect in enumerate(query.collect):
        if name == collect.label:
            return f"v{index}"
    for index, collect in enumerate(query.collect):
        if name == collect.field:
            return f"v{index}"
    return None


def non_numeric(row, query):
    """The first ``sum``/``mean``/percentile collect whose group met a non-number, or None."""
    for index, collect in enumerate(query.collect):
        if row.get(f"x{index}"):
            return collect
    return None


def collected(primitive, value):
    """A collect's value as every engine answers it: ``-0.0`` as ``0.0`` (``mixed.unsigned``),
    where ``$min``, ``$max``, ``$addToSet`` and the ranks keep whichever zero came first."""
    if primitive == "set":
        items = (unsigned(item.get("v")) for item in value or ())
        return sorted((item for item in items if item is not None), key=value_order)
    if type(value) is int and not INT64[0] <= value <= INT64[1]:
        return float(value)  # MongoDB's $sum turns a 64-bit overflow into a double
    return unsigned(value)


def group_labels(key, size):
    """A ``$group`` ``_id``'s ``k0..k<size-1>``: a group holding -0.0 and 0.0 is labelled 0.0."""
    return tuple(unsigned(key.get(f"k{index}")) for index in range(size))


def time_bounds_lookups(query):
    """The earliest and the latest matching record: ``(filter, sort)`` for two ``limit 1`` finds.

    Each walks the ``(_timestamp, _seq)`` index from one end and stops at the
    first match, instead of grouping the whole window.
    """
    matched = match(query, {"_timestamp": {"$ne": None}})
    return (
        (matched, [("_timestamp", 1), (SEQ, 1)]),
        (matched, [("_timestamp", -1), (SEQ, 1)]),
    )


def non_numeric_match(query):
    """Records a ``limit``ed grouping would hide: a ``sum``/``mean`` field holding a non-number.

    Strings and booleans are the only non-numbers a record can hold (null and
    missing are skipped by both collects). One ``find_one`` of this replaces
    running the grouping again without its limit.
    """
    fields = dict.fromkeys(
        field(collect.field) for collect in query.collect
        if collect.primitive in NUMERIC_PRIMITIVES
    )
    if not fields:
        return None
    # One clause per type: mongomock's $type takes a single type name.
    wrong = [{name: {"$type": kind}} for name in fields for kind in ("string", "bool")]
    return grouped_match(query, {"$or": wrong})
