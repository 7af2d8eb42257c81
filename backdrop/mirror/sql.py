"""DuckDB SQL for one ``backdrop.query.Query`` on one mirror table.

The mirror keeps each record key's values in one column per value type
(``<col>_i`` BIGINT, ``_f`` DOUBLE, ``_s`` VARCHAR, ``_b`` BOOLEAN; only the
types the key has held exist). SQL text is built only from our own column
names; every value a request carries is a bound parameter. Each output is
read back by alias and reduced by ``backdrop.mixed``, the rules every engine
shares: numbers compare as numbers, an integer stands for an equal float,
booleans are never numbers, and the one value order sorts mixed types.
"""
from datetime import datetime

from .. import mixed
from ..periods import PERIODS, epoch_micros, from_epoch_micros, query_period_starts
from ..query import NUMERIC_PRIMITIVES, Group, percentile_fraction
from ..store.sqlite_query import (
    percentile_expression,
    ranked_source,
    time_bounds_sql,
    window_conditions,
)

PERIOD_COLUMNS = {name: name for name in PERIODS}  # SQL text comes from here, not the query
TYPE_SUFFIXES = {"int": "i", "float": "f", "str": "s", "bool": "b"}
# A float is an integer label when integral and inside BIGINT's range.
_INTEGRAL = "({f} = trunc({f}) AND {f} >= -9223372036854775808.0 AND {f} < 9223372036854775808.0)"


class NoMatch(Exception):
    """A filter or group key can match no record: the answer is empty."""


class Typed:
    """One key's value columns: ``i``, ``f``, ``s``, ``b`` (None where the key never held that type)."""

    def __init__(self, columns):
        self.i = columns.get("int")
        self.f = columns.get("float")
        self.s = columns.get("str")
        self.b = columns.get("bool")

    def present(self):
        return [column for column in (self.i, self.f, self.s, self.b) if column]

    def not_null(self):
        present = self.present()
        if not present:
            raise NoMatch
        return "(" + " OR ".join(f"{column} IS NOT NULL" for column in present) + ")"

    def non_numbers(self):
        return [column for column in (self.s, self.b) if column]


