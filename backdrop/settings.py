"""Settings: ini values overlaid by environment variables, checked once at start-up."""
import os
from urllib.parse import urlsplit

from pyramid.settings import asbool, aslist

ROLES = ("read", "write", "admin")

# Environment variable -> dotted setting. The environment wins, for every ini.
ENVIRONMENT = {
    "BACKDROP_STORE_URL": "backdrop.store_url",
    "BACKDROP_ADMIN_TOKEN": "backdrop.admin_token",
    "BACKDROP_SESSION_SECRET": "backdrop.session_secret",
    "BACKDROP_OAUTH_BASE_URL": "backdrop.oauth.base_url",
    "BACKDROP_OAUTH_CLIENT_ID": "backdrop.oauth.client_id",
    "BACKDROP_OAUTH_CLIENT_SECRET": "backdrop.oauth.client_secret",
    "BACKDROP_READ_ENGINE": "backdrop.read_engine",
    "BACKDROP_PUBLIC_URL": "backdrop.public_url",
    "BACKDROP_METRICS_TOKEN": "backdrop.metrics.token",
}

DEFAULTS = {
    "backdrop.roles": "read write admin",
    "backdrop.store_url": "sqlite:///var/backdrop.db",
    "backdrop.max_body_bytes": 10 * 1024 * 1024,
    "backdrop.max_inflated_bytes": 10 * 1024 * 1024,
    "backdrop.max_batch_records": 100_000,
    "backdrop.upload_max_bytes": 1_000_000,
    "backdrop.test_sign_in": False,
    # The site's address as users see it (scheme://host[:port]); every URL
    # Backdrop builds starts with it. Empty: the server's own name and port.
    "backdrop.public_url": "",
    # Admin sessions end after this much inactivity, and this long after sign-in.
    "backdrop.session_idle_seconds": 4 * 60 * 60,
    "backdrop.session_absolute_seconds": 12 * 60 * 60,
    # Response headers production.ini turns on (0 / empty: not sent).
    "backdrop.hsts_max_age": 0,
    "backdrop.referrer_policy": "",
    "backdrop.metrics.enabled": False,
    "backdrop.shutdown_grace_seconds": 30,
}

INTEGER_SETTINGS = (
    "backdrop.max_body_bytes",
    "backdrop.max_inflated_bytes",
    "backdrop.max_batch_records",
    "backdrop.upload_max_bytes",
    "backdrop.session_idle_seconds",
    "backdrop.session_absolute_seconds",
    "backdrop.hsts_max_age",
)


BOOLEAN_SETTINGS = ("backdrop.metrics.enabled",)


class SettingsError(SystemExit):
    """A start-up refusal: one line saying what is missing or wrong."""


def normalise_settings(settings, environ=None):
    environ = os.environ if environ is None else environ
    settings = {**DEFAULTS, **settings}
    for variable, name in ENVIRONMENT.items():
        if environ.get(variable):
            settings[name] = environ[variable]
    for variable in aslist(settings.get("backdrop.required_environment", "")):
        if not environ.get(variable):
            raise SettingsError(
                f"backdrop: refusing to start: environment variable {variable} is not set"
            )
    roles = aslist(settings["backdrop.roles"])
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise SettingsError(f"backdrop: backdrop.roles must list some of {', '.join(ROLES)}")
    settings["backdrop.roles"] = roles
    for name in INTEGER_SETTINGS:
        settings[name] = int(settings[name])
    settings["backdrop.public_url"] = _public_url(settings["backdrop.public_url"])
    settings["backdrop.shutdown_grace_seconds"] = float(settings["backdrop.shutdown_grace_seconds"])
    for name in BOOLEAN_SETTINGS:
        settings[name] = asbool(settings[name])
    return settings


def _public_url(value):
    """``scheme://host[:port]`` without a trailing slash, or "" when not set."""
    value = (value or "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise SettingsError(
            f"backdrop: backdrop.public_url must be http(s)://host[:port], not {value!r}"
        )
    return value
