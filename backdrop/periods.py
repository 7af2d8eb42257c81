"""Calendar periods: where each starts and ends, in UTC.

Weeks start on Monday; months, quarters and years at their true calendar
boundaries. Stores keep the period starts of every ``_timestamp`` so that
grouping by period is a plain ``GROUP BY`` on a stored value.
"""
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from .query import PERIODS

_STEP = {
    "hour": relativedelta(hours=1),
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
    "year": relativedelta(years=1),
}


def period_start(moment, period):
    """The start of the ``period`` containing ``moment`` (an aware datetime)."""
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


def is_period_start(moment, period):
    return period_start(moment, period) == moment.astimezone(UTC)


_FIXED_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def shift(start, period, count=1):
    """``start`` moved by ``count`` periods (negative moves back)."""
    fixed = _FIXED_STEP.get(period)  # UTC has no DST: hours, days and weeks are fixed
    if fixed is not None:
        return start + fixed * count
    return start + _STEP[period] * count


def period_starts(moment):
    """Every period start of ``moment``: ``{"hour": ..., ..., "year": ...}``."""
    return {name: period_start(moment, name) for name in PERIODS}


def periods_between(start, end, period, inclusive=False):
    """Starts of the periods beginning in ``[start, end)`` (``[start, end]`` if inclusive).

    ``start`` is first moved to its period boundary.
    """
    current = period_start(start, period)
    starts = []
    while current < end or (inclusive and current == end):
        starts.append(current)
        current = shift(current, period)
    return starts


def to_utc(moment):
    """An aware datetime in UTC; naive datetimes are taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def epoch_micros(moment):
    """Microseconds since 1970-01-01 UTC: how stores keep datetimes sortable."""
    delta = to_utc(moment) - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


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

    The store's hot path on every write: arithmetic for hours, days and weeks
    (1970-01-01 was a Thursday), a per-day cache for the calendar periods.
    """
    days = micros // _MICROS_PER_DAY
    return (
        micros - micros % _MICROS_PER_HOUR,
        days * _MICROS_PER_DAY,
        (days - (days + 3) % 7) * _MICROS_PER_DAY,
        *_calendar_starts(days),
    )
