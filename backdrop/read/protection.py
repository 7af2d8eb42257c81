"""Raw-query protection (SPEC 3.5): what a bucket with ``raw_queries_allowed = false`` refuses.

Such a bucket answers only aggregates over whole days (whole weeks starting
on Monday, whole months) so that individual records cannot be picked out.
Days, Mondays and months are those of the query's ``timezone``.
"""
from datetime import timedelta

from ..periods import is_period_start

MINIMUM_SPAN = timedelta(days=7)


class ProtectedQuery(ValueError):
    """The query asks for more detail than the bucket allows; shown with a 400."""


def check_protection(params, bucket):
    if bucket.get("raw_queries_allowed"):
        return
    if not params.is_aggregate:
        raise ProtectedQuery("querying for raw data is not allowed")
    if params.period == "hour":
        return
    dates = [(name, getattr(params, name)) for name in ("start_at", "end_at")]
    dates = [(name, moment) for name, moment in dates if moment is not None]
    zone = params.zone
    for name, moment in dates:
        if not is_period_start(moment, "day", zone):
            raise ProtectedQuery(f"{name} must be midnight (00:00:00 {params.timezone})")
        if params.period == "week" and not is_period_start(moment, "week", zone):
            raise ProtectedQuery(f"{name} must be a Monday for period=week")
        if params.period == "month" and not is_period_start(moment, "month", zone):
            raise ProtectedQuery(f"{name} must be the first of a month for period=month")
    if params.start_at is not None and params.end_at is not None:
        if params.end_at - params.start_at < MINIMUM_SPAN:
            raise ProtectedQuery("start_at and end_at must be at least 7 days apart")
