"""Each bucket's write state: its write-order counter and the time of its newest write.

Kept in ``_bucket_state``, one document per bucket, apart from the bucket's
config and outside every batch's transaction: writers of one bucket queue on
one atomic ``$inc`` for microseconds instead of aborting each other's
transactions with ``WriteConflict``, and ``last_updated`` moves only once a
batch has succeeded (see docs/stores.md, "Writes").
"""
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from . import mongo_query as mq
from .errors import BucketNotFound

STATE = "_bucket_state"
LEGACY_FIELDS = ("_last_seq", "_last_updated")  # where an older layout kept it, in _buckets


class WriteState:
    def __init__(self, db, buckets):
        self._state = db[STATE]
        self._buckets = buckets  # the _buckets collection, for the older layout

    def create(self, bucket):
        self._state.replace_one({"_id": bucket}, {"seq": 0}, upsert=True)

    def delete(self, bucket):
        self._state.delete_one({"_id": bucket})

    def reserve(self, bucket, count):
        """Reserve ``count`` write-order numbers; return the first. Raises ``BucketNotFound``.

        A batch that fails afterwards leaves a gap in ``_seq``, which only
        orders records and is never shown.
        """
        state = self._state.find_one_and_update(
            {"_id": bucket}, {"$inc": {"seq": count}},
            projection={"seq": 1}, return_document=ReturnDocument.AFTER,
        )
        if state is None:
            self._seed(bucket)
            return self.reserve(bucket, count)
        return state["seq"] - count + 1

    def _seed(self, bucket):
        """Create the state document, carrying over what an older layout kept in ``_buckets``."""
        config = self._buckets.find_one({"_id": bucket}, dict.fromkeys(LEGACY_FIELDS, 1))
        if config is None:
            raise BucketNotFound(bucket)
        seeded = {"seq": config.get("_last_seq", 0)}
        if config.get("_last_updated") is not None:  # absent, not null, until the first write
            seeded["last_updated"] = config["_last_updated"]
        try:
            self._state.update_one({"_id": bucket}, {"$setOnInsert": seeded}, upsert=True)
        except DuplicateKeyError:  # another writer seeded it first
            pass

    def touch(self, bucket, now):
        """Move ``last_updated`` to ``now`` once a write succeeded (never backwards)."""
        self._state.update_one(
            {"_id": bucket}, {"$max": {"last_updated": mq.to_bson_datetime(now)}}, upsert=True
        )

    def last_updated(self, bucket):
        """The stored moment of the newest write, or None; raises ``BucketNotFound``."""
        state = self._state.find_one({"_id": bucket})
        if state is not None:
            return state.get("last_updated")
        config = self._buckets.find_one({"_id": bucket}, {"_last_updated": 1})
        if config is None:  # not written since an older layout, or no such bucket
            raise BucketNotFound(bucket)
        return config.get("_last_updated")
