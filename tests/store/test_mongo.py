"""What only the MongoDB store promises: URLs, layout, indexes, safe pipelines.

Runs on mongomock unless ``BACKDROP_TEST_MONGO_URL`` names a real server
(see conftest.py); the contract itself is in ``test_contract_*.py``.
"""
import time

import pytest

from backdrop.store import create_store
from backdrop.store.mongo import MongoStore
from backdrop.store.mongo_query import aggregate_pipeline, raw_pipeline

from .helpers import Collect, Filter, PrefixFilter, Query, SortBy, at, config, prepare

QUERY_STAGES = {"$match", "$group", "$project", "$sort", "$limit"}


def test_ping_is_false_when_the_server_is_unreachable():
    store = MongoStore("mongodb://127.0.0.1:1/backdrop?serverSelectionTimeoutMS=200")
    started = time.monotonic()

    assert store.ping() is False
    assert time.monotonic() - started < 5
    store.close()


def test_mongomock_urls_share_one_stand_in_per_host():
    writer = create_store("mongomock://shared-host/db_one")
    reader = create_store("mongomock://shared-host/db_one")
    other = create_store("mongomock://other-host/db_one")

    writer.create_bucket(config("visits"))

    assert isinstance(reader, MongoStore)
    assert reader.get_bucket("visits") is not None
    assert other.get_bucket("visits") is None
    writer.delete_bucket("visits")


def test_database_comes_from_the_url():
    assert MongoStore("mongomock://h/stats")._db.name == "stats"
    assert MongoStore("mongomock://h")._db.name == "backdrop"


def test_every_write_waits_for_a_journaled_majority():
    # pymongo builds collections without contacting a server (mongomock ignores concerns).
    store = MongoStore("mongodb://127.0.0.1:1/backdrop?serverSelectionTimeoutMS=200")
    for collection in (store._db["_buckets"], store._db["_users"], store._db["_bucket_state"],
                       store._db["visits"]):
        assert collection.write_concern.document == {"w": "majority", "j": True}
        assert collection.read_concern.level == "majority"
    store.close()


def test_creating_a_bucket_creates_its_indexes(mongo_store):
    mongo_store.create_bucket(config("visits"))

    indexed = [list(info["key"]) for info in mongo_store._db["visits"].index_information().values()]
    for keys in ([("_timestamp", 1), ("_seq", 1)], [("_timestamp", -1), ("_seq", 1)], [("_seq", 1)]):
        assert keys in indexed


def test_no_index_that_no_query_uses(mongo_store):
    """Finding 5: the six period-start indexes cost every write and served no query."""
    mongo_store.create_bucket(config("visits"))

    indexed = [list(info["key"]) for info in mongo_store._db["visits"].index_information().values()]

    assert not [keys for keys in indexed if keys[0][0].endswith("_start_at")]
    assert len(indexed) == 4  # _id plus the three above


def test_records_carry_period_starts_and_write_stamps(mongo_store):
    mongo_store.create_bucket(config("visits"))
    mongo_store.insert("visits", prepare([{"_id": "a", "_timestamp": "2014-01-08T10:11:12Z"},
                                          {"_id": "b", "_timestamp": "2014-01-08T10:11:12Z"}]))

    documents = list(mongo_store._db["visits"].find().sort("_seq", 1))

    assert [(doc["_id"], doc["_seq"]) for doc in documents] == [("a", 1), ("b", 2)]
    week = documents[0]["_week_start_at"]
    assert (week.year, week.month, week.day, week.hour) == (2014, 1, 6, 0)
    assert documents[0]["_quarter_start_at"].month == 1
    assert documents[0]["_updated_at"] is not None


def test_bucket_state_never_leaks_into_configs(mongo_store):
    mongo_store.create_bucket(config("visits"))
    mongo_store.insert("visits", prepare([{"_timestamp": "2014-01-08T10:11:12Z"}]))

    assert mongo_store.get_bucket("visits") == config("visits")
    assert mongo_store.list_buckets() == [config("visits")]


@pytest.mark.parametrize("query", [
    Query(group_by=("$where",)),
    Query(group_by=("a.b",)),
    Query(period="day", collect=(Collect("$gt", "sum"),)),
    Query(period="day", filters=(Filter("$or", (1,)),)),
    Query(period="day", prefix_filters=(PrefixFilter("a.b", "x"),)),
])
def test_field_names_that_are_not_keys_never_reach_the_server(mongo_store, query):
    mongo_store.create_bucket(config("visits"))

    with pytest.raises(ValueError):
        mongo_store.aggregate("visits", query)


def test_raw_sort_by_an_operator_name_is_refused(mongo_store):
    mongo_store.create_bucket(config("visits"))

    with pytest.raises(ValueError):
        mongo_store.raw("visits", Query(sort_by=SortBy("$natural")))


def test_pipelines_use_only_query_stages():
    query = Query(
        start_at=at("2014-01-01T00:00:00Z"), end_at=at("2014-02-01T00:00:00Z"),
        filters=(Filter("a", ("x", 1, True)),), prefix_filters=(PrefixFilter("b", "$x"),),
        group_by=("a", "b"), collect=tuple(Collect("c", p) for p in
                                           ("sum", "count", "set", "mean", "min", "max")),
        sort_by=SortBy("c:sum", descending=True), limit=5,
    )
    for pipeline in (aggregate_pipeline(query), raw_pipeline(Query(limit=3))):
        assert {stage for step in pipeline for stage in step} <= QUERY_STAGES


def test_filter_values_are_operands_not_operators(mongo_store):
    mongo_store.create_bucket(config("things", bucket_type="custom"))
    mongo_store.insert("things", prepare([{"_id": "a", "v": "x"}], "custom"))

    found = mongo_store.raw("things", Query(filters=(Filter("v", ("{'$ne': null}",)),)))

    assert found == []


def test_a_prefix_with_a_nul_matches_nothing(mongo_store):
    mongo_store.create_bucket(config("things", bucket_type="custom"))
    mongo_store.insert("things", prepare([{"_id": "a", "v": "x"}], "custom"))

    assert mongo_store.raw("things", Query(prefix_filters=(PrefixFilter("v", "x\x00"),))) == []


def test_mongomock_runs_without_transactions(mongo_store):
    if not isinstance(mongo_store._client, __import__("mongomock").MongoClient):
        pytest.skip("a real server decides for itself")
    assert mongo_store.topology().transactions is False


def test_records_come_back_with_id_last_although_a_server_stores_it_first():
    from backdrop.store.mongo_query import record_from_document

    record = record_from_document({"_id": "a", "name": "t-rex", "_seq": 3, "size": "big"})

    assert list(record) == ["name", "size", "_id"]
