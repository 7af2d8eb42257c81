"""``backdrop backup`` while writes go on, and ``backdrop restore`` into an empty store."""
import itertools
import shutil
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from backdrop.store import create_store
from backdrop.store.mongo_backup import dump_command, restore_command
from tests.support.cli import run
from tests.support.servers import Server, request

ROOT = Path(__file__).resolve().parents[3]
INI = str(ROOT / "development.ini")
BATCH = 7
BUCKETS = ("alpha", "beta")


def _records(count, start=0):
    return [{"_timestamp": "2024-01-01T00:00:00Z", "n": start + i, "pad": "y" * 100} for i in range(count)]


def _counts(path):
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT name, records_table FROM buckets").fetchall()
        return {name: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for name, table in rows}


@pytest.fixture
def use_store(monkeypatch):
    def use(path):
        monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{path}")
    return use


class Writer(threading.Thread):
    """Posts batches of BATCH records to each bucket in turn until told to stop."""

    def __init__(self, port, tokens):
        super().__init__(daemon=True)
        self.port, self.tokens = port, tokens
        self.acknowledged = dict.fromkeys(tokens, 0)
        self.stop = threading.Event()

    def run(self):
        for number in itertools.islice(itertools.count(), 20_000):
            if self.stop.is_set():
                return
            bucket = BUCKETS[number % len(BUCKETS)]
            status, _ = request(self.port, "POST", f"/{bucket}", _records(BATCH), self.tokens[bucket])
            assert status == 200
            self.acknowledged[bucket] += BATCH


def test_a_backup_taken_during_writes_holds_whole_batches_only(tmp_path, capsys, use_store):
    store_path = tmp_path / "live.db"
    with Server(tmp_path, f"sqlite:///{store_path}") as server:
        tokens = {name: server.create_bucket(name, bucket_type="custom") for name in BUCKETS}
        for name in BUCKETS:  # enough pages that the copy takes many steps
            for start in range(0, 14_000, 7_000):
                status, _ = request(server.port, "POST", f"/{name}", _records(7_000, start), tokens[name])
                assert status == 200
        writer = Writer(server.port, tokens)
        writer.start()
        while sum(writer.acknowledged.values()) < 10 * BATCH:
            writer.join(0.01)
        before = dict(writer.acknowledged)
        use_store(store_path)
        code, out, err = run(capsys, "backup", INI, str(tmp_path / "copy.db"), "--step-pages", "4")
        after = dict(writer.acknowledged)
        writer.stop.set()
        writer.join(60)
    assert code == 0, err
    assert "Backed up to" in out and "backup" in err  # the progress bar
    assert sum(after.values()) > sum(before.values()), "writes went on during the backup"

    restored_path = tmp_path / "restored.db"
    use_store(restored_path)
    code, out, err = run(capsys, "restore", INI, str(tmp_path / "copy.db"))
    assert code == 0, err
    counts = _counts(restored_path)
    for name in BUCKETS:
        batches = counts[name] - 14_000
        assert batches % BATCH == 0, f"{name}: a batch stored in part"
        assert before[name] <= batches <= after[name]
    assert f"alpha\t{counts['alpha']}" in out and "integrity check: ok" in out


@pytest.fixture
def live_store(tmp_path, use_store):
    """A store file with two buckets and a user, through the store itself."""
    from backdrop.buckets import new_config
    from backdrop.plugins import Registry, make_plugin_manager
    from backdrop.records import prepare_batch

    path = tmp_path / "live.db"
    store = create_store(f"sqlite:///{path}")
    plugins = Registry(make_plugin_manager())
    for name, size in (("alpha", 5), ("beta", 3)):
        config, _ = new_config(name, {"bucket_type": "custom"}, plugins)
        store.create_bucket(config)
        store.insert(name, prepare_batch(_records(size), config, plugins.bucket_types.get("custom")))
    store.save_user("ada@example.com", ["alpha"])
    store.close()
    use_store(path)
    return path


