"""Rendering admin pages: HTML with the headers every admin page carries."""
from functools import wraps

from pyramid.csrf import get_csrf_token
from pyramid.renderers import render_to_response

TEMPLATES = "backdrop.admin:templates/"
HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    # Pages use only our own stylesheet and inline SVG: nothing else may load.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
}
CACHE_CONTROL = "private, must-revalidate"


def with_admin_headers(response):
    response.headers.update(HEADERS)
    response.cache_control = CACHE_CONTROL
    return response


def page(request, template, status=200, **values):
    """Render ``templates/<template>.pt`` with the signed-in user and a CSRF token."""
    if "user" not in values:  # not setdefault: looking the user up needs the store
        values["user"] = request.admin_user
    values.setdefault("csrf_token", get_csrf_token(request))
    response = render_to_response(f"{TEMPLATES}{template}.pt", values, request=request)
    response.status_int = status
    return with_admin_headers(response)


def admin_headers(view):
    """View decorator: every response of an admin view, redirects too, gets the headers."""

    @wraps(view)
    def wrapper(context, request):
        return with_admin_headers(view(context, request))

    return wrapper
