"""A chunked body through a real waitress server is held to the body limit too (POST and PATCH)."""
import http.client
import json
import threading

import pytest
from waitress.server import create_server

from .helpers import event, records, snapshot


@pytest.fixture
def served(make_app):
    """The write role behind waitress on a free local port, with a 1000-byte body limit."""
    app = make_app(**{"backdrop.max_body_bytes": "1000"})
    server = create_server(app.app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    # Closed from its own loop's thread: closing it from here raced the loop's
    # select() on the socket (EBADF in the server thread).
    server.trigger.pull_trigger(server.close)
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()


def _chunked_post(port, token, chunks, method="POST"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, "/seeded")
        connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        for chunk in chunks:
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), json.loads(response.read())
    finally:
        connection.close()


def test_chunked_body_over_the_limit_is_413(served, store, seeded):
    body = json.dumps([event(n=i, pad="x" * 100) for i in range(50)]).encode()
    chunks = [body[i:i + 256] for i in range(0, len(body), 256)]
    status, content_type, payload = _chunked_post(served, seeded, chunks)
    assert status == 413
    assert content_type.startswith("application/json")
    assert payload["status"] == "error" and payload["message"]
    assert store.count("seeded") == 2


def test_chunked_body_under_the_limit_is_stored(served, store, seeded):
    body = json.dumps([event(n=3), event(n=4)]).encode()
    status, _, payload = _chunked_post(served, seeded, [body[:20], body[20:]])
    assert (status, payload) == (200, {"status": "ok", "count": 2})
    assert store.count("seeded") == 4


def test_a_chunked_patch_over_the_limit_is_413_and_changes_nothing(served, store, seeded):
    before = snapshot(store, "seeded")
    body = json.dumps([{"_id": "one", "pad": "x" * 100}] * 20).encode()
    chunks = [body[i:i + 256] for i in range(0, len(body), 256)]
    status, content_type, payload = _chunked_post(served, seeded, chunks, method="PATCH")
    assert (status, payload["status"]) == (413, "error")
    assert payload["message"] == "Request body is larger than the limit of 1000 bytes"
    assert snapshot(store, "seeded") == before


def test_a_chunked_patch_under_the_limit_is_applied(served, store, seeded):
    body = json.dumps({"_id": "one", "n": 10}).encode()
    status, _, payload = _chunked_post(served, seeded, [body[:8], body[8:]], method="PATCH")
    assert (status, payload) == (200, {"status": "ok", "count": 1})
    assert {record["_id"]: record["n"] for record in records(store, "seeded")} == {"one": 10, "two": 2}


def test_a_delete_over_http(served, store, seeded):
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=30)
    try:
        connection.request("DELETE", "/seeded?filter_by=n:2", headers={"Authorization": f"Bearer {seeded}"})
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (200, {"status": "ok", "count": 1})
        assert response.getheader("Cache-Control") == "no-cache"
    finally:
        connection.close()
    assert [record["_id"] for record in records(store, "seeded")] == ["one"]
