"""An erasure request honoured: once a record is deleted, no read path shows anything of it.

A real read process (``pserve``, its own columnar mirror, built before the
delete), the admin explorer of another process whose mirror was built before
too, and the CLI export, all on one SQLite file; the delete comes from the
write role of a third.
"""
import http.client
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.functional.write.helpers import bearer
from tests.support.cli import run
from tests.support.servers import Server

ROOT = Path(__file__).resolve().parents[3]
SECRET = "Alice Erasable"
RECORDS = [
    {"_id": "erase-me", "_timestamp": "2024-03-01T10:00:00Z", "person": SECRET, "kind": "visit", "n": 7},
    {"_id": "keep-1", "_timestamp": "2024-03-01T11:00:00Z", "person": "Bob", "kind": "visit", "n": 1},
    {"_id": "keep-2", "_timestamp": "2024-03-02T11:00:00Z", "person": "Carol", "kind": "call", "n": 2},
]
DAYS = "period=day&start_at=2024-03-01T00:00:00Z&end_at=2024-03-03T00:00:00Z"
READS = {
    "raw": "",
    "grouped": "?group_by=person&collect=n:sum",
    "set": "?group_by=kind&collect=person&collect=n:sum",
    "periods": f"?{DAYS}&collect=n:sum&collect=person:set",
    "period groups": f"?{DAYS}&group_by=person&collect=n:max",
    "csv": "?format=csv",
    "csv groups": "?group_by=person&format=csv",
    "by id": "?filter_by=_id:erase-me",
}


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200, path
        return response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def store_url(db_path, monkeypatch):
    url = f"sqlite:///{db_path}"
    monkeypatch.setenv("BACKDROP_STORE_URL", url)  # for the CLI, through development.ini
    return url


def test_a_deleted_record_is_gone_from_every_read_path(make_app, store_url, tmp_path, capsys):
    writer = make_app(**{"backdrop.roles": "write admin"})
    registry = writer.app.registry
    from backdrop.buckets import new_config

    config, token = new_config("people", {"raw_queries_allowed": True}, registry["backdrop.plugins"])
    registry["backdrop.store"].create_bucket(config)
    registry["backdrop.store"].save_user("ada@example.com", ["people"])
    writer.post_json("/people", RECORDS, headers=bearer(token))
    writer.get("/_test/sign-in", {"email": "ada@example.com", "name": "Ada"}, status=302)

    with Server(tmp_path / "reader", store_url, roles="read") as reader:
        before = {name: get(reader.port, f"/people{query}") for name, query in READS.items()}
        for name, body in before.items():
            assert SECRET in body, name
        explored = writer.get("/people/explore", {"period": "day", "window": "last", "duration": "4"})
        assert SECRET in explored.text
        assert SECRET in run(capsys, "export", str(ROOT / "development.ini"), "people")[1]

        response = writer.delete(f"/people?filter_by=person:{quote(SECRET)}", headers=bearer(token))
        assert response.json == {"status": "ok", "count": 1}

        after = {name: get(reader.port, f"/people{query}") for name, query in READS.items()}
        for name, body in after.items():
            assert SECRET not in body and "erase-me" not in body, name
        assert after["by id"] == '{"data":[]}'
        assert [(day["_count"], day["n:sum"]) for day in json.loads(before["periods"])["data"]] == [
            (2, 8), (1, 2)]
        assert [(day["_count"], day["n:sum"]) for day in json.loads(after["periods"])["data"]] == [
            (1, 1), (1, 2)]
        assert after["grouped"] == ('{"data":[{"person":"Bob","_count":1,"n:sum":1},'
                                    '{"person":"Carol","_count":1,"n:sum":2}]}')
        explored = writer.get("/people/explore", {"period": "day", "window": "last", "duration": "4"})
        assert SECRET not in explored.text and "erase-me" not in explored.text
        download = writer.get("/people/explore", {"group_by": "person", "download": "csv"})
        assert SECRET not in download.text
        code, exported, _ = run(capsys, "export", str(ROOT / "development.ini"), "people")
        assert code == 0 and SECRET not in exported and "keep-1" in exported
        code, exported, _ = run(capsys, "export", str(ROOT / "development.ini"), "people", "--format", "csv")
        assert code == 0 and SECRET not in exported and "Carol" in exported


def test_nothing_of_a_deleted_record_stays_in_the_store_file(make_app, db_path):
    """SQLite overwrites deleted rows (``secure_delete``), so after a checkpoint neither the
    file nor its WAL holds the record's bytes. (The mirror's DuckDB file may: docs/stores.md.)"""
    app = make_app(**{"backdrop.roles": "write", "backdrop.read_engine": "store"})
    registry = app.app.registry
    from backdrop.buckets import new_config

    config, token = new_config("people", {}, registry["backdrop.plugins"])
    store = registry["backdrop.store"]
    store.create_bucket(config)
    app.post_json("/people", RECORDS, headers=bearer(token))
    app.delete(f"/people?filter_by=person:{quote(SECRET)}", headers=bearer(token))
    assert store.db.execute("PRAGMA secure_delete").fetchone() == (1,)

    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    for path in db_path.parent.glob(db_path.name + "*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert store.count("people") == 2
