"""``delete_records`` and ``update_records`` as a replica set or ``mongos`` runs them.

On mongomock with the thin fakes of ``mongo_fakes`` for what only a real
deployment has (its topology and its sessions): each change is one
transaction, the delete is one ``delete_many`` with the validated filter,
and a standalone server is refused as for every write.
"""
import mongomock
import pytest

from backdrop.store.errors import RecordNotFound, StoreUnavailable
from backdrop.store.mongo import MongoStore

from . import mongo_fakes as fakes
from .helpers import Filter, PrefixFilter, Query, at, config, ids, prepare

ROWS = [{"_id": f"r{n}", "_timestamp": f"2024-01-0{n}T00:00:00Z", "who": f"p{n}"} for n in range(1, 5)]


@pytest.fixture
def replica_set(monkeypatch):
    """A store on mongomock answering as a replica set, and the session its writes use."""
    store = MongoStore("mongomock://changes/backdrop", client=mongomock.MongoClient())
    store.create_bucket(config("visits"))
    store.insert("visits", prepare(ROWS))
    fakes.FakeServer(monkeypatch, fakes.REPLICA_SET)
    store._topology = None
    session = fakes.FakeSession()
    fakes.install_sessions(monkeypatch, session)
    return store, session


def record_calls(monkeypatch, *methods):
    """``(collection, method, first argument, session)`` of each call to ``methods``."""
    calls = []
    for method in methods:
        original = getattr(mongomock.collection.Collection, method)

        def recording(collection, *args, _original=original, _method=method, **kwargs):
            calls.append((collection.name, _method, args[0] if args else None, kwargs.get("session")))
            return _original(collection, *args, **kwargs)

        monkeypatch.setattr(mongomock.collection.Collection, method, recording)
    return calls


def test_a_delete_is_one_delete_many_inside_one_transaction(monkeypatch, replica_set):
    store, session = replica_set
    calls = record_calls(monkeypatch, "delete_many", "delete_one", "find")
    query = Query(start_at=at("2024-01-02T00:00:00Z"), end_at=at("2024-01-04T00:00:00Z"),
                  prefix_filters=(PrefixFilter("who", "p"),))

    assert store.delete_records("visits", query) == 2

    [(name, method, where, used)] = [call for call in calls if call[1].startswith("delete")]
    assert (name, method, used) == ("visits", "delete_many", session)
    assert where == {"$and": [
        {"_timestamp": {"$gte": at("2024-01-02T00:00:00Z").replace(tzinfo=None),
                        "$lt": at("2024-01-04T00:00:00Z").replace(tzinfo=None)}},
        {"who": {"$regex": "^p"}},
    ]}
    [(options, seconds)] = session.transactions
    assert options["read_concern"].level == "snapshot"
    assert 0 < seconds <= store.options.timeout_seconds
    assert ids(store.raw("visits", Query())) == ["r1", "r4"]


def test_filter_values_stay_operands(monkeypatch, replica_set):
    store, _ = replica_set
    calls = record_calls(monkeypatch, "delete_many")

    assert store.delete_records("visits", Query(filters=(Filter("who", ("$where", {"$ne": 1})),))) == 0

    [(_, _, where, _)] = calls
    assert where == {"who": {"$in": ["$where", {"$ne": 1}], "$not": {"$type": "bool"}}}
    assert store.count("visits") == 4


def test_an_update_reads_and_writes_inside_one_transaction(monkeypatch, replica_set):
    store, session = replica_set
    calls = record_calls(monkeypatch, "find", "replace_one")

    count = store.update_records("visits", ["r2"], lambda stored: prepare(
        [{**ROWS[1], "who": stored["r2"]["who"] + "!"}]))

    assert count == 1
    # The upsert is ``_upsert``'s: a bulk_write with the session on a server, one
    # replace_one per record on mongomock (which takes no session).
    assert [(method, used) for name, method, _, used in calls if name == "visits"] == [
        ("find", session), ("replace_one", None)]
    assert len(session.transactions) == 1
    assert store.raw("visits", Query(filters=(Filter("_id", ("r2",)),)))[0]["who"] == "p2!"


def test_a_retried_transaction_revises_again_from_what_it_reads(monkeypatch, replica_set):
    """``with_transaction`` re-runs the callback after a conflict: the result is one update."""
    store, _ = replica_set
    session = fakes.FakeSession(attempts=2)
    fakes.install_sessions(monkeypatch, session)
    seen = []

    def revise(stored):
        seen.append(stored["r1"]["who"])
        return prepare([{**ROWS[0], "who": "patched"}])

    assert store.update_records("visits", ["r1"], revise) == 1
    assert seen == ["p1", "patched"]  # the fake does not roll back; a server would show p1 twice
    assert store.count("visits") == 4


def test_an_unknown_id_aborts_the_transaction(replica_set):
    store, _ = replica_set
    before = store.raw("visits", Query())
    with pytest.raises(RecordNotFound):
        store.update_records("visits", ["r1", "ghost"], lambda stored: prepare([ROWS[0]]))
    assert store.raw("visits", Query()) == before


def test_a_standalone_server_is_refused_for_deletes_and_updates(monkeypatch):
    store = MongoStore("mongomock://standalone-changes/backdrop", client=mongomock.MongoClient())
    store.create_bucket(config("visits"))
    store.insert("visits", prepare(ROWS))
    fakes.FakeServer(monkeypatch, fakes.STANDALONE)
    store._topology = None

    with pytest.raises(StoreUnavailable, match="standalone"):
        store.delete_records("visits", Query(filters=(Filter("_id", ("r1",)),)))
    with pytest.raises(StoreUnavailable, match="standalone"):
        store.update_records("visits", ["r1"], lambda stored: prepare([ROWS[0]]))
    assert store.count("visits") == 4
