"""Finding 5 of issue 10: the slow paths of the MongoDB queries, and answers too large to build.

Counted at the driver boundary (mongomock's ``Collection`` methods); the
plans themselves are checked by ``explain`` on a real server in
``test_mongo_server.py``.
"""
import mongomock
import pytest
from pymongo.errors import OperationFailure

from backdrop.buckets import hash_token
from backdrop.store.errors import AnswerTooLarge, NonNumericCollect
from backdrop.store.mongo_query import raw_pipeline, time_bounds_lookups

from .helpers import Collect, Query, SortBy, at, config, custom, prepare

TOKEN = "t" * 40


@pytest.fixture
def calls(monkeypatch):
    """Every aggregate pipeline and find the store sends, in order."""
    sent = []
    for method in ("aggregate", "find"):
        original = getattr(mongomock.collection.Collection, method)

        def recording(collection, *args, _original=original, _method=method, **kwargs):
            if not collection.name.startswith("_"):
                sent.append((_method, args[0] if args else kwargs.get("filter")))
            return _original(collection, *args, **kwargs)

        monkeypatch.setattr(mongomock.collection.Collection, method, recording)
    return sent


def groupings(calls):
    return [pipeline for method, pipeline in calls
            if method == "aggregate" and any("$group" in stage for stage in pipeline)]


def test_time_bounds_are_two_sorted_lookups_not_a_grouping(mongo_store, calls):
    mongo_store.create_bucket(config("visits"))
    mongo_store.insert("visits", prepare([{"_timestamp": f"2014-01-0{d}T10:00:00Z"} for d in (3, 1, 7)]))
    del calls[:]

    low, high = mongo_store.time_bounds("visits", Query(start_at=at("2014-01-02T00:00:00Z"),
                                                        end_at=at("2014-02-01T00:00:00Z")))

    assert (low, high) == (at("2014-01-03T10:00:00Z"), at("2014-01-07T10:00:00Z"))
    assert groupings(calls) == []
    assert [method for method, _ in calls] == ["find", "find"]


def test_time_bounds_lookups_walk_the_timestamp_index_from_each_end():
    (_, first), (_, last) = time_bounds_lookups(Query())

    assert first == [("_timestamp", 1), ("_seq", 1)]
    assert last == [("_timestamp", -1), ("_seq", 1)]


def test_sort_by_timestamp_descending_has_a_matching_index(mongo_store):
    mongo_store.create_bucket(config("visits"))
    [sort] = [stage["$sort"] for stage in raw_pipeline(Query(sort_by=SortBy("_timestamp", True)))
              if "$sort" in stage]
    indexes = [list(info["key"]) for info in mongo_store._db["visits"].index_information().values()]
    reverse = [(name, -direction) for name, direction in sort.items()]

    assert list(sort.items()) in indexes or reverse in indexes


@pytest.mark.parametrize("limit", [1, 5])
def test_a_limit_with_sum_groups_once(mongo_store, calls, limit):
    custom(mongo_store, "mixed", [{"k": "a", "v": 1}, {"k": "a", "v": 2}, {"k": "b", "v": 3}])
    del calls[:]

    groups = mongo_store.aggregate("mixed", Query(group_by=("k",), collect=(Collect("v", "sum"),),
                                                  sort_by=SortBy("_count", True), limit=limit))

    assert [group.keys for group in groups] == [("a",), ("b",)][:limit]
    assert len(groupings(calls)) == 1


def test_a_limit_still_finds_a_non_number_in_a_group_it_cuts_off(mongo_store, calls):
    custom(mongo_store, "mixed", [{"k": "a", "v": 1}, {"k": "a", "v": 2}, {"k": "b", "v": True}])
    del calls[:]

    with pytest.raises(NonNumericCollect) as raised:
        mongo_store.aggregate("mixed", Query(group_by=("k",), collect=(Collect("v", "mean"),),
                                             sort_by=SortBy("_count", True), limit=1))

    assert (raised.value.field, raised.value.primitive) == ("v", "mean")
    assert len(groupings(calls)) <= 1


def test_the_non_number_lookup_names_the_collect_that_met_it(mongo_store):
    custom(mongo_store, "mixed", [{"k": "a", "v": 1, "w": 1}, {"k": "a", "v": 2, "w": 2},
                                  {"k": "b", "v": 3, "w": "x"}])

    with pytest.raises(NonNumericCollect) as raised:
        mongo_store.aggregate("mixed", Query(
            group_by=("k",), collect=(Collect("v", "sum"), Collect("w", "sum")),
            sort_by=SortBy("_count", True), limit=1))

    assert raised.value.field == "w"


ADD_TO_SET_LIMIT = OperationFailure(
    "PlanExecutor error during aggregation :: caused by :: $addToSet used too much memory and "
    "cannot spill to disk. Memory limit: 104857600 bytes", 146,
    {"code": 146, "codeName": "ExceededMemoryLimit"},
)
DOCUMENT_LIMIT = OperationFailure("BSONObj size: 17000000 is invalid", 10334,
                                  {"code": 10334, "codeName": "BSONObjectTooLarge"})


def _fail_set_groupings(monkeypatch, error):
    original = mongomock.collection.Collection.aggregate

    def failing(collection, pipeline, *args, **kwargs):
        if "$addToSet" in repr(pipeline):  # where the server meets its limit
            raise error
        return original(collection, pipeline, *args, **kwargs)

    monkeypatch.setattr(mongomock.collection.Collection, "aggregate", failing)


@pytest.mark.parametrize("error", [ADD_TO_SET_LIMIT, DOCUMENT_LIMIT])
def test_a_set_past_the_servers_limits_is_answer_too_large(monkeypatch, mongo_store, error):
    custom(mongo_store, "wide", [{"k": "a", "v": 1}])
    _fail_set_groupings(monkeypatch, error)

    with pytest.raises(AnswerTooLarge, match="narrow"):
        mongo_store.aggregate("wide", Query(group_by=("k",), collect=(Collect("v", "set"),)))


def test_a_set_past_the_servers_limits_is_a_400_not_a_500(monkeypatch, make_app, mongo_store):
    mongo_store.create_bucket(config("wide", bucket_type="custom", raw_queries_allowed=True,
                                     token_hash=hash_token(TOKEN)))
    mongo_store.insert("wide", prepare([{"k": "a", "v": 1}], "custom"))
    app = make_app(**{"backdrop.store": mongo_store})
    _fail_set_groupings(monkeypatch, ADD_TO_SET_LIMIT)

    response = app.get("/wide?group_by=k&collect=v:set", status=400)

    assert response.json["status"] == "error"
    assert "too large" in response.json["message"]
