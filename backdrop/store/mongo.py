"""The MongoDB store: for deployments that scale out on a replica set or sharded cluster.

Layout (see docs/stores.md):

* ``_buckets``: one document per bucket config (``_id`` is the name), plus the
  bucket's write state: ``_last_seq`` (write-order counter) and
  ``_last_updated``.
* ``_users``: admin-app users (``_id`` is the email).
* ``<bucket name>``: one collection of records per bucket. Each record keeps
  its fields, the period starts of ``_timestamp`` (``_hour_start_at`` ...
  ``_year_start_at``), ``_updated_at`` and ``_seq`` (write order, for capping
  and for stable ordering).

Every write uses ``w="majority", j=True``; reads use read concern
``majority``. Batches run in one transaction when the server supports them
(replica set or mongos); elsewhere (a standalone server, mongomock) they fall
back to one ordered ``bulk_write`` after encoding every document up front.
"""
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import bson
import pymongo
from bson.codec_options import DEFAULT_CODEC_OPTIONS
from pymongo import DeleteMany, InsertOne, ReturnDocument
from pymongo.errors import DuplicateKeyError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern
from zope.interface import implementer

from ..buckets import NAME
from ..interfaces import IStore
from ..periods import period_starts
from ..query import Group
from ..records import is_valid_key
from . import mongo_query as mq
from .errors import BucketExists, BucketNotFound, DataGroupClash, NonNumericCollect

WRITE_CONCERN = WriteConcern(w="majority", j=True)
READ_CONCERN = ReadConcern("majority")
BUCKETS, USERS = "_buckets", "_users"
LAST_SEQ, LAST_UPDATED = "_last_seq", "_last_updated"
STATE_FIELDS = (LAST_SEQ, LAST_UPDATED)
DEFAULT_DATABASE = "backdrop"
SERVER_SELECTION_TIMEOUT_MS = 5_000
PING_TIMEOUT_S = 2
RECORD_INDEXES = (
    [("_timestamp", 1), (mq.SEQ, 1)],
    [(mq.SEQ, 1)],
    *([(name, 1)] for name in mq.PERIOD_FIELDS.values()),
)
_PLACEHOLDER_TIME, _PLACEHOLDER_SEQ = datetime(1970, 1, 1), 2**62  # same BSON types as stamps
_MOCK_CLIENTS = {}  # mongomock://host -> one in-process stand-in shared by every store


def _database_name(url):
    name = urlsplit(url).path.lstrip("/")
    return name or DEFAULT_DATABASE


def _client_for(url):
    if url.startswith("mongomock:"):
        try:
            import mongomock
        except ImportError:  # pragma: no cover - depends on the environment
            raise SystemExit("backdrop: mongomock:// URLs need the mongomock package") from None
        return _MOCK_CLIENTS.setdefault(urlsplit(url).netloc, mongomock.MongoClient())
    options = {"appname": "backdrop"}
    if "serverselectiontimeoutms" not in url.lower():
        options["serverSelectionTimeoutMS"] = SERVER_SELECTION_TIMEOUT_MS
    return pymongo.MongoClient(url, **options)


def _now():
    return datetime.now(UTC)


def _public_config(document):
    config = {key: value for key, value in document.items() if key not in STATE_FIELDS}
    config["name"] = config.pop("_id")
    return config


def _last_wins(records):
    """One record per ``_id``, the last of each in batch order (upsert semantics)."""
    by_id = {}
    for record in records:
        by_id.pop(record["_id"], None)
        by_id[record["_id"]] = record
    return list(by_id.values())


def _documents(records):
    """Prepared records as stored, with their period starts, checked before any write.

    Each is encoded to BSON once here (with placeholder stamps), so a value
    BSON cannot hold fails before anything is written, even without a
    transaction. ``_stamped`` fills in the write order and time.
    """
    documents = []
    for record in _last_wins(records):
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
        documents.append(document)
    return documents


def _stamped(documents, first, now):
    """Copies of ``documents`` carrying write order ``first``, ``first + 1``, ... and ``now``."""
    updated_at = mq.to_bson_datetime(now)
    return [
        {**document, mq.UPDATED_AT: updated_at, mq.SEQ: first + offset}
        for offset, document in enumerate(documents)
    ]


