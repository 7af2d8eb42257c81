"""Raw records as clients see them: datetimes in ISO 8601 with ``+00:00``.

Stores return raw records with ``datetime`` values (``backdrop.interfaces``);
a response shows them as text. ``record_text`` is the JSON of one record in a
raw answer, for stores that cannot write it themselves (the SQLite store's
``raw_json`` has SQLite write it).
"""
from datetime import datetime

import orjson

from .records import DATETIME_FIELDS, format_datetime


def shown_record(record):
    """A copy of ``record`` with its datetimes as text.

    Only the datetime fields of SPEC 2.3 hold datetimes (every other value
    is JSON's), so only they are looked at: a raw page is on the hot path.
    """
    row = dict(record)
    for key in DATETIME_FIELDS:
        value = row.get(key)
        if isinstance(value, datetime):
            row[key] = format_datetime(value)
    return row


def record_text(record):
    """The JSON text of ``record`` in a raw answer (records hold 64-bit integers at most)."""
    return orjson.dumps(shown_record(record)).decode()
