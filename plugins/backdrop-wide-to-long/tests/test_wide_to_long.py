"""The filter on its own, then through a real admin app upload."""
import backdrop_wide_to_long
import pytest
from backdrop_wide_to_long import WideToLong, as_number, backdrop_upload_filters
from webtest import TestApp

from backdrop import main
from backdrop.buckets import new_config
from backdrop.query import Query
from backdrop.uploads import UploadError

WIDE = [
    ["_timestamp", "visits", "sign_ups", "comment"],
    ["2024-01-01", "1,200", "31", "bank holiday"],
    [None, None, None, None],
    ["2024-01-08", "1450", None, None],
]


def test_hook_contributes_the_filter():
    assert [f.name for f in backdrop_upload_filters()] == ["wide_to_long"]


def test_reshapes_each_metric_into_a_row():
    [rows] = WideToLong().apply([WIDE])
    assert rows == [
        ["_timestamp", "metric", "value"],
        ["2024-01-01", "visits", 1200],
        ["2024-01-01", "sign_ups", 31],
        ["2024-01-08", "visits", 1450],
    ]


def test_underscore_columns_are_kept_on_every_row():
    [rows] = WideToLong().apply([[
        ["_start_at", "_end_at", "Page views"],
        ["2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", 2.5],
    ]])
    assert rows == [
        ["_start_at", "_end_at", "metric", "value"],
        ["2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "Page views", 2.5],
    ]


def test_every_sheet_is_reshaped():
    sheets = WideToLong().apply([[["day", "a"], ["mon", 1]], [["week", "b"], ["1", 2]]])
    assert sheets == [
        [["day", "metric", "value"], ["mon", "a", 1]],
        [["week", "metric", "value"], ["1", "b", 2]],
    ]


@pytest.mark.parametrize("text, number", [
    ("12", 12), ("-3", -3), ("1,234,567", 1234567), ("2.50", 2.5), (" 7 ", 7),
    ("12a", "12a"), ("1,23", "1,23"), ("", ""), (None, None), (4.5, 4.5),
])
def test_numbers_written_as_text(text, number):
    assert as_number(text) == number
    assert type(as_number(text)) is type(number)


@pytest.mark.parametrize("rows, reason", [
    ([["", "a"], ["x", 1]], "first column needs a name"),
    ([["_timestamp", "comment"], ["x", "y"]], "no metric columns"),
    ([["_timestamp", "a"], ["x", 1, 2]], "row 2 has 3 values"),
    ([["metric", "a"], ["x", 1]], "already named metric"),
])
def test_refusals(rows, reason):
    with pytest.raises(UploadError, match=reason):
        WideToLong().apply([rows])


def test_empty_sheet_stays_empty():
    assert WideToLong().apply([[[None, None]]]) == [[]]


@pytest.fixture
def app(tmp_path):
    test_app = TestApp(main({}, **{
        "backdrop.roles": "read write admin",
        "backdrop.store_url": f"sqlite:///{tmp_path}/plugin.db",
        "backdrop.session_secret": "plugin-test-session-secret-0123456789",
        "backdrop.admin_token": "plugin-test-admin-token-0123456789",
        "backdrop.load_entry_points": "false",
        "backdrop.extra_plugins": [backdrop_wide_to_long],
        "backdrop.test_sign_in": "true",
        "backdrop.oauth.base_url": "http://127.0.0.1:9",
        "backdrop.oauth.client_id": "client",
        "backdrop.oauth.client_secret": "secret",
    }))
    yield test_app
    test_app.app.registry["backdrop.store"].close()


def test_upload_through_the_admin_app(app):
    store = app.app.registry["backdrop.store"]
    plugins = app.app.registry["backdrop.plugins"]
    config, _ = new_config("visits", {
        "upload_filters": ["first_sheet", "wide_to_long"],
        "auto_ids": ["_timestamp", "metric"],
    }, plugins)
    store.create_bucket(config)
    store.save_user("ada@example.com", ["visits"])
    app.get("/_test/sign-in", {"email": "ada@example.com"})
    csv = b"_timestamp,visits,sign_ups,comment\n2024-01-01,\"1,200\",31,holiday\n2024-01-08,1450,,\n"
    for _ in range(2):  # the second upload replaces by auto id
        form = app.get("/visits/upload").forms[0]
        form["file"] = ("visits.csv", csv, "text/csv")
        assert "3 records stored" in form.submit().text
    records = store.raw("visits", Query())
    assert [(r["_timestamp"].date().isoformat(), r["metric"], r["value"]) for r in records] == [
        ("2024-01-01", "visits", 1200),
        ("2024-01-01", "sign_ups", 31),
        ("2024-01-08", "visits", 1450),
    ]