@implementer(IStore)
class MongoStore:
    def __init__(self, url, client=None):
        self.url = url
        self._owns_client = client is None
        self._client = client if client is not None else _client_for(url)
        self._db = self._client.get_database(
            _database_name(url), write_concern=WRITE_CONCERN, read_concern=READ_CONCERN
        )
        self._transactions = None
        self._config_indexes = False

    # -- plumbing ------------------------------------------------------------
    def _supports_transactions(self):
        """True on a replica set or mongos (asked once); never on mongomock."""
        if self._transactions is None:
            if not isinstance(self._client, pymongo.MongoClient):
                self._transactions = False
            else:
                hello = self._client.admin.command("hello")
                self._transactions = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
        return self._transactions

    def _atomically(self, write):
        """Run ``write(session)`` in a transaction when possible, else with ``session=None``."""
        if not self._supports_transactions():
            return write(None)
        with self._client.start_session() as session:
            return session.with_transaction(
                write, read_concern=ReadConcern("snapshot"), write_concern=WRITE_CONCERN
            )

    def _records(self, bucket):
        if not isinstance(bucket, str) or not NAME.match(bucket):
            raise BucketNotFound(bucket)
        return self._db.get_collection(bucket)

    def _require(self, bucket):
        """The records collection of an existing bucket."""
        records = self._records(bucket)
        if self._db[BUCKETS].find_one({"_id": bucket}, {"_id": 1}) is None:
            raise BucketNotFound(bucket)
        return records

    def _stamp(self, bucket, count, session):
        """Reserve ``count`` write-order numbers and stamp the write time.

        Returns ``(first seq, now)``; raises ``BucketNotFound``. Inside a
        transaction this document also serialises writers of one bucket.
        """
        now = _now()
        state = self._db[BUCKETS].find_one_and_update(
            {"_id": bucket},
            {"$inc": {LAST_SEQ: count}, "$set": {LAST_UPDATED: mq.to_bson_datetime(now)}},
            projection={LAST_SEQ: 1},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if state is None:
            raise BucketNotFound(bucket)
        return state[LAST_SEQ] - count + 1, now

    def ping(self):
        try:
            with pymongo.timeout(PING_TIMEOUT_S):
                self._client.admin.command("ping")
            return True
        except Exception:  # ping must never raise
            return False

    def close(self):
        if self._owns_client and isinstance(self._client, pymongo.MongoClient):
            self._client.close()

    # -- bucket configs --------------------------------------------------------
    def _ensure_config_indexes(self):
        if not self._config_indexes:
            self._db[BUCKETS].create_index(
                [("data_group", 1), ("data_type", 1)],
                name="address",
                unique=True,
                partialFilterExpression={
                    "data_group": {"$type": "string"},
                    "data_type": {"$type": "string"},
                },
            )
            self._config_indexes = True

    def _check_address(self, config):
        data_group, data_type = config.get("data_group"), config.get("data_type")
        if data_group is None or data_type is None:
            return
        clash = self._db[BUCKETS].find_one(
            {"data_group": data_group, "data_type": data_type, "_id": {"$ne": config["name"]}},
            {"_id": 1},
        )
        if clash is not None:
            raise DataGroupClash(f"{data_group}/{data_type}")

    def create_bucket(self, config):
        name = config["name"]
        records = self._records(name)
        self._ensure_config_indexes()
        if self.get_bucket(name) is not None:
            raise BucketExists(name)
        self._check_address(config)
        document = {key: value for key, value in config.items() if key != "name"}
        document.update({"_id": name, LAST_SEQ: 0, LAST_UPDATED: None})
        try:
            self._db[BUCKETS].insert_one(document)
        except DuplicateKeyError:  # lost a race with another writer
            if self.get_bucket(name) is not None:
                raise BucketExists(name) from None
            raise DataGroupClash(f"{config.get('data_group')}/{config.get('data_type')}") from None
        for keys in RECORD_INDEXES:
            records.create_index(keys)

    def get_bucket(self, name):
        document = self._db[BUCKETS].find_one({"_id": name})
        return _public_config(document) if document else None

    def find_bucket(self, data_group, data_type):
        if data_group is None or data_type is None:
            return None
        document = self._db[BUCKETS].find_one({"data_group": data_group, "data_type": data_type})
        return _public_config(document) if document else None

    def list_buckets(self):
        return [_public_config(document) for document in self._db[BUCKETS].find().sort("_id", 1)]

    def update_bucket(self, name, changes):
        changes = {key: value for key, value in changes.items() if key != "name"}
        for key in changes:
            if not is_valid_key(key) or key.startswith("_"):
                raise ValueError(f"{key!r} is not a bucket config field")
        current = self.get_bucket(name)
        if current is None:
            raise BucketNotFound(name)
        updated = {**current, **changes}
        self._check_address(updated)
        if not changes:
            return current
        self._ensure_config_indexes()
        try:
            document = self._db[BUCKETS].find_one_and_update(
                {"_id": name}, {"$set": changes}, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:
            address = f"{updated.get('data_group')}/{updated.get('data_type')}"
            raise DataGroupClash(address) from None
        if document is None:
            raise BucketNotFound(name)
        return _public_config(document)

    def delete_bucket(self, name):
        existed = self._db[BUCKETS].delete_one({"_id": name}).deleted_count > 0
        if existed:
            self._records(name).drop()
        return existed

    # -- users -----------------------------------------------------------------
    def save_user(self, email, buckets):
        self._db[USERS].replace_one(
            {"_id": email}, {"_id": email, "buckets": list(buckets)}, upsert=True
        )

    def get_user(self, email):
        document = self._db[USERS].find_one({"_id": email})
        return {"email": document["_id"], "buckets": document["buckets"]} if document else None

    def list_users(self):
        return [
            {"email": document["_id"], "buckets": document["buckets"]}
            for document in self._db[USERS].find().sort("_id", 1)
        ]

    def delete_user(self, email):
        return self._db[USERS].delete_one({"_id": email}).deleted_count > 0

    # -- records ---------------------------------------------------------------
    def insert(self, bucket, records, capped_size=None):
        collection = self._records(bucket)
        prepared = _documents(records)
        if not prepared:  # nothing written: last_updated stays as it was
            self._require(bucket)
            return 0

        def write(session):
            first, now = self._stamp(bucket, len(prepared), session)
            documents = _stamped(prepared, first, now)
            # Delete-then-insert is an upsert that gives each record a new _seq.
            operations = [DeleteMany({"_id": {"$in": [doc["_id"] for doc in documents]}})]
            operations += [InsertOne(document) for document in documents]
            collection.bulk_write(operations, ordered=True, session=session)
            if capped_size is not None:
                self._cap(collection, capped_size, session)

        self._atomically(write)
        return len(records)

    @staticmethod
    def _cap(collection, capped_size, session):
        """Keep only the newest ``capped_size`` records by write order."""
        if capped_size <= 0:
            collection.delete_many({}, session=session)
            return
        oldest_kept = list(
            collection.find({}, {mq.SEQ: 1}, session=session)
            .sort(mq.SEQ, -1)
            .skip(capped_size - 1)
            .limit(1)
        )
        if oldest_kept:
            collection.delete_many({mq.SEQ: {"$lt": oldest_kept[0][mq.SEQ]}}, session=session)

    def replace_all(self, bucket, records):
        collection = self._records(bucket)
        prepared = _documents(records)

        def write(session):
            first, now = self._stamp(bucket, len(prepared), session)
            documents = _stamped(prepared, first, now)
            operations = [DeleteMany({})] + [InsertOne(document) for document in documents]
            collection.bulk_write(operations, ordered=True, session=session)

        self._atomically(write)
        return len(records)

    def count(self, bucket):
        return self._require(bucket).count_documents({})

    def last_updated(self, bucket):
        self._records(bucket)
        state = self._db[BUCKETS].find_one({"_id": bucket}, {LAST_UPDATED: 1})
        if state is None:
            raise BucketNotFound(bucket)
        moment = state.get(LAST_UPDATED)
        return mq.from_bson_datetime(moment) if moment is not None else None

    # -- queries ---------------------------------------------------------------
    def _aggregate(self, collection, pipeline):
        return collection.aggregate(pipeline, allowDiskUse=True)

    def raw(self, bucket, query):
        collection = self._require(bucket)
        if query.limit == 0:
            return []
        documents = self._aggregate(collection, mq.raw_pipeline(query))
        return [mq.record_from_document(document) for document in documents]

    def aggregate(self, bucket, query):
        collection = self._require(bucket)
        numeric = any(collect.primitive in ("sum", "mean") for collect in query.collect)
        if query.limit is not None and not query.period and numeric:
            # Groups cut off by the limit must not hide a non-number from sum/mean.
            unlimited = replace(query, limit=None, sort_by=None)
            self._check_numeric(self._aggregate(collection, mq.aggregate_pipeline(unlimited)), query)
        if query.limit == 0 and not query.period:
            return []
        rows = list(self._aggregate(collection, mq.aggregate_pipeline(query)))
        self._check_numeric(rows, query)
        groups = []
        for row in rows:
            key = row["_id"]
            period_start = mq.from_bson_datetime(key["p"]) if query.period else None
            values = {
                collect: mq.collected(collect.primitive, row.get(f"v{index}"))
                for index, collect in enumerate(query.collect)
            }
            keys = tuple(key.get(f"k{index}") for index in range(len(query.group_by)))
            groups.append(Group(keys, period_start, row["n"], values))
        return groups

    @staticmethod
    def _check_numeric(rows, query):
        for row in rows:
            bad = mq.non_numeric(row, query)
            if bad is not None:
                raise NonNumericCollect(bad.field, bad.primitive)

    def time_bounds(self, bucket, query):
        collection = self._require(bucket)
        rows = list(self._aggregate(collection, mq.time_bounds_pipeline(query)))
        if not rows or rows[0].get("low") is None:
            return None, None
        return mq.from_bson_datetime(rows[0]["low"]), mq.from_bson_datetime(rows[0]["high"])
