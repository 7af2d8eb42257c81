"""Bucket and user management pages for admins (SPEC 6), through the real app."""
import logging

import pytest

from backdrop.buckets import token_matches
from backdrop.records import prepare_batch
from tests.functional.admin.test_oauth import authorize, callback_path

ADMIN_EMAIL = "root@example.com"


@pytest.fixture
def admin(app):
    app.get("/_test/sign-in", {"email": ADMIN_EMAIL, "name": "Root", "admin": "true"}, status=302)
    return app


def _write(app, bucket, token, status):
    return app.post_json(f"/{bucket}", [{"_timestamp": "2024-01-01T00:00:00Z", "n": 1}],
                         headers={"Authorization": f"Bearer {token}"}, status=status)


def _create_form(admin, **fields):
    form = admin.get("/_admin/new-bucket").forms[0]
    for name, value in fields.items():
        form[name] = value
    return form


def test_list_every_bucket_with_type_address_count_and_last_write(admin, make_bucket, store, plugins):
    make_bucket("visits", data_group="site", data_type="visits")
    make_bucket("live", bucket_type="realtime")
    config = store.get_bucket("visits")
    store.insert("visits", prepare_batch([{"_timestamp": "2024-01-01T00:00:00Z"}] * 3, config,
                                         plugins.bucket_types["events"]))
    html = admin.get("/_admin/buckets").html
    rows = {tr["id"]: [td.text.strip() for td in tr.select("td")]
            for tr in html.select("#buckets tbody tr")}
    assert rows["row-live"][:4] == ["live", "realtime", "", "0"]
    assert rows["row-live"][4] == "never"
    assert rows["row-visits"][:4] == ["visits", "events", "/data/site/visits", "3"]
    assert rows["row-visits"][4] == f"{store.last_updated('visits'):%Y-%m-%d %H:%M:%S}"
    assert html.select_one("#manage-link")  # admins see the way in


def test_create_shows_the_token_once_and_it_writes(admin, store, caplog):
    form = _create_form(admin, name="sales", data_group="shop", data_type="sales",
                        raw_queries_allowed=True, capped_size="")
    with caplog.at_level(logging.INFO, logger="backdrop.admin.manage"):
        response = form.submit()
    token = response.html.select_one("#token")["value"]
    assert response.html.select_one("button[data-copy=token]")
    config = store.get_bucket("sales")
    assert config["raw_queries_allowed"] is True and (config["data_group"], config["data_type"]) == (
        "shop", "sales")
    assert token_matches(token, config["token_hash"])
    _write(admin, "sales", token, 200)
    assert token not in admin.get("/_admin/buckets/sales").text
    assert token not in admin.get("/_admin/buckets").text
    assert f"admin {ADMIN_EMAIL} created data set sales" in caplog.text
    assert token not in caplog.text


@pytest.mark.parametrize("fields,message", [
    ({"name": "Bad Name"}, "name must match"),
    ({"name": "ok", "capped_size": "lots"}, "capped_size must be a whole number"),
    ({"name": "ok", "capped_size": "-1"}, "capped_size"),
    ({"name": "ok", "data_group": "site"}, "data_group and data_type must be given together"),
    ({"name": "ok", "upload_filters": "nonsense"}, "nonsense is not a registered upload filter"),
    ({"name": "data-sets"}, "reserved"),
])
def test_an_invalid_new_bucket_is_refused_and_nothing_created(admin, store, fields, message):
    response = _create_form(admin, **fields).submit(status=400)
    assert message in response.html.select_one("#form-error").text
    assert store.list_buckets() == []
    assert response.html.select_one("#name")["value"] == fields["name"]  # the form comes back


def test_an_existing_name_or_address_is_refused(admin, make_bucket, store):
    make_bucket("visits", data_group="site", data_type="visits")
    response = _create_form(admin, name="visits").submit(status=400)
    assert "already exists" in response.html.select_one("#form-error").text
    response = _create_form(admin, name="other", data_group="site", data_type="visits").submit(
        status=400)
    assert "data_group and data_type" in response.html.select_one("#form-error").text
    assert [config["name"] for config in store.list_buckets()] == ["visits"]


