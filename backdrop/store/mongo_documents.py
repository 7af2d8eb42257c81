"""Prepared records as the MongoDB store writes them: checked, with period starts and stamps."""
from datetime import datetime

import bson
from bson.codec_options import DEFAULT_CODEC_OPTIONS

from ..periods import period_starts
from ..records import is_valid_key
from . import mongo_query as mq

_PLACEHOLDER_TIME, _PLACEHOLDER_SEQ = datetime(1970, 1, 1), 2**62  # same BSON types as stamps


def last_wins(records):
    """One record per ``_id``, the last of each in batch order (upsert semantics)."""
    by_id = {}
    for record in records:
        by_id.pop(record["_id"], None)
        by_id[record["_id"]] = record
    return list(by_id.values())


def documents(records):
    """Prepared records as stored, with their period starts, checked before any write.

    Each is encoded to BSON once here (with placeholder stamps), so a value
    BSON cannot hold fails before anything is written, even without a
    transaction. ``stamped`` fills in the write order and time.
    """
    prepared = []
    for record in last_wins(records):
        document = {}
        for key, value in record.items():
            if not is_valid_key(key) or key in mq.STORE_FIELDS:
                raise ValueError(f"{key!r} cannot be stored as a record field")
            document[key] = mq.to_bson_datetime(value) if isinstance(value, datetime) else value
        if not isinstance(document.get("_id"), str):
            raise ValueError("a prepared record has a string _id")
        timestamp = record.get("_timestamp")
        if timestamp is not None:
            for period, start in period_starts(timestamp).items():
                document[mq.PERIOD_FIELDS[period]] = mq.to_bson_datetime(start)
        document[mq.UPDATED_AT] = _PLACEHOLDER_TIME
        document[mq.SEQ] = _PLACEHOLDER_SEQ
        bson.encode(document, codec_options=DEFAULT_CODEC_OPTIONS)
        prepared.append(document)
    return prepared


def stamped(documents, first, now):
    """Copies of ``documents`` carrying write order ``first``, ``first + 1``, ... and ``now``."""
    updated_at = mq.to_bson_datetime(now)
    return [
        {**document, mq.UPDATED_AT: updated_at, mq.SEQ: first + offset}
        for offset, document in enumerate(documents)
    ]
