"""Raw-query protection rules (SPEC 3.5)."""
from datetime import UTC, datetime

import pytest

from backdrop.read.params import ReadParams
from backdrop.read.protection import ProtectedQuery, check_protection

PROTECTED = {"raw_queries_allowed": False}


def at(*parts):
    return datetime(*parts, tzinfo=UTC)


def refused(**params):
    with pytest.raises(ProtectedQuery) as raised:
        check_protection(ReadParams(**params), PROTECTED)
    return str(raised.value)


def test_allowed_buckets_accept_anything():
    check_protection(ReadParams(), {"raw_queries_allowed": True})


def test_raw_queries_are_refused():
    assert refused() == "querying for raw data is not allowed"


def test_midnight_and_seven_days():
    assert "start_at must be midnight" in refused(
        group_by=("a",), start_at=at(2013, 3, 11, 1), end_at=at(2013, 3, 25))
    assert "end_at must be midnight" in refused(
        group_by=("a",), start_at=at(2013, 3, 11), end_at=at(2013, 3, 25, 0, 0, 1))
    assert "at least 7 days apart" in refused(
        group_by=("a",), start_at=at(2013, 3, 11), end_at=at(2013, 3, 17))
    check_protection(ReadParams(group_by=("a",), start_at=at(2013, 3, 11), end_at=at(2013, 3, 18)),
                     PROTECTED)


def test_hourly_queries_are_exempt():
    check_protection(
        ReadParams(period="hour", start_at=at(2013, 3, 11, 1), end_at=at(2013, 3, 11, 5)), PROTECTED
    )


def test_weeks_need_mondays_and_months_the_first():
    assert "start_at must be a Monday" in refused(
        period="week", start_at=at(2013, 3, 12), end_at=at(2013, 3, 25))
    assert "end_at must be a Monday" in refused(period="week", duration=2, end_at=at(2013, 3, 26))
    assert "start_at must be the first of a month" in refused(
        period="month", start_at=at(2013, 3, 2), end_at=at(2013, 5, 1))
    check_protection(ReadParams(period="month", start_at=at(2013, 3, 1), end_at=at(2013, 5, 1)),
                     PROTECTED)
