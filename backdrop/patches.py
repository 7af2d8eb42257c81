"""What a ``PATCH`` stores (SPEC 2.1): each stored record with the patch's keys set,
checked as a whole record by every rule a ``POST`` meets (SPEC 2.3 and the bucket type).

Patches apply in body order; each merged record is checked as it is made, so
the first bad one is named by its index as a batch's is. With ``auto_ids`` a
patch may not change the fields the ``_id`` is made of: the record would
become another record (delete it and post the new one instead).
"""
from datetime import datetime

from .records import RecordError, check_record, format_datetime, prepare_record


def patch_list(body):
    """The body as ``[(index or None, patch)]``; ``RecordError`` for a patch without a usable ``_id``."""
    if isinstance(body, dict):
        numbered = [(None, body)]
    elif isinstance(body, list):
        numbered = list(enumerate(body))
    else:
        raise RecordError("expected a JSON object or an array of objects")
    for index, patch in numbered:
        if not isinstance(patch, dict):
            raise RecordError("each record must be a JSON object", index)
        record_id = patch.get("_id")
        if not isinstance(record_id, str) or not record_id:
            raise RecordError("a patch needs the _id of a stored record", index)
    return numbered


def as_sent(record):
    """A stored record as a client would send it: datetimes as ISO 8601 text."""
    return {key: format_datetime(value) if isinstance(value, datetime) else value
            for key, value in record.items()}


def merged_records(numbered, stored, bucket, bucket_type):
    """The prepared records to store in place of ``stored`` (``_id`` -> record as read)."""
    current = {record_id: as_sent(record) for record_id, record in stored.items()}
    prepared = {}
    for index, patch in numbered:
        record_id = patch["_id"]
        try:
            check_record(patch)  # the patch's own keys first: a bad key is named as sent
            merged = {**current[record_id], **patch}
            result = prepare_record(merged, bucket, bucket_type)
            if result["_id"] != record_id:
                fields = ", ".join(bucket.get("auto_ids") or ())
                raise RecordError(
                    f"a patch cannot change the fields the _id is made of ({fields})")
        except RecordError as error:
            raise RecordError(error.reason, index) from None
        current[record_id], prepared[record_id] = merged, result
    return list(prepared.values())
