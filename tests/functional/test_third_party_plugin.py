"""A real third-party distribution (plugins/backdrop-measurements) found via the entry point group."""
from importlib.metadata import entry_points

import pytest

from tests.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def plugin_app(make_app):
    names = {entry.name for entry in entry_points(group="backdrop")}
    assert "measurements" in names, (
        "install the sample plugin first: pip install -e plugins/backdrop-measurements"
    )
    return make_app(**{"backdrop.load_entry_points": "true"})


def test_plugin_bucket_type_is_used_by_the_write_api(plugin_app):
    created = plugin_app.post_json(
        "/data-sets/latency", {"bucket_type": "measurements"}, headers=ADMIN, status=201
    ).json
    auth = {"Authorization": f"Bearer {created['bearer_token']}"}

    ok = plugin_app.post_json(
        "/latency", [{"_timestamp": "2024-05-01T00:00:00Z", "value": 0.25, "unit": "s"}],
        headers=auth,
    )
    assert ok.json == {"status": "ok", "count": 1}

    refused = plugin_app.post_json(
        "/latency", [{"_timestamp": "2024-05-01T00:00:00Z", "value": "fast"}],
        headers=auth, status=400,
    )
    assert refused.json["message"] == "record 0: value must be a number"
    store = plugin_app.app.registry["backdrop.store"]
    assert store.count("latency") == 1


def test_without_entry_points_the_type_is_unknown(app):
    response = app.post_json(
        "/data-sets/latency", {"bucket_type": "measurements"}, headers=ADMIN, status=400
    )
    assert "not a registered bucket type" in response.json["message"]
