"""group_by queries and every collect method (SPEC 3.3 group_by shape)."""


def data(app, url, **kw):
    return app.get(url, **kw).json["data"]


SALES = [
    {"_timestamp": "2013-03-18T10:00:00Z", "shop": "north", "item": "pie", "price": 3, "w": 1.5},
    {"_timestamp": "2013-03-19T10:00:00Z", "shop": "north", "item": "tea", "price": 2, "w": 0.5},
    {"_timestamp": "2013-03-20T10:00:00Z", "shop": "south", "item": "pie", "price": 4, "w": 2.0},
    {"_timestamp": "2013-03-21T10:00:00Z", "shop": "north", "item": "pie", "price": 5},
    {"_timestamp": "2013-03-22T10:00:00Z", "item": "pie", "price": 100},
]


def test_group_by_counts_as_integers_sorted_by_key(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json")
    rows = data(app, "/dinos?group_by=size")
    assert rows == [
        {"size": "big", "_count": 2},
        {"size": "medium", "_count": 1},
        {"size": "small", "_count": 1},
    ]
    assert all(type(row["_count"]) is int for row in rows)


def test_records_missing_a_key_are_left_out(app, load):
    load("sales", SALES)
    rows = data(app, "/sales?group_by=shop")
    assert [(r["shop"], r["_count"]) for r in rows] == [("north", 3), ("south", 1)]


def test_several_group_keys(app, load):
    load("sales", SALES)
    rows = data(app, "/sales?group_by=shop&group_by=item")
    assert [(r["shop"], r["item"], r["_count"]) for r in rows] == [
        ("north", "pie", 2), ("north", "tea", 1), ("south", "pie", 1)]


def test_every_collect_method(app, load):
    load("sales", SALES)
    url = ("/sales?group_by=shop&collect=price:sum&collect=price:count&collect=price:mean"
           "&collect=price:min&collect=price:max&collect=item:set&collect=w:sum")
    north = data(app, url)[0]
    assert north == {
        "shop": "north", "_count": 3,
        "price:sum": 10, "price:count": 3, "price:mean": 10 / 3,
        "price:min": 2, "price:max": 5, "item:set": ["pie", "tea"], "w:sum": 2.0,
    }
    assert type(north["price:sum"]) is int
    assert type(north["price:count"]) is int


def test_bare_collect_gives_sorted_distinct_values_under_both_names(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json")
    big = data(app, "/dinos?group_by=size&collect=name")[0]
    assert big == {"size": "big", "_count": 2, "name": ["sarcosuchus", "t-rex"],
                   "name:set": ["sarcosuchus", "t-rex"]}


def test_collect_count_counts_present_values(app, load):
    load("sales", SALES)
    north = data(app, "/sales?group_by=shop&collect=w:count&collect=w:mean")[0]
    assert north["w:count"] == 2
    assert north["w:mean"] == 1.0


def test_sort_by_count_descending_with_limit(app, load_fixture):
    load_fixture("lic", "licensing.json")
    rows = data(app, "/lic?group_by=authority&sort_by=_count:descending&limit=1")
    assert rows == [{"authority": "Westminster", "_count": 4}]
    rows = data(app, "/lic?group_by=authority&sort_by=_count:ascending")
    assert [r["authority"] for r in rows] == ["Camden", "Westminster"]


def test_sort_by_group_key_and_collected_value(app, load_fixture):
    load_fixture("animals", "sort_and_limit.json", bucket_type="custom")
    rows = data(app, "/animals?group_by=name&sort_by=name:descending&limit=2")
    assert [r["name"] for r in rows] == ["frog", "elephant"]
    rows = data(app, "/animals?group_by=type&collect=value:sum&sort_by=value:sum:descending")
    assert [(r["type"], r["value:sum"]) for r in rows] == [("wild", 27), ("domestic", 6)]


def test_ties_keep_key_order(app, load_fixture):
    load_fixture("animals", "sort_and_limit.json", bucket_type="custom")
    rows = data(app, "/animals?group_by=value&sort_by=_count:descending")
    assert [(r["value"], r["_count"]) for r in rows] == [(3, 2), (8, 2), (4, 1), (7, 1)]


def test_limit_on_groups(app, load_fixture):
    load_fixture("animals", "sort_and_limit.json", bucket_type="custom")
    assert [r["name"] for r in data(app, "/animals?group_by=name&limit=3")] == [
        "aardvark", "buffalo", "cat"]


def test_group_by_with_filters_and_window(app, load_fixture):
    load_fixture("lic", "licensing.json")
    rows = data(app, "/lic?group_by=authority&filter_by=type:success"
                     "&start_at=2012-12-12T00:00:00Z&end_at=2012-12-19T00:00:00Z")
    assert rows == [{"authority": "Camden", "_count": 1}, {"authority": "Westminster", "_count": 2}]


def test_summing_non_numeric_values_is_400(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json")
    for method in ("sum", "mean"):
        response = app.get(f"/dinos?group_by=size&collect=name:{method}", status=400)
        assert "invalid collect function" in response.json["message"]
        assert response.json["status"] == "error"


def test_summing_booleans_is_400(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json")
    response = app.get("/dinos?group_by=size&collect=eats_people:sum", status=400)
    assert "invalid collect function" in response.json["message"]


def test_min_and_max_of_strings(app, load_fixture):
    load_fixture("dinos", "dinosaurs.json")
    big = data(app, "/dinos?group_by=size&collect=name:min&collect=name:max")[0]
    assert (big["name:min"], big["name:max"]) == ("sarcosuchus", "t-rex")


def test_group_by_boolean_and_number_keys_keep_their_types(app, load_fixture, load):
    load_fixture("dinos", "dinosaurs.json")
    rows = data(app, "/dinos?group_by=eats_people")
    assert [(r["eats_people"], r["_count"]) for r in rows] == [(False, 1), (True, 3)]
    load_fixture("animals", "sort_and_limit.json", bucket_type="custom")
    assert data(app, "/animals?group_by=value&limit=1") == [{"value": 3, "_count": 2}]


def test_a_mean_past_the_float_range_is_null_not_invalid_json(app, load):
    load("huge", [{"_timestamp": "2024-01-01T00:00:00Z", "k": "a", "m": 1e308},
                  {"_timestamp": "2024-01-02T00:00:00Z", "k": "a", "m": 1e308}])
    response = app.get("/huge?group_by=k&collect=m:mean&collect=m:max")
    assert "Infinity" not in response.text
    assert response.json["data"] == [{"k": "a", "_count": 2, "m:mean": None, "m:max": 1e308}]


def test_integer_sums_past_64_bits_are_answered(app, load):
    load("big", [{"_timestamp": f"2024-01-0{day}T00:00:00Z", "k": "a", "n": 2**62}
                 for day in (1, 2, 3)])
    [row] = app.get("/big?group_by=k&collect=n:sum").json["data"]
    assert abs(row["n:sum"] - 3 * 2**62) < 2**12


def test_negative_zero_reads_as_zero_on_every_engine(app, load):
    """-0.0 equals 0.0; SQLite kept its sign as a label and lost it in a set, DuckDB the reverse."""
    load("zeros", [{"k": -0.0, "v": -0.0}, {"k": "x", "v": -0.0}, {"k": "x", "v": -0.0}],
         bucket_type="custom")
    response = app.get("/zeros?group_by=k&collect=v:set&collect=v:max&collect=v:min")
    assert b"-0.0" not in response.body
    assert response.json["data"] == [
        {"k": 0.0, "_count": 1, "v:set": [0.0], "v:max": 0.0, "v:min": 0.0},
        {"k": "x", "_count": 2, "v:set": [0.0], "v:max": 0.0, "v:min": 0.0},
    ]
