"""Built-in bucket types: ``events``, ``realtime`` and ``custom``."""
from ..bucket_types import BucketType
from ..hookspecs import hookimpl


class Events(BucketType):
    """Timestamped events: ``_timestamp`` required, grouped by period."""

    name = "events"
    timestamp_required = True


class Realtime(Events):
    """Like events, but capped to the newest ``capped_size`` records and cached briefly."""

    name = "realtime"
    cache_max_age = 120
    capped = True


class Custom(BucketType):
    """Any records; ``_timestamp`` optional."""

    name = "custom"


@hookimpl
def backdrop_bucket_types():
    return [Events(), Realtime(), Custom()]
