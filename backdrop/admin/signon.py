"""A velruse provider for GOV.UK-Signon-compatible OAuth2 servers.

velruse ships providers for named services only, so this one follows their
shape (``velruse/providers/github.py``): ``includeme`` adds the
``add_signon_login`` directive, which adds a login view that redirects to
``<base>/oauth/authorize`` and a callback route whose context factory
exchanges the code at ``<base>/oauth/token``, reads ``<base>/user.json`` and
returns velruse's ``AuthenticationComplete`` (or ``AuthenticationDenied``).
The application handles those with context views (``backdrop.admin.auth``).
"""
import secrets
from urllib.parse import urlencode, urlparse

import requests
from pyramid.httpexceptions import HTTPFound
from pyramid.security import NO_PERMISSION_REQUIRED
from velruse.api import AuthenticationComplete, AuthenticationDenied, register_provider
from velruse.exceptions import CSRFError, ThirdPartyFailure
from velruse.settings import ProviderSettings

STATE_KEY = "velruse.signon.state"


class SignonAuthenticationComplete(AuthenticationComplete):
    """Signon sign-in complete; ``profile["permissions"]`` lists the user's permissions."""


def includeme(config):
    config.add_directive("add_signon_login", add_signon_login)
    config.add_directive("add_signon_login_from_settings", add_signon_login_from_settings)


def add_signon_login_from_settings(config, prefix="backdrop.oauth.", **kwargs):
    """``add_signon_login`` with ``base_url``, ``client_id`` and ``client_secret`` from settings."""
    options = ProviderSettings(config.registry.settings, prefix)
    options.update("base_url", required=True)
    options.update("client_id", required=True)
    options.update("client_secret", required=True)
    options.update("login_path")
    options.update("callback_path")
    config.add_signon_login(**{**options.kwargs, **kwargs})


def add_signon_login(
    config,
    base_url,
    client_id,
    client_secret,
    login_path="/login/signon",
    callback_path="/login/signon/callback",
    name="signon",
    login_route=None,
    callback_route=None,
    timeout=10,
    decorator=None,
):
    """Add a Signon login provider.

    ``login_route``/``callback_route`` name the routes; when ``login_route``
    names a route the application already added, the login view binds to it
    and ``login_path`` is not used. ``decorator`` wraps the login view (the
    application's headers on its redirect).
    """
    provider = SignonProvider(name, base_url, client_id, client_secret, timeout)
    if login_route:
        provider.login_route = login_route
    else:
        config.add_route(provider.login_route, login_path)
    if callback_route:
        provider.callback_route = callback_route
    config.add_view(
        provider,
        attr="login",
        route_name=provider.login_route,
        request_method=("GET", "HEAD"),
        permission=NO_PERMISSION_REQUIRED,
        decorator=decorator,
    )
    config.add_route(
        provider.callback_route, callback_path, use_global_views=True, factory=provider.callback
    )
    register_provider(config, name, provider)
    return provider


class SignonProvider:
    """Authorization-code flow against one Signon server."""

    type = "signon"

    def __init__(self, name, base_url, client_id, client_secret, timeout=10):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.login_route = f"velruse.{name}-login"
        self.callback_route = f"velruse.{name}-callback"

    @property
    def domain(self):
        return urlparse(self.base_url).netloc

    def login(self, request):
        """Redirect to the provider's authorize URL with a fresh ``state``."""
        request.session[STATE_KEY] = state = secrets.token_urlsafe(24)
        query = urlencode({
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": request.route_url(self.callback_route),
            "state": state,
        })
        return HTTPFound(location=f"{self.base_url}/oauth/authorize?{query}")

    def callback(self, request):
        """Process the provider's redirect back: the context for the callback route."""
        expected = request.session.pop(STATE_KEY, None)
        if not expected or not secrets.compare_digest(expected, request.GET.get("state", "")):
            raise CSRFError("the sign-in state does not match; please sign in again")
        code = request.GET.get("code")
        if not code:
            return AuthenticationDenied(
                reason=request.GET.get("error", "no authorization code was returned"),
                provider_name=self.name,
                provider_type=self.type,
            )
        access_token = self._exchange(code, request.route_url(self.callback_route))
        user = self._user(access_token)
        profile = {
            "accounts": [{"domain": self.domain, "userid": user.get("uid")}],
            "displayName": user.get("name") or user.get("email"),
            "emails": [{"value": user["email"]}] if user.get("email") else [],
            "permissions": list(user.get("permissions") or []),
            "organisation": user.get("organisation_slug"),
        }
        return SignonAuthenticationComplete(
            profile=profile,
            credentials={"oauthAccessToken": access_token},
            provider_name=self.name,
            provider_type=self.type,
        )

    def _exchange(self, code, redirect_uri):
        response = self._call(
            "post",
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        token = response.get("access_token")
        if not isinstance(token, str) or not token:
            raise ThirdPartyFailure("the token endpoint returned no access token")
        return token

    def _user(self, access_token):
        body = self._call("get", "/user.json", headers={"Authorization": f"Bearer {access_token}"})
        user = body.get("user")
        if not isinstance(user, dict):
            raise ThirdPartyFailure("user.json did not describe a user")
        return user

    def _call(self, method, path, **kwargs):
        """A JSON object from the provider, or ``ThirdPartyFailure`` saying what went wrong."""
        try:
            response = requests.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as error:
            raise ThirdPartyFailure(
                f"{path}: cannot reach the sign-in provider ({type(error).__name__})"
            ) from None
        if response.status_code != 200:
            try:
                body = response.json()
            except ValueError:
                body = None
            detail = str(body.get("error", "")) if isinstance(body, dict) else ""
            raise ThirdPartyFailure(f"{path} answered {response.status_code} {detail}".strip())
        try:
            body = response.json()
        except ValueError:
            raise ThirdPartyFailure(f"{path} did not answer JSON") from None
        if not isinstance(body, dict):
            raise ThirdPartyFailure(f"{path} did not answer a JSON object")
        return body
