"""A full store: 507 storing nothing of the batch, reads go on, ``/_status`` says so, and
writes succeed again once there is room, without a restart.

Two ways to fill it: SQLite's ``PRAGMA max_page_count`` on a real file, and a
small tmpfs filled for real under a real ``pserve`` (needs root, as CI has).
"""
import errno
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.metrics import METRICS_SETTINGS, METRICS_TOKEN, scrape, value
from tests.support.servers import Server, request

PAD = "x" * 200


def _batch(marker, size):
    return [{"_timestamp": "2024-01-01T00:00:00Z", "marker": marker, "i": i, "pad": PAD} for i in range(size)]


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _assert_full(response):
    assert response.status_int == 507
    assert response.json["status"] == "error"
    assert response.json["message"] == "store is full: database or disk is full"


@pytest.fixture
def settings(settings):
    return {**settings, **METRICS_SETTINGS}


@pytest.fixture
def capped(app, store, make_bucket):
    """A bucket with some records, then the store capped at the pages it has now."""
    token = make_bucket("visits", raw_queries_allowed=True)
    app.post_json("/visits", _batch("before", 10), headers=_bearer(token))
    # Connections are per thread, and WebTest calls the app in this one.
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    return token


def _raise_the_cap(store):
    store.db.execute("PRAGMA max_page_count = 1073741823")


def test_a_full_store_refuses_the_batch_whole_and_keeps_serving_reads(app, store, capped):
    before = app.get("/visits").json
    _assert_full(app.post_json("/visits", _batch("refused", 2000), headers=_bearer(capped), status=507))
    assert app.get("/visits").json == before
    status = app.get("/_status").json
    assert status == {
        "status": "ok", "message": "store is full: database or disk is full", "store_full": True
    }
    samples = scrape(app)
    assert value(samples, "backdrop_store_full") == 1
    assert value(samples, "backdrop_store_errors_total", kind="StoreFull") == 1
    assert value(samples, "backdrop_records_refused_total", bucket="visits") == 2000
    assert value(samples, "backdrop_batches_refused_total", bucket="visits", status="507") == 1

    _raise_the_cap(store)
    assert app.post_json("/visits", _batch("after", 2000), headers=_bearer(capped)).json["count"] == 2000
    assert app.get("/_status").json == {"status": "ok", "message": "store is reachable"}
    assert value(scrape(app), "backdrop_store_full") == 0
    markers = app.get("/visits?group_by=marker").json["data"]
    assert {row["marker"]: row["_count"] for row in markers} == {"before": 10, "after": 2000}


def test_a_replace_that_meets_a_full_store_keeps_the_old_records(app, store, capped):
    before = app.get("/visits").json
    _assert_full(app.put_json("/visits", _batch("replacement", 3000), headers=_bearer(capped), status=507))
    assert app.get("/visits").json == before


def test_a_delete_that_succeeds_says_the_store_has_room_again(app, store, capped):
    """Deleting records is a write: once one succeeds, the store is no longer reported full."""
    _assert_full(app.post_json("/visits", _batch("refused", 2000), headers=_bearer(capped), status=507))
    _raise_the_cap(store)
    deleted = app.delete("/visits?filter_by=marker:before", headers=_bearer(capped)).json
    assert deleted == {"status": "ok", "count": 10}
    assert app.get("/_status").json == {"status": "ok", "message": "store is reachable"}
    assert value(scrape(app), "backdrop_store_full") == 0

def test_creating_a_bucket_in_a_full_store_creates_nothing(app, store, capped):
    from tests.conftest import ADMIN_TOKEN

    for n in range(50):  # each bucket is a table and an index: pages run out soon
        response = app.post_json(f"/data-sets/more-{n}", {}, headers=_bearer(ADMIN_TOKEN), expect_errors=True)
        if response.status_int != 201:
            break
    _assert_full(response)
    assert store.get_bucket(f"more-{n}") is None
    assert [config["name"] for config in store.list_buckets()] == ["visits"] + [f"more-{i}" for i in range(n)]


