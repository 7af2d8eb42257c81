"""Finding the bucket a URL addresses; reserved and unknown names are 404."""
from .buckets import NAME
from .errors import APIError
from .interfaces import IStore


def bucket_for(request):
    store = request.find_service(IStore)
    match = request.matchdict
    if "bucket" in match:
        name = match["bucket"]
        config = store.get_bucket(name) if NAME.match(name) else None
    else:
        config = store.find_bucket(match["data_group"], match["data_type"])
    if config is None:
        raise APIError(404, "bucket not found")
    return config
