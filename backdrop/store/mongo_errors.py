"""Driver errors as store errors: a wait that ran out is a 503, never a hang or a 500.

Every MongoStore operation runs inside ``driver_errors()`` and under a
``pymongo.timeout`` deadline (client-side operation timeout, pymongo 4.2+),
so server selection, connection checkout, the server's own work (sent as
``maxTimeMS``, ``commitTransaction`` included), waiting for a majority to
acknowledge a write (the socket read times out at the deadline; pymongo
drops a write concern's own ``wtimeout`` inside a deadline) and the retries
of ``with_transaction`` all end by the deadline. What ends them arrives here:

* no server reachable, a network error, or the deadline passing
  (``ConnectionFailure``, ``ExecutionTimeout``, any error whose ``timeout`` is
  true): ``StoreUnavailable``;
* a write the primary applied but a majority did not acknowledge in time
  (``WTimeoutError``/``WriteConcernError``, also inside a ``BulkWriteError``):
  ``StoreUnavailable``, saying the write may have been applied;
* server codes for "not primary", "shutting down", "interrupted by a
  replica-set state change" and the transaction labels that mean "try again"
  after the driver's own retries: ``StoreUnavailable``;
* the server out of disk space (``OutOfDiskSpace``, also inside a
  ``BulkWriteError``): ``StoreFull``, a 507 (docs/operations.md);
* the server refusing to build an answer that large (``$addToSet`` past its
  100 MB limit, a result document past 16 MB, a ``$group`` out of memory
  without disk use): ``AnswerTooLarge``.

Anything else is a programming error and stays what it is.
"""
from contextlib import contextmanager

from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    OperationFailure,
    PyMongoError,
    WriteConcernError,
)

from .errors import AnswerTooLarge, StoreFull, StoreUnavailable

# Server error codes (src/mongo/base/error_codes.yml in the server source).
UNAVAILABLE_CODES = frozenset({
    6,      # HostUnreachable
    7,      # HostNotFound
    50,     # MaxTimeMSExpired
    64,     # WriteConcernFailed (wtimeout)
    89,     # NetworkTimeout
    91,     # ShutdownInProgress
    112,    # WriteConflict, once the driver's transaction retries ran out
    133,    # FailedToSatisfyReadPreference
    134,    # ReadConcernMajorityNotAvailableYet
    189,    # PrimarySteppedDown
    262,    # ExceededTimeLimit
    9001,   # SocketException
    10058,  # LegacyNotPrimary
    10107,  # NotWritablePrimary
    11600,  # InterruptedAtShutdown
    11602,  # InterruptedDueToReplStateChange
    13435,  # NotPrimaryNoSecondaryOk
    13436,  # NotPrimaryOrSecondary
})
TOO_LARGE_CODES = frozenset({
    146,    # ExceededMemoryLimit ($addToSet / $push past internalQueryMaxAddToSetBytes)
    10334,  # BSONObjectTooLarge (a result document past 16 MB)
    16945,  # $group out of memory without allowDiskUse (before 4.2's spilling everywhere)
    17419,  # "Resulting document after $group is larger than" the BSON limit
})
FULL_CODES = frozenset({
    14031,  # OutOfDiskSpace
})
RETRY_LABELS = ("TransientTransactionError", "UnknownTransactionCommitResult")
MAYBE_APPLIED = (
    "store unavailable: a majority of the replica set did not acknowledge the write in time; "
    "it may have been applied (retrying it is safe: records are upserted by _id)"
)


def _reason(error):
    return f"{type(error).__name__}: {str(error)[:200]}"


def _write_concern_failed(error):
    if isinstance(error, WriteConcernError):
        return True
    return isinstance(error, BulkWriteError) and bool(error.details.get("writeConcernErrors"))


def _out_of_disk(error):
    if isinstance(error, BulkWriteError):
        return any(entry.get("code") in FULL_CODES for entry in error.details.get("writeErrors", ()))
    return isinstance(error, OperationFailure) and error.code in FULL_CODES


def translated(error):
    """The store error for driver error ``error``, or None to let it through."""
    if _out_of_disk(error):
        return StoreFull(f"MongoDB is out of disk space ({_reason(error)})")
    if _write_concern_failed(error):
        return StoreUnavailable(MAYBE_APPLIED)
    if isinstance(error, OperationFailure) and error.code in TOO_LARGE_CODES:
        return AnswerTooLarge(
            "the answer is too large for MongoDB to build (a set over too many distinct "
            "values, or too many groups); narrow the window, filter, or collect less"
        )
    if isinstance(error, ConnectionFailure) or getattr(error, "timeout", False):
        return StoreUnavailable(f"store unavailable: MongoDB did not answer in time ({_reason(error)})")
    if isinstance(error, OperationFailure) and (
        error.code in UNAVAILABLE_CODES or any(error.has_error_label(label) for label in RETRY_LABELS)
    ):
        return StoreUnavailable(f"store unavailable: MongoDB cannot serve this now ({_reason(error)})")
    return None


@contextmanager
def driver_errors():
    """Re-raise the driver errors above as ``StoreUnavailable``/``AnswerTooLarge``."""
    try:
        yield
    except PyMongoError as error:
        store_error = translated(error)
        if store_error is None:
            raise
        raise store_error from error
