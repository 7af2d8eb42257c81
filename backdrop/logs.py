"""Log formatters named by the ini files.

``TextFormatter`` (development): the ``format`` string may use
``%(request_id)s``, ``-`` outside a request. ``JSONFormatter`` (production,
``[formatter_json] class = backdrop.logs.JSONFormatter``): one JSON object per
line with the request id and, for access lines, their fields.
"""
import json
import logging
from datetime import UTC, datetime


class TextFormatter(logging.Formatter):
    """The standard formatter, with ``request_id`` always present."""

    def format(self, record):
        if getattr(record, "request_id", None) is None:
            # A copy: other handlers (and tests) see the record as it was made.
            record = logging.makeLogRecord({**record.__dict__, "request_id": "-"})
        return super().format(record)


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message, access fields, traceback."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None),
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if access:
            entry.update(access)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)
