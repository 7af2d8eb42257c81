"""The admin session: pyramid's signed cookie, made unable to break a response.

Pyramid writes the cookie in a response callback, after every view and
exception view has run; a value too long for a cookie (4 KB) raises there and
reached the client as waitress's bare text 500. The values put in the session
are bounded where they are set (``backdrop.admin.auth``); should one still be
too long, the response becomes our error page and the session is dropped.
"""
import logging

from pyramid.session import SignedCookieSessionFactory
from pyramid.settings import asbool

from .pages import page

log = logging.getLogger(__name__)
COOKIE_NAME = "backdrop_admin"


def admin_session_factory(settings, secret):
    cookie_session = SignedCookieSessionFactory(
        secret,
        cookie_name=COOKIE_NAME,
        httponly=True,
        secure=asbool(settings.get("backdrop.secure_cookies", False)),
        samesite="Lax",
        timeout=settings["backdrop.session_idle_seconds"],
    )

    class AdminSession(cookie_session):
        def _set_cookie(self, response):
            try:
                return super()._set_cookie(response)
            except ValueError as error:  # pyramid: "Cookie value is too long to store"
                log.warning("admin session not stored: %s", error)
                _become_error_page(self.request, response)
                response.delete_cookie(COOKIE_NAME)
                return False

    return AdminSession


def _become_error_page(request, response):
    """Turn ``response``, already made, into our 500 page (headers it had are kept)."""
    error = page(request, "error", status=500, user=None, csrf_token="",
                 title="Something went wrong",
                 reason="Backdrop could not keep your session. Please sign in again.")
    response.status = error.status
    for name in ("Location", "Set-Cookie"):
        if name in response.headers:
            del response.headers[name]
    for name, value in error.headers.items():
        if name.lower() != "content-length":
            response.headers[name] = value
    response.body = error.body
