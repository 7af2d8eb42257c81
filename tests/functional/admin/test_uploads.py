"""Uploads (SPEC 6): formats, filters, validation, and every rejection storing nothing."""
import io
import json

import openpyxl
import pytest

from backdrop.query import Query

UPLOAD_ERROR = "There was an error with your upload"


@pytest.fixture
def bucket(make_bucket, sign_in):
    """A custom-type CSV bucket the signed-in user may upload to."""
    make_bucket("foo", bucket_type="custom")
    sign_in("foo")
    return "foo"


def stored(store, name):
    return [{k: v for k, v in r.items() if k != "_id"} for r in store.raw(name, Query())]


def assert_rejected(response, reason, store, name, before=0):
    assert response.status_int == 400
    assert response.content_type == "text/html"
    assert UPLOAD_ERROR in response.text
    assert reason in response.html.select_one(".reason").text
    assert response.headers["Cache-Control"] == "private, must-revalidate"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert store.count(name) == before


def test_csv_upload_stores_records_and_says_how_many(bucket, upload, store):
    response = upload(bucket, "data.csv", b"name,size\nrex,12\nbob,4\n")
    assert "2 records stored in foo" in response.text
    assert response.headers["Cache-Control"] == "private, must-revalidate"
    assert stored(store, bucket) == [{"name": "rex", "size": "12"}, {"name": "bob", "size": "4"}]


def test_csv_ignores_comment_lines_comment_column_and_empty_rows(bucket, upload, store):
    data = b"# exported from the MI report\nname,comment,size\n\nrex,big one,12\n#bob,x,1\n,,\n"
    response = upload(bucket, "data.csv", data)
    assert "1 record stored" in response.text
    assert stored(store, bucket) == [{"name": "rex", "size": "12"}]


def test_utf8_values_round_trip_through_the_read_api(make_bucket, sign_in, upload, app):
    make_bucket("foo", bucket_type="custom", raw_queries_allowed=True)
    sign_in("foo")
    upload("foo", "italia.csv", "city,drink\ncittà,caffè\n".encode())
    [record] = app.get("/foo").json["data"]
    assert (record["city"], record["drink"]) == ("città", "caffè")


def test_csv_with_a_non_ascii_header_is_refused_by_the_key_rules(bucket, upload, store):
    response = upload(bucket, "italia.csv", "città\nRoma\n".encode(), status=400)
    assert_rejected(response, "names a field 'città'", store, bucket)


def test_xlsx_upload_keeps_numbers_as_numbers(make_bucket, sign_in, upload, store, fixture_path):
    make_bucket("people", bucket_type="custom", upload_format="excel")
    sign_in("people")
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = upload("people", "data.xlsx", fixture_path("data.xlsx").read_bytes(), content_type)
    assert "2 records stored" in response.text
    records = stored(store, "people")
    assert records == [
        {"name": "Pawel", "age": 27, "nationality": "Polish"},
        {"name": "Max", "age": 35, "nationality": "Italian"},
    ]
    assert all(type(record["age"]) is int for record in records)


def test_legacy_xls_with_auto_ids_stores_eighteen_records(
    make_bucket, sign_in, upload, store, fixture_path, app
):
    make_bucket(
        "lpa", upload_format="excel", auto_ids=["_timestamp", "key"], raw_queries_allowed=True
    )
    sign_in("lpa")
    data = fixture_path("LPA_MI_EXAMPLE.xls").read_bytes()
    response = upload("lpa", "LPA_MI_EXAMPLE.xls", data, "application/vnd.ms-excel")
    assert "18 records stored" in response.text
    assert store.count("lpa") == 18
    records = app.get("/lpa", {"filter_by": "key:health_and_welfare_paper_applications"}).json
    [record] = records["data"]
    assert record["_timestamp"] == "2013-07-01T00:00:00+00:00"
    assert record["value"] == 252 and record["period"] == "day"
    assert "comment" not in record
    # Uploading the same sheet again replaces by _id rather than duplicating.
    upload("lpa", "LPA_MI_EXAMPLE.xls", data, "application/vnd.ms-excel")
    assert store.count("lpa") == 18


def test_multi_sheet_workbook_uses_the_first_sheet(
    make_bucket, sign_in, upload, store, fixture_path
):
    make_bucket("sheets", bucket_type="custom", upload_format="excel")
    sign_in("sheets")
    data = fixture_path("multiple_sheets.xlsx").read_bytes()
    response = upload("sheets", "multiple_sheets.xlsx", data, "application/octet-stream",
                      status=400)
    # The first sheet's header was read (and is not a valid field name).
    assert_rejected(response, "names a field 'Sheet 1 content'", store, "sheets")


def _xlsx(*sheets):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for index, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Sheet{index + 1}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_first_sheet_only_is_stored(make_bucket, sign_in, upload, store):
    make_bucket("sheets", bucket_type="custom", upload_format="excel")
    sign_in("sheets")
    data = _xlsx([["metric", "value"], ["a", 1.5]], [["notes"], ["ignore me"]])
    response = upload("sheets", "two.xlsx", data, "application/octet-stream")
    assert "1 record stored" in response.text
    assert stored(store, "sheets") == [{"metric": "a", "value": 1.5}]


