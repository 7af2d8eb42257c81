"""Record rules of SPEC 2.3: keys, values, internal fields, timestamps and ids.

``prepare_batch`` turns a parsed JSON body into prepared records (see
``backdrop.interfaces``) or raises ``RecordError`` naming the first bad
record; nothing is stored unless every record passes.
"""
import base64
import itertools
import math
import re
import secrets
import time
from collections import deque
from datetime import UTC, datetime
from itertools import islice, repeat
from operator import and_, attrgetter

from dateutil.parser import isoparse

KEY = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")
MAX_KEY_LENGTH = 255
INTERNAL_FIELDS = frozenset({"_id", "_timestamp", "_start_at", "_end_at"})
DATETIME_FIELDS = ("_timestamp", "_start_at", "_end_at")
INT64 = (-(2**63), 2**63 - 1)
DATE_ONLY = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
WHITESPACE = re.compile(r"\s")


class RecordError(ValueError):
    """Why a record was rejected; ``index`` is set for records of a batch."""

    def __init__(self, reason, index=None):
        super().__init__(reason)
        self.reason = reason
        self.index = index

    def __str__(self):
        if self.index is None:
            return self.reason
        return f"record {self.index}: {self.reason}"


def is_valid_key(key):
    return isinstance(key, str) and len(key) <= MAX_KEY_LENGTH and KEY.match(key) is not None


