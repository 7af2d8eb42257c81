"""Layout versions: an older store upgrades in place (backup first, one transaction), a newer one
is refused, ``backdrop migrate`` does it explicitly; MongoDB keeps a version document by the
same rules."""
import json
import shutil
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from backdrop.mirror.engine import ColumnarMirror
from backdrop.store import create_store
from backdrop.store.layout import LayoutError
from backdrop.store.sqlite import SQLiteStore
from backdrop.store.sqlite_layout import LAYOUT_VERSION
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[3]
INI = str(ROOT / "development.ini")
FIXTURE = ROOT / "tests" / "fixtures" / "layout-1.db"


def _contents(path):
    """Configs, users and every record row of a store file, read with plain SQL."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        buckets = db.execute("SELECT name, config, records_table, last_updated FROM buckets").fetchall()
        return {
            "configs": {name: json.loads(config) for name, config, _, _ in buckets},
            "last_updated": {name: last for name, _, _, last in buckets},
            "users": db.execute("SELECT * FROM users ORDER BY email").fetchall(),
            "records": {
                name: db.execute(f"SELECT seq, id, ts, updated, data FROM {table} ORDER BY seq").fetchall()
                for name, _, table, _ in buckets
            },
        }


def _version(path):
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def _steps(path):
    with closing(sqlite3.connect(path)) as db:
        return [row[:2] for row in db.execute("SELECT version, description FROM layout_steps ORDER BY 1")]


@pytest.fixture
def old_store(tmp_path, monkeypatch):
    """A copy of the layout-1 fixture, and the store URL pointing at it."""
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{path}")
    return path


def test_the_fixture_is_layout_1():
    assert _version(FIXTURE) == 0
    with closing(sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True)) as db:
        assert "last_seq" not in {row[1] for row in db.execute("PRAGMA table_info(buckets)")}


def test_opening_an_older_store_upgrades_it_and_keeps_everything(old_store):
    before = _contents(old_store)
    store = SQLiteStore(f"sqlite:///{old_store}")
    store.close()
    assert _contents(old_store) == before
    assert _version(old_store) == LAYOUT_VERSION == 2
    assert _steps(old_store) == [
        (1, "found at layout 1"),
        (2, "change feed: write sequence numbers and a log of removed rows"),
    ]
    backup = Path(f"{old_store}.layout-1.bak")
    assert store.layout.backup == str(backup)
    assert _version(backup) == 0 and _contents(backup) == before  # the file as it was


def test_an_upgraded_store_serves_reads_writes_and_the_mirror(old_store, make_app):
    before = _contents(old_store)
    app = make_app(**{"backdrop.store_url": f"sqlite:///{old_store}", "backdrop.roles": "read write"})
    store = app.app.registry["backdrop.store"]
    assert [row["n"] for row in app.get("/live").json["data"]] == [3, 4, 5, 6, 7]
    weekly = app.get("/visits?period=week&start_at=2024-01-01T00:00:00Z&end_at=2024-01-22T00:00:00Z")
    assert [period["_count"] for period in weekly.json["data"]] == [14, 14, 1]
    by_page = {row["page"]: row["_count"] for row in app.get("/visits?group_by=page").json["data"]}
    assert by_page == {"/p0": 8, "/p1": 10, "/p2": 10, "/b": 1}
    assert app.get("/chunks?group_by=region").json["data"] == [
        {"region": "north", "_count": 1}, {"region": "south", "_count": 1}
    ]
    # Upserts and capped trims after the upgrade reach the mirror through the new change feed.
    assert isinstance(app.app.registry["backdrop.read_engine"], ColumnarMirror)
    token = _known_token(app, "live")
    app.post_json("/live", {"_timestamp": "2024-02-01T00:09:00Z", "n": 9}, headers=token)
    counts = app.get("/live?period=day&start_at=2024-02-01T00:00:00Z&end_at=2024-02-02T00:00:00Z")
    assert counts.json["data"][0]["_count"] == 5
    assert [row["n"] for row in app.get("/live").json["data"]] == [4, 5, 6, 7, 9]
    new_seq = store.feed_position("live").written
    assert new_seq == max(row[0] for row in before["records"]["live"]) + 1


def _known_token(app, name):
    """The fixture's tokens are stored hashed: give the bucket one this test knows."""
    from backdrop.buckets import changed_config

    store, plugins = app.app.registry["backdrop.store"], app.app.registry["backdrop.plugins"]
    token = "known-token-0123456789abcdef"
    store.update_bucket(name, changed_config(store.get_bucket(name), {"bearer_token": token}, plugins))
    return {"Authorization": f"Bearer {token}"}


