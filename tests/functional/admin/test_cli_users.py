"""``backdrop create-user|list-users|delete-user INI``, and their effect on the admin app."""
from pathlib import Path

import pytest

from backdrop.buckets import new_config
from backdrop.cli import main
from backdrop.plugins import Registry, make_plugin_manager
from backdrop.store import create_store
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[3]
INI = str(ROOT / "ini" / "admin.ini")


@pytest.fixture
def cli_store(db_path, monkeypatch):
    url = f"sqlite:///{db_path}"
    monkeypatch.setenv("BACKDROP_STORE_URL", url)
    store = create_store(url)
    plugins = Registry(make_plugin_manager(load_entry_points=False))
    for name in ("visits", "sales"):
        store.create_bucket(new_config(name, {}, plugins)[0])
    yield store
    store.close()


def test_create_user_with_buckets(capsys, cli_store):
    code, out, _ = run(capsys, "create-user", INI, "Ada@Example.com", "--bucket", "visits",
                       "--bucket", "sales", "--bucket", "visits")
    assert code == 0
    assert "ada@example.com may upload to visits, sales" in out
    assert cli_store.get_user("ada@example.com") == {
        "email": "ada@example.com", "buckets": ["visits", "sales"]
    }


def test_create_user_again_replaces_their_buckets(capsys, cli_store):
    run(capsys, "create-user", INI, "ada@example.com", "--bucket", "visits")
    run(capsys, "create-user", INI, "ada@example.com", "--bucket", "sales")
    assert cli_store.get_user("ada@example.com")["buckets"] == ["sales"]


def test_create_user_refuses_unknown_buckets_and_bad_emails(capsys, cli_store):
    code, _, err = run(capsys, "create-user", INI, "ada@example.com", "--bucket", "nope")
    assert code == 1 and "no bucket named nope" in err
    code, _, err = run(capsys, "create-user", INI, "not-an-email", "--bucket", "visits")
    assert code == 1 and "not an email address" in err
    assert cli_store.list_users() == []


def test_create_user_needs_a_bucket(capsys, cli_store):
    with pytest.raises(SystemExit) as exit_info:
        main(["create-user", INI, "ada@example.com"])
    assert exit_info.value.code == 2
    assert "--bucket" in capsys.readouterr().err


def test_list_users(capsys, cli_store):
    run(capsys, "create-user", INI, "bob@example.com", "--bucket", "sales")
    run(capsys, "create-user", INI, "ada@example.com", "--bucket", "visits", "--bucket", "sales")
    code, out, _ = run(capsys, "list-users", INI)
    assert code == 0
    assert out.splitlines() == ["ada@example.com\tvisits, sales", "bob@example.com\tsales"]


def test_delete_user(capsys, cli_store):
    run(capsys, "create-user", INI, "ada@example.com", "--bucket", "visits")
    code, out, _ = run(capsys, "delete-user", INI, "ADA@example.com")
    assert code == 0 and "Deleted user ada@example.com" in out
    assert cli_store.get_user("ada@example.com") is None
    code, _, err = run(capsys, "delete-user", INI, "ada@example.com")
    assert code == 1 and "no user ada@example.com" in err


def test_users_created_on_the_command_line_can_upload(capsys, cli_store, app):
    run(capsys, "create-user", INI, "ada@example.com", "--bucket", "visits")
    app.get("/_test/sign-in", {"email": "ada@example.com"})
    home = app.get("/")
    assert [a["href"] for a in home.html.select("a.upload-link")] == [
        "http://localhost/visits/upload"
    ]
    run(capsys, "delete-user", INI, "ada@example.com")
    app.get("/visits/upload", status=404)
