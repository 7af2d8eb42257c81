"""The wide_to_long distribution (plugins/backdrop-wide-to-long), found by its entry point."""
import io
from importlib.metadata import entry_points

import openpyxl
import pytest

from backdrop.buckets import new_config
from backdrop.query import Query


@pytest.fixture
def plugin_app(make_app):
    names = {entry.name for entry in entry_points(group="backdrop")}
    assert "wide_to_long" in names, (
        "install the plugin first: pip install -e plugins/backdrop-wide-to-long"
    )
    return make_app(**{"backdrop.load_entry_points": "true"})


def test_bucket_with_the_filter_turns_a_wide_workbook_into_long_records(plugin_app):
    registry = plugin_app.app.registry
    store, plugins = registry["backdrop.store"], registry["backdrop.plugins"]
    assert "wide_to_long" in plugins.upload_filters
    config, _ = new_config("visits", {
        "upload_format": "excel",
        "upload_filters": ["first_sheet", "wide_to_long"],
        "auto_ids": ["_timestamp", "metric"],
    }, plugins)
    store.create_bucket(config)
    store.save_user("ada@example.com", ["visits"])

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["_timestamp", "visits", "sign_ups"], ["2024-01-01", 10, 2], ["2024-01-08", 12, None]):
        sheet.append(row)
    workbook.create_sheet("notes").append(["ignored"])
    data = io.BytesIO()
    workbook.save(data)

    plugin_app.get("/_test/sign-in", {"email": "ada@example.com"})
    form = plugin_app.get("/visits/upload").forms[0]
    form["file"] = ("visits.xlsx", data.getvalue(), "application/octet-stream")
    assert "3 records stored" in form.submit().text
    records = store.raw("visits", Query())
    assert sorted((r["metric"], r["value"]) for r in records) == [
        ("sign_ups", 2), ("visits", 10), ("visits", 12)
    ]
