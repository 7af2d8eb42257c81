"""SPEC 2.1 and 4: ``/_status`` answers whether the store does."""
import shutil

import pytest

from .helpers import assert_error

DOWN = {"status": "error", "message": "cannot connect to store"}


def test_status_is_ok_when_the_store_answers(app):
    response = app.get("/_status")
    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json["status"] == "ok"
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_writing_to_status_is_405(app, store, method):
    before = store.list_buckets()
    response = getattr(app, method)("/_status", "{}", headers={"Content-Type": "application/json"},
                                    expect_errors=True)
    assert_error(response, 405)
    assert store.list_buckets() == before


def test_post_status_is_405_even_with_a_bucket_token(app, make_bucket):
    token = make_bucket("status")
    response = app.post_json("/_status", {"a": 1}, headers={"Authorization": f"Bearer {token}"},
                             expect_errors=True)
    assert_error(response, 405)


def test_status_is_500_when_the_file_is_not_a_database(app, store, db_path):
    store.close()
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    db_path.write_bytes(b"this is not an SQLite database, just garbage " * 200)
    response = app.get("/_status", expect_errors=True)
    assert response.status_int == 500
    assert response.json == DOWN
    assert response.headers["Cache-Control"] == "no-cache"


def test_status_is_500_when_the_database_directory_is_gone(make_app, tmp_path):
    directory = tmp_path / "store"
    app = make_app(**{"backdrop.store_url": f"sqlite:///{directory}/backdrop.db"})
    assert app.get("/_status").status_int == 200
    app.app.registry["backdrop.store"].close()
    shutil.rmtree(directory)
    directory.write_text("a file where the store's directory was")
    response = app.get("/_status", expect_errors=True)
    assert response.status_int == 500
    assert response.json == DOWN


def test_status_recovers_when_the_store_is_back(app, store, db_path):
    store.close()
    original = db_path.read_bytes()
    db_path.write_bytes(b"garbage" * 1000)
    assert app.get("/_status", expect_errors=True).status_int == 500
    store.close()
    db_path.write_bytes(original)
    assert app.get("/_status").status_int == 200


def test_a_url_that_is_not_utf8_is_a_json_400(app):
    response = app.get("/", extra_environ={"PATH_INFO": "/\xff"}, status=400)
    assert response.json == {"status": "error", "message": "the URL is not valid UTF-8"}
