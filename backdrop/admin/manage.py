"""Bucket and user management for admins (Signon permission ``admin``; SPEC 6).

List, create (token shown once), change, rotate the token of (shown once)
and delete (after typing its name) every bucket; grant and revoke users'
buckets. Anyone else gets 404 for every page and every POST — before the
CSRF check, so a non-admin learns nothing. Every change is logged, naming
the admin.
"""
import logging
from functools import wraps

from pyramid.csrf import check_csrf_token
from pyramid.view import view_config

from ..buckets import ConfigError, changed_config, new_config, public, rotated_token
from ..identity import IdentityError, normalise_email
from ..interfaces import IStore
from ..store.errors import BucketExists, BucketNotFound, DataGroupClash
from .access import is_admin, not_found
from .auth import signed_in
from .config_form import config_fields, form_values, posted_values
from .pages import admin_headers, page

log = logging.getLogger(__name__)
CLASH = "another data set already has that data_group and data_type"


def admins_only(view):
    """404 unless an admin is signed in; then a POST must carry the CSRF token."""

    @wraps(view)
    def wrapper(context, request):
        if not is_admin(request):
            return not_found(request)
        if request.method == "POST":
            check_csrf_token(request)  # BadCSRFToken: auth.bad_csrf's 400 page
        return view(context, request)

    return wrapper


ADMIN = {"decorator": (admin_headers, signed_in, admins_only), "require_csrf": False}


def _store(request):
    return request.find_service(IStore)


def _admin(request):
    return request.admin_user["email"]


def _choices(request):
    plugins = request.plugins
    return {"bucket_types": sorted(plugins.bucket_types),
            "upload_formats": sorted(plugins.upload_parsers)}


def _address(config):
    if config.get("data_group"):
        return f"/data/{config['data_group']}/{config['data_type']}"
    return ""


@view_config(route_name="admin.buckets", request_method=("GET", "HEAD"), **ADMIN)
def list_buckets(request):
    store = _store(request)
    buckets = [{**public(config), "address": _address(config), "count": store.count(config["name"]),
                "last_updated": store.last_updated(config["name"])}
               for config in store.list_buckets()]
    return page(request, "manage_buckets", buckets=buckets)


@view_config(route_name="admin.bucket_new", request_method=("GET", "HEAD"), **ADMIN)
def new_bucket_form(request):
    return page(request, "manage_new", error=None, name="",
                values=form_values({"bucket_type": "events", "upload_format": "csv",
                                    "queryable": True, "published": True}), **_choices(request))


@view_config(route_name="admin.bucket_new", request_method="POST", **ADMIN)
def create_bucket(request):
    name = request.POST.get("name", "").strip()
    store = _store(request)
    try:
        fields = config_fields(request.POST)
        config, token = new_config(name, fields, request.plugins)
        store.create_bucket(config)
    except (ConfigError, BucketExists, DataGroupClash) as error:
        message = {BucketExists: f"a data set named {name} already exists",
                   DataGroupClash: CLASH}.get(type(error), str(error))
        return page(request, "manage_new", status=400, error=message, name=name,
                    values=posted_values(request.POST), **_choices(request))
    log.info("admin %s created data set %s", _admin(request), name)
    return page(request, "manage_token", bucket=public(config), token=token, created=True,
                scripts=["copy.js"])


def _for_bucket(view):
    """``view(request, config)`` for the bucket named in the URL; 404 when there is none."""

    def for_bucket(request):
        config = _store(request).get_bucket(request.matchdict["name"])
        return not_found(request) if config is None else view(request, config)

    for_bucket.__name__, for_bucket.__doc__ = view.__name__, view.__doc__  # not wraps: Pyramid
    return for_bucket  # would read the wrapped (request, config) as (context, request)


def _edit_page(request, config, status=200, values=None, error=None, saved=False):
    """The bucket's page: its config form (as sent, when refused), rotate and delete."""
    return page(request, "manage_edit", status=status, bucket=public(config),
                values=values or form_values(config), error=error, saved=saved,
                **_choices(request))


