"""A MongoDB server out of disk space: the write is a 507 like SQLite's full disk, reads go on.

mongomock cannot run out of disk; ``raise_from`` raises what the driver
raises when the server answers ``OutOfDiskSpace`` (code 14031).
"""
import mongomock
import pytest
from pymongo.errors import BulkWriteError, OperationFailure

from backdrop.buckets import hash_token
from backdrop.store.mongo import MongoStore

from . import mongo_fakes as fakes
from .helpers import config

TOKEN = "t" * 40
OUT_OF_DISK = OperationFailure("Out of disk space", code=14031)
BULK_OUT_OF_DISK = BulkWriteError(
    {"writeErrors": [{"index": 0, "code": 14031, "errmsg": "Out of disk space"}]}
)


@pytest.fixture
def mock_store():
    store = MongoStore("mongomock://disk-full/backdrop", client=mongomock.MongoClient())
    store.create_bucket(config("visits"))
    store.update_bucket("visits", {"token_hash": hash_token(TOKEN), "raw_queries_allowed": True})
    return store


@pytest.mark.parametrize("error", [OUT_OF_DISK, BULK_OUT_OF_DISK], ids=["single", "bulk"])
def test_a_write_to_a_server_out_of_disk_space_is_a_507(monkeypatch, make_app, mock_store, error):
    app = make_app(**{"backdrop.store": mock_store, "backdrop.roles": "read write"})
    fakes.raise_from(monkeypatch, "replace_one", error)

    response = app.post_json("/visits", [{"_timestamp": "2024-01-01T00:00:00Z", "n": 1}],
                             headers={"Authorization": f"Bearer {TOKEN}"}, status=507)

    assert response.json["status"] == "error"
    assert response.json["message"].startswith("store is full: MongoDB is out of disk space (")
    status = app.get("/_status").json
    assert status["store_full"] is True and status["message"].startswith("store is full: ")
    assert app.get("/visits").json["data"] == []  # reads go on
