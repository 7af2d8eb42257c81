"""Findings 1-4 of issue 10: bounded waits, atomicity, replace-all, the hot bucket document.

On mongomock, with thin fakes (``mongo_fakes``) for what only a real
deployment answers: its topology, its sessions and the driver errors it
raises. Each test failed before the fix it names.
"""
import time
from pathlib import Path

import mongomock
import pymongo
import pytest
from pymongo.errors import AutoReconnect, OperationFailure, PyMongoError, WTimeoutError

from backdrop.buckets import hash_token
from backdrop.store import create_store
from backdrop.store import mongo as mongo_module
from backdrop.store.errors import StoreUnavailable
from backdrop.store.mongo import MongoStore
from backdrop.store.mongo_topology import MongoOptions
from tests.support.cli import run

from . import mongo_fakes as fakes
from .helpers import Query, config, ids, prepare


def collections_of(store, bucket):
    """The database's collections named ``bucket`` or ``bucket.<anything>``."""
    return sorted(name for name in store._db.list_collection_names()
                  if name == bucket or name.startswith(bucket + "."))


INI = str(Path(__file__).parents[2] / "development.ini")
ROWS = [{"_id": f"r{n}", "_timestamp": "2014-01-08T10:00:00Z", "n": n} for n in range(5)]


@pytest.fixture
def mock_store():
    """A MongoStore on a fresh mongomock client (the fakes patch mongomock's classes)."""
    client = mongomock.MongoClient()
    store = MongoStore("mongomock://failures/backdrop", client=client)
    store.create_bucket(config("visits"))
    return store


# -- 1. bounded waits -------------------------------------------------------------
def test_an_unreachable_server_is_store_unavailable_not_a_driver_error():
    store = MongoStore("mongodb://127.0.0.1:1/backdrop", options=MongoOptions(timeout_seconds=1))
    started = time.monotonic()

    with pytest.raises(StoreUnavailable, match="^store unavailable: "):
        store.get_bucket("visits")
    assert time.monotonic() - started < 5
    store.close()


@pytest.mark.parametrize("method", ["replace_one", "find_one_and_update"])
def test_a_write_waits_for_a_majority_only_until_its_deadline(monkeypatch, mock_store, method):
    fakes.hang_without_deadline(monkeypatch, method)

    with pytest.raises(StoreUnavailable, match="^store unavailable: MongoDB did not answer in time"):
        mock_store.insert("visits", prepare(ROWS))


def test_a_query_runs_under_the_read_deadline(monkeypatch, mock_store):
    fakes.hang_without_deadline(monkeypatch, "aggregate")

    with pytest.raises(StoreUnavailable):
        mock_store.raw("visits", Query())


def _record_deadline(monkeypatch, method, seen):
    original = getattr(mongomock.collection.Collection, method)

    def recording(collection, *args, **kwargs):
        seen.setdefault(method, fakes.deadline())
        return original(collection, *args, **kwargs)

    monkeypatch.setattr(mongomock.collection.Collection, method, recording)


def test_deadlines_come_from_the_settings(monkeypatch):
    options = MongoOptions.from_settings({
        "backdrop.mongodb.timeout_seconds": "3", "backdrop.mongodb.read_timeout_seconds": "40",
    })
    store = MongoStore("mongomock://deadlines/backdrop", client=mongomock.MongoClient(),
                       options=options)
    store.create_bucket(config("visits"))
    seen = {}
    for method in ("aggregate", "replace_one"):
        _record_deadline(monkeypatch, method, seen)

    store.raw("visits", Query())
    store.insert("visits", prepare(ROWS))

    assert 30 < seen["aggregate"] <= 40
    assert 0 < seen["replace_one"] <= 3


def test_a_write_concern_timeout_says_the_write_may_have_been_applied(monkeypatch, mock_store):
    error = WTimeoutError("waiting for replication timed out", 64,
                          {"code": 64, "errInfo": {"wtimeout": True}})
    fakes.raise_from(monkeypatch, "replace_one", error)

    with pytest.raises(StoreUnavailable, match="did not acknowledge the write in time; it may"):
        mock_store.insert("visits", prepare(ROWS))


def test_a_transaction_and_its_commit_run_under_the_write_deadline(monkeypatch, mock_store):
    fakes.FakeServer(monkeypatch, fakes.REPLICA_SET)
    mock_store._topology = None
    session = fakes.FakeSession()
    fakes.install_sessions(monkeypatch, session)

    mock_store.insert("visits", prepare(ROWS))

    [(options, seconds)] = session.transactions
    assert seconds is not None and 0 < seconds <= mock_store.options.timeout_seconds
    assert options["read_concern"].level == "snapshot"
    assert options["write_concern"].document == {"w": "majority", "j": True}


