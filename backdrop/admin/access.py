"""Who may see what in the admin app.

Uploaders may upload to and explore the buckets granted to them; admins
(Signon permission ``admin``) may explore every bucket and manage them all.
Whatever someone may not see answers 404, as if it did not exist.
"""
from ..buckets import NAME
from ..interfaces import IStore
from .pages import page


def is_admin(request):
    user = request.admin_user
    return bool(user and user.get("admin"))


def granted_bucket(request, admins_too=False):
    """The bucket in the URL if this user was granted it (or is an admin); else None."""
    name = request.matchdict["bucket"]
    if not NAME.match(name):
        return None
    if name not in request.admin_user["buckets"] and not (admins_too and is_admin(request)):
        return None
    return request.find_service(IStore).get_bucket(name)


def explorable_bucket(request):
    return granted_bucket(request, admins_too=True)


def not_found(request, reason="There is no such page here."):
    return page(request, "error", status=404, title="Page not found", reason=reason)
