"""Bucket configs (SPEC 1): validation, defaults and bearer tokens.

Configs are checked with colander; tokens are kept only as SHA-256 hashes
(they are long random strings, so a fast hash is enough) and compared in
constant time.
"""
import hashlib
import hmac
import re
import secrets

import colander

from .records import is_valid_key

NAME = re.compile(r"\A[a-z0-9][a-z0-9_-]{0,63}\Z")
# Names the fixed routes of backdrop/routes.py answer before ``/{bucket}``.
RESERVED_NAMES = frozenset({"data-sets", "sign-in", "sign-out", "not-authorized"})
MAX_CAPPED_SIZE = 2**31 - 1
MAX_AGE_EXPECTED = 100 * 365 * 24 * 3600  # a century, in seconds

DEFAULTS = {
    "data_group": None,
    "data_type": None,
    "bucket_type": "events",
    "raw_queries_allowed": False,
    "queryable": True,
    "published": True,
    "auto_ids": None,
    "capped_size": 5040,
    "max_age_expected": None,
    "upload_format": "csv",
    "upload_filters": ["first_sheet"],
}
PUBLIC_FIELDS = ("name", *DEFAULTS)


class ConfigError(ValueError):
    """A config that breaks SPEC 1; the message says which field and why."""


class _Strict(colander.SchemaType):
    """A JSON value of exactly one Python type (colander's own types coerce)."""

    def __init__(self, *types, what):
        self.types = types
        self.what = what

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if cstruct is None and node.missing is None:
            return None
        if type(cstruct) not in self.types:
            raise colander.Invalid(node, f"must be {self.what}")
        return cstruct


def _bool():
    return _Strict(bool, what="true or false")


def _count():
    return _Strict(int, what="a non-negative integer")


def _name_list(node, value):
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise colander.Invalid(node, "must be a list of names")


def _address_part(node, value):
    if value is not None and not NAME.match(value):
        raise colander.Invalid(node, "must match ^[a-z0-9][a-z0-9_-]{0,63}$")


class BucketConfigSchema(colander.MappingSchema):
    """Every config field a client may set; unknown fields are refused."""

    data_group = colander.SchemaNode(
        _Strict(str, type(None), what="a string or null"), missing=colander.drop,
        validator=_address_part,
    )
    data_type = colander.SchemaNode(
        _Strict(str, type(None), what="a string or null"), missing=colander.drop,
        validator=_address_part,
    )
    bucket_type = colander.SchemaNode(_Strict(str, what="a string"), missing=colander.drop)
    bearer_token = colander.SchemaNode(
        _Strict(str, what="a string"),
        missing=colander.drop,
        validator=colander.Regex(r"\A[\x21-\x7e]{16,256}\Z", "must be 16-256 printable characters"),
    )
    raw_queries_allowed = colander.SchemaNode(_bool(), missing=colander.drop)
    queryable = colander.SchemaNode(_bool(), missing=colander.drop)
    published = colander.SchemaNode(_bool(), missing=colander.drop)
    auto_ids = colander.SchemaNode(
        _Strict(list, type(None), what="a list of field names"), missing=colander.drop,
        validator=_name_list,
    )
    capped_size = colander.SchemaNode(
        _count(), missing=colander.drop, validator=colander.Range(min=0, max=MAX_CAPPED_SIZE)
    )
    max_age_expected = colander.SchemaNode(
        _Strict(int, type(None), what="a non-negative integer or null"),
        missing=colander.drop,
        validator=lambda node, value: value is not None
        and colander.Range(min=0, max=MAX_AGE_EXPECTED)(node, value),
    )
    upload_format = colander.SchemaNode(_Strict(str, what="a string"), missing=colander.drop)
    upload_filters = colander.SchemaNode(
        _Strict(list, what="a list of filter names"), missing=colander.drop, validator=_name_list
    )


def _first_error(invalid):
    field, message = next(iter(invalid.asdict().items()))
    return f"{field} {message}" if field else message


def check_fields(fields, plugins):
    """Validate client-sent config ``fields`` (all optional); return the cleaned dict."""
    if not isinstance(fields, dict):
        raise ConfigError("the config must be a JSON object")
    unknown = sorted(set(fields) - {child.name for child in BucketConfigSchema().children} - {"name"})
    if unknown:
        raise ConfigError(f"unknown config field: {unknown[0]}")
    try:
        cleaned = BucketConfigSchema().deserialize({k: v for k, v in fields.items() if k != "name"})
    except colander.Invalid as invalid:
        raise ConfigError(_first_error(invalid)) from None
    if "bucket_type" in cleaned and cleaned["bucket_type"] not in plugins.bucket_types:
        raise ConfigError(f"bucket_type {cleaned['bucket_type']} is not a registered bucket type")
    if "upload_format" in cleaned and cleaned["upload_format"] not in plugins.upload_parsers:
        raise ConfigError(f"upload_format {cleaned['upload_format']} is not a registered upload format")
    for name in cleaned.get("upload_filters", ()):
        if name not in plugins.upload_filters:
            raise ConfigError(f"upload_filters: {name} is not a registered upload filter")
    for name in cleaned.get("auto_ids") or ():
        if not is_valid_key(name):
            raise ConfigError(f"auto_ids: {name} is not a valid field name")
    return cleaned


def check_address(config):
    if (config.get("data_group") is None) != (config.get("data_type") is None):
        raise ConfigError("data_group and data_type must be given together")


def new_config(name, fields, plugins):
    """A complete config for a new bucket, and its bearer token (shown once)."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError("name must match ^[a-z0-9][a-z0-9_-]{0,63}$")
    if name in RESERVED_NAMES:
        reserved = ", ".join(sorted(RESERVED_NAMES))
        raise ConfigError(f"name {name} is reserved ({reserved} are Backdrop's own URLs)")
    cleaned = check_fields(fields, plugins)
    token = cleaned.pop("bearer_token", None) or generate_token()
    config = {"name": name, **DEFAULTS, **cleaned, "token_hash": hash_token(token)}
    check_address(config)
    return config, token


def changed_config(config, fields, plugins):
    """The changes to apply to ``config`` for client-sent ``fields`` (PATCH)."""
    cleaned = check_fields(fields, plugins)
    if "bearer_token" in cleaned:
        cleaned["token_hash"] = hash_token(cleaned.pop("bearer_token"))
    check_address({**config, **cleaned})
    return cleaned


def public(config):
    """The config as clients see it: never a token or its hash."""
    return {name: config.get(name, DEFAULTS.get(name)) for name in PUBLIC_FIELDS}


def rotated_token():
    """``(changes, token)``: the config change that gives a bucket a new token, and the token.

    Applying the changes replaces the stored hash, so the old token stops
    working at the next request (tokens are checked against the store each time).
    """
    token = generate_token()
    return {"token_hash": hash_token(token)}, token


def generate_token():
    return secrets.token_urlsafe(32)


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token, token_hash):
    """Constant-time comparison of a presented token against a stored hash."""
    return hmac.compare_digest(hash_token(token), token_hash or "")
