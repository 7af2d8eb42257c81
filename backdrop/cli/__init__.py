"""The ``backdrop`` command: ``backdrop <command> INI [options]``, Pyramid-style.

Each module in ``COMMAND_MODULES`` adds its subcommands with
``register(subparsers)``; a subcommand's ``func(args, env)`` gets an
``Environment`` with the ini's settings, store and plugins.
"""
import argparse
import importlib
import os
import sys

from ..store.errors import StoreUnavailable

COMMAND_MODULES = (
    "backdrop.cli.buckets",
    "backdrop.cli.users",
    "backdrop.cli.records",
    "backdrop.cli.deletes",
    "backdrop.cli.mongodb",
    "backdrop.cli.backup",
    "backdrop.cli.migrate",
    "backdrop.cli.demo",
    "backdrop.cli.tokens",
)


class Environment:
    """What a command needs from an ini file, without building the WSGI app."""

    def __init__(self, config_uri, open_store=True):
        from pyramid.paster import get_appsettings, setup_logging

        from ..plugins import Registry, make_plugin_manager
        from ..settings import normalise_settings
        from ..store import create_store

        setup_logging(config_uri)
        self.settings = normalise_settings(dict(get_appsettings(config_uri)))
        # ``migrate`` opens the store itself: opening it here would upgrade it first.
        self.store = (
            create_store(self.settings["backdrop.store_url"], self.settings) if open_store else None
        )
        self.plugins = Registry(make_plugin_manager())


def build_parser():
    parser = argparse.ArgumentParser(
        prog="backdrop", description="Manage Backdrop buckets, users and records: backdrop COMMAND INI ..."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def add_command(subparsers, name, func, help):
    """A subparser whose first argument is the ini file."""
    command = subparsers.add_parser(name, help=help, description=help)
    command.add_argument("config_uri", metavar="INI", help="the ini file, e.g. development.ini")
    command.set_defaults(func=func)
    return command


def main(argv=None):
    args = build_parser().parse_args(argv)
    if not os.path.isfile(args.config_uri.split("#", 1)[0]):
        print(f"backdrop: no such ini file: {args.config_uri}", file=sys.stderr)
        return 2
    try:
        env = Environment(args.config_uri, open_store=getattr(args, "opens_store", True))
    except SystemExit as refusal:
        print(refusal, file=sys.stderr)
        return 2
    if env.store is not None and not env.store.ping():
        print(f"backdrop: cannot connect to store {env.settings['backdrop.store_url']}", file=sys.stderr)
        return 2
    try:
        return args.func(args, env) or 0
    except StoreUnavailable as error:  # a bounded wait ran out: say so, no traceback
        print(f"backdrop: {error}", file=sys.stderr)
        return 2
    finally:
        if env.store is not None:
            env.store.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