def test_a_store_error_of_a_write_is_a_503_with_the_error_shape(monkeypatch, make_app, mock_store):
    token = "t" * 40
    mock_store.update_bucket("visits", {"token_hash": hash_token(token)})
    app = make_app(**{"backdrop.store": mock_store})
    fakes.raise_from(monkeypatch, "replace_one", AutoReconnect("connection reset"))

    response = app.post_json("/visits", ROWS[:1], headers={"Authorization": f"Bearer {token}"},
                             status=503)

    assert response.json["status"] == "error"
    assert response.json["message"].startswith("store unavailable: ")
    assert mock_store.last_updated("visits") is None


def test_the_cli_says_store_unavailable_without_a_traceback(capsys, monkeypatch):
    monkeypatch.setenv("BACKDROP_STORE_URL", "mongomock://cli-unavailable/cli")
    fakes.raise_from(monkeypatch, "find", AutoReconnect("connection reset by peer"))

    code, out, err = run(capsys, "list-buckets", INI)

    assert code == 2
    assert err.startswith("backdrop: store unavailable: MongoDB did not answer in time")
    assert "Traceback" not in err + out


def test_a_read_of_an_unreachable_store_is_a_503(make_app):
    store = MongoStore("mongodb://127.0.0.1:1/backdrop", options=MongoOptions(timeout_seconds=1))
    app = make_app(**{"backdrop.store": store})

    response = app.get("/visits", status=503)

    assert response.json == {"status": "error", "message": response.json["message"]}
    assert response.json["message"].startswith("store unavailable: ")
    assert app.get("/_status", status=500).json["message"] == "cannot connect to store"


# -- 2. standalone servers and failed batches --------------------------------------
def test_a_standalone_server_is_refused_at_start(monkeypatch):
    fakes.FakeServer(monkeypatch, fakes.STANDALONE)
    monkeypatch.setattr(mongo_module, "_client_for", lambda url: mongomock.MongoClient())
    monkeypatch.setattr(mongo_module, "_is_stand_in", lambda client: False)

    with pytest.raises(SystemExit, match="refusing to start: .*standalone.*allow_standalone"):
        create_store("mongodb://user:secret@db.example/backdrop", {})


def test_a_refusal_never_shows_the_credentials_of_the_url(monkeypatch):
    fakes.FakeServer(monkeypatch, fakes.STANDALONE)
    monkeypatch.setattr(mongo_module, "_client_for", lambda url: mongomock.MongoClient())
    monkeypatch.setattr(mongo_module, "_is_stand_in", lambda client: False)

    with pytest.raises(SystemExit) as refused:
        create_store("mongodb://user:secret@db.example/backdrop", {})
    assert "secret" not in str(refused.value) and "db.example" in str(refused.value)


def test_a_standalone_server_found_after_start_refuses_writes(monkeypatch, mock_store):
    fakes.FakeServer(monkeypatch, fakes.STANDALONE)
    mock_store._topology = None  # as if the server first answered now

    with pytest.raises(StoreUnavailable, match="standalone"):
        mock_store.insert("visits", prepare(ROWS))
    with pytest.raises(StoreUnavailable, match="standalone"):
        mock_store.replace_all("visits", prepare(ROWS))
    assert mock_store.count("visits") == 0
    assert mock_store.warning.startswith("writes refused: the MongoDB server at mongomock://")


def test_an_accepted_standalone_server_writes_and_says_so_in_status(monkeypatch, make_app):
    fakes.FakeServer(monkeypatch, fakes.STANDALONE)
    options = MongoOptions.from_settings({"backdrop.mongodb.allow_standalone": "true"})
    store = MongoStore("mongomock://standalone/backdrop", client=mongomock.MongoClient(),
                       options=options)
    store.create_bucket(config("visits"))

    store.insert("visits", prepare(ROWS))
    body = make_app(**{"backdrop.store": store}).get("/_status", status=200).json

    assert store.count("visits") == 5
    assert body["status"] == "ok"
    assert "standalone" in body["warning"] and "not atomic" in body["warning"]


def test_a_replica_set_needs_no_warning(monkeypatch, mock_store):
    fakes.FakeServer(monkeypatch, fakes.REPLICA_SET)
    mock_store._topology = None

    assert mock_store.warning is None


