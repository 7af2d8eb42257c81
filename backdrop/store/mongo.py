"""The MongoDB store: for deployments that scale out on a replica set or sharded cluster.

Layout (see docs/stores.md):

* ``_buckets``: one document per bucket config (``_id`` is the name) plus
  ``_records``, the name of the collection that holds the bucket's records
  now, and ``_staging``, the collections a replace-all is filling.
* ``_bucket_state``: per bucket, ``seq`` (write-order counter) and
  ``last_updated``; written outside any transaction, so concurrent writers
  of one bucket never conflict on it.
* ``_users``: admin-app users (``_id`` is the email).
* ``_sessions``: each admin-app user's session generation (``_id`` is the email).
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
mix, at any size and on any topology (``mongo_collections``). Write state
lives in ``mongo_state``, document preparation in ``mongo_documents``,
pipelines in ``mongo_query``, the shard key in ``mongo_shard``.
"""
import functools
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pymongo
from bson import ObjectId
from pymongo import ReplaceOne, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern
from zope.interface import implementer

from ..buckets import NAME
from ..interfaces import IStore
from ..query import NUMERIC_PRIMITIVES, Group, percentile_fraction
from ..raw_text import record_text
from ..records import is_valid_key
from . import mongo_query as mq
from .errors import (
    BucketExists,
    BucketNotFound,
    DataGroupClash,
    NonNumericCollect,
    RecordNotFound,
    StoreUnavailable,
)
from .mongo_collections import LIVE, STAGING, RecordCollections
from .mongo_documents import documents as _documents
from .mongo_documents import last_wins as _last_wins
from .mongo_documents import stamped as _stamped
from .mongo_errors import driver_errors
from .mongo_shard import shard_collection
from .mongo_state import WriteState
from .mongo_topology import STAND_IN, MongoOptions, Topology

