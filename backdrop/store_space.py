"""Whether this process's writes last found the store full (SPEC 11).

A write that meets a full disk answers 507 (``backdrop.errors``) and marks
the store full here; the next write that succeeds clears it. ``/_status`` and
``backdrop_store_full`` in ``/_metrics`` report it. It is what this process
saw: a read-only process never writes, so it never sees the disk fill.
"""
from pyramid.events import NewResponse

from .store.errors import StoreFull

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class StoreSpace:
    """The reason the last write was refused for want of space, or None."""

    full_reason = None


def track_store_space(event):
    request, response = event.request, event.response
    space = request.registry["backdrop.store_space"]
    error = getattr(request, "exception", None)
    if isinstance(error, StoreFull):
        space.full_reason = str(error)
    elif request.method in WRITE_METHODS and 200 <= response.status_int < 300:
        space.full_reason = None


def includeme(config):
    config.registry["backdrop.store_space"] = StoreSpace()
    config.add_subscriber(track_store_space, NewResponse)
