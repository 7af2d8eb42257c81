"""``backdrop migrate INI [--dry-run]``: bring the store to this Backdrop's layout version.

Opening a store does the same (``backdrop.store.sqlite_layout``,
``backdrop.store.mongo_layout``); this says what it finds and does, and with
``--dry-run`` changes nothing at all.
"""
import os
import sqlite3
import sys
from contextlib import closing

from ..store import create_store
from ..store.layout import LayoutError
from . import add_command


def _sqlite(url, path, dry_run):
    from ..store.sqlite_layout import LAYOUT_VERSION, plan

    found = None
    if os.path.exists(path):
        with closing(sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True)) as db:
            found = plan(db, path)
        print(f"{path}: layout {found.found}; this Backdrop: layout {LAYOUT_VERSION}")
        for step in found.steps:
            print(f"  step to layout {step.version}: {step.description}")
        if not found.steps:
            print("nothing to do")
    else:
        print(f"{path}: no store yet; opening it creates it at layout {LAYOUT_VERSION}")
    if dry_run:
        if found is not None and found.steps:
            print("dry run: nothing changed; the upgrade copies the file to"
                  f" {found.default_backup_path} first")
        else:
            print("dry run: nothing changed")
        return 0
    store = create_store(url)
    done = store.layout
    store.close()
    if done.steps:
        print(f"upgraded to layout {LAYOUT_VERSION} in one transaction;"
              f" the file as it was is at {done.backup}")
    return 0


def _mongo(url, dry_run):
    from ..store import mongo_layout
    from ..store.mongo import MongoStore
    from ..store.mongo_backup import masked

    store = MongoStore(url)
    try:
        found, steps = mongo_layout.plan(store, masked(url))
        print(f"{masked(url)}: layout {found or 'none (new)'}; this Backdrop: layout"
              f" {mongo_layout.LAYOUT_VERSION}")
        if not steps:
            print("nothing to do")
        if not dry_run:
            mongo_layout.ensure_layout(store, masked(url))
    finally:
        store.close()
    return 0


def migrate(args, env):
    url = env.settings["backdrop.store_url"]
    try:
        if url.startswith("sqlite:"):
            return _sqlite(url, url[len("sqlite:///"):], args.dry_run)
        return _mongo(url, args.dry_run)
    except LayoutError as refusal:
        print(refusal, file=sys.stderr)
        return 2


def register(subparsers):
    command = add_command(subparsers, "migrate", migrate,
                          "upgrade the store to this Backdrop's layout (a backup copy first)")
    command.add_argument("--dry-run", action="store_true", help="say what would be done; change nothing")
    command.set_defaults(opens_store=False)
