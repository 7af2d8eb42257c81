"""An answer from a mirror some appends behind: its rows' answer merged with the store's for the rest.

Applying a write to the mirror costs ~10 ms for 1,000 records, whatever the
bucket's size; a read right after a write used to wait for it. When only
appends came since the mirror's position, the mirror answers for the rows it
holds (or takes its last answer to the same query, ``AnswerBases``) and the
store for the rows written since (``IChangeFeed.feed_aggregate``,
read by write position: about a millisecond for a thousand rows), and the two
answers are merged here; the mirror catches up afterwards, off the request.

Only what merges exactly is merged, so the answer is the one a single query
over every row gives, to the last bit: counts add, integer sums add (and pass
to a float past 64 bits, as ``mixed.combine_sum`` says), minima, maxima and
sets merge by ``backdrop.mixed``'s rules, and a group's number label is the
integer when either part's is. Float sums (IEEE addition is not associative),
means, percentiles and ``distinct`` do not merge; nor do the groups of a query
cut by ``limit`` or ordered by ``sort_by``. Such queries wait for the mirror.
"""
import threading
from collections import OrderedDict

from .. import mixed
from ..query import Group, value_order

MERGEABLE_PRIMITIVES = frozenset({"count", "sum", "min", "max", "set"})


class CannotMerge(Exception):
    """The two answers hold a value that does not merge exactly (a float sum)."""


def mergeable(query, columns):
    """Whether ``query``'s answer merges from two parts, given the mirror's ``columns``
    (``{key: {value_type: column}}``): a key that has held floats is not summed in parts."""
    if query.local_periods:  # the store asks once per local period: not cheap
        return False
    if not query.period and (query.limit is not None or query.sort_by is not None):
        return False
    for collect in query.collect:
        if collect.primitive not in MERGEABLE_PRIMITIVES:
            return False
        if collect.primitive == "sum" and "float" in columns.get(collect.field, {}):
            return False
    return True


def merged_groups(query, held, appended):
    """The groups of ``query`` over both parts' rows, in the engines' order (keys, then period).

    Raises ``CannotMerge`` when a value does not merge exactly.
    """
    if not appended:
        return held
    groups = {_identity(group): group for group in held}
    for group in appended:
        identity = _identity(group)
        other = groups.get(identity)
        groups[identity] = group if other is None else _merged(query.collect, other, group)
    return sorted(groups.values(), key=_identity)


def merged_bounds(query, held, appended):
    """``(earliest, latest)`` of both parts (``(None, None)`` for a part with no rows);
    ``query`` is unused: the signature of ``merged_groups``, so the engine passes either."""
    lows = [low for low in (held[0], appended[0]) if low is not None]
    highs = [high for high in (held[1], appended[1]) if high is not None]
    return (min(lows) if lows else None, max(highs) if highs else None)


def _identity(group):
    """What makes two parts' groups one: keys equal as values (``1`` and ``1.0``, never
    ``True``), and the period. It sorts as the engines order groups."""
    return tuple(map(value_order, group.keys)), group.period_start


def _merged(collects, one, other):
    values = {collect: _MERGE[collect.primitive](one.values[collect], other.values[collect])
              for collect in collects}
    keys = tuple(map(_label, one.keys, other.keys))
    return Group(keys, one.period_start, one.count + other.count, values)


def _label(one, other):
    """A group's key label: the integer if either part's members held one."""
    return other if isinstance(one, float) and _is_int(other) else one


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _sum(one, other):
    if one is None or other is None:
        return other if one is None else one
    if _is_int(one) and _is_int(other):
        return mixed.combine_sum(one + other, None)
    raise CannotMerge


def _count(one, other):
    return one + other


def _lowest(one, other):
    return mixed.lowest([one, other])


def _highest(one, other):
    return mixed.highest([one, other])


def _set(one, other):
    return mixed.distinct_sorted([*(one or ()), *(other or ())])


_MERGE = {"count": _count, "sum": _sum, "min": _lowest, "max": _highest, "set": _set}


class AnswerBases:
    """The last answer to each recent query, with the feed position it is exact at.

    A read after appends merges the rows appended since onto it, without asking
    DuckDB at all. A kept answer only ever serves as such a base: a read at the
    mirror's own position is answered by DuckDB, so repeated reads cost what the
    engine costs (and the benchmark measures the engine, not a cache).
    Bounded by the groups held (``max_groups``), the least recently used first out.
    """

    def __init__(self, max_groups=20_000):
        self.max_groups = max_groups
        self._held = OrderedDict()  # key -> (position, answer, size)
        self._size = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(bucket, query):
        # ``repr``, not the query itself: ``Filter("k", (1,))`` equals ``Filter("k", (True,))``.
        return bucket, repr(query)

    def get(self, key):
        """``(position, answer)`` kept for ``key``, or None."""
        with self._lock:
            found = self._held.get(key)
            if found is None:
                return None
            self._held.move_to_end(key)
            return found[0], found[1]

    def keep(self, key, position, answer):
        size = len(answer) if isinstance(answer, list) else 1
        with self._lock:
            old = self._held.pop(key, None)
            if old is not None:
                self._size -= old[2]
            if size > self.max_groups // 4:
                return  # a large answer would push out many small ones
            self._held[key] = (position, answer, size)
            self._size += size
            while self._size > self.max_groups:
                _, (_, _, dropped) = self._held.popitem(last=False)
                self._size -= dropped