def parse_datetime(text):
    """An ISO 8601 string with a UTC offset (or a bare date) as an aware UTC datetime.

    Raises ``ValueError`` for anything else, including naive datetimes.
    On every timestamped record written, so the common ``...Z`` form takes
    the shortest way (one C call, no regex, no conversion).
    """
    if not isinstance(text, str):
        raise ValueError("not a string")
    if "T" not in text and " " not in text:
        if DATE_ONLY.match(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        raise ValueError("no time part")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = isoparse(text)
    zone = moment.tzinfo
    if zone is UTC:
        return moment
    if zone is None or moment.utcoffset() is None:
        raise ValueError("no UTC offset")
    return moment.astimezone(UTC)


def format_datetime(moment):
    """ISO 8601 in UTC with ``+00:00``, as every response shows datetimes."""
    # The stores' datetimes are UTC already: converting made a new one each (a raw page's hot path).
    return (moment if moment.tzinfo is UTC else moment.astimezone(UTC)).isoformat()


def check_value(key, value):
    """SPEC 2.3 values; on the hot path of every write, so the common types come first."""
    kind = type(value)
    if kind is str:
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise RecordError(f"{key} is not valid Unicode") from None
        if "\x00" in value:
            raise RecordError(f"{key} contains a NUL character")
    elif kind is int:
        if not INT64[0] <= value <= INT64[1]:
            raise RecordError(f"{key} is an integer too large to store (64 bits at most)")
    elif kind is float:
        if not math.isfinite(value):
            raise RecordError(f"{key} must be a finite number")
    elif value is None or kind is bool:
        return
    elif kind in (dict, list):
        raise RecordError(f"{key} has an invalid value: objects and arrays are not allowed")
    else:
        raise RecordError(f"{key} has an invalid value")


_valid_keys = set()  # keys already checked: batches repeat the same few keys


def check_key(key):
    if key in _valid_keys:
        return
    if len(key) > MAX_KEY_LENGTH or not KEY.match(key):
        raise RecordError(f"{key} is not a valid key")
    if key[0] == "_" and key not in INTERNAL_FIELDS:
        raise RecordError(f"{key} is not a recognised internal field")
    if len(_valid_keys) < 10_000:
        _valid_keys.add(key)


def check_record(record):
    """Check keys and values of one record as sent (before internal fields are parsed)."""
    if not isinstance(record, dict):
        raise RecordError("each record must be a JSON object")
    if not _valid_keys.issuperset(record):  # one C call for keys already seen
        for key in record:
            check_key(key)
    for key, value in record.items():
        kind = type(value)  # the common cases inline: this runs for every value written
        if kind is str and value.isascii() and "\x00" not in value:
            continue
        if kind is int and INT64[0] <= value <= INT64[1]:
            continue
        if kind is bool or value is None or (kind is float and math.isfinite(value)):
            continue
        check_value(key, value)


def auto_id(record, fields):
    """URL-safe base64 (no padding) of the listed values joined by ``.``."""
    missing = [name for name in fields if record.get(name) is None]
    if missing:
        raise RecordError("missing fields for auto_ids: " + ", ".join(missing))
    joined = ".".join(str(record[name]) for name in fields)
    return base64.urlsafe_b64encode(joined.encode("utf-8")).decode("ascii").rstrip("=")


_ID_PROCESS = secrets.token_hex(5)
_ID_COUNTER = itertools.count(secrets.randbelow(0xFFFFFF))


def new_id():
    """A new id in MongoDB's ObjectId layout (seconds, per-process random, counter), as text.

    Unique, and rising with time, so the id index of either store grows at its
    end instead of at random places. Built here rather than by ``bson.ObjectId``
    because it runs for every record written without an ``_id``.
    """
    return f"{int(time.time()):08x}{_ID_PROCESS}{next(_ID_COUNTER) & 0xFFFFFF:06x}"


def new_ids():
    """``new_id`` for a batch: a function giving the next id, the seconds and process part
    formatted once (a batch is prepared within a second or two; ids stay unique and rising)."""
    prefix = f"{int(time.time()):08x}{_ID_PROCESS}"
    counter = _ID_COUNTER
    return lambda: f"{prefix}{next(counter) & 0xFFFFFF:06x}"


_HEX_BYTES = tuple(f"{byte:02x}" for byte in range(256))


def new_id_list(count):
    """``count`` new ids at once (``new_id``'s layout), formatted in C loops.

    Counters taken together are consecutive (nothing else runs while
    ``islice`` takes them), so each run of up to 256 ids sharing all but the
    last byte is one ``map`` of string concatenation; should another thread
    have taken some in between, each id is formatted alone.
    """
    counters = list(islice(_ID_COUNTER, count))
    prefix = f"{int(time.time()):08x}{_ID_PROCESS}"
    if not counters or counters[-1] - counters[0] != count - 1:
        return list(map(f"{prefix}%06x".__mod__, map(and_, counters, repeat(0xFFFFFF))))
    ids, at, end = [], counters[0], counters[-1] + 1
    while at < end:
        low = at & 0xFF
        run = min(256 - low, end - at)
        ids += map(f"{prefix}{(at >> 8) & 0xFFFF:04x}".__add__, _HEX_BYTES[low:low + run])
        at += run
    return ids


def prepare_record(record, bucket, bucket_type, make_id=new_id):
    """Validate one record and return its prepared form (see ``backdrop.interfaces``)."""
    check_record(record)
    prepared = dict(record)
    auto_ids = bucket.get("auto_ids")
    if auto_ids:
        prepared["_id"] = auto_id(record, auto_ids)
    elif "_id" in prepared:
        record_id = prepared["_id"]
        if not isinstance(record_id, str) or not record_id or WHITESPACE.search(record_id):
            raise RecordError("_id must be a non-empty string without whitespace")
    if "_timestamp" in prepared or "_start_at" in prepared or "_end_at" in prepared:
        _parse_datetime_fields(prepared)
    prepared = bucket_type.prepare(prepared, bucket)
    if not prepared.get("_id"):
        prepared["_id"] = make_id()
    return prepared


def _parse_datetime_fields(prepared):
    for name in DATETIME_FIELDS:
        if name in prepared:
            if prepared[name] is None:
                del prepared[name]
                continue
            try:
                prepared[name] = parse_datetime(prepared[name])
            except (ValueError, OverflowError):
                raise RecordError(f"{name} is not a valid timestamp, it must be ISO8601") from None


def prepare_batch(records, bucket, bucket_type):
    """Prepare every record or raise ``RecordError`` for the first bad one.

    A single object (not in a list) is reported without an index. A plain
    batch (``_prepared_plain``) is prepared a column at a time; any other,
    and every batch with a bad record, record by record.
    """
    if isinstance(records, dict):
        return [prepare_record(records, bucket, bucket_type)]
    if not isinstance(records, list):
        raise RecordError("expected a JSON object or an array of objects")
    plain = _prepared_plain(records, bucket, bucket_type)
    if plain is not None:
        return plain
    make_id = new_ids()
    prepared = []
    append = prepared.append
    for index, record in enumerate(records):
        try:
            append(prepare_record(record, bucket, bucket_type, make_id))
        except RecordError as error:
            raise RecordError(error.reason, index) from None
    return prepared


# -- plain batches, a column at a time ----------------------------------------
# ``prepare_record`` costs several microseconds a record in Python. Most batches
# are plain: objects whose keys are known-good user keys and ``_timestamp``,
# whose values are strings, numbers, booleans or null, for a bucket type that
# only checks ``_timestamp``. For those, each rule is checked once per key over
# the whole batch by C loops (``map``, ``set``, ``min``/``max``, ``str.join``),
# and the records come out exactly as ``prepare_record`` makes them. Anything
# else (or anything that fails a check) returns None and is prepared record by
# record, so every error message is the one ``prepare_record`` gives.
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_tzinfo = attrgetter("tzinfo")


class PreparedBatch(list):
    """Prepared records that also carry their values a column at a time, as the plain path
    checked them: ``columns[key]`` holds each record's value of ``key`` (None where it has
    none), ``_id`` and ``_timestamp`` included, so a store can bind them without walking the
    records again. A store may read either, so a batch is not changed once prepared."""

    __slots__ = ("columns",)


def _prepared_plain(records, bucket, bucket_type):
    """``prepare_batch``'s answer for a plain batch of valid records (a ``PreparedBatch``),
    else None."""
    from .bucket_types import BucketType  # which imports this module

    if not records or set(map(type, records)) != {dict} or bucket.get("auto_ids"):
        return None
    if type(bucket_type).prepare is not BucketType.prepare:  # a plugin's own rules: record by record
        return None
    keys = set().union(*records)
    if not _plain_keys(keys):
        return None
    columns = {}
    for key in keys - {"_timestamp"}:
        columns[key] = values = list(map(dict.get, records, repeat(key)))
        if not _plain_values(values):
            return None
    if "_timestamp" in keys:
        timestamps = _plain_timestamps(list(map(dict.get, records, repeat("_timestamp"))))
        if timestamps is None:
            return None
        columns["_timestamp"] = timestamps
    elif bucket_type.timestamp_required:
        return None
    prepared = PreparedBatch(map(dict, records))
    if "_timestamp" in columns:
        _consume(map(dict.__setitem__, prepared, repeat("_timestamp"), columns["_timestamp"]))
    columns["_id"] = new_id_list(len(prepared))
    _consume(map(dict.__setitem__, prepared, repeat("_id"), columns["_id"]))
    prepared.columns = columns
    return prepared


def _consume(iterator):
    deque(iterator, maxlen=0)  # runs ``iterator`` to its end in C


def _plain_keys(keys):
    """Every key valid, and no internal field but ``_timestamp``."""
    if keys & {"_id", "_start_at", "_end_at"}:
        return False
    if _valid_keys.issuperset(keys):
        return True
    try:
        for key in keys:
            check_key(key)
    except RecordError:
        return False
    return True


def _of_type(values, kind, kinds):
    return values if len(kinds) == 1 else [value for value in values if type(value) is kind]


def _plain_values(values):
    """``check_value`` of every value, a column at a time: True when all pass."""
    kinds = set(map(type, values))
    if not kinds <= _PLAIN_TYPES:
        return False
    if str in kinds:
        text = "".join(_of_type(values, str, kinds))
        if "\x00" in text or not (text.isascii() or _encodable(text)):
            return False
    if int in kinds:
        numbers = _of_type(values, int, kinds)
        if min(numbers) < INT64[0] or max(numbers) > INT64[1]:
            return False
    return float not in kinds or all(map(math.isfinite, _of_type(values, float, kinds)))


def _encodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plain_timestamps(texts):
    """``parse_datetime`` of every text, when each is an ISO 8601 time in UTC; else None."""
    if set(map(type, texts)) != {str} or not all(map(str.__contains__, texts, repeat("T"))):
        return None
    try:
        moments = list(map(datetime.fromisoformat, texts))
    except ValueError:
        return None
    return moments if set(map(_tzinfo, moments)) == {UTC} else None
