"""Finding the bucket a URL addresses; reserved and unknown names are 404."""
from .buckets import NAME
from .errors import APIError
from .interfaces import IStore


def bucket_for(request, readable=False, headers=None):
    """The config of ``/<bucket>`` or ``/data/<group>/<type>``, or a 404.

    ``readable``: a bucket that is not ``queryable`` is 404 too (SPEC 3.1).
    """
    store = request.find_service(IStore)
    match = request.matchdict
    if "bucket" in match:
        name = match["bucket"]
        config = store.get_bucket(name) if NAME.match(name) else None
    else:
        config = store.find_bucket(match["data_group"], match["data_type"])
    if config is None or (readable and not config.get("queryable", True)):
        raise APIError(404, "bucket not found", headers)
    request.environ["backdrop.bucket"] = config["name"]  # for the access log and metrics
    return config
