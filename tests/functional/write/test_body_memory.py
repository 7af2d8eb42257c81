"""What a big body costs the write process, measured from outside (peak RSS of a real server).

A refused request may grow the process by at most 32 MiB, whatever it holds;
an accepted 10 MiB body by at most ten times its size.
"""
import gzip
import json

import pytest

from tests.support.served import MIB, ServedApp, admin_settings, store_with_buckets

REFUSED_GROWTH = 32 * MIB
BODY_LIMIT = 10 * MIB


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("served-write")
    url, store, tokens = store_with_buckets(
        tmp_path, {"events": {"bucket_type": "events"}, "loose": {"bucket_type": "custom"}})
    with ServedApp(admin_settings(url, **{"backdrop.roles": "write"}), tmp_path) as app:
        app.store, app.tokens = store, tokens
        warm = [{"_timestamp": "2014-01-01T00:00:00Z", "n": 1}]  # first-use costs are not the body's
        assert _post(app, "events", json.dumps(warm).encode()).status_code == 200
        assert _post(app, "events", gzip.compress(json.dumps(warm).encode()), gzip_=True).status_code == 200
        yield app
    store.close()


def _post(app, bucket, body, gzip_=False):
    headers = {"Authorization": f"Bearer {app.tokens[bucket]}", "Content-Type": "application/json"}
    if gzip_:
        headers["Content-Encoding"] = "gzip"
    return app.http.post(f"{app.url}/{bucket}", data=body, headers=headers, timeout=120)


def _padded(body):
    """``body`` with trailing whitespace (still the same JSON) to just under the body limit."""
    assert len(body) <= BODY_LIMIT
    return body + b" " * (BODY_LIMIT - len(body))


def _refused(served, bucket, body, status, **post):
    before = {name: served.store.count(name) for name in served.tokens}
    response, growth, _ = served.measure(lambda: _post(served, bucket, body, **post))
    print(f"{len(body):,} bytes refused: +{growth / MIB:.1f} MiB")
    assert response.status_code == status, response.text[:500]
    assert response.json()["status"] == "error"
    assert growth <= REFUSED_GROWTH, f"the write process grew by {growth / MIB:.1f} MiB"
    assert {name: served.store.count(name) for name in served.tokens} == before
    return response.json()


def test_two_million_tiny_records_are_refused_without_parsing_them(served):
    body = _padded(b"[" + b"{}," * (2_000_000 - 1) + b"{}]")
    answer = _refused(served, "loose", body, 413)
    assert "at most 100000 records" in answer["message"]


def test_millions_of_bare_numbers_are_refused_small(served):
    _refused(served, "loose", _padded(b"[" + b"1," * 4_000_000 + b"1]"), 413)


def test_a_record_holding_millions_of_arrays_is_refused_small(served):
    answer = _refused(served, "loose", _padded(b'[{"a": [' + b"[]," * 3_000_000 + b"[]]}]"), 400)
    assert "objects or arrays" in answer["message"]


def test_millions_of_arrays_as_records_are_refused_small(served):
    answer = _refused(served, "loose", _padded(b"[" + b"[]," * 3_000_000 + b"[]]"), 400)
    assert "must be a JSON object" in answer["message"]


def test_a_gzip_bomb_is_refused_small(served, fixture_path):
    bomb = fixture_path("gzip-bomb.gz").read_bytes()
    _refused(served, "events", bomb, 413, gzip_=True)


def test_an_accepted_10_mib_body_costs_at_most_ten_times_its_size(served):
    records, size = [], 2
    while True:  # events like the benchmark's, up to the body limit
        record = {"_timestamp": f"2014-01-{1 + len(records) % 28:02d}T{len(records) % 24:02d}:00:00Z",
                  "authority": f"authority-{len(records) % 50:02d}", "type": "renewal",
                  "licence_name": f"licence-{len(records) % 200:03d}", "value": len(records),
                  "paid": len(records) % 2 == 0}
        size += len(json.dumps(record)) + 2
        if size > BODY_LIMIT - 1024:
            break
        records.append(record)
    body = json.dumps(records).encode()
    before = served.store.count("events")
    response, growth, _ = served.measure(lambda: _post(served, "events", body))
    print(f"{len(body):,} bytes, {len(records):,} records accepted: +{growth / MIB:.1f} MiB")
    assert response.json() == {"status": "ok", "count": len(records)}
    assert served.store.count("events") == before + len(records)
    assert growth <= 10 * len(body), f"the write process grew by {growth / MIB:.1f} MiB"