def test_events_bucket_needs_timestamps_and_names_the_row(bucket, make_bucket, sign_in, upload,
                                                           store):
    make_bucket("events")
    sign_in("events")
    data = b"_timestamp,count\n2014-01-01T00:00:00Z,1\nnot a date,2\n"
    response = upload("events", "e.csv", data, status=400)
    assert_rejected(response, "row 3: _timestamp is not a valid timestamp", store, "events")


def test_realtime_bucket_upload_is_capped(make_bucket, sign_in, upload, store):
    make_bucket("live", bucket_type="realtime", capped_size=2)
    sign_in("live")
    rows = "".join(f"2014-01-0{day}T00:00:00Z,{day}\n" for day in range(1, 6))
    upload("live", "live.csv", ("_timestamp,n\n" + rows).encode())
    assert store.count("live") == 2


REJECTIONS = [
    ("empty file", "e.csv", b"", "text/csv", "the file is empty"),
    ("header only", "h.csv", b"a,b\n", "text/csv", "no data rows"),
    ("blank", "b.csv", b"\n\n# only comments\n", "text/csv", "contains no data"),
    ("wrong type", "picture.png", b"\x89PNG\r\n", "image/png", "unexpected content type"),
    ("xlsx into csv bucket", "d.xlsx", b"PK\x03\x04",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "unexpected content type"),
    ("too many values", "r.csv", b"a,b\n1,2\n1,2,3\n", "text/csv", "row 3 has 3 values"),
    ("too few values", "r.csv", b"a,b\n1,2\n1\n", "text/csv", "row 3 has 1 values"),
    ("invalid key", "k.csv", b"a b\n1\n", "text/csv", "names a field 'a b'"),
    ("internal key", "k.csv", b"_secret\n1\n", "text/csv", "not a recognised internal field"),
]


@pytest.mark.parametrize(
    "filename, content, content_type, reason",
    [case[1:] for case in REJECTIONS], ids=[case[0] for case in REJECTIONS],
)
def test_rejections_store_nothing(bucket, upload, store, filename, content, content_type, reason):
    upload(bucket, "first.csv", b"a\nkept\n")
    response = upload(bucket, filename, content, content_type, status=400)
    assert_rejected(response, reason, store, bucket, before=1)


def test_non_utf8_csv_is_rejected(bucket, upload, store, fixture_path):
    data = fixture_path("bad-characters.csv").read_bytes()
    response = upload(bucket, "bad-characters.csv", data, status=400)
    assert_rejected(response, "not UTF-8", store, bucket)


def test_file_at_the_size_limit_is_rejected(bucket, upload, store):
    data = b"a\n" + b"x" * (1_000_000 - 3) + b"\n"
    assert len(data) == 1_000_000
    response = upload(bucket, "big.csv", data, status=400)
    assert_rejected(response, "too big", store, bucket)


def test_file_just_under_the_size_limit_is_accepted(bucket, upload, store):
    data = b"a\n" + (b"x" * 1000 + b"\n") * 998 + b"x" * 998 + b"\n"
    assert len(data) == 999_999
    response = upload(bucket, "big.csv", data)
    assert "999 records stored" in response.text
    assert store.count(bucket) == 999


def test_size_limit_is_configurable(make_app, settings, store):
    app = make_app(**{"backdrop.upload_max_bytes": "10"})
    app_store = app.app.registry["backdrop.store"]
    from backdrop.buckets import new_config

    config, _ = new_config("foo", {"bucket_type": "custom"}, app.app.registry["backdrop.plugins"])
    app_store.create_bucket(config)
    app_store.save_user("ada@example.com", ["foo"])
    app.get("/_test/sign-in", {"email": "ada@example.com"})
    form = app.get("/foo/upload").forms[0]
    form["file"] = ("small.csv", b"a\n12345678\n", "text/csv")
    response = form.submit(status=400)
    assert "smaller than 10 bytes" in response.text


def test_no_file_is_rejected(bucket, upload, store):
    response = upload(bucket, None, None, status=400)
    assert_rejected(response, "no file was uploaded", store, bucket)


def test_csv_bucket_accepts_a_csv_labelled_as_excel_by_windows(bucket, upload, store):
    upload(bucket, "data.csv", b"a\n1\n", "application/vnd.ms-excel")
    assert store.count(bucket) == 1


def test_error_page_escapes_the_reason(bucket, upload, store):
    response = upload(bucket, "x.csv", b"<script>alert(1)</script>\n1\n", status=400)
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;" in response.text


def test_uploads_answer_wrong_methods_with_405(bucket, app):
    response = app.put(f"/{bucket}/upload", status=405)
    assert response.headers["Allow"] == "GET, HEAD, POST"


def test_batch_is_atomic_when_a_later_row_is_invalid(bucket, upload, store):
    data = b"a,_id\n1,one\n2,has space\n"
    response = upload(bucket, "x.csv", data, status=400)
    assert_rejected(response, "row 3: _id must be a non-empty string", store, bucket)
    assert json.dumps(stored(store, bucket)) == "[]"
