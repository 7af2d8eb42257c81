"""``GET /_status/buckets`` (alias ``/_status/data-sets``): are buckets fresh? (SPEC 4)

A bucket with ``max_age_expected`` is stale when nothing was written to it
for longer than that many seconds, or never.
"""
from datetime import UTC, datetime, timedelta

from pyramid.response import Response
from pyramid.view import view_config

from ..errors import json_error
from ..interfaces import IStore
from ..records import format_datetime


def stale_buckets(store, now):
    """``[(name, last_updated or None, max_age_expected)]`` for every stale bucket."""
    stale = []
    for bucket in store.list_buckets():
        max_age = bucket.get("max_age_expected")
        if max_age is None:
            continue
        last = store.last_updated(bucket["name"])
        if last is None or now - last > timedelta(seconds=max_age):
            stale.append((bucket["name"], last, max_age))
    return stale


def describe(name, last):
    when = format_datetime(last) if last else "never"
    return f"{name} (last updated: {when})"


@view_config(route_name="status.buckets", request_method="GET")
@view_config(route_name="status.data_sets", request_method="GET")
def buckets_status(request):
    store = request.find_service(IStore)
    stale = stale_buckets(store, datetime.now(UTC))
    if stale:
        noun = "bucket is" if len(stale) == 1 else "buckets are"
        message = f"{len(stale)} {noun} out of date: " + ", ".join(
            describe(name, last) for name, last, _ in stale
        )
        details = [
            {
                "name": name,
                "last_updated": format_datetime(last) if last else None,
                "max_age_expected": max_age,
            }
            for name, last, max_age in stale
        ]
        return json_error(500, message, data_sets=details)
    response = Response(json_body={"status": "ok", "message": "All buckets are in date"})
    response.cache_control = "no-cache"
    return response