# -- a real disk, really filled -----------------------------------------------------------
DISK_BYTES = 8 * 1024 * 1024


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of 8 MiB mounted for this test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    options = f"size={DISK_BYTES}"
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def _fill(directory):
    """Write a file until the disk has no room at all; returns its path."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as file:
        while True:
            try:
                file.write(chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC
                chunk = chunk[: len(chunk) // 2]
                if not chunk:
                    break
    assert os.statvfs(directory).f_bavail == 0
    return filler


def _metrics(port):
    http_request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(http_request, timeout=10) as response:
        text = response.read().decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
        if not sample.labels
    }


def test_a_really_full_disk_end_to_end_through_a_real_server(tmp_path, small_disk):
    store_url = f"sqlite:///{small_disk / 'backdrop.db'}"
    by_marker = "/visits?group_by=marker"
    with Server(tmp_path, store_url, **METRICS_SETTINGS) as server:
        token = server.create_bucket("visits", raw_queries_allowed=True)
        assert request(server.port, "POST", "/visits", _batch("before", 10), token)[0] == 200
        assert request(server.port, "GET", by_marker)[0] == 200  # the mirror (on the same disk) exists
        assert request(server.port, "POST", "/visits", _batch("while-mirrored", 5), token)[0] == 200
        filler = _fill(small_disk)

        status, body = request(server.port, "POST", "/visits", _batch("refused", 4000), token)
        assert (status, body["message"]) == (507, "store is full: database or disk is full")
        # The mirror cannot catch up on a full disk either: the store answers the read.
        status, body = request(server.port, "GET", by_marker)
        assert status == 200, server.log_text()
        assert body["data"] == [{"marker": "before", "_count": 10}, {"marker": "while-mirrored", "_count": 5}]
        status, body = request(server.port, "GET", "/_status")
        assert status == 200 and body["store_full"] is True
        assert body["message"].startswith("store is full: ")
        assert _metrics(server.port)["backdrop_store_full"] == 1

        Path(filler).unlink()
        status, body = request(server.port, "POST", "/visits", _batch("after", 4000), token)
        assert (status, body) == (200, {"status": "ok", "count": 4000})
        assert request(server.port, "GET", "/_status")[1] == {"status": "ok", "message": "store is reachable"}
        catch_ups = _metrics(server.port)["backdrop_mirror_catch_ups_total"]
        status, body = request(server.port, "GET", by_marker)
        assert status == 200, server.log_text()
        assert body["data"] == [
            {"marker": "after", "_count": 4000}, {"marker": "before", "_count": 10},
            {"marker": "while-mirrored", "_count": 5},
        ]
        assert _metrics(server.port)["backdrop_store_full"] == 0
        # Answered from the mirror and the rows appended since; it catches up after.
        deadline = time.monotonic() + 10
        while (_metrics(server.port)["backdrop_mirror_catch_ups_total"] == catch_ups
               and time.monotonic() < deadline):
            time.sleep(0.05)
        assert _metrics(server.port)["backdrop_mirror_catch_ups_total"] == catch_ups + 1, (
            "the mirror caught up again")
        assert server.process.poll() is None, "no restart"


def test_a_mirror_slot_file_that_is_not_a_database_is_made_again(app, make_bucket, db_path):
    """What a full disk can leave behind when it cuts a new mirror file short."""
    token = make_bucket("visits", raw_queries_allowed=True)
    app.post_json("/visits", _batch("before", 3), headers=_bearer(token))
    mirror = app.app.registry["backdrop.read_engine"]
    mirror.close()
    slot = Path(f"{db_path}.mirror") / "0.duckdb"
    slot.parent.mkdir(exist_ok=True)
    slot.write_bytes(b"\0" * 100)
    assert app.get("/visits?group_by=marker").json["data"] == [{"marker": "before", "_count": 3}]
    assert mirror.catch_ups == 1 and mirror.full_disk_fallbacks == 0
