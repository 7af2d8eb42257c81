"""What only a real MongoDB server can show: transactions on the wire, concurrency, query plans.

Skipped on mongomock; ``tests/support/mongo_replica_set.sh`` starts a
one-node replica set and runs these with the rest of ``tests/store``.
"""
import os
import threading
import uuid

import pytest
from pymongo import MongoClient, monitoring

from backdrop.store.mongo import MongoStore
from tests.conftest import MONGO_URL_VARIABLE, _with_database

from .helpers import Query, SortBy, at, config, prepare

SERVER = os.environ.get(MONGO_URL_VARIABLE)
pytestmark = pytest.mark.skipif(not SERVER, reason="needs a real server (BACKDROP_TEST_MONGO_URL)")


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.names = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture
def watched():
    """A store on a fresh database whose client records every command it sends."""
    commands = Commands()
    database = "backdrop_test_" + uuid.uuid4().hex[:12]
    client = MongoClient(SERVER, event_listeners=[commands], serverSelectionTimeoutMS=5000)
    store = MongoStore(_with_database(SERVER, database), client=client)
    yield store, commands
    client.drop_database(database)
    client.close()


def test_a_batch_commits_one_transaction_on_a_replica_set(watched):
    store, commands = watched
    if not store.topology().transactions:
        pytest.skip("a standalone server has no transactions")
    store.create_bucket(config("visits"))
    del commands.names[:]

    store.insert("visits", prepare([{"_timestamp": "2014-01-08T10:00:00Z"}] * 3))

    assert commands.names.count("commitTransaction") == 1


def test_concurrent_upserts_of_one_id_all_succeed(watched):
    store, _ = watched
    store.create_bucket(config("visits"))
    errors = []

    def upsert(writer):
        try:
            for round_ in range(20):
                store.insert("visits", prepare([
                    {"_id": "same", "_timestamp": "2014-01-08T10:00:00Z", "w": writer, "r": round_},
                    {"_id": f"own{writer}", "_timestamp": "2014-01-08T10:00:00Z"},
                ]))
        except Exception as error:  # noqa: BLE001 - every failure is the finding
            errors.append(error)

    threads = [threading.Thread(target=upsert, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert store.count("visits") == 5


def _plan_stages(plan):
    stages = []
    while isinstance(plan, dict):
        stages.append(plan.get("stage"))
        plan = plan.get("inputStage")
    return stages


def test_sort_by_timestamp_descending_needs_no_sort_stage(watched):
    store, _ = watched
    store.create_bucket(config("visits"))
    store.insert("visits", prepare([{"_timestamp": f"2014-01-0{d}T10:00:00Z"} for d in range(1, 8)]))
    live = store._db["_buckets"].find_one({"_id": "visits"})["_records"]

    explained = store._db[live].find({}).sort([("_timestamp", -1), ("_seq", 1)]).limit(3).explain()
    stages = _plan_stages(explained["queryPlanner"]["winningPlan"].get("queryPlan",
                                                                       explained["queryPlanner"]["winningPlan"]))

    assert "SORT" not in stages and "IXSCAN" in stages


def test_time_bounds_examine_one_record_from_each_end(watched):
    store, commands = watched
    store.create_bucket(config("visits"))
    store.insert("visits", prepare([{"_timestamp": f"2014-01-0{d}T10:00:00Z"} for d in range(1, 8)]))
    del commands.names[:]

    bounds = store.time_bounds("visits", Query(start_at=at("2014-01-02T00:00:00Z"),
                                               end_at=at("2014-01-06T00:00:00Z")))

    assert bounds == (at("2014-01-02T10:00:00Z"), at("2014-01-05T10:00:00Z"))
    assert "aggregate" not in commands.names


def test_raw_sorted_descending_keeps_write_order_for_ties(watched):
    store, _ = watched
    store.create_bucket(config("visits"))
    store.insert("visits", prepare([{"_id": name, "_timestamp": "2014-01-08T10:00:00Z"}
                                    for name in ("a", "b", "c")]))

    found = store.raw("visits", Query(sort_by=SortBy("_timestamp", True)))

    assert [record["_id"] for record in found] == ["a", "b", "c"]


def test_readers_never_see_a_mix_while_buckets_are_replaced(watched):
    store, _ = watched
    store.create_bucket(config("visits"))
    small = prepare([{"_id": f"s{n}", "_timestamp": "2014-01-08T10:00:00Z"} for n in range(300)])
    large = prepare([{"_id": f"l{n}", "_timestamp": "2014-01-08T10:00:00Z"} for n in range(700)])
    store.replace_all("visits", small)
    seen, done = set(), threading.Event()

    def read():
        while not done.is_set():
            seen.add(store.count("visits"))

    reader = threading.Thread(target=read)
    reader.start()
    for batch in (large, small) * 5:
        store.replace_all("visits", batch)
    done.set()
    reader.join()

    assert seen <= {300, 700}
    assert len(store._collections.of_bucket("visits")) == 1
