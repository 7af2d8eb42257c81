"""Unit tests for ``backdrop.buckets``: bucket configs and tokens (SPEC 1 and 5)."""
import pytest

from backdrop.buckets import (
    DEFAULTS,
    NAME,
    ConfigError,
    changed_config,
    generate_token,
    hash_token,
    new_config,
    public,
    token_matches,
)
from backdrop.plugins import Registry, make_plugin_manager


@pytest.fixture(scope="module")
def plugins():
    return Registry(make_plugin_manager(load_entry_points=False))


@pytest.mark.parametrize("name", ["a", "0", "licensing", "a-b_c", "a" * 64])
def test_valid_names(name):
    assert NAME.match(name)


@pytest.mark.parametrize("name", ["", "_a", "-a", "A", "a.b", "a b", "a" * 65, "a\n"])
def test_invalid_names(name):
    assert not NAME.match(name)


def test_new_config_has_the_spec_defaults(plugins):
    config, token = new_config("licensing", {}, plugins)
    assert public(config) == {
        "name": "licensing",
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
    assert set(DEFAULTS) <= set(config)


def test_the_token_is_stored_only_as_a_hash(plugins):
    config, token = new_config("licensing", {}, plugins)
    assert token not in str(config)
    assert config["token_hash"] == hash_token(token)
    assert "token_hash" not in public(config) and "bearer_token" not in public(config)


def test_a_given_token_is_used(plugins):
    config, token = new_config("b", {"bearer_token": "a-sixteen-char-token"}, plugins)
    assert token == "a-sixteen-char-token"
    assert token_matches("a-sixteen-char-token", config["token_hash"])


def test_generated_tokens_are_long_and_distinct():
    tokens = {generate_token() for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 32 for token in tokens)


def test_token_matches():
    stored = hash_token("secret-token-value")
    assert token_matches("secret-token-value", stored)
    assert not token_matches("secret-token-valuE", stored)
    assert not token_matches("", stored)
    assert not token_matches("secret-token-value", None)


@pytest.mark.parametrize("name", ["_reserved", "Upper", "", "a" * 65])
def test_new_config_refuses_bad_names(plugins, name):
    with pytest.raises(ConfigError):
        new_config(name, {}, plugins)


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"capped_size": -1}, "capped_size"),
        ({"capped_size": "10"}, "capped_size"),
        ({"capped_size": True}, "capped_size"),
        ({"capped_size": 2.5}, "capped_size"),
        ({"bucket_type": "nope"}, "bucket_type"),
        ({"unknown": 1}, "unknown"),
        ({"raw_queries_allowed": "true"}, "raw_queries_allowed"),
        ({"queryable": 0}, "queryable"),
        ({"auto_ids": "a"}, "auto_ids"),
        ({"auto_ids": ["1bad"]}, "auto_ids"),
        ({"max_age_expected": -1}, "max_age_expected"),
        ({"upload_format": "pdf"}, "upload_format"),
        ({"upload_filters": ["nope"]}, "upload_filters"),
        ({"data_group": "g"}, "data_"),
        ({"bearer_token": "short"}, "bearer_token"),
    ],
)
def test_invalid_fields_say_which(plugins, fields, field):
    with pytest.raises(ConfigError) as caught:
        new_config("b", fields, plugins)
    assert field in str(caught.value)


def test_the_config_must_be_an_object(plugins):
    for fields in ([], "x", None, 1):
        with pytest.raises(ConfigError):
            new_config("b", fields, plugins)


def test_valid_fields_are_kept(plugins):
    fields = {
        "data_group": "g", "data_type": "t", "bucket_type": "realtime", "capped_size": 0,
        "max_age_expected": 60, "auto_ids": ["a", "b"], "raw_queries_allowed": True,
        "queryable": False, "published": False, "upload_format": "excel", "upload_filters": [],
    }
    config, _ = new_config("b", fields, plugins)
    assert public(config) == {"name": "b", **fields}


def test_changed_config_returns_only_the_changes(plugins):
    config, _ = new_config("b", {}, plugins)
    assert changed_config(config, {"published": False}, plugins) == {"published": False}


def test_changed_config_rehashes_a_new_token(plugins):
    config, _ = new_config("b", {}, plugins)
    changes = changed_config(config, {"bearer_token": "another-long-token-1"}, plugins)
    assert "bearer_token" not in changes
    assert token_matches("another-long-token-1", changes["token_hash"])


def test_changed_config_checks_the_address_pair(plugins):
    config, _ = new_config("b", {"data_group": "g", "data_type": "t"}, plugins)
    assert changed_config(config, {"data_type": "u"}, plugins) == {"data_type": "u"}
    with pytest.raises(ConfigError):
        changed_config(config, {"data_type": None}, plugins)


def test_changed_config_refuses_invalid_fields(plugins):
    config, _ = new_config("b", {}, plugins)
    with pytest.raises(ConfigError):
        changed_config(config, {"capped_size": -3}, plugins)
