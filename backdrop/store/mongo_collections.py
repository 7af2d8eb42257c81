"""Which collection holds a bucket's records, and reading it safely across a replace-all swap.

A bucket's ``_buckets`` document names its live records collection in
``_records`` (the bucket's name until its first replace-all, then
``<bucket>.<ObjectId>``) and lists in ``_staging`` the collections a
replace-all is filling. A replace-all swaps ``_records`` in one
single-document update; readers check it before and after each query.
"""
import re

import pymongo
from pymongo.errors import OperationFailure

from . import mongo_query as mq
from .errors import BucketNotFound, StoreUnavailable
from .mongo_shard import shard_collection

LIVE, STAGING = "_records", "_staging"
READ_ATTEMPTS = 3  # reads retried when a replace-all swapped the bucket under them
RECORD_INDEXES = (
    [("_timestamp", 1), (mq.SEQ, 1)],  # windows, default raw order, earliest record
    [("_timestamp", -1), (mq.SEQ, 1)],  # sort_by=_timestamp:descending (ties in write order)
    [(mq.SEQ, 1)],  # capping
)


class RecordCollections:
    def __init__(self, client, db, buckets, sharded):
        self._client = client
        self._db = db
        self._buckets = buckets  # the _buckets collection
        self._sharded = sharded  # () -> True on a mongos

    def live(self, bucket, session=None):
        """The name of the collection holding ``bucket``'s records now; raises ``BucketNotFound``."""
        document = self._buckets.find_one({"_id": bucket}, {LIVE: 1}, session=session)
        if document is None:
            raise BucketNotFound(bucket)
        return document.get(LIVE, bucket)

    def reading(self, bucket, read, lookup_seconds):
        """``read(collection)`` on the bucket's live records, never across a replace-all swap.

        The pointer is read again afterwards: when a replace-all swapped it
        meanwhile (and may have dropped the collection being read), the read
        runs again on the new records. The first lookup has the short
        deadline, so a read fails fast when MongoDB is down.
        """
        for _ in range(READ_ATTEMPTS):
            with pymongo.timeout(lookup_seconds):
                name = self.live(bucket)
            try:
                result = read(self._db[name])
            except OperationFailure:
                if self.live(bucket) != name:
                    continue
                raise
            if self.live(bucket) == name:
                return result
        raise StoreUnavailable(f"store unavailable: {bucket} was replaced during every read; try again")

    def create(self, name):
        """Create a records collection with its indexes, sharded first on a ``mongos``."""
        self._db.create_collection(name)
        if self._sharded():
            shard_collection(self._client, self._db.name, name)
        collection = self._db[name]
        for keys in RECORD_INDEXES:
            collection.create_index(keys)
        return collection

    def of_bucket(self, bucket):
        """Every collection holding records of ``bucket``: live, staging or left behind."""
        # Filtered here: mongomock's listCollections filter still lists dropped collections.
        pattern = re.compile(f"{re.escape(bucket)}(\\.|$)")
        return [name for name in self._db.list_collection_names() if pattern.match(name)]

    def drop_all(self, bucket, keep=()):
        """Drop the bucket's record collections except ``keep``.

        After a swap that is the collection it retired and any a writer
        re-created by inserting into it after the swap (its records were
        replaced). Readers that were on a dropped collection see the pointer
        moved and read again (``reading``).
        """
        for name in self.of_bucket(bucket):
            if name not in keep:
                self._db.drop_collection(name)

    def begin_staging(self, bucket, name):
        self._buckets.update_one({"_id": bucket}, {"$push": {STAGING: name}})
        return self.create(name)

    def swap(self, bucket, name):
        """Make ``name`` the bucket's live collection; return the collections still staging.

        Raises ``BucketNotFound`` when the bucket was deleted meanwhile.
        """
        before = self._buckets.find_one_and_update(
            {"_id": bucket}, {"$set": {LIVE: name}, "$pull": {STAGING: name}},
            projection={STAGING: 1},
        )
        if before is None:
            raise BucketNotFound(bucket)
        return set(before.get(STAGING, ())) - {name}

    def abandon(self, bucket, name):
        self._db.drop_collection(name)
        self._buckets.update_one({"_id": bucket}, {"$pull": {STAGING: name}})