def test_a_new_store_is_created_at_the_current_layout(tmp_path):
    path = tmp_path / "new.db"
    SQLiteStore(f"sqlite:///{path}").close()
    assert _version(path) == LAYOUT_VERSION
    assert _steps(path) == [(2, "created at layout 2")]
    assert not list(tmp_path.glob("*.bak"))


def test_an_unversioned_file_with_the_change_feed_is_recorded_as_layout_2(tmp_path):
    path = tmp_path / "interim.db"
    SQLiteStore(f"sqlite:///{path}").close()
    with closing(sqlite3.connect(path)) as db:  # as the code between the feed and versions left it
        db.execute("DROP TABLE layout_steps")
        db.execute("PRAGMA user_version = 0")
        db.commit()
    SQLiteStore(f"sqlite:///{path}").close()
    assert _version(path) == 2
    assert _steps(path) == [(2, "found at layout 2, unversioned")]
    assert not list(tmp_path.glob("*.bak"))


def test_a_newer_store_is_refused_with_one_line(tmp_path, capsys, monkeypatch):
    path = tmp_path / "newer.db"
    SQLiteStore(f"sqlite:///{path}").close()
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {LAYOUT_VERSION + 1}")
    untouched = path.read_bytes()
    with pytest.raises(LayoutError) as refusal:
        SQLiteStore(f"sqlite:///{path}")
    message = str(refusal.value)
    assert message == (
        f"backdrop: refusing to open {path}: its layout is version 3, newer than the version 2"
        " this Backdrop knows; run the newer Backdrop that wrote it"
    )
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{path}")
    code, _, err = run(capsys, "list-buckets", INI)
    assert (code, err) == (2, message + "\n")
    assert path.read_bytes() == untouched