class MirrorQuery:
    """The SQL of one query. ``typed_for(key)`` gives a key's ``Typed`` columns."""

    def __init__(self, table, query, typed_for):
        self.table = table
        self.query = query
        self.typed_for = typed_for

    # -- conditions --------------------------------------------------------
    def where(self):
        """Conditions and parameters for the window and filters; raises ``NoMatch``."""
        query = self.query
        clauses, params = window_conditions(query)
        for filter_ in query.filters:
            clause, values = self._filter(filter_)
            clauses.append(clause)
            params.extend(values)
        for prefix in query.prefix_filters:
            if prefix.field == "_id":
                raise ValueError("the mirror keeps no ids: the store answers _id filters")
            if prefix.field == "_timestamp":
                raise NoMatch
            else:
                column = self.typed_for(prefix.field).s
                if column is None:
                    raise NoMatch
            clauses.append(f"starts_with({column}, ?)")
            params.append(prefix.prefix)
        return clauses, params

    def _filter(self, filter_):
        """``(clause, params)`` matching any of the filter's values; numbers as numbers."""
        if filter_.field == "_id":
            raise ValueError("the mirror keeps no ids: the store answers _id filters")
        if filter_.field == "_timestamp":
            return self._any_of(
                "ts", [epoch_micros(v) for v in filter_.values if isinstance(v, datetime)])
        typed = self.typed_for(filter_.field)
        by_column = {}
        for value in filter_.values:
            for column, match in _matches(typed, value):
                by_column.setdefault(column, []).append(match)
        if not by_column:
            raise NoMatch
        clauses, params = [], []
        for column, values in by_column.items():
            clauses.append(f"{column} IN ({', '.join(['?'] * len(values))})")
            params.extend(values)
        return "(" + " OR ".join(clauses) + ")", params

    @staticmethod
    def _any_of(column, values):
        if not values:
            raise NoMatch
        return f"{column} IN ({', '.join(['?'] * len(values))})", values

    # -- raw-free reads ----------------------------------------------------
    def time_bounds(self):
        return time_bounds_sql(self.table, *self.where())

    def aggregate(self):
        """``GROUP BY`` keys and period; see ``groups`` for reading the rows back.

        Periods of another time zone than UTC come from an ``ASOF JOIN`` of each
        record's ``ts`` with the local period starts (``query_period_starts``,
        bound as one list). Percentiles rank each group's numbers with window
        functions in a subquery (``ranked_source``, shared with the SQLite store).
        """
        query = self.query
        clauses, params = self.where()
        source, period_column = self.table, PERIOD_COLUMNS.get(query.period)
        if query.local_periods:
            source = (f"{self.table} ASOF JOIN (SELECT unnest(?::BIGINT[]) AS zp) AS zone_periods"
                      " ON ts >= zp")
            params = [query_period_starts(query), *params]
            period_column = "zp"
        selects, group_aliases, order = [], [], []
        for index, key in enumerate(query.group_by):
            typed = self.typed_for(key)
            clauses.append(typed.not_null())
            key_selects, key_order = _group_key(typed, f"k{index}")
            selects += key_selects
            group_aliases += [alias for _, alias, grouped in key_selects if grouped]
            order.append(key_order)
        if query.period:
            clauses.append(f"{period_column} IS NOT NULL")
            selects.append((period_column, "p", True))
            group_aliases.append("p")
            order.append(["p"])
        partition = [expression for expression, _, grouped in selects if grouped]
        selects.append(("COUNT(*)", "n", False))
        collect_orders, percentiles = [], []
        for index, collect in enumerate(query.collect):
            typed = self.typed_for(collect.field)
            collect_selects, collect_order = _collect(collect.primitive, typed, f"v{index}")
            selects += collect_selects
            collect_orders.append(collect_order)
            if percentile_fraction(collect.primitive) is not None:
                percentiles.append((f"v{index}", _number_of(typed)))
        where = " AND ".join(clauses)
        if percentiles:
            source, where = ranked_source(source, where, partition, percentiles), "TRUE"
        sql = (
            f"SELECT {', '.join(f'{expression} AS {alias}' for expression, alias, _ in selects)}"
            f" FROM {source} WHERE {where}"
        )
        if group_aliases:
            sql += f" GROUP BY {', '.join(group_aliases)}"
        terms = self._sort_terms(order, collect_orders) + [
            f"{term} ASC NULLS FIRST" for key_order in order for term in key_order]
        if terms:
            sql += f" ORDER BY {', '.join(terms)}"
        if query.limit is not None and not query.period:
            sql += " LIMIT ?"
            params.append(query.limit)
        return sql, params

    def _sort_terms(self, key_orders, collect_orders):
        """``sort_by`` first (queries without a period), then keys ascending."""
        query = self.query
        if query.sort_by is None or query.period:
            return []
        descending = query.sort_by.descending
        field = query.sort_by.field
        if field == "_count":
            terms = ["n"]
        elif field in query.group_by:
            terms = key_orders[query.group_by.index(field)]
        else:
            terms = next((collect_orders[index] for index, collect in enumerate(query.collect)
                          if field in (collect.label, collect.field)), [])
        return [f"{term} DESC NULLS LAST" if descending else f"{term} ASC NULLS FIRST"
                for term in terms]

    def non_numeric_probe(self, collect):
        """One row if ``collect`` (sum/mean) would meet a non-number anywhere in the query."""
        typed = self.typed_for(collect.field)
        if not typed.non_numbers():
            return None
        clauses, params = self.where()
        for key in self.query.group_by:
            clauses.append(self.typed_for(key).not_null())
        if self.query.period:
            clauses.append(f"{PERIOD_COLUMNS[self.query.period]} IS NOT NULL")
        either = " OR ".join(f"{column} IS NOT NULL" for column in typed.non_numbers())
        return (f"SELECT 1 FROM {self.table} WHERE {' AND '.join(clauses)} AND ({either})"
                " LIMIT 1", params)

    def groups(self, rows, names):
        """``Group``s from ``aggregate()`` rows (tuples, with column ``names``).

        Each output's reader is chosen once per query, not once per row: a
        period + group answer has a row per group and period.
        """
        query = self.query
        at = {name: position for position, name in enumerate(names)}
        keys_of = _keys_reader([_key_reader(at, f"k{index}")
                                for index in range(len(query.group_by))])
        collect_readers = [(collect, _collect_reader(collect.primitive, at, f"v{index}"))
                           for index, collect in enumerate(query.collect)]
        count_at, period_at = at["n"], at.get("p")
        starts, groups = {}, []
        for row in rows:
            period_start = None
            if period_at is not None:
                micros = row[period_at]
                period_start = starts.get(micros)
                if period_start is None:
                    period_start = starts[micros] = from_epoch_micros(micros)
            groups.append(Group(
                keys_of(row), period_start, row[count_at],
                {collect: read(row) for collect, read in collect_readers},
            ))
        return groups

    def first_non_numeric(self, rows, names):
        """The first sum/mean collect that met a non-number in ``rows``, or None."""
        for index, collect in enumerate(self.query.collect):
            alias = f"v{index}x"
            if collect.primitive in NUMERIC_PRIMITIVES and alias in names:
                position = names.index(alias)
                if any(row[position] for row in rows):
                    return collect
        return None


