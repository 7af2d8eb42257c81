"""SPEC 5: data-set management over HTTP, guarded by the admin token."""
import json

import pytest

from tests.conftest import ADMIN_TOKEN

from .helpers import assert_error, bearer, event

ADMIN = bearer(ADMIN_TOKEN)
DEFAULTS = {
    "data_group": None,
    "data_type": None,
    "bucket_type": "events",
    "raw_queries_allowed": False,
    "queryable": True,
    "published": True,
    "auto_ids": None,
    "capped_size": 5040,
    "max_age_expected": None,
    "upload_format": "csv",
    "upload_filters": ["first_sheet"],
}


def _call(app, method, path, body=None, headers=ADMIN):
    headers = dict(headers)
    kwargs = {"headers": headers, "expect_errors": True}
    if body is not None:
        headers["Content-Type"] = "application/json"
        kwargs["params"] = body if isinstance(body, str | bytes) else json.dumps(body)
    return getattr(app, method.lower())(path, **kwargs)


def _create(app, name, config=None):
    response = _call(app, "POST", f"/data-sets/{name}", config or {})
    assert response.status_int == 201, response.body
    return response


def _assert_no_token(response, *tokens):
    text = response.body.decode()
    assert "bearer_token" not in text and "token_hash" not in text
    for token in tokens:
        assert token not in text


# -- the admin token ---------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/data-sets", None),
    ("GET", "/data-sets/existing", None),
    ("POST", "/data-sets/newone", {}),
    ("PATCH", "/data-sets/existing", {"published": False}),
    ("DELETE", "/data-sets/existing", None),
]


@pytest.mark.parametrize("method,path,body", ENDPOINTS)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Authorization": ADMIN_TOKEN},
     bearer("not-the-admin-token"), bearer(ADMIN_TOKEN + "x"), bearer(ADMIN_TOKEN[:-1])],
    ids=["missing", "basic", "no-scheme", "wrong", "longer", "shorter"],
)
def test_missing_or_wrong_admin_token_is_401(app, store, make_bucket, method, path, body, headers):
    make_bucket("existing")
    before = store.list_buckets()
    response = _call(app, method, path, body, headers=headers)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert ADMIN_TOKEN not in response.body.decode().replace(headers.get("Authorization", ""), "")
    assert store.list_buckets() == before


@pytest.mark.parametrize("method,path,body", ENDPOINTS)
def test_a_bucket_token_is_not_the_admin_token(app, store, make_bucket, method, path, body):
    token = make_bucket("existing")
    before = store.list_buckets()
    assert_error(_call(app, method, path, body, headers=bearer(token)), 401)
    assert store.list_buckets() == before


def test_no_admin_token_configured_refuses_everyone(make_app, store):
    app = make_app(**{"backdrop.admin_token": ""})
    for headers in ({}, bearer("anything"), bearer(ADMIN_TOKEN)):
        assert_error(_call(app, "POST", "/data-sets/sneaky", {}, headers=headers), 401)
    assert store.list_buckets() == []


def test_the_environment_overrides_the_admin_token(make_app, store, monkeypatch):
    monkeypatch.setenv("BACKDROP_ADMIN_TOKEN", "from-the-environment-0123456789")
    app = make_app()
    assert_error(_call(app, "GET", "/data-sets"), 401)
    response = _call(app, "GET", "/data-sets", headers=bearer("from-the-environment-0123456789"))
    assert response.status_int == 200


# -- create ----------------------------------------------------------------------------

def test_create_is_201_with_the_defaults_and_the_token_once(app, store):
    response = _create(app, "licensing")
    assert response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.json
    token = body.pop("bearer_token")
    assert isinstance(token, str) and len(token) >= 16
    assert body == {"name": "licensing", **DEFAULTS}
    assert [config["name"] for config in store.list_buckets()] == ["licensing"]
    # The token works for writing, and is never shown again.
    write = app.post_json("/licensing", event(n=1), headers=bearer(token))
    assert write.json == {"status": "ok", "count": 1}
    _assert_no_token(_call(app, "GET", "/data-sets/licensing"), token)
    _assert_no_token(_call(app, "GET", "/data-sets"), token)


