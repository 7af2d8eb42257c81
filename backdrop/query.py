"""The validated, store-neutral form of a read query.

The read API turns request parameters into a ``Query``; each store turns a
``Query`` into SQL or an aggregation pipeline. Nothing here is ever spliced
into query text: field names are validated keys (``backdrop.records.KEY``)
and values are bound as parameters.
"""
from dataclasses import dataclass, field
from datetime import datetime

PERIODS = ("hour", "day", "week", "month", "quarter", "year")
PERCENTILES = tuple(f"p{rank}" for rank in range(1, 100))
# What each engine computes inside the database; collectors name one of these.
PRIMITIVES = ("sum", "count", "set", "mean", "min", "max", "distinct", *PERCENTILES)
# Computed over the numbers of a group: a string or boolean there is a 400.
NUMERIC_PRIMITIVES = ("sum", "mean", *PERCENTILES)
UTC_NAME = "UTC"


def percentile_fraction(primitive):
    """``0.95`` for ``p95``, or None for a primitive that is not a percentile.

    Every engine ranks with this same float (the nearest to ``rank / 100``).
    """
    if primitive in PERCENTILES:
        return int(primitive[1:]) / 100
    return None


@dataclass(frozen=True)
class Filter:
    """Match records whose ``field`` equals any of ``values`` (string, number, bool, datetime)."""

    field: str
    values: tuple


@dataclass(frozen=True)
class PrefixFilter:
    """Match records whose string ``field`` starts with ``prefix`` (literal, case-sensitive)."""

    field: str
    prefix: str


@dataclass(frozen=True)
class Collect:
    """Aggregate ``field`` over a group with a store primitive (one of PRIMITIVES)."""

    field: str
    primitive: str

    def __post_init__(self):
        # Collects key every group's values: an answer of thousands of groups
        # hashes them hundreds of thousands of times, so the hash is kept.
        object.__setattr__(self, "_hash", hash((self.field, self.primitive)))

    def __hash__(self):
        return self._hash

    @property
    def label(self):
        return f"{self.field}:{self.primitive}"


@dataclass(frozen=True)
class SortBy:
    """Order by an output name: a record field, ``_timestamp``, ``_count`` or a group key."""

    field: str
    descending: bool = False


@dataclass(frozen=True)
class Query:
    start_at: datetime | None = None
    end_at: datetime | None = None
    end_inclusive: bool = False
    filters: tuple = ()
    prefix_filters: tuple = ()
    group_by: tuple = ()
    period: str | None = None
    collect: tuple = ()
    sort_by: SortBy | None = None
    limit: int | None = None
    timezone: str = UTC_NAME  # an IANA name: periods are local time there

    @property
    def is_aggregate(self):
        return bool(self.group_by or self.period)

    @property
    def local_periods(self):
        """True when periods are of a zone other than UTC: engines cannot use the stored starts."""
        return bool(self.period) and self.timezone != UTC_NAME


@dataclass(slots=True)
class Group:
    """One aggregate row from a store."""

    keys: tuple
    period_start: datetime | None
    count: int
    values: dict = field(default_factory=dict)  # Collect -> value


def value_order(value):
    """Sort key for mixed-type values, shared by both stores and the read API.

    ``None`` first, then numbers, strings and booleans: the BSON order, which
    the SQLite store's type order (NULL, numbers, TEXT, BLOB) matches.
    """
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (3, value)
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (4, str(value))
