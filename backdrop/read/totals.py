"""Window totals of period + group_by queries, combined from the store's per-period rows.

The store already grouped by keys and period; a group's total over the window
is a fold over its (at most one per period) rows, so the answer costs one
scan of the records instead of two. ``mean`` is rebuilt from a sum and a
count of the same field, which ``helper_collects`` asks the store for.
Percentiles and ``distinct`` cannot be folded from per-period values: the
store computes their window totals in a query of their own (``unfoldable``).
"""
from .. import mixed
from ..query import PERCENTILES, Collect, Group

UNFOLDABLE = ("distinct", *PERCENTILES)


def unfoldable(collects):
    """The collects whose window totals the store must compute over the whole window."""
    return tuple(collect for collect in collects if collect.primitive in UNFOLDABLE)


def helper_collects(collects):
    """``collects`` plus the sums and counts that window means are rebuilt from."""
    extra = []
    for collect in collects:
        if collect.primitive == "mean":
            extra += [Collect(collect.field, "sum"), Collect(collect.field, "count")]
    return tuple(dict.fromkeys((*collects, *extra)))


def _fold(primitive, values):
    """A window's value from its periods' values, by the rules every engine shares."""
    present = [value for value in values if value is not None]
    if primitive == "count":
        return sum(present)
    if primitive == "set":
        return mixed.distinct_sorted([value for items in present for value in items])
    if primitive == "sum":
        floats = [value for value in present if isinstance(value, float)]
        integers = [value for value in present if not isinstance(value, float)]
        return mixed.combine_sum(sum(integers) if integers else None,
                                 sum(floats) if floats else None)
    if primitive == "min":
        return mixed.lowest(present)
    if primitive == "max":
        return mixed.highest(present)
    raise ValueError(f"cannot fold {primitive!r}")


def window_totals(rows, collects, whole_window=()):
    """One ``Group`` per key combination (in first-seen order) over all its periods.

    ``whole_window``: the store's groups over the whole window for the
    ``unfoldable`` collects, whose values are taken from there.
    """
    over_window = {group.keys: group.values for group in whole_window}
    by_keys = {}
    for row in rows:
        by_keys.setdefault(row.keys, []).append(row)
    totals = []
    for keys, in_periods in by_keys.items():
        values = {}
        for collect in collects:
            if collect.primitive in UNFOLDABLE:
                values[collect] = over_window.get(keys, {}).get(collect)
            elif collect.primitive == "mean":
                total = _fold("sum", [r.values[Collect(collect.field, "sum")] for r in in_periods])
                count = _fold("count", [r.values[Collect(collect.field, "count")] for r in in_periods])
                values[collect] = total / count if count else None
            else:
                values[collect] = _fold(collect.primitive, [r.values[collect] for r in in_periods])
        totals.append(Group(keys, None, sum(r.count for r in in_periods), values))
    return totals