def test_create_with_a_full_config(app, store):
    config = {
        "data_group": "licensing",
        "data_type": "applications",
        "bucket_type": "realtime",
        "raw_queries_allowed": True,
        "queryable": False,
        "published": False,
        "auto_ids": ["region", "channel"],
        "capped_size": 10,
        "max_age_expected": 3600,
        "upload_format": "excel",
        "upload_filters": [],
    }
    body = _create(app, "full", config).json
    token = body.pop("bearer_token")
    assert body == {"name": "full", **config}
    assert _call(app, "GET", "/data-sets/full").json == {"name": "full", **config}
    record = event(region="r", channel="c")
    write = app.post_json("/data/licensing/applications", record, headers=bearer(token))
    assert write.status_int == 200
    assert store.count("full") == 1


def test_created_tokens_differ(app):
    assert _create(app, "first").json["bearer_token"] != _create(app, "second").json["bearer_token"]


def test_an_existing_name_is_409_and_changes_nothing(app, store):
    token = _create(app, "taken", {"capped_size": 7}).json["bearer_token"]
    before = store.list_buckets()
    response = _call(app, "POST", "/data-sets/taken", {"capped_size": 9, "bucket_type": "custom"})
    assert "taken" in assert_error(response, 409)
    _assert_no_token(response, token)
    assert store.list_buckets() == before
    assert app.post_json("/taken", event(n=1), headers=bearer(token)).status_int == 200


def test_a_data_group_and_type_clash_is_409_and_creates_nothing(app, store):
    _create(app, "first", {"data_group": "grp", "data_type": "kind"})
    before = store.list_buckets()
    response = _call(app, "POST", "/data-sets/second", {"data_group": "grp", "data_type": "kind"})
    message = assert_error(response, 409)
    assert "data_group" in message or "grp" in message
    assert store.list_buckets() == before
    assert_error(_call(app, "GET", "/data-sets/second"), 404)
    # The same group with another type is fine.
    _create(app, "third", {"data_group": "grp", "data_type": "other"})