def test_edit_the_config(admin, make_bucket, store, caplog):
    make_bucket("visits")
    form = admin.get("/_admin/buckets/visits").forms["config-form"]
    assert form["published"].checked is True
    form["published"] = False
    form["max_age_expected"] = "3600"
    form["auto_ids"] = "page, day"
    with caplog.at_level(logging.INFO, logger="backdrop.admin.manage"):
        response = form.submit()
    assert response.html.select_one("#saved")
    config = store.get_bucket("visits")
    assert (config["published"], config["max_age_expected"], config["auto_ids"]) == (
        False, 3600, ["page", "day"])
    assert config["queryable"] is True and config["bucket_type"] == "events"
    assert f"admin {ADMIN_EMAIL} changed data set visits" in caplog.text


def test_an_invalid_edit_changes_nothing(admin, make_bucket, store):
    make_bucket("visits")
    before = store.get_bucket("visits")
    form = admin.get("/_admin/buckets/visits").forms["config-form"]
    form["capped_size"] = "99999999999"
    form["published"] = False
    response = form.submit(status=400)
    assert "capped_size" in response.html.select_one("#form-error").text
    assert store.get_bucket("visits") == before


def test_rotating_the_token_refuses_the_old_one_at_once(admin, make_bucket, store, caplog):
    old = make_bucket("visits")
    _write(admin, "visits", old, 200)
    with caplog.at_level(logging.INFO, logger="backdrop.admin.manage"):
        response = admin.get("/_admin/buckets/visits").forms["token-form"].submit()
    new = response.html.select_one("#token")["value"]
    assert new != old
    _write(admin, "visits", old, 401)
    _write(admin, "visits", new, 200)
    assert f"admin {ADMIN_EMAIL} rotated the token of data set visits" in caplog.text


def test_delete_only_after_typing_the_name(admin, make_bucket, store, caplog):
    make_bucket("visits")
    for typed in ("", "visit", "VISITS"):
        form = admin.get("/_admin/buckets/visits").forms["delete-form"]
        form["confirm_name"] = typed
        response = form.submit(status=400)
        assert "Nothing was deleted" in response.html.select_one("#form-error").text
        assert store.get_bucket("visits") is not None
    form = admin.get("/_admin/buckets/visits").forms["delete-form"]
    form["confirm_name"] = "visits"
    with caplog.at_level(logging.INFO, logger="backdrop.admin.manage"):
        assert form.submit().html.select_one("#deleted")
    assert store.get_bucket("visits") is None
    assert f"admin {ADMIN_EMAIL} deleted data set visits" in caplog.text
    admin.get("/_admin/buckets/visits", status=404)


def test_grant_and_revoke(admin, make_bucket, store, caplog):
    make_bucket("visits")
    make_bucket("sales")
    form = admin.get("/_admin/users").forms["grant-form"]
    form["email"] = "Ada@Example.com"
    form["bucket"] = "visits"
    with caplog.at_level(logging.INFO, logger="backdrop.admin.manage"):
        response = form.submit()
    assert store.get_user("ada@example.com")["buckets"] == ["visits"]
    assert "ada@example.com may now upload to and explore visits" in response.text
    form = response.forms["grant-form"]
    form["email"] = "ada@example.com"
    form["bucket"] = "sales"
    response = form.submit()
    assert store.get_user("ada@example.com")["buckets"] == ["visits", "sales"]
    revoke = [f for f in response.forms.values() if f.get("bucket", index=0).value == "visits"
              and f.get("action").value == "revoke"][0]
    response = revoke.submit()
    assert store.get_user("ada@example.com")["buckets"] == ["sales"]
    assert f"admin {ADMIN_EMAIL}: grant ada@example.com visits" in caplog.text


@pytest.mark.parametrize("fields,message", [
    ({"action": "grant", "email": "ada@example.com", "bucket": "nope"}, "no data set named"),
    ({"action": "grant", "email": "not-an-address", "bucket": "visits"}, "email address"),
    ({"action": "revoke", "email": "ada@example.com", "bucket": "visits"}, "was not granted"),
    ({"action": "explode", "email": "ada@example.com", "bucket": "visits"}, "email address"),
])
def test_bad_grants_and_revokes_change_nothing(admin, make_bucket, store, fields, message):
    make_bucket("visits")
    store.save_user("ada@example.com", [])
    token = admin.get("/_admin/users").forms["grant-form"]["csrf_token"].value
    response = admin.post("/_admin/users", {**fields, "csrf_token": token}, status=400)
    assert message in response.html.select_one("#form-error").text
    assert store.get_user("ada@example.com")["buckets"] == []