@view_config(route_name="admin.bucket", request_method=("GET", "HEAD"), **ADMIN)
@_for_bucket
def edit_bucket_form(request, config):
    return _edit_page(request, config)


@view_config(route_name="admin.bucket", request_method="POST", **ADMIN)
@_for_bucket
def edit_bucket(request, config):
    name = config["name"]
    try:
        changes = changed_config(config, config_fields(request.POST), request.plugins)
        config = _store(request).update_bucket(name, changes)
    except (ConfigError, DataGroupClash) as error:
        message = CLASH if isinstance(error, DataGroupClash) else str(error)
        return _edit_page(request, config, 400, posted_values(request.POST), message)
    except BucketNotFound:
        return not_found(request)
    log.info("admin %s changed data set %s: %s", _admin(request), name, sorted(changes))
    return _edit_page(request, config, saved=True)


@view_config(route_name="admin.bucket_token", request_method="POST", **ADMIN)
@_for_bucket
def rotate_token(request, config):
    changes, token = rotated_token()
    try:
        _store(request).update_bucket(config["name"], changes)
    except BucketNotFound:
        return not_found(request)
    log.info("admin %s rotated the token of data set %s", _admin(request), config["name"])
    return page(request, "manage_token", bucket=public(config), token=token, created=False,
                scripts=["copy.js"])


@view_config(route_name="admin.bucket_delete", request_method="POST", **ADMIN)
@_for_bucket
def delete_bucket(request, config):
    name = config["name"]
    if request.POST.get("confirm_name", "").strip() != name:
        return _edit_page(request, config, 400, error=(
            f"Type the data set's name, {name}, to delete it. Nothing was deleted."))
    _store(request).delete_bucket(name)
    log.info("admin %s deleted data set %s", _admin(request), name)
    return page(request, "manage_deleted", name=name)


@view_config(route_name="admin.users", request_method=("GET", "HEAD"), **ADMIN)
def list_users(request):
    return _users_page(request)


def _users_page(request, status=200, error=None, done=None):
    store = _store(request)
    return page(request, "manage_users", status=status, error=error, done=done,
                users=store.list_users(), bucket_names=[c["name"] for c in store.list_buckets()])


@view_config(route_name="admin.users", request_method="POST", **ADMIN)
def grant_or_revoke(request):
    store = _store(request)
    action = request.POST.get("action")
    bucket = request.POST.get("bucket", "")
    try:
        email = normalise_email(request.POST.get("email", ""))
    except IdentityError as error:
        return _users_page(request, 400, f"That email address cannot be used: {error}")
    if "@" not in email or action not in ("grant", "revoke"):
        return _users_page(request, 400, "Give an email address and a data set.")
    user = store.get_user(email)
    buckets = list(user["buckets"]) if user else []
    if action == "grant":
        if store.get_bucket(bucket) is None:
            return _users_page(request, 400, f"There is no data set named {bucket!r}.")
        if bucket not in buckets:
            store.save_user(email, [*buckets, bucket])
        done = f"{email} may now upload to and explore {bucket}."
    else:
        if bucket not in buckets:
            return _users_page(request, 400, f"{email} was not granted {bucket!r}.")
        store.save_user(email, [name for name in buckets if name != bucket])
        done = f"{email} may no longer upload to or explore {bucket}."
    log.info("admin %s: %s %s %s", _admin(request), action, email, bucket)
    return _users_page(request, done=done)


@view_config(route_name="admin.buckets", **ADMIN)
@view_config(route_name="admin.bucket_new", **ADMIN)
@view_config(route_name="admin.bucket", **ADMIN)
@view_config(route_name="admin.bucket_token", **ADMIN)
@view_config(route_name="admin.bucket_delete", **ADMIN)
@view_config(route_name="admin.users", **ADMIN)
def wrong_method(request):
    response = page(request, "error", status=405, title="Method not allowed",
                    reason="Use the forms on these pages.")
    return response
