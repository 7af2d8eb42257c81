"""The SQLite store's write lock: ``flock`` on ``<store>-write.lock`` around each write.

It wakes a waiting write process as soon as the other commits (SQLite's busy
handler sleeps instead); it must never wedge a writer (the kernel frees it
when its holder dies) nor stop a store whose folder has no room for it.
"""
import fcntl
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from backdrop.store import sqlite_lock
from backdrop.store.sqlite import SQLiteStore

T = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "locked.db"
    store = SQLiteStore(f"sqlite:///{path}")
    store.create_bucket({"name": "b", "bucket_type": "custom"})
    store.close()
    return path


def _lock_taken_elsewhere(lock_path):
    """Whether another open file description finds the lock taken."""
    fd = os.open(lock_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_write_holds_the_lock_file_beside_the_store_until_it_commits(db_path):
    store = SQLiteStore(f"sqlite:///{db_path}")
    lock_path = f"{db_path}{sqlite_lock.SUFFIX}"
    with store._write() as db:
        db.execute("UPDATE buckets SET last_updated = 1")
        assert _lock_taken_elsewhere(lock_path)
    assert not _lock_taken_elsewhere(lock_path)
    store.insert("b", [{"_id": "x", "_timestamp": T}])
    assert not _lock_taken_elsewhere(lock_path)
    assert store.count("b") == 1
    store.close()


def test_a_write_that_fails_lets_go_of_the_lock(db_path):
    store = SQLiteStore(f"sqlite:///{db_path}")
    with pytest.raises(RuntimeError), store._write() as db:
        db.execute("UPDATE buckets SET last_updated = 1")
        raise RuntimeError("refused halfway")
    assert not _lock_taken_elsewhere(f"{db_path}{sqlite_lock.SUFFIX}")
    store.insert("b", [{"_id": "x", "_timestamp": T}])
    assert store.count("b") == 1
    store.close()


HOLDER = textwrap.dedent("""
    import sys, time
    from datetime import UTC, datetime
    from backdrop.store.sqlite import SQLiteStore
    store = SQLiteStore("sqlite:///" + sys.argv[1])
    with store._write() as db:
        db.execute("UPDATE buckets SET last_updated = 1")
        print("holding", flush=True)
        time.sleep(600)
""")


def test_a_writer_killed_while_holding_the_lock_wedges_no_other_writer(db_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert _lock_taken_elsewhere(f"{db_path}{sqlite_lock.SUFFIX}")
        holder.kill()
        holder.wait(30)
        store = SQLiteStore(f"sqlite:///{db_path}")
        store.insert("b", [{"_id": "after", "_timestamp": T}])
        assert [record["_id"] for record in store.raw("b", _everything())] == ["after"]
        assert store.get_bucket("b") is not None
        store.close()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()


def _everything():
    from backdrop.query import Query

    return Query()


def test_a_folder_without_room_for_the_lock_file_leaves_writes_to_sqlites_lock(
        db_path, monkeypatch):
    os.remove(f"{db_path}{sqlite_lock.SUFFIX}")  # made by the fixture's first write
    real_open = os.open

    def refuse_lock_file(path, flags, *args):
        if str(path).endswith(sqlite_lock.SUFFIX):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(sqlite_lock.os, "open", refuse_lock_file)
    store = SQLiteStore(f"sqlite:///{db_path}")
    store.insert("b", [{"_id": "x", "_timestamp": T}])
    store.insert("b", [{"_id": "y", "_timestamp": T}])
    assert store.count("b") == 2
    assert not os.path.exists(f"{db_path}{sqlite_lock.SUFFIX}")
    store.close()


def test_a_lock_file_that_can_only_be_read_still_serialises_writes(db_path, monkeypatch):
    lock_path = f"{db_path}{sqlite_lock.SUFFIX}"
    os.close(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o444))
    real_open = os.open

    def read_only(path, flags, *args):
        if str(path) == lock_path and flags & (os.O_RDWR | os.O_WRONLY):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(sqlite_lock.os, "open", read_only)
    store = SQLiteStore(f"sqlite:///{db_path}")
    with store._write() as db:
        db.execute("UPDATE buckets SET last_updated = 1")
        assert _lock_taken_elsewhere(lock_path)
    store.insert("b", [{"_id": "x", "_timestamp": T}])
    assert store.count("b") == 1
    store.close()


def test_a_lock_held_past_the_wait_is_given_up_on_for_sqlites_own(tmp_path):
    lock = sqlite_lock.WriteLock(str(tmp_path / "s.db"), wait_seconds=0.05)
    other = os.open(lock.path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        with lock.held():
            pass  # went ahead after the wait: SQLite's busy timeout decides from here
    finally:
        os.close(other)
    with lock.held():
        assert _lock_taken_elsewhere(lock.path)
    lock.close()


def test_an_in_memory_store_has_no_lock_file(tmp_path):
    lock = sqlite_lock.WriteLock(":memory:", wait_seconds=1)
    with lock.held():
        pass
    assert lock.path is None
