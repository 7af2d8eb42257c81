"""Raw queries (SPEC 3.3 raw shape) with every filter, window, sort and limit."""
RAW_OK = {"raw_queries_allowed": True}


def data(app, url, **kw):
    return app.get(url, **kw).json["data"]


def names(rows):
    return [row["name"] for row in rows]


def test_raw_records_sorted_by_timestamp_with_internal_fields_hidden(app, load):
    load("things", [
        {"_timestamp": "2013-03-20T12:00:00+01:00", "name": "b", "_id": "id-b"},
        {"_timestamp": "2013-03-19T00:00:00Z", "name": "a",
         "_start_at": "2013-03-18T00:00:00Z", "_end_at": "2013-03-25T00:00:00Z"},
    ], **RAW_OK)
    rows = data(app, "/things")
    assert names(rows) == ["a", "b"]
    assert rows[0]["_start_at"] == "2013-03-18T00:00:00+00:00"
    assert rows[0]["_end_at"] == "2013-03-25T00:00:00+00:00"
    assert rows[1]["_timestamp"] == "2013-03-20T11:00:00+00:00"
    assert rows[1]["_id"] == "id-b"
    assert isinstance(rows[0]["_id"], str)
    for row in rows:
        assert "_updated_at" not in row
        assert not any(key.endswith("_start_at") and key != "_start_at" for key in row)


def test_filter_by_boolean(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    assert names(data(app, "/dinos?filter_by=eats_people:true")) == [
        "t-rex", "sarcosuchus", "pterodactyl"]
    assert names(data(app, "/dinos?filter_by=eats_people:false")) == ["microraptor"]


def test_filter_by_is_anded_and_repeatable(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    rows = data(app, "/dinos?filter_by=eats_people:true&filter_by=size:big")
    assert names(rows) == ["t-rex", "sarcosuchus"]
    assert data(app, "/dinos?filter_by=size:big&filter_by=size:small") == []
    assert data(app, "/dinos?filter_by=unknown_field:x") == []


def test_filter_by_number_matches_numbers_and_strings(app, load):
    load("nums", [
        {"_timestamp": "2013-03-20T00:00:00Z", "name": "int", "v": 3},
        {"_timestamp": "2013-03-20T00:00:01Z", "name": "float", "v": 3.0},
        {"_timestamp": "2013-03-20T00:00:02Z", "name": "string", "v": "3"},
        {"_timestamp": "2013-03-20T00:00:03Z", "name": "other", "v": 4},
        {"_timestamp": "2013-03-20T00:00:04Z", "name": "bool", "v": True},
        {"_timestamp": "2013-03-20T00:00:05Z", "name": "one", "v": 1},
        {"_timestamp": "2013-03-20T00:00:06Z", "name": "string-true", "v": "true"},
    ], **RAW_OK)
    assert names(data(app, "/nums?filter_by=v:3")) == ["int", "float", "string"]
    assert names(data(app, "/nums?filter_by=v:true")) == ["bool", "string-true"]
    assert names(data(app, "/nums?filter_by=v:1")) == ["one"]


def test_filter_by_id_and_timestamp(app, load_fixture):
    load_fixture("lic", "licensing.json", **RAW_OK)
    rows = data(app, "/lic?filter_by=_id:1236")
    assert [row["_id"] for row in rows] == ["1236"]
    rows = data(app, "/lic?filter_by=_timestamp:2012-12-12T01:01:01%2B00:00")
    assert [row["_id"] for row in rows] == ["1234", "1235"]


def test_filter_by_prefix_is_literal_and_case_sensitive(app, load):
    load("words", [
        {"_timestamp": "2013-03-20T00:00:00Z", "name": "100%_sure"},
        {"_timestamp": "2013-03-20T00:00:01Z", "name": "100 sure"},
        {"_timestamp": "2013-03-20T00:00:02Z", "name": "100x_sure"},
        {"_timestamp": "2013-03-20T00:00:03Z", "name": "Apple"},
        {"_timestamp": "2013-03-20T00:00:04Z", "name": "apple"},
        {"_timestamp": "2013-03-20T00:00:05Z", "name": 1000},
    ], **RAW_OK)
    assert names(data(app, "/words?filter_by_prefix=name:100%25_")) == ["100%_sure"]
    assert names(data(app, "/words?filter_by_prefix=name:app")) == ["apple"]
    assert names(data(app, "/words?filter_by_prefix=name:A")) == ["Apple"]
    assert names(data(app, "/words?filter_by_prefix=name:10")) == [
        "100%_sure", "100 sure", "100x_sure"]


def test_start_and_end_at_make_a_half_open_window(app, load_fixture):
    load_fixture("inc", "inclusive.json", **RAW_OK)
    url = "/inc?start_at=2014-12-01T00:00:00Z&end_at=2014-12-03T00:00:00Z"
    assert [r["_timestamp"] for r in data(app, url)] == [
        "2014-12-01T00:00:00+00:00", "2014-12-02T00:00:00+00:00"]
    assert len(data(app, url + "&inclusive=true")) == 3


def test_start_at_with_url_encoded_and_space_offsets(app, load_fixture):
    load_fixture("inc", "inclusive.json", **RAW_OK)
    encoded = "/inc?start_at=2014-12-02T01:00:00%2B01:00&end_at=2014-12-05T00:00:00%2B00:00"
    spaced = "/inc?start_at=2014-12-02T01:00:00+01:00&end_at=2014-12-05T00:00:00+00:00"
    assert len(data(app, encoded)) == 2
    assert data(app, spaced) == data(app, encoded)


def test_sort_by_and_limit(app, load_fixture):
    load_fixture("animals", "sort_and_limit.json", bucket_type="custom", **RAW_OK)
    assert names(data(app, "/animals?sort_by=value:descending")) == [
        "aardvark", "elephant", "buffalo", "frog", "cat", "dog"]
    assert names(data(app, "/animals?sort_by=name:descending&limit=2")) == ["frog", "elephant"]
    assert names(data(app, "/animals?limit=3")) == ["aardvark", "buffalo", "cat"]
    assert data(app, "/animals?limit=0") == []


def test_sort_by_timestamp_descending(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    assert names(data(app, "/dinos?sort_by=_timestamp:descending&limit=2")) == [
        "microraptor", "pterodactyl"]