def _matches(typed, value):
    """``(column, bound value)`` pairs under which a stored value equals ``value``."""
    if isinstance(value, bool):
        return [(typed.b, value)] if typed.b else []
    if isinstance(value, int):
        found = [(typed.i, value)] if typed.i else []
        if typed.f and float(value) == value:  # exact: 2**53 + 1 equals no float
            found.append((typed.f, float(value)))
        return found
    if isinstance(value, float):
        found = [(typed.f, value)] if typed.f else []
        if typed.i and value.is_integer() and mixed.INT64_MIN <= value <= mixed.INT64_MAX:
            found.append((typed.i, int(value)))
        return found
    if isinstance(value, str):
        return [(typed.s, value)] if typed.s else []
    return []


def _group_key(typed, alias):
    """Selects ``(expression, alias, grouped)`` for one group key, and its ORDER BY terms.

    Integral floats group with the equal integer (``<alias>i``); ``<alias>n``
    says whether a member really was an integer, which decides the label.
    """
    selects = []
    integral = _INTEGRAL.format(f=typed.f) if typed.f else None
    if typed.i and typed.f:
        selects.append((f"COALESCE({typed.i}, CASE WHEN {integral} THEN {typed.f}::BIGINT END)",
                        f"{alias}i", True))
        selects.append((f"bool_or({typed.i} IS NOT NULL)", f"{alias}n", False))
    elif typed.i:
        selects.append((typed.i, f"{alias}i", True))
    elif typed.f:
        selects.append((f"CASE WHEN {integral} THEN {typed.f}::BIGINT END", f"{alias}i", True))
        selects.append(("FALSE", f"{alias}n", False))
    if typed.f:
        selects.append((f"CASE WHEN NOT {integral} THEN {typed.f} END", f"{alias}f", True))
    if typed.s:
        selects.append((typed.s, f"{alias}s", True))
    if typed.b:
        selects.append((typed.b, f"{alias}b", True))
    names = {name[len(alias):] for _, name, _ in selects}
    order = _value_order_terms(
        number=_number(f"{alias}i" if "i" in names else None, f"{alias}f" if "f" in names else None),
        exact_int=f"{alias}i" if "i" in names else None,
        string=f"{alias}s" if "s" in names else None,
        boolean=f"{alias}b" if "b" in names else None,
    )
    return selects, order


def _number(int_alias, float_alias):
    """A DOUBLE expression ordering an exact integer and a float alias (one is NULL)."""
    parts = [f"{int_alias}::DOUBLE" if int_alias else None, float_alias]
    parts = [part for part in parts if part]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else f"COALESCE({parts[1]}, {parts[0]})"


