"""Collect methods come from the plugin registry, exactly like the built-ins (SPEC 7)."""
from backdrop import hookimpl
from backdrop.buckets import new_config
from backdrop.collectors import Collector
from backdrop.records import prepare_batch


class DoubleSum:
    """A third-party collector: the store sums, ``finish`` doubles."""

    @hookimpl
    def backdrop_collectors(self):
        return [
            Collector("double", primitive="sum", finish=lambda value: value * 2),
            Collector("negated", primitive="sum", finish=lambda value: -value),
        ]


def test_a_plugin_collector_is_computed_by_its_primitive_then_finished(make_app):
    app = make_app(**{"backdrop.extra_plugins": [DoubleSum()]})
    store = app.app.registry["backdrop.store"]
    plugins = app.app.registry["backdrop.plugins"]
    config, _ = new_config("sales", {"raw_queries_allowed": True}, plugins)
    store.create_bucket(config)
    records = [
        {"_timestamp": "2013-03-18T00:00:00Z", "shop": "a", "n": 1},
        {"_timestamp": "2013-03-19T00:00:00Z", "shop": "a", "n": 2},
        {"_timestamp": "2013-03-19T00:00:00Z", "shop": "b", "n": 5},
    ]
    store.insert("sales", prepare_batch(records, config, plugins.bucket_types["events"]))
    rows = app.get("/sales?group_by=shop&collect=n:double&collect=n:sum"
                   "&sort_by=n:double:descending").json["data"]
    assert rows == [
        {"shop": "b", "_count": 1, "n:double": 10, "n:sum": 5},
        {"shop": "a", "_count": 2, "n:double": 6, "n:sum": 3},
    ]
    rows = app.get("/sales?group_by=shop&collect=n:negated"
                   "&sort_by=n:negated:descending&limit=1").json["data"]
    assert rows == [{"shop": "a", "_count": 2, "n:negated": -3}]
    message = app.get("/sales?group_by=shop&collect=n:triple", status=400).json["message"]
    assert "triple is not a known collect method" in message


def test_head_answers_like_get_without_a_body(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", raw_queries_allowed=True)
    get = app.get("/dinos")
    head = app.head("/dinos")
    assert head.body == b""
    assert head.headers["ETag"] == get.headers["ETag"]
