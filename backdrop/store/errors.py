"""Errors a store raises; views turn them into JSON errors."""


class StoreError(Exception):
    """Base class for store errors."""


class BucketExists(StoreError):
    pass


class BucketNotFound(StoreError):
    pass


class DataGroupClash(StoreError):
    """Another bucket already has this (data_group, data_type) pair."""


class NonNumericCollect(StoreError):
    """``sum``/``mean`` met a value that is not a number."""

    def __init__(self, field, primitive):
        super().__init__(f"invalid collect function {primitive} for non-numeric field {field}")
        self.field = field
        self.primitive = primitive


class StoreFull(StoreError):
    """The disk, or the store's size limit, is full (``SQLITE_FULL``/``ENOSPC``).

    The write stored nothing; reads go on. The message says what the store reported.
    """


class RecordsRefused(StoreError):
    """The store cannot hold these records as they are (e.g. too many distinct keys).

    The write is refused whole; the message is fit to show the client.
    """


class StoreUnavailable(StoreError):
    """The store did not answer in time, or cannot promise what a write needs.

    The message starts ``store unavailable:`` and is fit to show the client (a 503).
    """


class AnswerTooLarge(StoreError):
    """The database refused to build an answer this large (memory or document limits).

    The message says what to narrow; it is fit to show the client (a 400).
    """


class RecordNotFound(StoreError):
    """A record an update names by ``_id`` is not stored; nothing was written."""

    def __init__(self, record_id):
        super().__init__(f'no record with _id "{record_id}" is stored in this bucket')
        self.record_id = record_id
