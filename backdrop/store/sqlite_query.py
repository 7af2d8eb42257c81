"""SQL for one ``backdrop.query.Query`` on one SQLite records table.

SQL text is built only from our own names: the records table, the fixed
columns and the ``c<n>`` key columns the ``fields`` table maps keys to.
Every value a request carries is a bound parameter. Results are read back
by column alias, never by position.
"""
import json
from datetime import datetime

from .. import mixed
from ..periods import PERIODS, epoch_micros, from_epoch_micros
from ..query import NUMERIC_PRIMITIVES, Group, percentile_fraction

TRUE, FALSE = b"\x01", b"\x00"
FIXED_COLUMNS = {"_id": "id", "_timestamp": "ts"}
PERIOD_COLUMNS = {name: name for name in PERIODS}  # SQL text comes from here, not the query

RAW_RECORDS = "data, ts"
# A raw record as the JSON text clients see (``_timestamp`` first, ISO 8601 with
# ``+00:00``, microseconds when there are any), written by SQLite: for a page of
# 100 records a quarter of the time of parsing ``data`` and formatting datetimes
# in Python. Only for ``_timestamp``s from 1970 on (SQLite's calendar gives one
# day in the year 300 another date than Python's); ``text`` is NULL for the rest,
# which come as ``early_data``, ``early_ts`` (NULL for the records ``text`` holds;
# named apart from the columns, which ``ORDER BY`` would otherwise take them for).
_ISO_TIMESTAMP = (
    "replace(datetime(ts / 1000000, 'unixepoch'), ' ', 'T')"
    " || CASE WHEN ts % 1000000 = 0 THEN '+00:00' ELSE printf('.%06d+00:00', ts % 1000000) END"
)
RAW_TEXTS = (
    "CASE WHEN ts IS NULL THEN data WHEN ts >= 0 THEN"
    f" '{{\"_timestamp\":\"' || {_ISO_TIMESTAMP} || CASE WHEN data = '{{}}' THEN '\"}}'"
    " ELSE '\",' || substr(data, 2) END END AS text,"
    " CASE WHEN ts < 0 THEN data END AS early_data, CASE WHEN ts < 0 THEN ts END AS early_ts"
)


def encode(value):
    """A record value as stored in a key column: booleans as one-byte BLOBs."""
    if value is True:
        return TRUE
    if value is False:
        return FALSE
    return value


def decode(value):
    if value == TRUE:
        return True
    if value == FALSE:
        return False
    return value


def _aggregate(primitive, column, alias, exact_sums):
    """``[(expression, alias), ...]`` computing one collect (see ``_collected``)."""
    integer = f"CASE WHEN typeof({column}) = 'integer' THEN {column} END"
    real = f"CASE WHEN typeof({column}) = 'real' THEN {column} END"
    if primitive == "sum" and exact_sums:
        # Integers in two 32-bit halves, whose sums cannot overflow: exact past 64 bits.
        return [(f"SUM({integer} >> 32)", f"{alias}h"), (f"SUM({integer} & 4294967295)", f"{alias}l"),
                (f"TOTAL({real})", f"{alias}f"), (f"COUNT({real})", f"{alias}r")]
    if primitive == "sum":
        return [(f"SUM({column})", alias)]
    if primitive == "mean":
        return [(f"AVG({column})", alias)]
    if primitive == "count":
        return [(f"COUNT({column})", alias)]
    if primitive == "distinct":
        # SQLite compares an integer and a real as numbers (1 = 1.0); booleans are BLOBs.
        return [(f"COUNT(DISTINCT {column})", alias)]
    fraction = percentile_fraction(primitive)
    if fraction is not None:
        return [(percentile_expression(_numeric(column), alias, fraction), alias)]
    if primitive in ("min", "max"):
        function = primitive.upper()
        # The integer extreme too: an integer wins a tie with an equal float.
        return [(f"{function}({column})", alias), (f"{function}({integer})", f"{alias}i")]
    if primitive == "set":
        # Reals as text of 17 digits (JSON would keep 15); booleans as 0/1.
        return [
            (f"json_group_array(DISTINCT {column})"
             f" FILTER (WHERE typeof({column}) IN ('integer', 'text'))", alias),
            (f"json_group_array(DISTINCT printf('%!.17g', {column}))"
             f" FILTER (WHERE typeof({column}) = 'real')", f"{alias}f"),
            (f"json_group_array(DISTINCT {column} = x'01')"
             f" FILTER (WHERE typeof({column}) = 'blob')", f"{alias}b"),
        ]
    raise ValueError(f"unknown primitive {primitive!r}")


