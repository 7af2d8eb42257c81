"""Time windows of period queries (SPEC 3.3, 3.4): which periods a response lists.

A ``Window`` is what the store is asked for (``start``, ``end``,
``end_inclusive``) plus the period starts the response lists, gap-filled.
Periods are those of the query's time zone (``params.zone``; None is UTC).
Relative windows (``duration``) slide towards the data; ``bounds`` is the
only store call needed for that (``store.time_bounds`` for the query).
"""
from dataclasses import dataclass
from datetime import datetime

from ..periods import is_period_start, period_start, shift

MAX_PERIODS = 50_000


class WindowError(Exception):
    """A window that cannot be answered; the message is shown with a 400."""


@dataclass(frozen=True)
class Window:
    start: datetime | None
    end: datetime | None
    end_inclusive: bool = False
    periods: tuple | None = None  # period starts listed, for period queries


def plain_window(params):
    """The window of a query without a period: the parameters as given."""
    return Window(params.start_at, params.end_at, params.inclusive)


def period_window(params, now, bounds):
    """The window of a period query.

    ``bounds(start, end, end_inclusive)`` returns the ``(earliest, latest)``
    timestamps of matching records in that range, or ``(None, None)``.
    """
    zone = params.zone
    try:
        if params.duration is None:
            return _absolute(params.start_at, params.end_at, params.period, params.inclusive, zone)
        if params.start_at is not None:
            return _forward(params.start_at, params.duration, params.period, bounds, zone)
        if params.end_at is not None:
            return _backward(
                params.end_at, params.duration, params.period, params.inclusive, bounds, zone
            )
        end = period_start(now, params.period, zone)
        return _fixed(shift(end, params.period, -params.duration, zone), params.duration,
                      params.period, zone)
    except (OverflowError, ValueError):
        raise WindowError("the requested window is outside the supported range of dates") from None


def _check_size(count):
    if count > MAX_PERIODS:
        raise WindowError(f"the window holds too many periods (at most {MAX_PERIODS})")


def _fixed(start, count, period, zone):
    """``count`` whole periods from ``start`` (a period boundary)."""
    _check_size(count)
    periods = tuple(shift(start, period, n, zone) for n in range(count))
    return Window(start, shift(start, period, count, zone), False, periods)


def _absolute(start_at, end_at, period, inclusive, zone):
    """Periods starting inside ``[start_at, end_at)`` (``]`` with ``inclusive``)."""
    first = period_start(start_at, period, zone)
    if first < start_at:
        first = shift(first, period, 1, zone)
    periods = []
    current = first
    while current < end_at or (inclusive and current == end_at):
        periods.append(current)
        _check_size(len(periods))
        current = shift(current, period, 1, zone)
    end, end_inclusive = _store_end(end_at, period, inclusive, zone)
    return Window(first, end, end_inclusive, tuple(periods))


def _store_end(end_at, period, inclusive, zone):
    """Where the store stops: with ``inclusive`` a boundary ``end_at`` takes in its whole period."""
    if inclusive and is_period_start(end_at, period, zone):
        return shift(end_at, period, 1, zone), False
    return end_at, inclusive


def _forward(start_at, count, period, bounds, zone):
    """``count`` periods from the boundary of ``start_at``, slid forward to the first data."""
    window = _fixed(period_start(start_at, period, zone), count, period, zone)
    earliest, _ = bounds(window.start, window.end, False)
    if earliest is not None and period_start(earliest, period, zone) > window.start:
        window = _fixed(period_start(earliest, period, zone), count, period, zone)
    return window


def _backward(end_at, count, period, inclusive, bounds, zone):
    """``count`` periods ending with ``end_at``, slid back to the last data.

    A boundary ``end_at`` ends the window (``inclusive`` takes in the period it
    starts); one inside a period makes that period the last, counting only
    records before ``end_at``, as absolute windows do.
    """
    store_end, end_inclusive = _store_end(end_at, period, inclusive, zone)
    last = period_start(end_at, period, zone)
    if is_period_start(end_at, period, zone) and not inclusive:
        last = shift(last, period, -1, zone)
    first = shift(last, period, 1 - count, zone)
    _check_size(count)
    periods = tuple(shift(first, period, n, zone) for n in range(count))
    _, latest = bounds(first, store_end, end_inclusive)
    if latest is not None and period_start(latest, period, zone) < last:
        return _fixed(shift(period_start(latest, period, zone), period, 1 - count, zone), count, period, zone)
    return Window(first, store_end, end_inclusive, periods)
