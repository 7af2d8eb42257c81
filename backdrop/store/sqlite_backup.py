"""Consistent copies of a SQLite store, and putting one back.

A copy is made with SQLite's online backup API from inside one read
transaction: in WAL mode that pins one snapshot of the file, so the copy is
exactly the store as it was at one instant (every batch whole or absent) while
writers carry on, and the copy still goes a few pages at a time, for a
progress bar. It is written next to its destination and renamed into place
only when complete and checked.
"""
import os
import sqlite3
from contextlib import closing

STEP_PAGES = 256


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in one line."""


def bucket_counts(connection):
    """``{bucket name: records}`` of a store file."""
    rows = connection.execute("SELECT name, records_table FROM buckets ORDER BY name").fetchall()
    return {name: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for name, table in rows}


def _open_read_only(path):
    if not os.path.isfile(path):
        raise BackupError(f"{path}: no such file")
    return sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True, isolation_level=None)


def check(path):
    """``PRAGMA integrity_check``, the layout and the counts per bucket of a store file.

    BackupError when it is damaged, not a store, or of a layout newer than this code.
    """
    from .layout import LayoutError
    from .sqlite_layout import plan

    with closing(_open_read_only(path)) as connection:
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
            if problems != ["ok"]:
                raise BackupError(f"{path} is damaged: {'; '.join(problems[:3])}")
            plan(connection, path)
            return bucket_counts(connection)
        except LayoutError as refusal:
            raise BackupError(str(refusal).removeprefix("backdrop: ")) from None
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a Backdrop SQLite store: {error}") from None


def _copy(source, target, progress, step_pages):
    def report(status, remaining, total):
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=step_pages, progress=report)


def copy_to_file(source, target_path, progress=None, step_pages=STEP_PAGES):
    """Copy what the connection ``source`` sees to a new self-contained file.

    ``source`` is inside a transaction (read or write), so the copy is that one snapshot.
    """
    with closing(sqlite3.connect(target_path, isolation_level=None)) as target:
        _copy(source, target, progress, step_pages)
        target.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it


def backup(store_path, target_path, progress=None, step_pages=STEP_PAGES):
    """Copy the store at ``store_path`` to ``target_path`` (which must not exist); its counts."""
    if os.path.exists(target_path):
        raise BackupError(f"{target_path} already exists: choose a new path")
    partial = f"{target_path}.partial"
    with closing(sqlite3.connect(store_path, isolation_level=None, timeout=30)) as source:
        source.execute("BEGIN")
        source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        copy_to_file(source, partial, progress, step_pages)
        source.execute("COMMIT")
    try:
        counts = check(partial)
    except BackupError:
        os.remove(partial)
        raise
    os.replace(partial, target_path)
    return counts


def restore(backup_path, store_path, progress=None, step_pages=STEP_PAGES):
    """Put the backup at ``backup_path`` into the (empty) store file; the restored counts.

    The caller has checked that the store is empty and that no server is using it.
    """
    expected = check(backup_path)
    with closing(_open_read_only(backup_path)) as source, \
            closing(sqlite3.connect(store_path, isolation_level=None, timeout=30)) as target:
        _copy(source, target, progress, step_pages)
    restored = check(store_path)
    if restored != expected:
        raise BackupError(f"restored counts {restored} differ from the backup's {expected}")
    # A mirror of the store before the restore holds records of another timeline
    # under the same table names: it must start again.
    from .sqlite_layout import _forget_mirror

    _forget_mirror(store_path)
    return restored