def test_backup_then_restore_keeps_every_record_config_and_user(tmp_path, capsys, live_store, use_store):
    assert run(capsys, "backup", INI, str(tmp_path / "copy.db"), "--quiet")[0] == 0
    use_store(tmp_path / "new.db")
    code, out, _ = run(capsys, "restore", INI, str(tmp_path / "copy.db"), "--quiet")
    assert code == 0
    assert out.splitlines()[:3] == ["alpha\t5", "beta\t3", "2 buckets, 8 records"]
    store = create_store(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert [config["name"] for config in store.list_buckets()] == ["alpha", "beta"]
        assert store.get_user("ada@example.com") == {"email": "ada@example.com", "buckets": ["alpha"]}
        assert store.count("alpha") == 5
    finally:
        store.close()


def test_a_backup_never_overwrites_a_file(tmp_path, capsys, live_store):
    target = tmp_path / "copy.db"
    target.write_text("keep me")
    code, _, err = run(capsys, "backup", INI, str(target), "--quiet")
    assert (code, err.strip()) == (1, f"backdrop: {target} already exists: choose a new path")
    assert target.read_text() == "keep me"


def test_restore_refuses_a_store_that_is_not_empty(tmp_path, capsys, live_store):
    assert run(capsys, "backup", INI, str(tmp_path / "copy.db"), "--quiet")[0] == 0
    code, _, err = run(capsys, "restore", INI, str(tmp_path / "copy.db"), "--quiet")
    assert code == 1
    assert "restore needs an empty store" in err and "holds 2 buckets and 1 users" in err
    assert _counts(live_store) == {"alpha": 5, "beta": 3}


def test_restore_refuses_a_damaged_backup_and_stores_nothing(tmp_path, capsys, live_store, use_store):
    assert run(capsys, "backup", INI, str(tmp_path / "copy.db"), "--quiet")[0] == 0
    damaged = tmp_path / "damaged.db"
    shutil.copy(tmp_path / "copy.db", damaged)
    with closing(sqlite3.connect(damaged)) as db:
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'buckets'").fetchone()
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(damaged.read_bytes())
    start = (root - 1) * page_size
    data[start: start + 12] = b"\x0d\xff\xff\x00\x09\xff\xff\xff\xff\xff\xff\xff"  # a nonsense page header
    damaged.write_bytes(bytes(data))
    use_store(tmp_path / "new.db")
    code, _, err = run(capsys, "restore", INI, str(damaged), "--quiet")
    assert code == 1
    assert "damaged" in err or "not a Backdrop SQLite store" in err
    assert _counts(tmp_path / "new.db") == {}


def test_restore_refuses_a_file_that_is_not_a_store(tmp_path, capsys, use_store):
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("not a database at all " * 100)
    use_store(tmp_path / "new.db")
    code, _, err = run(capsys, "restore", INI, str(not_a_store), "--quiet")
    assert code == 1 and "is not a Backdrop SQLite store" in err
    code, _, err = run(capsys, "restore", INI, str(tmp_path / "missing.db"), "--quiet")
    assert code == 1 and "no such file" in err


@pytest.mark.parametrize(
    "url, dump, restore",
    [
        (
            "mongodb://db1,db2/backdrop?replicaSet=rs0",
            "mongodump '--uri=mongodb://db1,db2/backdrop?replicaSet=rs0' --archive=/b/x.gz --gzip --oplog",
            "mongorestore '--uri=mongodb://db1,db2/backdrop?replicaSet=rs0' --archive=/b/x.gz --gzip"
            " --oplogReplay",
        ),
        (
            "mongodb://backdrop:s3cret@db1/backdrop",
            "mongodump '--uri=mongodb://backdrop:****@db1/backdrop' --archive=/b/x.gz --gzip",
            "mongorestore '--uri=mongodb://backdrop:****@db1/backdrop' --archive=/b/x.gz --gzip",
        ),
    ],
)
def test_mongodb_commands_match_the_store(url, dump, restore):
    assert dump_command(url, "/b/x.gz") == dump
    assert restore_command(url, "/b/x.gz") == restore


def test_backup_on_mongodb_prints_the_mongodump_command(capsys, monkeypatch):
    monkeypatch.setenv("BACKDROP_STORE_URL", "mongomock://localhost/backdrop?replicaSet=rs0")
    code, out, _ = run(capsys, "backup", INI, "/backups/backdrop.gz")
    assert code == 0
    assert out.splitlines()[-1] == (
        "mongodump '--uri=mongomock://localhost/backdrop?replicaSet=rs0' --archive=/backups/backdrop.gz"
        " --gzip --oplog"
    )