def _value_order_terms(number, exact_int, string, boolean):
    """ORDER BY terms for a typed value: NULL, numbers, strings, booleans (``value_order``)."""
    ranks = []
    if number:
        ranks.append(f"WHEN {number} IS NOT NULL THEN 1")
    if string:
        ranks.append(f"WHEN {string} IS NOT NULL THEN 2")
    if boolean:
        ranks.append(f"WHEN {boolean} IS NOT NULL THEN 3")
    if not ranks:
        return []
    terms = [f"CASE {' '.join(ranks)} ELSE 0 END"]
    terms += [term for term in (number, exact_int, string, boolean) if term]
    return terms


def _number_of(typed):
    """A DOUBLE expression of a key's number (NULL when it holds none)."""
    return _number(f"{typed.i}::DOUBLE" if typed.i else None, typed.f) or "NULL::DOUBLE"


def _floor(expression):
    return f"CAST(floor({expression}) AS BIGINT)"  # DuckDB's CAST rounds


def _distinct(typed):
    """Distinct non-null values: integral floats count with the equal integer; booleans apart."""
    terms = []
    integral = _INTEGRAL.format(f=typed.f) if typed.f else None
    if typed.i and typed.f:
        terms.append(f"COUNT(DISTINCT COALESCE({typed.i},"
                     f" CASE WHEN {integral} THEN {typed.f}::BIGINT END))")
    elif typed.i:
        terms.append(f"COUNT(DISTINCT {typed.i})")
    elif typed.f:
        terms.append(f"COUNT(DISTINCT CASE WHEN {integral} THEN {typed.f}::BIGINT END)")
    if typed.f:
        terms.append(f"COUNT(DISTINCT CASE WHEN NOT {integral} THEN {typed.f} END)")
    terms += [f"COUNT(DISTINCT {column})" for column in (typed.s, typed.b) if column]
    return " + ".join(terms) or "0"


def _collect(primitive, typed, alias):
    """Selects and ORDER BY terms for one collect: partial results per value type."""
    count_terms = [f"COUNT({column})" for column in typed.present()] or ["0"]
    non_numbers = [f"COUNT({column})" for column in typed.non_numbers()]
    check = [(" + ".join(non_numbers), f"{alias}x", False)] if non_numbers else []
    if primitive == "count":
        expression = " + ".join(count_terms)
        return [(expression, f"{alias}c", False)], [f"{alias}c"]
    if primitive == "distinct":
        return [(_distinct(typed), f"{alias}d", False)], [f"{alias}d"]
    fraction = percentile_fraction(primitive)
    if fraction is not None:
        expression = percentile_expression(_number_of(typed), alias, fraction, _floor)
        return [(expression, f"{alias}q", False)] + check, []
    if primitive in ("sum", "mean"):
        selects = []
        if typed.i:
            selects.append((f"SUM({typed.i})", f"{alias}si", False))
        if typed.f:
            selects.append((f"SUM({typed.f})", f"{alias}sf", False))
        numeric_count = " + ".join(f"COUNT({c})" for c in (typed.i, typed.f) if c) or "0"
        selects.append((numeric_count, f"{alias}n", False))
        total = _double_total(typed, alias)
        if primitive == "sum":
            order = [f"{total}", _exact_sum(total, typed, alias)] if total else []
            if typed.i and not typed.f:
                order = [f"{alias}si"]
        else:
            order = [f"({total}) / NULLIF({alias}n, 0)"] if total else []
        return selects + check, order
    if primitive in ("min", "max"):
        function = "MIN" if primitive == "min" else "MAX"
        selects = [(f"{function}({column})", f"{alias}{TYPE_SUFFIXES[kind]}", False)
                   for kind, column in (("int", typed.i), ("float", typed.f), ("str", typed.s),
                                        ("bool", typed.b)) if column]
        names = {name[len(alias):] for _, name, _ in selects}
        pick = "LEAST" if primitive == "min" else "GREATEST"
        number = None
        if "i" in names and "f" in names:
            number = f"{pick}({alias}i::DOUBLE, {alias}f)"
        elif "i" in names:
            number = f"{alias}i::DOUBLE"
        elif "f" in names:
            number = f"{alias}f"
        exact = _exact_number(number, pick, alias, names) if number else None
        if primitive == "max":
            order = _max_order_terms(number, exact, alias, names)
        else:
            order = _min_order_terms(number, exact, alias, names)
        return selects, order
    if primitive == "set":
        selects = [(f"list(DISTINCT {column}) FILTER (WHERE {column} IS NOT NULL)",
                    f"{alias}{TYPE_SUFFIXES[kind]}", False)
                   for kind, column in (("int", typed.i), ("float", typed.f), ("str", typed.s),
                                        ("bool", typed.b)) if column]
        return selects, []  # sets are not sorted by (neither engine orders by them)
    raise ValueError(f"unknown primitive {primitive!r}")


