"""Who is signed in, and the end of the velruse sign-in flow.

The session holds only ``{"email", "name"}`` of the Signon user; the buckets
they may upload to are read from the store on every request, so revoking a
user with the command line takes effect at once.
"""
from functools import wraps

from pyramid.csrf import new_csrf_token
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPFound
from pyramid.view import exception_view_config, view_config
from velruse import AuthenticationComplete, AuthenticationDenied
from velruse.exceptions import CSRFError, VelruseException

from ..interfaces import IStore
from .pages import admin_headers, page

SESSION_USER = "user"
CAME_FROM = "came_from"
SIGNIN_PERMISSION = "signin"


def signed_in_user(request):
    """``{"email", "name", "buckets"}`` for the session's user, or None."""
    user = request.session.get(SESSION_USER)
    if not user:
        return None
    stored = request.find_service(IStore).get_user(user["email"])
    return {**user, "buckets": list(stored["buckets"]) if stored else []}


def sign_in(request, email, name):
    """Start a fresh session for ``email`` (a new session id defeats session fixation)."""
    came_from = request.session.get(CAME_FROM)
    request.session.invalidate()
    request.session[SESSION_USER] = {"email": email.strip().lower(), "name": name or email}
    new_csrf_token(request)
    return HTTPFound(location=_local(came_from) or request.route_url("admin.home"))


def _local(url):
    """Only redirect back to paths on this site."""
    if isinstance(url, str) and url.startswith("/") and not url.startswith("//"):
        return url
    return None


def signed_in(view):
    """View decorator: visitors not signed in are sent to sign in, then back here."""

    @wraps(view)
    def wrapper(context, request):
        if request.admin_user is None:
            if request.method == "GET":
                request.session[CAME_FROM] = request.path_qs
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
    return sign_in(request, emails[0]["value"], profile.get("displayName"))


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
    """Clear the session and say so (redirecting home would sign straight back in)."""
    request.session.invalidate()
    return page(request, "signed_out", user=None)
