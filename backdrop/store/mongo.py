"""The MongoDB store: for deployments that scale out on a replica set or sharded cluster.

Layout (see docs/stores.md):

* ``_buckets``: one document per bucket config (``_id`` is the name) plus
  ``_records``, the name of the collection that holds the bucket's records
  now, and ``_staging``, the collections a replace-all is filling.
* ``_bucket_state``: per bucket, ``seq`` (write-order counter) and
  ``last_updated``; written outside any transaction, so concurrent writers
  of one bucket never conflict on it.
* ``_users``: admin-app users (``_id`` is the email).
* ``<bucket name>`` and, after a replace-all, ``<bucket name>.<ObjectId>``:
  the records. Each record keeps its fields, the period starts of
  ``_timestamp`` (``_hour_start_at`` ... ``_year_start_at``), ``_updated_at``
  and ``_seq`` (write order, for capping and for stable ordering).

Every write uses ``w="majority", j=True``; reads use read concern
``majority``. Every operation runs under a deadline and maps driver errors
(``mongo_errors``). Batches run in one transaction on a replica set or
``mongos``; a standalone server is refused unless the settings accept
non-atomic batches (``mongo_topology``). A replace-all fills a fresh
collection and then swaps the bucket's ``_records`` pointer in one
single-document write, so readers see the old records or the new, never a
mix, at any size and on any topology.
"""
import functools
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import bson
import pymongo
from bson import ObjectId
from bson.codec_options import DEFAULT_CODEC_OPTIONS
from pymongo import ReplaceOne, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern
from zope.interface import implementer

from ..buckets import NAME
from ..interfaces import IStore
from ..periods import period_starts
from ..query import Group
from ..records import is_valid_key
from . import mongo_query as mq
from .errors import (
    BucketExists,
    BucketNotFound,
    DataGroupClash,
    NonNumericCollect,
    StoreUnavailable,
)
from .mongo_errors import driver_errors
from .mongo_shard import shard_collection
from .mongo_topology import STAND_IN, MongoOptions, Topology

WRITE_CONCERN = WriteConcern(w="majority", j=True)
READ_CONCERN = ReadConcern("majority")
BUCKETS, STATE, USERS = "_buckets", "_bucket_state", "_users"
LIVE, STAGING = "_records", "_staging"  # in a _buckets document
LEGACY_STATE = ("_last_seq", "_last_updated")  # state kept in _buckets before _bucket_state
DEFAULT_DATABASE = "backdrop"
SERVER_SELECTION_TIMEOUT_MS = 5_000
PING_TIMEOUT_S = 2
START_PROBE_TIMEOUT_S = 2
LOOKUP_TIMEOUT_S = 5  # config and state lookups (see MongoStore._deadline)
REPLACE_CHUNK = 10_000  # records per insert_many of a replace-all, each under its own deadline
READ_ATTEMPTS = 3  # reads retried when a replace-all swapped the bucket under them
RECORD_INDEXES = (
    [("_timestamp", 1), (mq.SEQ, 1)],  # windows, default raw order, earliest record
    [("_timestamp", -1), (mq.SEQ, 1)],  # sort_by=_timestamp:descending (ties in write order)
    [(mq.SEQ, 1)],  # capping
)
_PLACEHOLDER_TIME, _PLACEHOLDER_SEQ = datetime(1970, 1, 1), 2**62  # same BSON types as stamps
_MOCK_CLIENTS = {}  # mongomock://host -> one in-process stand-in shared by every store


def _database_name(url):
    name = urlsplit(url).path.lstrip("/")
    return name or DEFAULT_DATABASE


