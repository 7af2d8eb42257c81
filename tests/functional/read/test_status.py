"""Bucket freshness (SPEC 4): /_status/buckets and its alias /_status/data-sets."""
import pytest

URLS = ["/_status/buckets", "/_status/data-sets"]
RECORD = {"_timestamp": "2013-03-20T10:00:00Z", "n": 1}


@pytest.mark.parametrize("url", URLS)
def test_fresh_when_no_bucket_expects_anything(app, make_bucket, url):
    make_bucket("quiet")
    response = app.get(url, status=200)
    assert response.json["status"] == "ok"
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("url", URLS)
def test_fresh_when_written_within_max_age(app, load, url):
    load("fresh", [RECORD], max_age_expected=3600)
    assert app.get(url, status=200).json["status"] == "ok"


@pytest.mark.parametrize("url", URLS)
def test_never_written_is_stale(app, make_bucket, url):
    make_bucket("silent", max_age_expected=3600)
    response = app.get(url, status=500)
    assert response.json["status"] == "error"
    assert "silent" in response.json["message"]
    assert "never" in response.json["message"]


def test_stale_buckets_are_named_with_their_last_update(app, load, store):
    load("fresh", [RECORD], max_age_expected=3600)
    load("old", [RECORD], max_age_expected=0)
    load("old2", [RECORD], max_age_expected=0)
    response = app.get("/_status/buckets", status=500)
    body = response.json
    assert "fresh" not in body["message"]
    assert "2 buckets are out of date" in body["message"]
    last = store.last_updated("old").isoformat()
    assert f"old (last updated: {last})" in body["message"]
    assert [item["name"] for item in body["data_sets"]] == ["old", "old2"]
    assert body["data_sets"][0]["last_updated"] == last
    assert response.headers["Cache-Control"] == "no-cache"