@pytest.mark.parametrize(
    "body,field",
    [
        ({"capped_size": -1}, "capped_size"),
        ({"capped_size": "10"}, "capped_size"),
        ({"capped_size": True}, "capped_size"),
        ({"capped_size": False}, "capped_size"),
        ({"capped_size": 1.5}, "capped_size"),
        ({"capped_size": [1]}, "capped_size"),
        ({"bucket_type": "nosuchtype"}, "bucket_type"),
        ({"bucket_type": 3}, "bucket_type"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"raw_queries_allowed": "yes"}, "raw_queries_allowed"),
        ({"queryable": 1}, "queryable"),
        ({"published": "false"}, "published"),
        ({"auto_ids": "region"}, "auto_ids"),
        ({"auto_ids": [1, 2]}, "auto_ids"),
        ({"max_age_expected": -5}, "max_age_expected"),
        ({"max_age_expected": "3600"}, "max_age_expected"),
        ({"upload_format": "pdf"}, "upload_format"),
        ({"upload_filters": ["nosuchfilter"]}, "upload_filters"),
        ({"upload_filters": "first_sheet"}, "upload_filters"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else None,
)
def test_an_invalid_config_is_400_and_creates_nothing(app, store, body, field):
    before = store.list_buckets()
    message = assert_error(_call(app, "POST", "/data-sets/invalid", body), 400)
    assert field in message
    assert store.list_buckets() == before
    assert_error(_call(app, "GET", "/data-sets/invalid"), 404)


@pytest.mark.parametrize("body", ["{", "not json", '{"capped_size": NaN}', "", "[]", '"config"', "null"])
def test_a_config_that_is_not_a_json_object_is_400_and_creates_nothing(app, store, body):
    before = store.list_buckets()
    assert_error(_call(app, "POST", "/data-sets/invalid", body), 400)
    assert store.list_buckets() == before


def test_bad_json_config_says_error_parsing_json(app, store):
    message = assert_error(_call(app, "POST", "/data-sets/invalid", "{nope"), 400)
    assert message.startswith("Error parsing JSON: ")
    assert store.list_buckets() == []


@pytest.mark.parametrize("name", ["Upper", "_reserved", "has%20space", "-dash-first", "x" * 65, "dot.name"])
def test_an_invalid_name_creates_nothing(app, store, name):
    response = _call(app, "POST", f"/data-sets/{name}", {})
    assert response.status_int in (400, 404)
    assert_error(response, response.status_int)
    assert store.list_buckets() == []


def test_created_buckets_are_seen_by_the_read_role(app, make_app):
    config = {"raw_queries_allowed": True, "bucket_type": "custom"}
    token = _create(app, "shared", config).json["bearer_token"]
    app.post_json("/shared", {"n": 1}, headers=bearer(token))
    reader = make_app(**{"backdrop.roles": "read"})
    assert [row["n"] for row in reader.get("/shared").json["data"]] == [1]


# -- read ---------------------------------------------------------------------------------

def test_list_shows_every_config_without_tokens(app):
    tokens = [_create(app, name, {"bucket_type": "custom"}).json["bearer_token"] for name in ("b", "a", "c")]
    response = _call(app, "GET", "/data-sets")
    assert response.status_int == 200
    data = response.json["data"]
    assert sorted(config["name"] for config in data) == ["a", "b", "c"]
    for config in data:
        assert config == {"name": config["name"], **DEFAULTS, "bucket_type": "custom"}
    _assert_no_token(response, *tokens)


def test_list_is_empty_without_buckets(app):
    assert _call(app, "GET", "/data-sets").json == {"data": []}


def test_show_returns_the_config(app, make_bucket):
    make_bucket("shown", capped_size=12, data_group="g", data_type="t")
    response = _call(app, "GET", "/data-sets/shown")
    assert response.status_int == 200
    expected = {**DEFAULTS, "name": "shown", "capped_size": 12, "data_group": "g", "data_type": "t"}
    assert response.json == expected


@pytest.mark.parametrize("method,body", [("GET", None), ("PATCH", {"published": False}), ("DELETE", None)])
def test_unknown_data_set_is_404_with_the_exact_message(app, store, method, body):
    response = _call(app, method, "/data-sets/ghost", body)
    assert_error(response, 404, 'No data set exists with name "ghost"')
    assert store.list_buckets() == []


# -- update ----------------------------------------------------------------------------

def test_patch_is_200_with_the_new_config(app, store):
    token = _create(app, "changing", {"data_group": "g", "data_type": "t"}).json["bearer_token"]
    response = _call(app, "PATCH", "/data-sets/changing", {"published": False, "capped_size": 10})
    assert response.status_int == 200
    expected = {**DEFAULTS, "name": "changing", "data_group": "g", "data_type": "t",
                "published": False, "capped_size": 10}
    assert response.json == expected
    _assert_no_token(response, token)
    assert _call(app, "GET", "/data-sets/changing").json == expected
    # The token did not change.
    assert app.post_json("/changing", event(n=1), headers=bearer(token)).status_int == 200


def test_patch_takes_effect_for_writes(app, store):
    token = _create(app, "moving", {"data_group": "old", "data_type": "addr"}).json["bearer_token"]
    _call(app, "PATCH", "/data-sets/moving",
          {"data_group": "new", "data_type": "addr", "bucket_type": "realtime", "capped_size": 2})
    old = app.post_json("/data/old/addr", event(n=1), headers=bearer(token), expect_errors=True)
    assert old.status_int == 404
    for n in range(4):
        app.post_json("/data/new/addr", event(n=n), headers=bearer(token))
    assert store.count("moving") == 2


@pytest.mark.parametrize(
    "body",
    [{"capped_size": -1}, {"capped_size": "5"}, {"capped_size": True}, {"bucket_type": "nope"},
     {"unknown_field": 1}, {"queryable": "no"}],
    ids=json.dumps,
)
def test_an_invalid_patch_is_400_and_changes_nothing(app, store, body):
    _create(app, "steady")
    before = store.list_buckets()
    message = assert_error(_call(app, "PATCH", "/data-sets/steady", body), 400)
    assert next(iter(body)) in message
    assert store.list_buckets() == before


def test_a_bad_json_patch_is_400_and_changes_nothing(app, store):
    _create(app, "steady")
    before = store.list_buckets()
    assert_error(_call(app, "PATCH", "/data-sets/steady", "{"), 400)
    assert store.list_buckets() == before


def test_a_patch_clashing_data_group_and_type_is_409(app, store):
    _create(app, "one", {"data_group": "grp", "data_type": "kind"})
    _create(app, "two", {"data_group": "grp", "data_type": "other"})
    before = store.list_buckets()
    assert_error(_call(app, "PATCH", "/data-sets/two", {"data_type": "kind"}), 409)
    assert store.list_buckets() == before


# -- delete ------------------------------------------------------------------------------

def test_delete_removes_config_and_data(app, store):
    token = _create(app, "doomed", {"data_group": "g", "data_type": "t"}).json["bearer_token"]
    app.post_json("/doomed", [event(n=1), event(n=2)], headers=bearer(token))
    _create(app, "survivor")
    response = _call(app, "DELETE", "/data-sets/doomed")
    assert response.status_int == 200
    assert response.json == {"status": "ok", "message": "Deleted doomed"}
    assert [config["name"] for config in store.list_buckets()] == ["survivor"]
    assert_error(_call(app, "GET", "/data-sets/doomed"), 404, 'No data set exists with name "doomed"')
    assert_error(app.post_json("/doomed", event(n=3), headers=bearer(token), expect_errors=True), 404)
    assert_error(app.post_json("/data/g/t", event(n=3), headers=bearer(token), expect_errors=True), 404)
    # A new bucket of the same name and address starts empty, with a new token.
    new_token = _create(app, "doomed", {"data_group": "g", "data_type": "t"}).json["bearer_token"]
    assert store.count("doomed") == 0
    assert_error(app.post_json("/doomed", event(n=3), headers=bearer(token), expect_errors=True), 401)
    assert app.post_json("/doomed", event(n=3), headers=bearer(new_token)).status_int == 200


def test_delete_twice_is_404_the_second_time(app):
    _create(app, "once")
    assert _call(app, "DELETE", "/data-sets/once").status_int == 200
    assert_error(_call(app, "DELETE", "/data-sets/once"), 404, 'No data set exists with name "once"')


@pytest.mark.parametrize("name", ["data-sets", "sign-in", "sign-out", "not-authorized"])
def test_names_of_backdrops_own_urls_are_refused(app, store, name):
    before = store.list_buckets()
    response = app.post_json(f"/data-sets/{name}", {}, headers=ADMIN, status=400)
    assert "reserved" in response.json["message"]
    assert store.list_buckets() == before


@pytest.mark.parametrize("field", ["capped_size", "max_age_expected"])
def test_absurdly_large_numbers_are_400_not_500(app, store, field):
    response = app.post_json("/data-sets/huge", {field: 2**70}, headers=ADMIN, status=400)
    assert field in response.json["message"]
    assert store.get_bucket("huge") is None


def test_patch_can_clear_the_data_group_address(app, store):
    app.post_json("/data-sets/addressed", {"data_group": "g", "data_type": "t"}, headers=ADMIN,
                  status=201)
    changed = app.patch_json("/data-sets/addressed", {"data_group": None, "data_type": None},
                             headers=ADMIN).json
    assert (changed["data_group"], changed["data_type"]) == (None, None)
    assert store.find_bucket("g", "t") is None
    half = app.patch_json("/data-sets/addressed", {"data_group": "g"}, headers=ADMIN, status=400)
    assert "together" in half.json["message"]
