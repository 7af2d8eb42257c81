"""SPEC 2.1: ``PUT`` replaces every record of a bucket, atomically; ``[]`` empties it."""
import json
import threading

import pytest

from .helpers import assert_error, bearer, event, records, snapshot

PATHS = ["/seeded", "/data/grp/kind"]


def _put(app, token, body, path="/seeded"):
    headers = {**bearer(token), "Content-Type": "application/json"}
    return app.put(path, json.dumps(body), headers=headers, expect_errors=True)


@pytest.mark.parametrize("path", PATHS)
def test_put_replaces_every_record(app, store, seeded, path):
    response = _put(app, seeded, [event(n=10), event(n=11), event(n=12)], path=path)
    assert response.json == {"status": "ok", "count": 3}
    assert response.headers["Cache-Control"] == "no-cache"
    assert sorted(r["n"] for r in records(store, "seeded")) == [10, 11, 12]
    assert not {"one", "two"} & {r["_id"] for r in records(store, "seeded")}


@pytest.mark.parametrize("path", PATHS)
def test_put_empty_array_empties_the_bucket(app, store, seeded, path):
    assert _put(app, seeded, [], path=path).json == {"status": "ok", "count": 0}
    assert store.count("seeded") == 0
    assert records(store, "seeded") == []


def test_put_single_object_leaves_one_record(app, store, seeded):
    assert _put(app, seeded, event(n=42)).json == {"status": "ok", "count": 1}
    assert [r["n"] for r in records(store, "seeded")] == [42]


def test_put_may_reuse_existing_ids(app, store, seeded):
    _put(app, seeded, [event(_id="one", n=100)])
    assert [(r["_id"], r["n"]) for r in records(store, "seeded")] == [("one", 100)]


@pytest.mark.parametrize(
    "body",
    [
        [event(n=10), event(_foo=1)],
        [event(n=10), {"n": 11}],
        [event(n=10), event(_timestamp="yesterday")],
        [event(n=10), event(v=[1])],
    ],
)
def test_a_rejected_put_leaves_every_record(app, store, seeded, body):
    before = snapshot(store, "seeded")
    assert_error(_put(app, seeded, body), 400)
    assert snapshot(store, "seeded") == before


def test_put_does_not_touch_other_buckets(app, store, seeded, make_bucket):
    other = make_bucket("neighbour")
    app.post_json("/neighbour", event(n=7), headers=bearer(other))
    _put(app, seeded, [])
    assert [r["n"] for r in records(store, "neighbour")] == [7]


def test_readers_never_see_a_half_replaced_bucket(app, make_app, store, seeded):
    """Replace 500 records by 500 others while another process-like store reads."""
    _put(app, seeded, [event(n=0, gen="a") for _ in range(500)])
    reader = make_app(**{"backdrop.roles": "read"}).app.registry["backdrop.store"]
    seen, stop, errors = set(), threading.Event(), []

    def read():
        try:
            while not stop.is_set():
                generations = [r["gen"] for r in records(reader, "seeded")]
                seen.add((len(generations), frozenset(generations)))
        except Exception as error:  # a read that fails mid-replace is a failure too
            errors.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for generation in "bcdef":
            assert _put(app, seeded, [event(n=0, gen=generation) for _ in range(500)]).status_int == 200
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert seen, "the reader never ran"
    for count, generations in seen:
        assert count == 500 and len(generations) == 1, (count, generations)