def _numeric(column):
    """A key column's value as a REAL when it is a number, else NULL."""
    return f"CAST(CASE WHEN typeof({column}) IN ('integer', 'real') THEN {column} END AS REAL)"


def truncate(expression):
    """SQLite's floor of a non-negative REAL (math functions may not be compiled in)."""
    return f"CAST({expression} AS INTEGER)"


def percentile_expression(number, alias, fraction, floor=truncate):
    """PostgreSQL's ``percentile_cont`` over the ranks ``r<alias>`` of ``ranked_source``.

    Shared by the SQL engines (the mirror passes DuckDB's ``floor``). Rank
    position ``(n - 1) * fraction`` (n numbers in the group); ``lo`` and ``hi``
    the values at the closest ranks; ``lo + (hi - lo) * d`` where ``d`` is the
    position's fraction, in float64: the arithmetic every engine does.
    """
    position = f"((c{alias} - 1) * CAST({fraction!r} AS DOUBLE))"
    low = floor(position)
    lo = f"MAX(CASE WHEN r{alias} = {low} + 1 THEN {number} END)"
    hi = f"MAX(CASE WHEN r{alias} = {low} + 2 THEN {number} END)"
    frac = f"MAX({position} - {low})"
    return f"CASE WHEN {frac} = 0 THEN {lo} ELSE {lo} + ({hi} - {lo}) * {frac} END"


def ranked_source(source, where, partition, ranked):
    """The matching rows with, per ``(alias, number)`` in ``ranked``, each number's
    rank in its group (``r<alias>``, from 1; NULLs last) and the group's count of
    numbers (``c<alias>``): a subquery of window functions both SQL engines run."""
    over = f"PARTITION BY {', '.join(partition)}" if partition else ""
    windows = []
    for alias, number in ranked:
        windows.append(f"row_number() OVER ({over} ORDER BY {number} ASC NULLS LAST) AS r{alias}")
        windows.append(f"COUNT({number}) OVER ({over}) AS c{alias}")
    return f"(SELECT *, {', '.join(windows)} FROM {source} WHERE {where})"


def _collected(primitive, row, alias, exact_sums):
    """One collected value from its aliases, reduced by the shared ``backdrop.mixed`` rules."""
    if primitive == "sum" and exact_sums:
        high, low = row[f"{alias}h"], row[f"{alias}l"]
        integers = None if high is None else high * 2**32 + low
        return mixed.combine_sum(integers, row[f"{alias}f"] if row[f"{alias}r"] else None)
    if primitive in ("min", "max"):
        value, integer = decode(row[alias]), row[f"{alias}i"]
        if isinstance(value, float) and integer is not None and integer == value:
            return integer
        return mixed.unsigned(value)  # SQLite keeps the first of -0.0 and 0.0 it met
    if primitive == "set":
        values = json.loads(row[alias]) if row[alias] else []
        values += [float(text) for text in json.loads(row[f"{alias}f"] or "[]")]
        values += [bool(flag) for flag in json.loads(row[f"{alias}b"] or "[]")]
        return mixed.distinct_sorted(values)
    return mixed.unsigned(decode(row[alias]))  # a percentile may be a -0.0 it ranked


def window_conditions(query):
    """``(clauses, params)`` keeping a query's window on the ``ts`` column (epoch micros).

    Shared by every SQL engine whose tables keep ``_timestamp`` as ``ts``: the
    store's and the columnar mirror's.
    """
    clauses, params = ["TRUE"], []
    if query.start_at is not None:
        clauses.append("ts >= ?")
        params.append(epoch_micros(query.start_at))
    if query.end_at is not None:
        clauses.append("ts <= ?" if query.end_inclusive else "ts < ?")
        params.append(epoch_micros(query.end_at))
    return clauses, params