def _shown(url):
    """The URL without credentials, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _is_stand_in(client):
    return not isinstance(client, pymongo.MongoClient)


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
    config = {key: value for key, value in document.items() if not key.startswith("_")}
    config["name"] = document["_id"]
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


def _bounded(kind):
    """Run the method under the store's deadline for ``kind`` with driver errors mapped.

    ``kind`` is ``"write"`` or ``"read"`` (``MongoOptions``), or None for
    methods that set deadlines per step themselves.
    """

    def decorate(method):
        @functools.wraps(method)
        def bounded(self, *args, **kwargs):
            seconds = self._deadline(kind)
            with driver_errors(), pymongo.timeout(seconds):
                return method(self, *args, **kwargs)

        return bounded

    return decorate


@implementer(IStore)
class MongoStore:
    def __init__(self, url, client=None, options=None):
        self.url = url
        self.options = options or MongoOptions()
        self._owns_client = client is None
        self._client = client if client is not None else _client_for(url)
        self._db = self._client.get_database(
            _database_name(url), write_concern=WRITE_CONCERN, read_concern=READ_CONCERN
        )
        self._topology = None
        self._config_indexes = False
        if self._owns_client and not _is_stand_in(self._client):
            self._refuse_at_start()

    # -- plumbing ------------------------------------------------------------
    def _deadline(self, kind):
        """Seconds for one operation of ``kind``.

        Under a deadline pymongo waits for a server as long as the deadline
        allows (``serverSelectionTimeoutMS`` no longer applies), so the small
        lookups every request starts with (a bucket's config) get a short one:
        with MongoDB down a request answers 503 within it.
        """
        if kind == "read":
            return self.options.read_timeout_seconds
        if kind == "lookup":
            return min(self.options.timeout_seconds, LOOKUP_TIMEOUT_S)
        return self.options.timeout_seconds if kind == "write" else None

    def _hello(self):
        """The server's ``hello`` answer; None on the mongomock stand-in, which has no such command."""
        try:
            return self._client.admin.command("hello")
        except NotImplementedError:
            return None

    def topology(self):
        """What the deployment is (asked once, when the server first answers)."""
        if self._topology is None:
            hello = self._hello()
            self._topology = Topology(STAND_IN) if hello is None else Topology.from_hello(hello)
        return self._topology

    def _refuse_at_start(self):
        """Refuse a standalone server at start-up when it answers; else decide on first write."""
        try:
            with pymongo.timeout(START_PROBE_TIMEOUT_S):
                refusal = self.topology().refusal(self.options, _shown(self.url))
        except PyMongoError:
            return  # not reachable yet: every write checks again
        if refusal:
            raise SystemExit(f"backdrop: refusing to start: {refusal}")

    def _writable_topology(self):
        topology = self.topology()
        refusal = topology.refusal(self.options, _shown(self.url))
        if refusal:
            raise StoreUnavailable(f"store unavailable: {refusal}")
        return topology

    @property
    def warning(self):
        """What ``/_status`` tells an operator about this deployment, or None."""
        try:
            with driver_errors(), pymongo.timeout(PING_TIMEOUT_S):
                topology = self.topology()
        except (PyMongoError, StoreUnavailable):
            return None
        refusal = topology.refusal(self.options, _shown(self.url))
        return f"writes refused: {refusal}" if refusal else topology.warning

    def _atomically(self, write):
        """Run ``write(session)`` in a transaction when possible, else with ``session=None``.

        ``with_transaction`` retries transient conflicts with backoff
        (pymongo 4.17+) until the surrounding deadline, which also bounds
        ``commitTransaction``.
        """
        if not self._writable_topology().transactions:
            return write(None)
        with self._client.start_session() as session:
            return session.with_transaction(
                write, read_concern=ReadConcern("snapshot"), write_concern=WRITE_CONCERN
            )

    @staticmethod
    def _check_name(bucket):
        if not isinstance(bucket, str) or not NAME.match(bucket):
            raise BucketNotFound(bucket)

    def _live_name(self, bucket, session=None):
        """The name of the collection holding ``bucket``'s records now; raises ``BucketNotFound``."""
        self._check_name(bucket)
        document = self._db[BUCKETS].find_one({"_id": bucket}, {LIVE: 1}, session=session)
        if document is None:
            raise BucketNotFound(bucket)
        return document.get(LIVE, bucket)

    def _reading(self, bucket, read):
        """``read(collection)`` on the bucket's live records, never across a replace-all swap.

        The pointer is read again afterwards: when a replace-all swapped it
        meanwhile (and may have dropped the collection being read), the read
        runs again on the new records.
        """
        for _ in range(READ_ATTEMPTS):
            with pymongo.timeout(self._deadline("lookup")):  # fail fast when MongoDB is down
                name = self._live_name(bucket)
            try:
                result = read(self._db[name])
            except OperationFailure:
                if self._live_name(bucket) != name:
                    continue
                raise
            if self._live_name(bucket) == name:
                return result
        raise StoreUnavailable(f"store unavailable: {bucket} was replaced during every read; try again")

    def _new_records_collection(self, name):
        """Create a records collection with its indexes, sharded first on a ``mongos``."""
        self._db.create_collection(name)
        if self.topology().sharded:
            shard_collection(self._client, self._db.name, name)
        collection = self._db[name]
        for keys in RECORD_INDEXES:
            collection.create_index(keys)
        return collection

    def _record_collections(self, bucket):
        """Every collection holding records of ``bucket``: live, staging or left behind."""
        # Filtered here: mongomock's listCollections filter still lists dropped collections.
        pattern = re.compile(f"{re.escape(bucket)}(\\.|$)")
        return [name for name in self._db.list_collection_names() if pattern.match(name)]

    # -- write state: outside transactions, after success ----------------------
    def _reserve(self, bucket, count):
        """Reserve ``count`` write-order numbers; return the first. Raises ``BucketNotFound``.

        One atomic ``$inc`` on the bucket's state document, outside the
        batch's transaction: writers queue on it for microseconds instead of
        aborting each other's transactions. A batch that fails afterwards
        leaves a gap in ``_seq``, which only orders records.
        """
        state = self._db[STATE].find_one_and_update(
            {"_id": bucket}, {"$inc": {"seq": count}},
            projection={"seq": 1}, return_document=ReturnDocument.AFTER,
        )
        if state is None:
            self._seed_state(bucket)
            return self._reserve(bucket, count)
        return state["seq"] - count + 1

    def _seed_state(self, bucket):
        """Create the state document, carrying over state an older layout kept in ``_buckets``."""
        config = self._db[BUCKETS].find_one({"_id": bucket}, dict.fromkeys(LEGACY_STATE, 1))
        if config is None:
            raise BucketNotFound(bucket)
        seeded = {"seq": config.get("_last_seq", 0)}
        if config.get("_last_updated") is not None:  # absent, not null, until the first write
            seeded["last_updated"] = config["_last_updated"]
        try:
            self._db[STATE].update_one({"_id": bucket}, {"$setOnInsert": seeded}, upsert=True)
        except DuplicateKeyError:  # another writer seeded it first
            pass

    def _touch(self, bucket, now):
        """Move ``last_updated`` to ``now`` once a write succeeded (never backwards)."""
        self._db[STATE].update_one(
            {"_id": bucket}, {"$max": {"last_updated": mq.to_bson_datetime(now)}}, upsert=True
        )

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

    @_bounded("write")
    def create_bucket(self, config):
        name = config["name"]
        self._check_name(name)
        self._ensure_config_indexes()
        if self.get_bucket(name) is not None:
            raise BucketExists(name)
        self._check_address(config)
        document = {key: value for key, value in config.items() if key != "name"}
        document.update({"_id": name, LIVE: name, STAGING: []})
        try:
            self._db[BUCKETS].insert_one(document)
        except DuplicateKeyError:  # lost a race with another writer
            if self.get_bucket(name) is not None:
                raise BucketExists(name) from None
            raise DataGroupClash(f"{config.get('data_group')}/{config.get('data_type')}") from None
        self._db[STATE].replace_one({"_id": name}, {"seq": 0}, upsert=True)
        for leftover in self._record_collections(name):  # of a deleted bucket of this name
            self._db.drop_collection(leftover)
        self._new_records_collection(name)

    @_bounded("lookup")
    def get_bucket(self, name):
        document = self._db[BUCKETS].find_one({"_id": name})
        return _public_config(document) if document else None

    @_bounded("lookup")
    def find_bucket(self, data_group, data_type):
        if data_group is None or data_type is None:
            return None
        document = self._db[BUCKETS].find_one({"data_group": data_group, "data_type": data_type})
        return _public_config(document) if document else None

    @_bounded("read")
    def list_buckets(self):
        return [_public_config(document) for document in self._db[BUCKETS].find().sort("_id", 1)]

    @_bounded("write")
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

    @_bounded("write")
    def delete_bucket(self, name):
        if not isinstance(name, str) or not NAME.match(name):
            return False
        existed = self._db[BUCKETS].delete_one({"_id": name}).deleted_count > 0
        if existed:
            self._db[STATE].delete_one({"_id": name})
            for collection in self._record_collections(name):
                self._db.drop_collection(collection)
        return existed

    # -- users -----------------------------------------------------------------
    @_bounded("write")
    def save_user(self, email, buckets):
        self._db[USERS].replace_one(
            {"_id": email}, {"_id": email, "buckets": list(buckets)}, upsert=True
        )

    @_bounded("lookup")
    def get_user(self, email):
        document = self._db[USERS].find_one({"_id": email})
        return {"email": document["_id"], "buckets": document["buckets"]} if document else None

    @_bounded("read")
    def list_users(self):
        return [
            {"email": document["_id"], "buckets": document["buckets"]}
            for document in self._db[USERS].find().sort("_id", 1)
        ]

    @_bounded("write")
    def delete_user(self, email):
        return self._db[USERS].delete_one({"_id": email}).deleted_count > 0

    # -- records ---------------------------------------------------------------
    @staticmethod
    def _upsert(collection, documents, session):
        """Replace-or-insert each document by ``_id``, in order.

        A ``ReplaceOne`` upsert per record (never delete-then-insert), so two
        writers upserting one ``_id`` at once both succeed, the later winning,
        with or without a transaction. mongomock's ``bulk_write`` cannot take
        today's ``ReplaceOne``; it gets the same calls one by one.
        """
        if _is_stand_in(collection.database.client):
            for document in documents:
                collection.replace_one({"_id": document["_id"]}, document, upsert=True)
            return
        operations = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in documents]
        collection.bulk_write(operations, ordered=True, session=session)

    @_bounded("write")
    def insert(self, bucket, records, capped_size=None):
        self._check_name(bucket)
        prepared = _documents(records)
        if not prepared:  # nothing written: last_updated stays as it was
            self._live_name(bucket)
            return 0
        self._writable_topology()
        now = _now()
        documents = _stamped(prepared, self._reserve(bucket, len(prepared)), now)

        def write(session):
            collection = self._db[self._live_name(bucket, session)]
            self._upsert(collection, documents, session)
            if capped_size is not None:
                self._cap(collection, capped_size, session)

        self._atomically(write)
        self._touch(bucket, now)
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

    @_bounded(None)
    def replace_all(self, bucket, records):
        """Fill a fresh collection, then swap the bucket's pointer to it in one write.

        No transaction: each step has its own deadline, so a bucket of any
        size is replaced without meeting the transaction lifetime or cache
        limits. Until the swap nobody sees the new collection; a failure
        before it drops the new collection and leaves the bucket as it was.
        """
        timeout = pymongo.timeout
        with timeout(self.options.timeout_seconds):
            self._writable_topology()
            self._live_name(bucket)
        unique = _last_wins(records)
        staging = f"{bucket}.{ObjectId()}"
        now = _now()
        try:
            with timeout(self.options.timeout_seconds):
                first = self._reserve(bucket, len(unique))
                self._db[BUCKETS].update_one({"_id": bucket}, {"$push": {STAGING: staging}})
                collection = self._new_records_collection(staging)
            for start in range(0, len(unique), REPLACE_CHUNK):
                chunk = _documents(unique[start:start + REPLACE_CHUNK])
                with timeout(self.options.timeout_seconds):
                    collection.insert_many(_stamped(chunk, first + start, now), ordered=True)
            with timeout(self.options.timeout_seconds):
                before = self._db[BUCKETS].find_one_and_update(
                    {"_id": bucket}, {"$set": {LIVE: staging}, "$pull": {STAGING: staging}},
                    projection={LIVE: 1, STAGING: 1},
                )
            if before is None:
                raise BucketNotFound(bucket)
        except BaseException:
            self._abandon(bucket, staging)
            raise
        with timeout(self.options.timeout_seconds):
            self._touch(bucket, now)
            self._drop_retired(bucket, keep={staging, *before.get(STAGING, ())})
        return len(records)

    def _abandon(self, bucket, staging):
        """Best effort: drop a staging collection a failed replace-all leaves behind."""
        try:
            with driver_errors(), pymongo.timeout(self.options.timeout_seconds):
                self._db.drop_collection(staging)
                self._db[BUCKETS].update_one({"_id": bucket}, {"$pull": {STAGING: staging}})
        except (PyMongoError, StoreUnavailable):
            pass  # the next replace-all of this bucket drops it

    def _drop_retired(self, bucket, keep):
        """Drop the bucket's record collections that are neither live nor being filled.

        That is the collection the swap retired and any a writer re-created
        by inserting into it after the swap (its records were replaced).
        Readers that were on a dropped collection see the pointer moved and
        read again (``_reading``).
        """
        for name in self._record_collections(bucket):
            if name not in keep:
                self._db.drop_collection(name)

    @_bounded("read")
    def count(self, bucket):
        return self._reading(bucket, lambda records: records.count_documents({}))

    @_bounded("lookup")
    def last_updated(self, bucket):
        self._check_name(bucket)
        state = self._db[STATE].find_one({"_id": bucket})
        if state is None:  # not written since an older layout, or no such bucket
            config = self._db[BUCKETS].find_one({"_id": bucket}, {"_last_updated": 1})
            if config is None:
                raise BucketNotFound(bucket)
            moment = config.get("_last_updated")
        else:
            moment = state.get("last_updated")
        return mq.from_bson_datetime(moment) if moment is not None else None

    # -- shard-bucket ----------------------------------------------------------
    @_bounded(None)
    def shard_bucket(self, bucket):
        """Shard the bucket's records collection on a ``mongos`` (``backdrop shard-bucket``)."""
        with pymongo.timeout(self.options.timeout_seconds):
            if not self.topology().sharded:
                raise ValueError(
                    f"{_shown(self.url)} is a {self.topology().kind}, not a mongos: nothing to shard"
                )
            name = self._live_name(bucket)
        return shard_collection(self._client, self._db.name, name)  # builds an index: no deadline

    # -- queries ---------------------------------------------------------------
    @staticmethod
    def _aggregate(collection, pipeline):
        return list(collection.aggregate(pipeline, allowDiskUse=True))

    @_bounded("read")
    def raw(self, bucket, query):
        if query.limit == 0:
            self._live_name(bucket)
            return []
        documents = self._reading(
            bucket, lambda records: self._aggregate(records, mq.raw_pipeline(query))
        )
        return [mq.record_from_document(document) for document in documents]

    @_bounded("read")
    def aggregate(self, bucket, query):
        rows = self._reading(bucket, lambda records: self._grouped(records, query))
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

    def _grouped(self, collection, query):
        limited = query.limit is not None and not query.period
        if limited:
            # Groups cut off by the limit must not hide a non-number from sum/mean.
            self._check_hidden(collection, query)
            if query.limit == 0:
                return []
        rows = self._aggregate(collection, mq.aggregate_pipeline(query))
        for row in rows:
            bad = mq.non_numeric(row, query)
            if bad is not None:
                raise NonNumericCollect(bad.field, bad.primitive)
        return rows

    def _check_hidden(self, collection, query):
        """One ``find_one`` for a non-number in any matched record, instead of a second grouping."""
        hidden = mq.non_numeric_match(query)
        if hidden is None:
            return
        found = collection.find_one(hidden, dict.fromkeys(self._numeric_fields(query), 1))
        if found is not None:
            raise NonNumericCollect(*self._first_non_numeric(found, query))

    @staticmethod
    def _numeric_fields(query):
        return [c.field for c in query.collect if c.primitive in ("sum", "mean")]

    @staticmethod
    def _first_non_numeric(document, query):
        for collect in query.collect:
            value = document.get(collect.field)
            if collect.primitive in ("sum", "mean") and isinstance(value, (str, bool)):
                return collect.field, collect.primitive
        raise AssertionError("non_numeric_match found a record without a non-number")

    @_bounded("read")
    def time_bounds(self, bucket, query):
        def bounds(records):
            found = [
                next(iter(records.find(where, {"_timestamp": 1}).sort(order).limit(1)), None)
                for where, order in mq.time_bounds_lookups(query)
            ]
            return [document and document["_timestamp"] for document in found]

        low, high = self._reading(bucket, bounds)
        if low is None:
            return None, None
        return mq.from_bson_datetime(low), mq.from_bson_datetime(high)