def test_a_batch_that_fails_on_the_server_moves_no_write_state(mock_store):
    # A unique index the store does not know of: the server refuses the second record.
    mock_store._db["visits"].create_index("u", unique=True)
    state_before = mock_store._db["_bucket_state"].find_one({"_id": "visits"})

    with pytest.raises(OperationFailure):  # DuplicateKeyError, or a BulkWriteError holding one
        mock_store.insert("visits", prepare([{**ROWS[0], "u": 1}, {**ROWS[1], "u": 1}]))

    assert mock_store.last_updated("visits") is None
    assert mock_store._db["_buckets"].find_one({"_id": "visits"}).keys() == \
        {"_id", *config("visits"), "_records", "_staging"} - {"name"}
    assert mock_store._db["_bucket_state"].find_one({"_id": "visits"}).get("last_updated") is None
    assert state_before.get("last_updated") is None


def test_an_upsert_never_deletes_the_record_it_replaces(monkeypatch, mock_store):
    """Delete-then-insert let a concurrent upsert of the same _id fail with a duplicate key."""
    mock_store.insert("visits", prepare(ROWS[:2]))
    deleted = []
    original = mongomock.store.CollectionStore.__delitem__

    def recording(collection_store, key):
        deleted.append(key)
        return original(collection_store, key)

    monkeypatch.setattr(mongomock.store.CollectionStore, "__delitem__", recording)

    mock_store.insert("visits", prepare([{**ROWS[0], "n": 10}, {**ROWS[1], "n": 11}]))

    assert deleted == []
    assert [r["n"] for r in mock_store.raw("visits", Query())] == [10, 11]


# -- 3. replace-all: old or new, never a mix, without a transaction ----------------
def test_readers_see_the_old_records_or_the_new_during_a_replace_all(monkeypatch, mock_store):
    mock_store.insert("visits", prepare(ROWS[:3]))
    monkeypatch.setattr(mongo_module, "REPLACE_CHUNK", 2)
    seen = []
    original = mongomock.collection.Collection._insert

    def insert_and_read(collection, data, *args, **kwargs):
        result = original(collection, data, *args, **kwargs)
        if isinstance(data, dict) and not collection.name.startswith("_"):
            seen.append(ids(mock_store.raw("visits", Query())))
        return result

    monkeypatch.setattr(mongomock.collection.Collection, "_insert", insert_and_read)
    new = [{"_id": f"new{n}", "_timestamp": "2014-01-09T10:00:00Z"} for n in range(5)]

    mock_store.replace_all("visits", prepare(new))

    assert len(seen) == 5
    assert all(found == ["r0", "r1", "r2"] for found in seen)
    assert ids(mock_store.raw("visits", Query())) == [f"new{n}" for n in range(5)]


def test_a_replace_all_opens_no_transaction(monkeypatch, mock_store):
    """The 60 s transaction lifetime and TransactionTooLargeForCache cannot meet it."""
    fakes.FakeServer(monkeypatch, fakes.REPLICA_SET)
    mock_store._topology = None

    def no_sessions(client, **kwargs):
        raise AssertionError("a replace-all must not run in a transaction")

    monkeypatch.setattr(mongomock.MongoClient, "start_session", no_sessions, raising=False)
    monkeypatch.setattr(mongo_module, "REPLACE_CHUNK", 2)

    assert mock_store.replace_all("visits", prepare(ROWS)) == 5
    assert mock_store.count("visits") == 5


def test_each_chunk_of_a_replace_all_has_its_own_deadline(monkeypatch, mock_store):
    monkeypatch.setattr(mongo_module, "REPLACE_CHUNK", 2)
    deadlines = []
    original = mongomock.collection.Collection.insert_many

    def recording(collection, *args, **kwargs):
        deadlines.append(fakes.deadline())
        return original(collection, *args, **kwargs)

    monkeypatch.setattr(mongomock.collection.Collection, "insert_many", recording)

    mock_store.replace_all("visits", prepare(ROWS))

    assert len(deadlines) == 3
    assert all(0 < seconds <= mock_store.options.timeout_seconds for seconds in deadlines)


def test_a_replace_all_that_fails_leaves_the_bucket_as_it_was(monkeypatch, mock_store):
    mock_store.insert("visits", prepare(ROWS[:2]))
    before = mock_store.last_updated("visits")
    monkeypatch.setattr(mongo_module, "REPLACE_CHUNK", 2)
    calls = []

    def second_chunk_fails(collection, *args, **kwargs):
        calls.append(1)
        return len(calls) == 2

    fakes.raise_from(monkeypatch, "insert_many", AutoReconnect("primary stepped down"),
                     when=second_chunk_fails)

    with pytest.raises(StoreUnavailable):
        mock_store.replace_all("visits", prepare(ROWS))

    assert ids(mock_store.raw("visits", Query())) == ["r0", "r1"]
    assert mock_store.last_updated("visits") == before
    assert collections_of(mock_store, "visits") == ["visits"]
    assert mock_store._db["_buckets"].find_one({"_id": "visits"})["_staging"] == []


