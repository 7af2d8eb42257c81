"""``backdrop backup INI PATH`` and ``backdrop restore INI PATH``.

SQLite: a consistent copy made while the service goes on writing, and
restored into an empty store, both checked (``PRAGMA integrity_check``,
records per bucket). MongoDB: the ``mongodump``/``mongorestore`` command to
run (see ``backdrop.store.mongo_backup``).
"""
import sys

from tqdm import tqdm

from ..store import mongo_backup, sqlite_backup
from . import add_command


def _is_sqlite(env):
    return env.settings["backdrop.store_url"].startswith("sqlite:")


def _progress_bar(description, quiet):
    bar = tqdm(desc=description, unit=" pages", disable=quiet, file=sys.stderr)

    def progress(done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, progress


def _print_counts(counts):
    for name, count in counts.items():
        print(f"{name}\t{count}")
    print(f"{len(counts)} buckets, {sum(counts.values())} records")


def _fail(message):
    print(f"backdrop: {message}", file=sys.stderr)
    return 1


def backup(args, env):
    url = env.settings["backdrop.store_url"]
    if not _is_sqlite(env):
        print("Run this where the MongoDB database tools are installed:")
        print(mongo_backup.dump_command(url, args.path))
        return 0
    bar, progress = _progress_bar("backup", args.quiet)
    try:
        with bar:
            counts = sqlite_backup.backup(env.store.path, args.path, progress, args.step_pages)
    except sqlite_backup.BackupError as error:
        return _fail(str(error))
    _print_counts(counts)
    print(f"Backed up to {args.path} (integrity check: ok)")
    return 0


def restore(args, env):
    url = env.settings["backdrop.store_url"]
    if not _is_sqlite(env):
        print("Into an empty database, run this where the MongoDB database tools are installed:")
        print(mongo_backup.restore_command(url, args.path))
        return 0
    buckets, users = env.store.list_buckets(), env.store.list_users()
    if buckets or users:
        return _fail(
            f"restore needs an empty store; {url} holds {len(buckets)} buckets and {len(users)} users"
        )
    env.store.close()
    bar, progress = _progress_bar("restore", args.quiet)
    try:
        with bar:
            counts = sqlite_backup.restore(args.path, env.store.path, progress, args.step_pages)
    except sqlite_backup.BackupError as error:
        return _fail(str(error))
    _print_counts(counts)
    print(f"Restored {args.path} (integrity check: ok, counts match the backup)")
    return 0


def register(subparsers):
    for name, func, help in (
        ("backup", backup, "copy the store to PATH, consistently, while it keeps taking writes"),
        ("restore", restore, "put a backup from PATH into an empty store, and check it"),
    ):
        command = add_command(subparsers, name, func, help)
        command.add_argument("path", metavar="PATH")
        command.add_argument("--quiet", action="store_true", help="no progress bar")
        command.add_argument("--step-pages", type=int, default=sqlite_backup.STEP_PAGES,
                             help="pages copied per step (SQLite)")
