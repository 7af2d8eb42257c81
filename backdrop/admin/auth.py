"""Who is signed in, and the end of the velruse sign-in flow.

The session (a signed cookie) holds the Signon user's email and name, when
they signed in and their session generation. A session counts only while its
generation is the one the store holds for that email: signing out bumps it
(``store.end_sessions``), so every copy of the cookie stops working at once.
Sessions also end ``backdrop.session_idle_seconds`` after the last request
(the cookie's own timeout) and ``backdrop.session_absolute_seconds`` after
signing in, however busy. The buckets a user may upload to are read from the
store on every request, so revoking a user with the command line takes
effect at once.
"""
import time
from functools import wraps

from pyramid.csrf import new_csrf_token
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPFound
from pyramid.view import exception_view_config, view_config
from velruse import AuthenticationComplete, AuthenticationDenied
from velruse.exceptions import CSRFError, VelruseException

from ..identity import IdentityError, normalise_email
from ..interfaces import IStore
from .pages import admin_headers, page

SESSION_USER = "user"
CAME_FROM = "came_from"
SIGNIN_PERMISSION = "signin"
ADMIN_PERMISSION = "admin"
# What a cookie can hold is small (4 KB): longer values are cut or dropped here.
MAX_NAME_LENGTH = 100
MAX_CAME_FROM_LENGTH = 512
CLOCK_SKEW_SECONDS = 60  # admin processes' clocks may differ a little


def signed_in_user(request):
    """``{"email", "name", "buckets"}`` for the session's user, or None."""
    user = request.session.get(SESSION_USER)
    if not user:
        return None
    store = request.find_service(IStore)
    if not _session_is_current(request, store, user):
        request.session.invalidate()
        return None
    stored = store.get_user(user["email"])
    return {"email": user["email"], "name": user["name"], "admin": user.get("admin") is True,
            "buckets": list(stored["buckets"]) if stored else []}


def _session_is_current(request, store, user):
    """Signed in less than the absolute lifetime ago, and not signed out since."""
    issued_at, generation = user.get("issued_at"), user.get("generation")
    if not isinstance(issued_at, int) or not isinstance(generation, int):
        return False  # a cookie from before sessions had both
    lifetime = request.registry.settings["backdrop.session_absolute_seconds"]
    if not -CLOCK_SKEW_SECONDS <= time.time() - issued_at <= lifetime:
        return False
    return generation == store.session_generation(user["email"])


def display_name(name, email):
    """The name to show: the provider's, cut to fit in the session cookie."""
    name = name.strip() if isinstance(name, str) else ""
    name = name or email
    return name if len(name) <= MAX_NAME_LENGTH else name[:MAX_NAME_LENGTH - 1] + "…"


def sign_in(request, email, name, admin=False):
    """Start a fresh session for ``email`` (a new session id defeats session fixation)."""
    try:
        email = normalise_email(email)
    except IdentityError as error:
        request.session.invalidate()
        return page(request, "sign_in_failed", status=403, user=None,
                    reason=f"Backdrop cannot sign this account in: {error}")
    came_from = request.session.get(CAME_FROM)
    request.session.invalidate()
    request.session[SESSION_USER] = {
        "email": email,
        "name": display_name(name, email),
        "issued_at": int(time.time()),
        "generation": request.find_service(IStore).session_generation(email),
        "admin": bool(admin),  # Signon's "admin" permission, as it was at sign-in
    }
    new_csrf_token(request)
    return HTTPFound(location=_local(came_from) or request.route_url("admin.home"))


def _local(url):
    """Only redirect back to paths on this site."""
    if isinstance(url, str) and url.startswith("/") and not url.startswith("//"):
        return url
    return None


def _return_path(request):
    """Where to come back to after signing in, if it fits in the cookie."""
    for candidate in (request.path_qs, request.path):
        if len(candidate) <= MAX_CAME_FROM_LENGTH:
            return candidate
    return None


def signed_in(view):
    """View decorator: visitors not signed in are sent to sign in, then back here."""

    @wraps(view)
    def wrapper(context, request):
        if request.admin_user is None:
            if request.method == "GET":
                came_from = _return_path(request)
                if came_from:
                    request.session[CAME_FROM] = came_from
            return HTTPFound(location=request.route_url("admin.sign_in"))
        return view(context, request)

    return wrapper


@view_config(context=AuthenticationComplete, decorator=admin_headers)
def sign_in_complete(context, request):
    profile = context.profile
    if SIGNIN_PERMISSION not in profile.get("permissions", ()):
        request.session.invalidate()
        return HTTPFound(location=request.route_url("admin.not_authorized"))
    emails = profile.get("emails") or []
    if not emails:
        return page(request, "sign_in_failed", status=502,
                    reason="the sign-in provider did not say who you are (no email)")
    return sign_in(request, emails[0]["value"], profile.get("displayName"),
                   admin=ADMIN_PERMISSION in profile.get("permissions", ()))


@view_config(context=AuthenticationDenied)
def sign_in_denied(context, request):
    return page(request, "sign_in_failed", status=403, reason=context.reason)


@exception_view_config(VelruseException)
def sign_in_failed(exc, request):
    """A provider that failed (token or user endpoint), or a stale/forged callback."""
    status = 400 if isinstance(exc, CSRFError) else 502
    return page(request, "sign_in_failed", status=status, reason=str(exc))


@exception_view_config(BadCSRFToken)
@exception_view_config(BadCSRFOrigin)
def bad_csrf(exc, request):
    return page(request, "error", status=400, title="Your form has expired",
                reason="The form was missing its security token or it did not match. "
                       "Please go back, reload the page and try again.")


@view_config(route_name="admin.not_authorized", request_method=("GET", "HEAD"))
def not_authorized(request):
    return page(request, "not_authorized", status=403)


@view_config(route_name="admin.sign_out", request_method=("GET", "HEAD", "POST"))
def sign_out(request):
    """End this user's sessions everywhere, clear this one, and say so.

    (Redirecting home would sign straight back in through Signon.)
    """
    if request.admin_user is not None:
        request.find_service(IStore).end_sessions(request.admin_user["email"])
    request.session.invalidate()
    return page(request, "signed_out", user=None)
