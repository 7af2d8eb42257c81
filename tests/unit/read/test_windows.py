"""Windows of period queries: absolute, relative and sliding (SPEC 3.3, 3.4)."""
from datetime import UTC, datetime

import pytest

from backdrop.read.params import ReadParams
from backdrop.read.windows import MAX_PERIODS, WindowError, period_window


def at(*parts):
    return datetime(*parts, tzinfo=UTC)


def no_data(start, end, inclusive):
    return None, None


def data_between(earliest, latest):
    """A ``bounds`` answering for records at ``earliest`` and ``latest`` only."""

    def bounds(start, end, inclusive):
        inside = [m for m in (earliest, latest)
                  if start <= m and (m < end or inclusive and m == end)]
        return (min(inside), max(inside)) if inside else (None, None)

    return bounds


NOW = at(2013, 3, 20, 10, 0)


def window(bounds=no_data, **params):
    return period_window(ReadParams(**params), NOW, bounds)


def test_absolute_weeks_start_on_monday():
    found = window(period="week", start_at=at(2013, 3, 11), end_at=at(2013, 3, 25))
    assert found.periods == (at(2013, 3, 11), at(2013, 3, 18))
    assert (found.start, found.end) == (at(2013, 3, 11), at(2013, 3, 25))
    assert not found.end_inclusive


def test_only_periods_starting_inside_the_window_are_listed():
    found = window(period="week", start_at=at(2013, 3, 13), end_at=at(2013, 3, 27))
    assert found.periods == (at(2013, 3, 18), at(2013, 3, 25))
    assert found.start == at(2013, 3, 18)
    assert found.end == at(2013, 3, 27)  # the last week counts only records before end_at


def test_inclusive_takes_in_the_period_starting_at_end_at():
    found = window(period="day", start_at=at(2014, 12, 1), end_at=at(2014, 12, 3), inclusive=True)
    assert found.periods == (at(2014, 12, 1), at(2014, 12, 2), at(2014, 12, 3))
    assert (found.end, found.end_inclusive) == (at(2014, 12, 4), False)


def test_months_and_quarters_at_true_boundaries():
    months = window(period="month", start_at=at(2013, 1, 1), end_at=at(2013, 4, 1))
    assert months.periods == (at(2013, 1, 1), at(2013, 2, 1), at(2013, 3, 1))
    quarters = window(period="quarter", start_at=at(2013, 1, 1), end_at=at(2014, 1, 1))
    assert quarters.periods == (at(2013, 1, 1), at(2013, 4, 1), at(2013, 7, 1), at(2013, 10, 1))


def test_duration_alone_is_the_last_whole_periods():
    found = window(period="week", duration=2)
    assert found.periods == (at(2013, 3, 4), at(2013, 3, 11))
    assert (found.start, found.end) == (at(2013, 3, 4), at(2013, 3, 18))


def test_duration_from_start_at_starts_at_its_boundary():
    found = window(period="week", duration=3, start_at=at(2013, 3, 13))
    assert found.periods == (at(2013, 3, 11), at(2013, 3, 18), at(2013, 3, 25))


def test_duration_from_start_at_slides_forward_to_the_first_data():
    found = window(data_between(at(2013, 3, 27, 5), at(2013, 4, 2)),
                   period="week", duration=3, start_at=at(2013, 3, 11))
    assert found.periods == (at(2013, 3, 25), at(2013, 4, 1), at(2013, 4, 8))
    assert found.end == at(2013, 4, 15)


def test_no_slide_when_the_window_has_no_data():
    found = window(data_between(at(2014, 1, 1), at(2014, 1, 1)),
                   period="week", duration=2, start_at=at(2013, 3, 11))
    assert found.periods == (at(2013, 3, 11), at(2013, 3, 18))


def test_duration_back_from_end_at_slides_back_to_the_last_data():
    found = window(data_between(at(2013, 3, 1), at(2013, 3, 12, 10)),
                   period="week", duration=2, end_at=at(2013, 3, 25))
    assert found.periods == (at(2013, 3, 4), at(2013, 3, 11))
    assert found.end == at(2013, 3, 18)


def test_duration_back_from_a_boundary_end_at():
    found = window(period="month", duration=2, end_at=at(2013, 3, 1))
    assert found.periods == (at(2013, 1, 1), at(2013, 2, 1))
    assert found.end == at(2013, 3, 1)


def test_duration_back_from_inside_a_period_lists_that_period():
    found = window(period="month", duration=2, end_at=at(2013, 3, 15))
    assert found.periods == (at(2013, 2, 1), at(2013, 3, 1))
    assert found.end == at(2013, 3, 15)


def test_too_many_periods():
    with pytest.raises(WindowError, match="too many periods"):
        window(period="hour", duration=MAX_PERIODS + 1)


def test_out_of_range_dates():
    with pytest.raises(WindowError, match="outside the supported range"):
        window(period="year", duration=3, start_at=at(9998, 6, 1))