def test_a_replace_all_drops_the_collection_it_retired(mock_store):
    mock_store.insert("visits", prepare(ROWS))
    mock_store.replace_all("visits", prepare(ROWS[:1]))
    mock_store.replace_all("visits", prepare(ROWS[:2]))

    [name] = collections_of(mock_store, "visits")
    assert name == mock_store._db["_buckets"].find_one({"_id": "visits"})["_records"]
    assert name.startswith("visits.")
    assert mock_store.count("visits") == 2


def test_a_read_that_meets_a_swap_reads_the_new_records(monkeypatch, mock_store):
    mock_store.insert("visits", prepare(ROWS[:3]))
    original = mongomock.collection.Collection.aggregate
    swapped = []

    def swap_during_the_first_read(collection, *args, **kwargs):
        result = original(collection, *args, **kwargs)
        if not swapped:
            swapped.append(1)
            mock_store.replace_all("visits", prepare(ROWS[3:]))
        return result

    monkeypatch.setattr(mongomock.collection.Collection, "aggregate", swap_during_the_first_read)

    assert ids(mock_store.raw("visits", Query())) == ["r3", "r4"]


def test_deleting_a_bucket_drops_every_collection_of_its_records(mock_store):
    mock_store.insert("visits", prepare(ROWS))
    mock_store.replace_all("visits", prepare(ROWS[:1]))
    mock_store.create_bucket(config("visits-2"))

    assert mock_store.delete_bucket("visits") is True

    assert collections_of(mock_store, "visits") == []
    assert mock_store.count("visits-2") == 0


# -- 4. the bucket's counters out of the hot document and out of the transaction ----
def test_a_batch_transaction_writes_records_only(monkeypatch, mock_store):
    fakes.FakeServer(monkeypatch, fakes.REPLICA_SET)
    mock_store._topology = None
    session = fakes.FakeSession(attempts=2)  # the driver re-runs the callback after a conflict
    fakes.install_sessions(monkeypatch, session)
    in_transaction = []
    for method in ("find_one_and_update", "update_one", "replace_one", "delete_many", "bulk_write"):
        original = getattr(mongomock.collection.Collection, method)

        def recording(collection, *args, _original=original, _method=method, **kwargs):
            if kwargs.get("session") is session:
                in_transaction.append((collection.name, _method))
            return _original(collection, *args, **kwargs)

        monkeypatch.setattr(mongomock.collection.Collection, method, recording)

    mock_store.insert("visits", prepare(ROWS), capped_size=3)

    assert {name for name, _ in in_transaction} == {"visits"}
    assert ids(mock_store.raw("visits", Query())) == ["r2", "r3", "r4"]
    assert mock_store._db["_buckets"].find_one({"_id": "visits"}).get("_last_seq") is None


def test_write_order_continues_from_a_store_of_the_older_layout(mock_store):
    mock_store._db["_bucket_state"].delete_one({"_id": "visits"})
    mock_store._db["_buckets"].update_one({"_id": "visits"}, {"$set": {"_last_seq": 41}})

    mock_store.insert("visits", prepare(ROWS[:1]))

    assert mock_store._db["visits"].find_one({"_id": "r0"})["_seq"] == 42


def test_pymongo_is_new_enough_for_transaction_backoff():
    major, minor = (int(part) for part in pymongo.version.split(".")[:2])
    assert (major, minor) >= (4, 17)
    text = (__import__("pathlib").Path(__file__).parents[2] / "setup.py").read_text()
    assert '"pymongo>=4.17"' in text


def test_driver_errors_the_store_does_not_know_stay_what_they_are(monkeypatch, mock_store):
    fakes.raise_from(monkeypatch, "replace_one", PyMongoError("something new"))

    with pytest.raises(PyMongoError, match="something new"):
        mock_store.insert("visits", prepare(ROWS))


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan"])
def test_a_deadline_that_is_not_a_positive_number_refuses_to_start(value):
    with pytest.raises(SystemExit, match="backdrop.mongodb.timeout_seconds must be a positive"):
        MongoOptions.from_settings({"backdrop.mongodb.timeout_seconds": value})