def _double_total(typed, alias):
    parts = []
    if typed.i:
        parts.append(f"COALESCE({alias}si::DOUBLE, 0)")
    if typed.f:
        parts.append(f"COALESCE({alias}sf, 0)")
    if not parts:
        return None
    # NULL when the group held no number, so it sorts first like a NULL sum.
    return f"CASE WHEN {alias}n > 0 THEN {' + '.join(parts)} END"


# Past 2**53 one DOUBLE stands for several integers; SQLite compares integers and
# floats exactly, so ties of the DOUBLE order are broken by the exact value there.
_INEXACT = "abs({number}) >= 9007199254740992.0"
_AS_HUGEINT = "CASE WHEN abs({f}) < 1e38 THEN {f}::HUGEINT END"  # larger: floats only


def _exact_number(number, pick, alias, names):
    """The exact value of a min/max whose DOUBLE ``number`` may tie with another's."""
    parts = [f"{alias}i::HUGEINT"] if "i" in names else []
    if "f" in names:
        parts.append(_AS_HUGEINT.format(f=f"{alias}f"))
    exact = parts[0] if len(parts) == 1 else f"{pick}({', '.join(parts)})"
    return f"CASE WHEN {_INEXACT.format(number=number)} THEN {exact} END"


def _exact_sum(total, typed, alias):
    """The exact value of a sum whose DOUBLE ``total`` may tie with another's."""
    shown = _AS_HUGEINT.format(f=f"({total})")  # a sum holding a float is that float
    if typed.i:
        shown = f"CASE WHEN {alias}sf IS NULL THEN {alias}si ELSE {shown} END"
    return f"CASE WHEN {_INEXACT.format(number=total)} THEN {shown} END"


def _min_order_terms(number, exact, alias, names):
    """The minimum is of the lowest type present: numbers, then strings, then booleans."""
    ranks, terms = [], []
    if number:
        ranks.append(f"WHEN {number} IS NOT NULL THEN 1")
    if "s" in names:
        ranks.append(f"WHEN {alias}s IS NOT NULL THEN 2")
    if "b" in names:
        ranks.append(f"WHEN {alias}b IS NOT NULL THEN 3")
    if not ranks:
        return []
    terms.append(f"CASE {' '.join(ranks)} ELSE 0 END")
    if number:
        terms.append(f"CASE WHEN {number} IS NOT NULL THEN {number} END")
        terms.append(exact)
    if "s" in names:
        terms.append(f"CASE WHEN {number or 'NULL'} IS NULL THEN {alias}s END")
    if "b" in names:
        nothing_lower = " AND ".join(
            f"{term} IS NULL" for term in (number, f"{alias}s" if "s" in names else None) if term)
        terms.append(f"CASE WHEN {nothing_lower or 'TRUE'} THEN {alias}b END")
    return terms