MANAGEMENT_PAGES = ["/_admin/buckets", "/_admin/new-bucket", "/_admin/buckets/visits", "/_admin/users"]
MANAGEMENT_POSTS = [
    ("/_admin/new-bucket", {"name": "evil"}),
    ("/_admin/buckets/visits", {"published": ""}),
    ("/_admin/buckets/visits/token", {}),
    ("/_admin/buckets/visits/delete", {"confirm_name": "visits"}),
    ("/_admin/users", {"action": "grant", "email": "me@example.com", "bucket": "visits"}),
]


def test_non_admins_get_404_for_every_page_and_post(app, make_bucket, sign_in, store):
    token = make_bucket("visits")
    sign_in("visits")  # an uploader of that very bucket, without Signon's admin permission
    for path in MANAGEMENT_PAGES:
        response = app.get(path, status=404)
        assert "Page not found" in response.text
    csrf = app.get("/visits/upload").forms[0]["csrf_token"].value  # a valid token does not help
    before = (store.get_bucket("visits"), store.list_users())
    for path, fields in MANAGEMENT_POSTS:
        app.post(path, {**fields, "csrf_token": csrf}, status=404)
        app.post(path, fields, status=404)  # nor does none: nothing said about CSRF
    assert (store.get_bucket("visits"), store.list_users()) == before
    _write(app, "visits", token, 200)
    assert "manage-link" not in app.get("/").text


def test_visitors_not_signed_in_are_sent_to_sign_in(app, make_bucket):
    make_bucket("visits")
    for path in MANAGEMENT_PAGES:
        assert app.get(path, status=302).location.endswith("/sign-in")
    for path, fields in MANAGEMENT_POSTS:
        app.post(path, fields, status=302)
    assert app.app.registry["backdrop.store"].get_bucket("visits")["published"] is True


def test_every_management_post_needs_the_csrf_token(admin, make_bucket, store):
    make_bucket("visits")
    before = (store.get_bucket("visits"), store.list_users(), len(store.list_buckets()))
    for path, fields in MANAGEMENT_POSTS:
        response = admin.post(path, fields, status=400)
        assert "Your form has expired" in response.text
    assert (store.get_bucket("visits"), store.list_users(), len(store.list_buckets())) == before


def test_every_management_form_carries_a_csrf_token(admin, make_bucket, store):
    make_bucket("visits")
    store.save_user("ada@example.com", ["visits"])
    for path in MANAGEMENT_PAGES:
        for form in admin.get(path).forms.values():
            if form.method.lower() == "post":
                assert form["csrf_token"].value


def test_unknown_buckets_are_404_for_admins_too(admin):
    admin.get("/_admin/buckets/nope", status=404)
    token = admin.get("/_admin/users").forms["grant-form"]["csrf_token"].value
    for path in ("/_admin/buckets/nope", "/_admin/buckets/nope/token", "/_admin/buckets/nope/delete"):
        admin.post(path, {"csrf_token": token, "confirm_name": "nope"}, status=404)


def test_wrong_methods_are_405_pages(admin, make_bucket):
    make_bucket("visits")
    response = admin.get("/_admin/buckets/visits/token", status=405)
    assert "Method not allowed" in response.text
    admin.put("/_admin/buckets", status=405)


def test_every_management_control_has_a_label(admin, make_bucket, store):
    make_bucket("visits")
    store.save_user("ada@example.com", ["visits"])
    for path in MANAGEMENT_PAGES:
        html = admin.get(path).html
        labelled = {label["for"] for label in html.select("label[for]")}
        for control in html.select("input:not([type=hidden]), select"):
            assert control["id"] in labelled, (path, control)
        for button in html.select("button"):
            assert button.text.strip() or button.get("aria-label")


@pytest.mark.parametrize("permissions,status", [(["signin", "admin"], 200), (["signin"], 404)])
def test_signons_admin_permission_makes_an_admin(signon_app, signon, permissions, status):
    signon.user["permissions"] = permissions
    signon_app.get(callback_path(authorize(signon_app)), status=302)
    signon_app.get("/_admin/buckets", status=status)
    signon_app.get("/_admin/users", status=status)