WRITE_CONCERN = WriteConcern(w="majority", j=True)
READ_CONCERN = ReadConcern("majority")
BUCKETS, USERS, SESSIONS = "_buckets", "_users", "_sessions"
DEFAULT_DATABASE = "backdrop"
SERVER_SELECTION_TIMEOUT_MS = 5_000
PING_TIMEOUT_S = 2
START_PROBE_TIMEOUT_S = 2
LOOKUP_TIMEOUT_S = 5  # config and state lookups (see MongoStore._deadline)
REPLACE_CHUNK = 10_000  # records per insert_many of a replace-all, each under its own deadline
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
        self._state = WriteState(self._db, self._db[BUCKETS])
        self._collections = RecordCollections(
            self._client, self._db, self._db[BUCKETS], lambda: self.topology().sharded
        )
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
        """The collection holding ``bucket``'s records now; raises ``BucketNotFound``."""
        self._check_name(bucket)
        return self._collections.live(bucket, session)

    def _reading(self, bucket, read):
        self._check_name(bucket)
        return self._collections.reading(bucket, read, self._deadline("lookup"))

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
        self._state.create(name)
        self._collections.drop_all(name)  # left behind by a deleted bucket of this name
        self._collections.create(name)

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
            self._state.delete(name)
            self._collections.drop_all(name)
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

    @_bounded("read")
    def session_generation(self, email):
        document = self._db[SESSIONS].find_one({"_id": email})
        return document["generation"] if document else 0

    @_bounded("write")
    def end_sessions(self, email):
        document = self._db[SESSIONS].find_one_and_update(
            {"_id": email}, {"$inc": {"generation": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return document["generation"]

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
        documents = _stamped(prepared, self._state.reserve(bucket, len(prepared)), now)

        def write(session):
            collection = self._db[self._live_name(bucket, session)]
            self._upsert(collection, documents, session)
            if capped_size is not None:
                self._cap(collection, capped_size, session)

        self._atomically(write)
        self._state.touch(bucket, now)
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
        step = functools.partial(pymongo.timeout, self.options.timeout_seconds)
        with step():
            self._writable_topology()
            self._live_name(bucket)
        unique = _last_wins(records)
        staging = f"{bucket}.{ObjectId()}"
        now = _now()
        try:
            with step():
                first = self._state.reserve(bucket, len(unique))
                collection = self._collections.begin_staging(bucket, staging)
            for start in range(0, len(unique), REPLACE_CHUNK):
                chunk = _documents(unique[start:start + REPLACE_CHUNK])
                with step():
                    collection.insert_many(_stamped(chunk, first + start, now), ordered=True)
            with step():
                still_staging = self._collections.swap(bucket, staging)
        except BaseException:
            self._abandon(bucket, staging)
            raise
        with step():
            self._state.touch(bucket, now)
            self._collections.drop_all(bucket, keep={staging, *still_staging})
        return len(records)

    def _abandon(self, bucket, staging):
        """Best effort: drop a staging collection a failed replace-all leaves behind."""
        try:
            with driver_errors(), pymongo.timeout(self.options.timeout_seconds):
                self._collections.abandon(bucket, staging)
        except (PyMongoError, StoreUnavailable):
            pass  # the next replace-all of this bucket drops it

    # -- deletes and updates (SPEC 2.1 DELETE and PATCH) -------------------------
    @_bounded("write")
    def delete_records(self, bucket, query):
        """One ``delete_many`` with the read query's ``$match``, in a transaction where
        there are transactions: on a sharded cluster ``mongos`` sends it to every
        shard, and readers see all of it deleted or none."""
        self._check_name(bucket)
        self._writable_topology()
        where = mq.match(query)

        def write(session):
            collection = self._db[self._live_name(bucket, session)]
            return collection.delete_many(where, session=session).deleted_count

        deleted = self._atomically(write)
        if deleted:
            self._state.touch(bucket, _now())
        return deleted

    @_bounded("write")
    def update_records(self, bucket, ids, revise):
        """Read, revise and upsert inside one transaction (snapshot reads, so a write
        landing between the read and the upsert aborts and retries it)."""
        self._check_name(bucket)
        ids = list(dict.fromkeys(ids))
        if not ids:
            self._live_name(bucket)
            return 0
        self._writable_topology()
        now = _now()
        first = self._state.reserve(bucket, len(ids))

        def write(session):
            collection = self._db[self._live_name(bucket, session)]
            found = collection.find({"_id": {"$in": ids}}, session=session)
            stored = {document["_id"]: mq.record_from_document(document) for document in found}
            missing = next((record_id for record_id in ids if record_id not in stored), None)
            if missing is not None:
                raise RecordNotFound(missing)
            documents = _stamped(_documents(revise(stored)), first, now)
            self._upsert(collection, documents, session)
            return len(documents)

        count = self._atomically(write)
        self._state.touch(bucket, now)
        return count

    @_bounded("read")
    def count(self, bucket, query=None):
        where = {} if query is None else mq.match(query)
        return self._reading(bucket, lambda records: records.count_documents(where))

    @_bounded("read")
    def field_names(self, bucket):
        pipeline = [
            {"$project": {"pairs": {"$objectToArray": "$$ROOT"}}},
            {"$unwind": "$pairs"},
            {"$group": {"_id": "$pairs.k"}},
        ]
        documents = self._reading(bucket, lambda records: self._aggregate(records, pipeline))
        return sorted(d["_id"] for d in documents if not d["_id"].startswith("_"))

    @_bounded("lookup")
    def last_updated(self, bucket):
        self._check_name(bucket)
        moment = self._state.last_updated(bucket)
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

    def raw_json(self, bucket, query):
        return list(map(record_text, self.raw(bucket, query)))

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
            keys = mq.group_labels(key, len(query.group_by))
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
        self._add_percentiles(collection, query, rows)
        return rows

    def _add_percentiles(self, collection, query, rows):
        """Each percentile collect from its own pipeline, joined to the groups by key."""
        for index, collect in enumerate(query.collect):
            if percentile_fraction(collect.primitive) is None or not rows:
                continue
            found = {mq.group_key(row["_id"]): row["v"]
                     for row in self._aggregate(collection, mq.percentile_pipeline(query, collect))}
            for row in rows:
                row[f"v{index}"] = found.get(mq.group_key(row["_id"]))

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
        return [c.field for c in query.collect if c.primitive in NUMERIC_PRIMITIVES]

    @staticmethod
    def _first_non_numeric(document, query):
        for collect in query.collect:
            value = document.get(collect.field)
            if collect.primitive in NUMERIC_PRIMITIVES and isinstance(value, (str, bool)):
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
