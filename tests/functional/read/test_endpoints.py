"""The read endpoints (SPEC 3.1, 3.6): addressing, CORS, caching, ETags, warnings."""
import pytest

from backdrop.read.views import UNPUBLISHED_WARNING

RAW_OK = {"raw_queries_allowed": True}


def test_read_by_name_and_by_data_group(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", data_group="jurassic", data_type="park", **RAW_OK)
    by_name = app.get("/dinos")
    by_group = app.get("/data/jurassic/park")
    assert by_name.content_type == "application/json"
    assert len(by_name.json["data"]) == 4
    assert by_group.json == by_name.json


@pytest.mark.parametrize("url", ["/nope", "/data/no/such", "/_reserved"])
def test_unknown_bucket_is_404(app, url):
    response = app.get(url, status=404)
    assert response.json == {"status": "error", "message": "bucket not found"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_non_queryable_bucket_is_404(app, load_fixture):
    load_fixture("hidden", "dinosaurs.json", queryable=False, data_group="g", data_type="t",
                 **RAW_OK)
    for url in ("/hidden", "/data/g/t"):
        assert app.get(url, status=404).json["message"] == "bucket not found"


def test_every_read_carries_cors_cache_control_and_a_strong_etag(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    response = app.get("/dinos")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "max-age=1800, must-revalidate"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith('W/')


def test_realtime_buckets_are_cached_briefly(app, load):
    load("live", [{"_timestamp": "2013-03-20T10:00:00Z", "n": 1}], bucket_type="realtime",
         **RAW_OK)
    assert app.get("/live").headers["Cache-Control"] == "max-age=120, must-revalidate"


def test_if_none_match_gives_304_without_body(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    etag = app.get("/dinos").headers["ETag"]
    response = app.get("/dinos", headers={"If-None-Match": etag}, status=304)
    assert response.body == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_etag_changes_with_the_data(app, load_fixture, load):
    token = load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    etag = app.get("/dinos").headers["ETag"]
    app.post_json("/dinos", {"_timestamp": "2013-03-21T00:00:00Z", "name": "rex"},
                  headers={"Authorization": f"Bearer {token}"})
    response = app.get("/dinos", headers={"If-None-Match": etag}, status=200)
    assert len(response.json["data"]) == 5
    assert response.headers["ETag"] != etag


def test_etag_differs_per_query(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    etag = app.get("/dinos").headers["ETag"]
    app.get("/dinos?limit=1", headers={"If-None-Match": etag}, status=200)


@pytest.mark.parametrize("url", ["/dinos", "/data/jurassic/park", "/unknown"])
def test_options_preflight(app, make_bucket, url):
    make_bucket("dinos", data_group="jurassic", data_type="park")
    response = app.options(url, status=200)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Max-Age"] == "86400"
    assert response.headers["Access-Control-Allow-Headers"] == "cache-control"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_unpublished_bucket_carries_a_warning(app, load_fixture):
    load_fixture("draft", "dinosaurs.json", published=False, **RAW_OK)
    body = app.get("/draft").json
    assert body["warning"] == UNPUBLISHED_WARNING
    assert body["warning"] == (
        "Warning: This data-set is unpublished. Data may be subject to change or be inaccurate."
    )
    assert len(body["data"]) == 4


def test_unpublished_bucket_warns_after_the_data_of_every_answer(app, load_fixture):
    load_fixture("draft", "dinosaurs.json", published=False, **RAW_OK)
    for query in ("", "?group_by=size", "?limit=2&sort_by=name:descending"):
        response = app.get(f"/draft{query}")
        assert list(response.json) == ["data", "warning"]
        assert response.json["warning"] == UNPUBLISHED_WARNING
        assert response.body.endswith(b'"warning":"' + UNPUBLISHED_WARNING.encode() + b'"}')


def test_published_bucket_has_no_warning(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    assert "warning" not in app.get("/dinos").json


def test_errors_are_json_with_cors(app, make_bucket):
    make_bucket("dinos", **RAW_OK)
    response = app.get("/dinos?limit=-1", status=400)
    assert response.content_type == "application/json"
    assert response.json["status"] == "error"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_empty_bucket_reads_empty(app, make_bucket):
    make_bucket("empty", **RAW_OK)
    assert app.get("/empty").json == {"data": []}


def test_csv_format(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    response = app.get("/dinos?format=csv&filter_by=eats_people:true&sort_by=name:ascending")
    assert response.content_type == "text/csv"
    assert response.headers["Cache-Control"] == "max-age=1800, must-revalidate"
    lines = response.text.splitlines()
    header = lines[0].split(",")
    assert header[:5] == ["_timestamp", "type", "size", "name", "eats_people"]
    names = [dict(zip(header, line.split(","), strict=True))["name"] for line in lines[1:]]
    assert names == ["pterodactyl", "sarcosuchus", "t-rex"]
    assert "2013-03-20T10:10:12+00:00" in lines[1]


def test_csv_of_groups(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json")
    response = app.get("/dinos?group_by=size&format=csv")
    assert response.text.splitlines() == ["size,_count", "big,2", "medium,1", "small,1"]
