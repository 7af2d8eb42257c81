"""Calendar periods: where each starts and ends, in UTC or in a time zone.

Weeks start on Monday; months, quarters and years at their true calendar
boundaries. Stores keep the UTC period starts of every ``_timestamp`` so that
grouping by period is a plain ``GROUP BY`` on a stored value. In another zone
(``zone``, a ``zoneinfo.ZoneInfo``) periods are local wall-clock time with
its daylight saving: the rules come from ``zoneinfo`` (the system's database,
or the ``tzdata`` package), never from offsets written here. Every function
takes ``zone=None`` for UTC.
"""
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from .query import PERIODS, UTC_NAME


class UnknownTimeZone(ValueError):
    """A ``timezone`` that is not an IANA zone name ``zoneinfo`` knows."""


@lru_cache(maxsize=256)
def time_zone(name):
    """The ``ZoneInfo`` of an IANA name, or None for UTC (the stored periods)."""
    if name == UTC_NAME:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZone(f"timezone: {name} is not a known IANA time zone") from None

_STEP = {
    "hour": relativedelta(hours=1),
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
    "year": relativedelta(years=1),
}


def period_start(moment, period, zone=None):
    """The start of the ``period`` containing ``moment`` (an aware datetime), in UTC."""
    if zone is not None:
        return _local_period_start(moment, period, zone)
    moment = moment.astimezone(UTC)
    if period == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown period {period!r}")


def _local_period_start(moment, period, zone):
    """Local wall-clock flooring: an hour keeps its fold (the repeated hour of an
    autumn change is an hour of its own); a day starts at its first local midnight
    (or, where midnight is skipped, at the change itself)."""
    local = moment.astimezone(zone)
    if period == "hour":
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    day = local.date()
    if period == "week":
        day -= timedelta(days=day.weekday())
    elif period == "month":
        day = day.replace(day=1)
    elif period == "quarter":
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    elif period == "year":
        day = day.replace(month=1, day=1)
    elif period != "day":
        raise ValueError(f"unknown period {period!r}")
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def is_period_start(moment, period, zone=None):
    return period_start(moment, period, zone) == moment.astimezone(UTC)


_FIXED_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def shift(start, period, count=1, zone=None):
    """``start`` (a period start) moved by ``count`` periods (negative moves back)."""
    if zone is not None:
        return _local_shift(start, period, count, zone)
    fixed = _FIXED_STEP.get(period)  # UTC has no DST: hours, days and weeks are fixed
    if fixed is not None:
        return start + fixed * count
    return start + _STEP[period] * count


def _local_shift(start, period, count, zone):
    """Hours move on the UTC line (a local hour is an hour long; the clock change
    skips or repeats one); longer periods move on the local calendar, so a day
    across a change is 23 or 25 hours."""
    if period == "hour":
        return period_start(start + timedelta(hours=count), "hour", zone)
    day = start.astimezone(zone).date() + _STEP[period] * count
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_starts(moment):
    """Every period start of ``moment``: ``{"hour": ..., ..., "year": ...}``."""
    return {name: period_start(moment, name) for name in PERIODS}


def periods_between(start, end, period, inclusive=False, zone=None):
    """Starts of the periods beginning in ``[start, end)`` (``[start, end]`` if inclusive).

    ``start`` is first moved to its period boundary.
    """
    current = period_start(start, period, zone)
    starts = []
    while current < end or (inclusive and current == end):
        starts.append(current)
        current = shift(current, period, 1, zone)
    return starts


def query_period_starts(query):
    """Epoch-microsecond starts of every local period a ``Query``'s window touches.

    How engines bucket ``_timestamp`` into periods of ``query.timezone``: the
    starts come from ``zoneinfo`` here and are bound as parameters, one per
    period of the answer.
    """
    if query.start_at is None or query.end_at is None:
        raise ValueError("a period query in a time zone needs start_at and end_at")
    zone = time_zone(query.timezone)
    return [epoch_micros(start) for start in periods_between(
        query.start_at, query.end_at, query.period, query.end_inclusive, zone)]


def to_utc(moment):
    """An aware datetime in UTC; naive datetimes are taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_MICROSECOND = timedelta(microseconds=1)


def epoch_micros(moment):
    """Microseconds since 1970-01-01 UTC: how stores keep datetimes sortable.

    Exact integer division of a timedelta, in C: on every record written.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _MICROSECOND


def from_epoch_micros(micros):
    return EPOCH + timedelta(microseconds=micros)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_MICROS_PER_HOUR = 3_600_000_000
_MICROS_PER_DAY = 86_400_000_000


@lru_cache(maxsize=4096)
def _calendar_starts(days):
    """Month, quarter and year starts (epoch micros) of the day ``days`` after 1970-01-01."""
    moment = EPOCH + timedelta(days=days)
    return tuple(epoch_micros(period_start(moment, name)) for name in ("month", "quarter", "year"))


def period_starts_micros(micros):
    """Hour, day, week, month, quarter and year starts of an epoch-microsecond time.

    The store's hot path on every write: records arrive roughly in time
    order, so the starts are cached by hour and most records cost one lookup.
    """
    return hour_period_starts(micros - micros % _MICROS_PER_HOUR)


@lru_cache(maxsize=16_384)
def hour_period_starts(hour):
    """``period_starts_micros`` of an hour's start, cached (C, for ``map`` over a batch)."""
    days = hour // _MICROS_PER_DAY
    return (
        hour,
        days * _MICROS_PER_DAY,
        (days - (days + 3) % 7) * _MICROS_PER_DAY,  # 1970-01-01 was a Thursday
        *_calendar_starts(days),
    )
