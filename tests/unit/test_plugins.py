"""The plugin manager: hooks documented, built-ins registered like third parties."""
import inspect
from pathlib import Path

import pytest

from backdrop import hookimpl, hookspecs
from backdrop.collectors import Collector
from backdrop.plugins import DEFAULT_PLUGINS, Registry, make_plugin_manager

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
HOOKS = [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)]


def test_every_hook_has_a_docstring_and_a_documented_section():
    text = DOCS.read_text()
    assert HOOKS
    for name in HOOKS:
        assert getattr(hookspecs, name).__doc__, name
        assert f"## {name}()" in text, f"{name} is not documented in docs/plugins.md"


def test_hooks_are_prefixed_with_the_project_name():
    assert all(name.startswith("backdrop_") for name in HOOKS)


def test_builtins_register_through_the_hooks():
    pm = make_plugin_manager(load_entry_points=False)
    assert {pm.get_name(plugin) for plugin in pm.get_plugins()} == set(DEFAULT_PLUGINS)
    plugins = Registry(pm)
    assert set(plugins.bucket_types) == {"events", "realtime", "custom"}
    assert set(plugins.collectors) == {
        "sum", "count", "set", "mean", "min", "max", "median", "distinct",
        *(f"p{rank}" for rank in range(1, 100)),
    }
    assert plugins.collectors["median"].primitive == "p50"
    assert {"csv", "excel"} <= set(plugins.upload_parsers)
    assert "first_sheet" in plugins.upload_filters


class SetSize:
    @hookimpl
    def backdrop_collectors(self):
        return [Collector("set_size", primitive="set", finish=len)]


def test_an_extra_plugin_adds_to_one_manager_only():
    with_extra = Registry(make_plugin_manager(load_entry_points=False, extra_plugins=[SetSize()]))
    without = Registry(make_plugin_manager(load_entry_points=False))
    assert with_extra.collectors["set_size"].finish(["a", "b"]) == 2
    assert "set_size" not in without.collectors


def test_a_misspelt_hook_is_caught():
    class Typo:
        @hookimpl
        def backdrop_bucket_type(self):
            return []

    with pytest.raises(Exception, match="unknown hook"):
        make_plugin_manager(load_entry_points=False, extra_plugins=[Typo()])
