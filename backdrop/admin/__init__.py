"""The admin role: sign-in, home page and uploads (SPEC 6).

Sessions are signed cookies ended server-side by sign-out
(``backdrop.admin.auth``); sign-in goes through velruse with our Signon
provider (``backdrop.admin.signon``); pages are Chameleon templates.
"""
from pyramid.settings import asbool

from ..settings import SettingsError
from .auth import signed_in_user
from .forms import AdminRequest
from .pages import admin_headers
from .predicates import AdminPagePredicate
from .sessions import admin_session_factory


def includeme(config):
    settings = config.get_settings()
    secret = settings.get("backdrop.session_secret")
    if not secret:
        raise SettingsError(
            "backdrop: the admin role needs backdrop.session_secret (or BACKDROP_SESSION_SECRET)"
        )
    config.set_session_factory(admin_session_factory(settings, secret))
    config.set_request_factory(AdminRequest)
    config.include("pyramid_chameleon")
    config.include(".signon")
    for name in ("backdrop.oauth.base_url", "backdrop.oauth.client_id",
                 "backdrop.oauth.client_secret"):
        if not settings.get(name):
            variable = "BACKDROP_OAUTH_" + name.rsplit(".", 1)[1].upper()
            raise SettingsError(f"backdrop: the admin role needs {name} (or {variable})")
    # /sign-in is routes.py's admin.sign_in; velruse routes carry a context
    # factory, so the provider adds its callback route (admin.sign_in_callback).
    config.add_signon_login_from_settings(
        login_route="admin.sign_in",
        callback_route="admin.sign_in_callback",
        callback_path="/sign-in/callback",
        decorator=admin_headers,
    )
    # GET and HEAD only (a route predicate): a static view alone answers every method.
    config.add_static_view("_admin/static", "backdrop.admin:static", cache_max_age=3600,
                           request_method=("GET", "HEAD"))
    config.add_request_method(signed_in_user, "admin_user", reify=True)
    config.add_view_predicate("admin_page", AdminPagePredicate)
    config.scan(".auth")
    config.scan(".views")
    config.scan(".explore")
    config.scan(".manage")
    if asbool(settings.get("backdrop.test_sign_in", False)):
        config.scan(".sign_in_for_tests")