def time_bounds_sql(table, clauses, params):
    """The earliest and latest ``_timestamp`` matching ``clauses`` (both engines' SQL)."""
    return (f"SELECT MIN(ts), MAX(ts) FROM {table}"
            f" WHERE {' AND '.join(clauses)} AND ts IS NOT NULL", params)


class NoMatch(Exception):
    """A filter or group key names a key no record has: nothing can match."""


class SQLQuery:
    """The SQL of one query. ``column_for(key)`` gives a key's column or None."""

    def __init__(self, table, query, column_for, period_micros=None, after=None):
        self.table = table
        # Only the rows written after sequence number ``after`` (the change feed's
        # appended rows, ``IChangeFeed.feed_aggregate``): found by the table's rowid,
        # which SQLite would otherwise pass over for the time index and read the window.
        self.after = after
        self.source = table if after is None else f"{table} NOT INDEXED"
        self.query = query
        self.column_for = column_for
        self.exact_sums = False
        # A slice that is one local period (``query.local_periods``): its start, a constant.
        self.period_micros = period_micros

    def column(self, key):
        return FIXED_COLUMNS.get(key) or self.column_for(key)

    def where(self):
        """Conditions and parameters for the window and filters; raises ``NoMatch``."""
        query = self.query
        clauses, params = window_conditions(query)
        if self.after is not None:
            clauses.append("seq > ?")
            params.append(self.after)
        for filter_ in query.filters:
            column, values = self.column(filter_.field), self._filter_values(filter_)
            if column is None or not values:
                raise NoMatch
            clauses.append(f"{column} IN ({', '.join(['?'] * len(values))})")
            params.extend(values)
        for prefix in query.prefix_filters:
            column = self.column(prefix.field)
            if column is None or column == "ts":
                raise NoMatch
            clauses.append(f"typeof({column}) = 'text' AND substr({column}, 1, ?) = ?")
            params.extend([len(prefix.prefix), prefix.prefix])
        return clauses, params

    @staticmethod
    def _filter_values(filter_):
        if filter_.field == "_id":
            return [value for value in filter_.values if isinstance(value, str)]
        if filter_.field == "_timestamp":
            return [epoch_micros(value) for value in filter_.values if isinstance(value, datetime)]
        return [encode(value) for value in filter_.values]

    def raw(self, columns=RAW_RECORDS):
        """The matching records' ``columns`` (``RAW_RECORDS`` or ``RAW_TEXTS``), sorted and limited."""
        clauses, params = self.where()
        order = ["ts", "seq"]
        sort_by = self.query.sort_by
        if sort_by is not None:
            column = self.column(sort_by.field)
            if column:
                order.insert(0, column + (" DESC" if sort_by.descending else ""))
        sql = f"SELECT {columns} FROM {self.source} WHERE {' AND '.join(clauses)} ORDER BY {', '.join(order)}"
        if self.query.limit is not None:
            sql += " LIMIT ?"
            params.append(self.query.limit)
        return sql, params

    def time_bounds(self):
        return time_bounds_sql(self.source, *self.where())

    def _grouping(self):
        """Group columns (keys, then period) and the conditions that they be present."""
        keys = []
        for key in self.query.group_by:
            column = self.column(key)
            if column is None:
                raise NoMatch
            keys.append(column)
        period = [PERIOD_COLUMNS[self.query.period]] if self.query.period else []
        if self.query.local_periods:
            if self.period_micros is None:
                raise ValueError("local periods are answered one slice per period")
            period = []
        return keys, period, [f"{column} IS NOT NULL" for column in keys + period]

    def aggregate(self, exact_sums=False):
        """``GROUP BY`` keys and period, with aliases ``k<i>``, ``p``, ``n``, ``v<i>``, ``x<i>``.

        ``x<i>`` counts non-numbers met by a ``sum``/``mean`` collect;
        ``ki<i>`` says whether a group's members held an integer key (its label
        then is the integer). ``exact_sums`` sums integers exactly past 64 bits,
        for when SQLite's ``SUM`` overflows.
        """
        self.exact_sums = exact_sums
        query = self.query
        clauses, params = self.where()
        keys, period, present = self._grouping()
        clauses += present
        selects = [f"{column} AS k{index}" for index, column in enumerate(keys)]
        selects += [f"MAX(typeof({column}) = 'integer') AS ki{index}"
                    for index, column in enumerate(keys)]
        selects += [f"{column} AS p" for column in period] + ["COUNT(*) AS n"]
        if self.period_micros is not None:
            selects.append(f"{int(self.period_micros)} AS p")
        percentiles = []
        for index, collect in enumerate(query.collect):
            column = self.column_for(collect.field) or "NULL"
            selects += [f"{expression} AS {alias}" for expression, alias in _aggregate(
                collect.primitive, column, f"v{index}", exact_sums)]
            if collect.primitive in NUMERIC_PRIMITIVES:
                selects.append(f"SUM(typeof({column}) IN ('text', 'blob')) AS x{index}")
            if percentile_fraction(collect.primitive) is not None:
                percentiles.append((f"v{index}", _numeric(column)))
        # A slice's constant ``p`` is grouped too: no row at all for an empty period.
        grouped_period = period or self.period_micros is not None
        aliases = [f"k{index}" for index in range(len(keys))] + (["p"] if grouped_period else [])
        source, where = self.source, " AND ".join(clauses)
        if percentiles:
            source = ranked_source(self.source, where, keys + period, percentiles)
            where = "TRUE"
        sql = f"SELECT {', '.join(selects)} FROM {source} WHERE {where}"
        if aliases:
            sql += f" GROUP BY {', '.join(aliases)}"
        order = self._group_order(aliases)
        if order:
            sql += f" ORDER BY {', '.join(order)}"
        if query.limit is not None and not query.period:
            sql += " LIMIT ?"
            params.append(query.limit)
        return sql, params

    def _group_order(self, aliases):
        """Keys (then period) ascending, after ``sort_by`` for queries without a period."""
        query, order = self.query, list(aliases)
        if query.sort_by is None or query.period:
            return order
        direction = " DESC" if query.sort_by.descending else ""
        field = query.sort_by.field
        if field == "_count":
            return [f"n{direction}", *order]
        if field in query.group_by:
            return [f"k{query.group_by.index(field)}{direction}", *order]
        for index, collect in enumerate(query.collect):
            if field in (collect.label, collect.field):
                if collect.primitive == "set":
                    return order  # a set has no order to sort groups by, on any engine
                if collect.primitive == "sum" and self.exact_sums:
                    total = f"(COALESCE(v{index}h, 0) * 4294967296.0 + COALESCE(v{index}l, 0) + v{index}f)"
                    return [f"{total}{direction}", *order]
                return [f"v{index}{direction}", *order]
        return order

    def non_numeric_probe(self, collect):
        """One row if ``collect`` (sum/mean) would meet a non-number anywhere in the query."""
        clauses, params = self.where()
        clauses += self._grouping()[2]
        column = self.column_for(collect.field)
        if column is None:
            return None
        return (
            f"SELECT 1 FROM {self.source} WHERE {' AND '.join(clauses)}"
            f" AND typeof({column}) IN ('text', 'blob') LIMIT 1",
            params,
        )

    def groups(self, rows):
        """``Group``s from rows of ``aggregate()`` (``sqlite3.Row``)."""
        query, groups = self.query, []
        for row in rows:
            values = {
                collect: _collected(collect.primitive, row, f"v{index}", self.exact_sums)
                for index, collect in enumerate(query.collect)
            }
            keys = tuple(
                mixed.number_label(decode(row[f"k{index}"]), row[f"ki{index}"])
                if isinstance(row[f"k{index}"], int | float) else decode(row[f"k{index}"])
                for index in range(len(query.group_by)))
            period_start = from_epoch_micros(row["p"]) if query.period else None
            groups.append(Group(keys, period_start, row["n"], values))
        return groups

    def first_non_numeric(self, rows):
        """The first sum/mean collect that met a non-number in ``rows``, or None."""
        for index, collect in enumerate(self.query.collect):
            if collect.primitive in NUMERIC_PRIMITIVES and any(row[f"x{index}"] for row in rows):
                return collect
        return None