def test_an_upgrade_that_fails_leaves_the_file_as_it_was(old_store):
    with closing(sqlite3.connect(old_store)) as db:
        (table,) = db.execute("SELECT records_table FROM buckets WHERE name = 'chunks'").fetchone()
        # Something the upgrade will trip over half-way: a trigger of the name it creates.
        db.execute(f"CREATE TRIGGER {table}_removed AFTER DELETE ON {table} BEGIN SELECT 1; END")
        db.commit()
    before = _contents(old_store)
    failed = r"could not bring .* to layout 2, it is unchanged: .*already exists"
    with pytest.raises(LayoutError, match=failed):
        SQLiteStore(f"sqlite:///{old_store}")
    assert _version(old_store) == 0
    assert _contents(old_store) == before
    with closing(sqlite3.connect(old_store)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert "last_seq" not in {row[1] for row in db.execute("PRAGMA table_info(buckets)")}
    assert "removals" not in tables and "layout_steps" not in tables


def test_two_processes_opening_an_old_store_at_once_upgrade_it_once(old_store):
    stores, errors = [], []

    def open_store():
        try:
            stores.append(SQLiteStore(f"sqlite:///{old_store}"))
        except Exception as error:  # pragma: no cover - the assertion below shows it
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(bool(store.layout.steps) for store in stores) == [False, False, False, True]
    for store in stores:
        store.close()
    assert len(list(old_store.parent.glob("*.bak*"))) == 1
    assert [version for version, _ in _steps(old_store)] == [1, 2]


def test_the_mirror_beside_an_upgraded_store_starts_again(old_store):
    mirror = Path(f"{old_store}.mirror")
    mirror.mkdir()
    (mirror / "0.duckdb").write_bytes(b"a mirror of the old layout")
    SQLiteStore(f"sqlite:///{old_store}").close()
    assert not mirror.exists()


def test_migrate_dry_run_changes_nothing(old_store, capsys):
    untouched = old_store.read_bytes()
    code, out, _ = run(capsys, "migrate", INI, "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        f"{old_store}: layout 1; this Backdrop: layout 2",
        "  step to layout 2: change feed: write sequence numbers and a log of removed rows",
        f"dry run: nothing changed; the upgrade copies the file to {old_store}.layout-1.bak first",
    ]
    assert old_store.read_bytes() == untouched
    assert not Path(f"{old_store}.layout-1.bak").exists()


def test_migrate_upgrades_then_has_nothing_to_do(old_store, capsys):
    before = _contents(old_store)
    code, out, _ = run(capsys, "migrate", INI)
    assert code == 0
    assert out.splitlines()[-1] == (
        f"upgraded to layout 2 in one transaction; the file as it was is at {old_store}.layout-1.bak"
    )
    assert _version(old_store) == 2 and _contents(old_store) == before
    code, out, _ = run(capsys, "migrate", INI)
    assert code == 0
    assert out.splitlines() == [f"{old_store}: layout 2; this Backdrop: layout 2", "nothing to do"]


def test_migrate_refuses_a_newer_store(tmp_path, capsys, monkeypatch):
    path = tmp_path / "newer.db"
    SQLiteStore(f"sqlite:///{path}").close()
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA user_version = 7")
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{path}")
    code, _, err = run(capsys, "migrate", INI, "--dry-run")
    assert code == 2 and err.count("\n") == 1 and "layout is version 7" in err


def test_restore_refuses_a_backup_newer_than_the_code(tmp_path, capsys, monkeypatch):
    backup = tmp_path / "newer-backup.db"
    SQLiteStore(f"sqlite:///{backup}").close()
    with closing(sqlite3.connect(backup)) as db:
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("PRAGMA user_version = 9")
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    code, _, err = run(capsys, "restore", INI, str(backup), "--quiet")
    assert code == 1 and "layout is version 9" in err


def test_restoring_a_layout_1_backup_upgrades_on_next_open(tmp_path, capsys, monkeypatch):
    target = tmp_path / "restored.db"
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{target}")
    code, out, _ = run(capsys, "restore", INI, str(FIXTURE), "--quiet")
    assert code == 0 and "visits\t29" in out
    store = create_store(f"sqlite:///{target}")
    try:
        assert store.count("visits") == 29 and _version(target) == 2
    finally:
        store.close()


# -- MongoDB ------------------------------------------------------------------------------
@pytest.fixture
def mongo_url():
    import uuid

    return f"mongomock://layout-tests/backdrop_{uuid.uuid4().hex[:8]}"


def _layout_document(store):
    return store._db["_layout"].find_one({"_id": "layout"})


def test_a_new_mongodb_store_records_layout_1(mongo_url):
    store = create_store(mongo_url)
    document = _layout_document(store)
    assert document["version"] == 1
    assert [step["description"] for step in document["steps"]] == ["created at layout 1"]


def test_an_unversioned_mongodb_store_is_found_at_layout_1(mongo_url):
    from backdrop.store.mongo import MongoStore

    MongoStore(mongo_url).save_user("ada@example.com", [])  # a store from before versions
    store = create_store(mongo_url)
    assert [step["description"] for step in _layout_document(store)["steps"]] == ["found at layout 1"]
    assert store.get_user("ada@example.com") == {"email": "ada@example.com", "buckets": []}


def test_a_newer_mongodb_store_is_refused(mongo_url, capsys, monkeypatch):
    store = create_store(mongo_url)
    store._db["_layout"].update_one({"_id": "layout"}, {"$set": {"version": 2}})
    with pytest.raises(LayoutError, match="its layout is version 2, newer than the version 1"):
        create_store(mongo_url)
    monkeypatch.setenv("BACKDROP_STORE_URL", mongo_url)
    code, _, err = run(capsys, "migrate", INI, "--dry-run")
    assert code == 2 and "its layout is version 2" in err


def test_migrate_on_mongodb_records_the_version_unless_dry_run(mongo_url, capsys, monkeypatch):
    from backdrop.store.mongo import MongoStore

    monkeypatch.setenv("BACKDROP_STORE_URL", mongo_url)
    code, out, _ = run(capsys, "migrate", INI, "--dry-run")
    assert code == 0 and out.splitlines()[0].endswith("layout none (new); this Backdrop: layout 1")
    assert _layout_document(MongoStore(mongo_url)) is None
    assert run(capsys, "migrate", INI)[0] == 0
    assert _layout_document(MongoStore(mongo_url))["version"] == 1


def _shape(path):
    """Columns of the fixed tables, and the trigger and index names per records table (as ``T``)."""
    with closing(sqlite3.connect(path)) as db:
        tables = {name: [row[1:4] for row in db.execute(f"PRAGMA table_info({name})")]
                  for name in ("buckets", "users", "fields", "removals", "layout_steps")}
        records = [row[0] for row in db.execute("SELECT records_table FROM buckets")]
        extras = set()
        for kind, name, table in db.execute("SELECT type, name, tbl_name FROM sqlite_master"):
            if table in records:
                extras.add((kind, name.replace(table, "T")))
        return tables, extras


def test_an_upgraded_file_has_the_layout_of_a_new_one(old_store, tmp_path):
    SQLiteStore(f"sqlite:///{old_store}").close()
    new = tmp_path / "new.db"
    store = SQLiteStore(f"sqlite:///{new}")
    from backdrop.buckets import new_config
    from backdrop.plugins import Registry, make_plugin_manager

    store.create_bucket(new_config("one", {}, Registry(make_plugin_manager()))[0])
    store.close()
    upgraded_tables, upgraded_extras = _shape(old_store)
    new_tables, new_extras = _shape(new)
    assert upgraded_tables == new_tables
    assert upgraded_extras == new_extras
    assert ("trigger", "T_removed") in new_extras