def _max_order_terms(number, exact, alias, names):
    ranks, terms = [], []
    if "b" in names:
        ranks.append(f"WHEN {alias}b IS NOT NULL THEN 3")
    if "s" in names:
        ranks.append(f"WHEN {alias}s IS NOT NULL THEN 2")
    if number:
        ranks.append(f"WHEN {number} IS NOT NULL THEN 1")
    if not ranks:
        return []
    terms.append(f"CASE {' '.join(ranks)} ELSE 0 END")
    if "b" in names:
        terms.append(f"{alias}b")
    if "s" in names:
        higher = f"{alias}b IS NULL" if "b" in names else "TRUE"
        terms.append(f"CASE WHEN {higher} THEN {alias}s END")
    if number:
        higher = " AND ".join(f"{alias}{suffix} IS NULL" for suffix in "bs" if suffix in names)
        terms.append(f"CASE WHEN {higher or 'TRUE'} THEN {number} END")
        terms.append(f"CASE WHEN {higher or 'TRUE'} THEN {exact} END")
    return terms


def _keys_reader(readers):
    """A function of a row giving its tuple of group labels."""
    if not readers:
        return lambda row: ()
    if len(readers) == 1:
        [only] = readers
        return lambda row: (only(row),)
    return lambda row: tuple([read(row) for read in readers])


def _key_reader(at, alias):
    """A function of a row giving one group label (exactly one typed part is not NULL)."""
    parts = [at[f"{alias}{suffix}"] for suffix in "ifsb" if f"{alias}{suffix}" in at]
    if len(parts) == 1 and f"{alias}n" not in at:
        only = parts[0]
        return lambda row: row[only]
    integer, has_int = at.get(f"{alias}i"), at.get(f"{alias}n")
    others = [at[f"{alias}{suffix}"] for suffix in "fsb" if f"{alias}{suffix}" in at]

    def read(row):
        if integer is not None and row[integer] is not None:
            return mixed.number_label(row[integer], True if has_int is None else row[has_int])
        for position in others:
            if row[position] is not None:
                return row[position]
        return None

    return read


def _collect_reader(primitive, at, alias):
    """A function of a row giving one collected value, by the shared ``backdrop.mixed`` rules."""
    def get(suffix):
        position = at.get(f"{alias}{suffix}")
        return (lambda row: None) if position is None else (lambda row: row[position])

    if primitive == "count":
        count = get("c")
        return lambda row: int(count(row))
    if primitive == "distinct":
        distinct = get("d")
        return lambda row: int(distinct(row))
    if percentile_fraction(primitive) is not None:
        # The value at a rank may be a -0.0 (alone, or tied with 0.0): shown as 0.0.
        quantile, unsigned = get("q"), mixed.unsigned
        return lambda row: unsigned(quantile(row))
    if primitive == "mean":
        integers, floats, numbers = get("si"), get("sf"), get("n")
        return lambda row: mixed.combine_mean(_int(integers(row)), floats(row), numbers(row))
    if primitive == "sum":
        return _sum_reader(at.get(f"{alias}si"), at.get(f"{alias}sf"), at[f"{alias}n"])
    parts = [get(suffix) for suffix in "ifsb"]
    if primitive == "min":
        return lambda row: mixed.lowest([part(row) for part in parts])
    if primitive == "max":
        return lambda row: mixed.highest([part(row) for part in parts])
    if primitive == "set":
        return lambda row: mixed.distinct_sorted(
            [value for part in parts if part(row) for value in part(row)])
    raise ValueError(f"unknown primitive {primitive!r}")


def _sum_reader(integers, floats, numbers):
    """``_collect_reader`` for ``sum``, by position: the hot path of big grouped answers."""
    combine = mixed.combine_sum
    if floats is None and integers is not None:
        def read(row):
            total = row[integers]
            return combine(None if total is None else int(total), None) if row[numbers] else None
        return read
    return lambda row: (combine(None if integers is None or row[integers] is None
                                else int(row[integers]),
                                None if floats is None else row[floats])
                        if row[numbers] else None)


def _int(value):
    return None if value is None else int(value)

