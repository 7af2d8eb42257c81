"""The ``measurements`` bucket type: every record is a timestamped number.

Measurement feeds (response times, queue lengths, uptime) break dashboards
quietly when a value arrives as a string or goes missing; this type refuses
such records at write time. Each record needs ``_timestamp`` and a numeric
``value`` (booleans are not numbers); an optional ``unit`` must be a string.
"""
from backdrop import hookimpl
from backdrop.bucket_types import BucketType
from backdrop.records import RecordError


class Measurements(BucketType):
    name = "measurements"
    timestamp_required = True
    cache_max_age = 300

    def prepare(self, record, bucket):
        record = super().prepare(record, bucket)
        value = record.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RecordError("value must be a number")
        if "unit" in record and not isinstance(record["unit"], str):
            raise RecordError("unit must be a string")
        return record


@hookimpl
def backdrop_bucket_types():
    return [Measurements()]
