"""What a bucket type is; the built-in ones live in ``backdrop.builtins.bucket_types``."""
from .records import RecordError


class BucketType:
    """A kind of bucket: how its records are checked and how reads are cached.

    Subclass and override ``prepare`` to validate or transform records
    further; raise ``RecordError`` to reject one.
    """

    name = None
    cache_max_age = 1800
    capped = False
    timestamp_required = False

    def prepare(self, record, bucket):
        if self.timestamp_required and record.get("_timestamp") is None:
            raise RecordError("_timestamp is a required field")
        return record
