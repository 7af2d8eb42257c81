"""Response shapes of SPEC 3.3, built from what the store returned.

Nothing here aggregates records: rows come from ``store.raw`` or
``store.aggregate``. This module names the collected values, fills the
periods that have no records, nests or flattens period + group results,
and renders CSV.
"""
import math
from functools import lru_cache

from ..csv_output import csv_text  # noqa: F401 (the read API's CSV)
from ..periods import shift
from ..query import value_order
from ..raw_text import shown_record
from ..records import format_datetime


class Collected:
    """The collect specs of a query, resolved to the store's ``Collect``s and collectors."""

    def __init__(self, specs, collects, collectors):
        self.items = [
            (spec, collect, collectors[spec.method])
            for spec, collect in zip(specs, collects, strict=True)
        ]
        # What ``values`` needs, looked up once per query rather than once per group.
        self._finishing = [
            (collect, collector.finish if collector.finishes else None, spec.labels)
            for spec, collect, collector in self.items
        ]

    def values(self, stored):
        """``{label: value}`` from a store's ``{Collect: value}``."""
        return self.add_values({}, stored)

    def add_values(self, row, stored):
        """``row`` with the labelled values of ``stored`` added (one dict less per row)."""
        for collect, finish, labels in self._finishing:
            value = stored.get(collect)
            if value is not None:
                if type(value) is float:
                    # a mean or sum past the float range: JSON has no Infinity
                    value = value + 0.0 if math.isfinite(value) else None
                elif type(value) is list:
                    value = unsigned_zero(value)
                if finish is not None and value is not None:
                    value = finish(value)
            for label in labels:
                row[label] = value
        return row

    def empty(self):
        return {label: None for spec, _, _ in self.items for label in spec.labels}


def unsigned_zero(value):
    """``-0.0`` shown as ``0.0`` (in a list too): it equals 0.0, and engines disagree on its sign."""
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, list):
        return [unsigned_zero(member) for member in value]
    return value


def _labels(group_by, keys):
    return {name: unsigned_zero(key) for name, key in zip(group_by, keys, strict=True)}


def raw_rows(records):
    """Records as clients see them (``raw_text.shown_record``)."""
    return list(map(shown_record, records))


def group_rows(groups, group_by, collected):
    """One row per group: keys, ``_count`` and collected values."""
    return [
        {
            **_labels(group_by, group.keys),
            "_count": group.count,
            **collected.values(group.values),
        }
        for group in groups
    ]


def show_local(moment, zone):
    """ISO 8601 with the offset of ``zone`` there and then (``+00:00`` for UTC)."""
    return format_datetime(moment) if zone is None else moment.astimezone(zone).isoformat()


@lru_cache(maxsize=16)
def period_labels(periods, period, zone=None):
    """``_start_at``/``_end_at`` of each listed period, formatted once per window."""
    return tuple(
        (start, {"_start_at": show_local(start, zone),
                 "_end_at": show_local(shift(start, period, 1, zone), zone)})
        for start in periods
    )


def period_rows(groups, periods, period, collected, zone=None):
    """Every listed period in time order, gap-filled with ``_count`` 0 and nulls."""
    by_start = {group.period_start: group for group in groups}
    rows, empty = [], collected.empty()
    for start, labels in period_labels(periods, period, zone):
        group = by_start.get(start)
        row = dict(labels)
        if group is None:
            row["_count"] = 0
            row.update(empty)
        else:
            row["_count"] = group.count
            collected.add_values(row, group.values)
        rows.append(row)
    return rows


def period_group_rows(totals, groups, periods, period, group_by, collected, zone=None):
    """Period + group_by: per group its totals and its gap-filled ``values``.

    ``totals`` are the store's rows for the groups over the whole window (in
    the order to answer); ``groups`` the rows per group and period.
    """
    by_keys = {}
    for group in groups:
        by_keys.setdefault(group.keys, []).append(group)
    rows = []
    for total in totals:
        in_periods = by_keys.get(total.keys, [])
        rows.append({
            **_labels(group_by, total.keys),
            "_count": total.count,
            "_group_count": sum(1 for group in in_periods if group.count),
            **collected.values(total.values),
            "values": period_rows(in_periods, periods, period, collected, zone),
        })
    return rows


def flatten(rows, group_by):
    """Period + group rows as one flat row per group and period."""
    return [
        {**{key: row[key] for key in group_by}, **entry}
        for row in rows
        for entry in row["values"]
    ]


def sort_rows(rows, sort_by):
    """Sort rows by one field; ties keep their order (stable sort)."""
    if sort_by is None:
        return rows
    field = sort_by.field
    return sorted(rows, key=lambda row: value_order(row.get(field)), reverse=sort_by.descending)
