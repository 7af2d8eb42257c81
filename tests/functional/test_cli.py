"""The ``backdrop`` command on a real SQLite file, through development.ini."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from backdrop.query import Query
from backdrop.store import create_store
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
INI = str(ROOT / "development.ini")


@pytest.fixture
def store_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("BACKDROP_STORE_URL", url)
    return url


@pytest.fixture
def cli_store(store_url):
    store = create_store(store_url)
    yield store
    store.close()


def test_create_bucket_prints_the_token_once(capsys, cli_store):
    code, out, _ = run(
        capsys, "create-bucket", INI, "visits", "--data-group", "site", "--data-type", "visits",
        "--type", "realtime", "--capped-size", "10", "--raw-queries-allowed",
    )
    assert code == 0
    token = out.strip().splitlines()[-1].rsplit(" ", 1)[1]
    config = cli_store.get_bucket("visits")
    assert config["bucket_type"] == "realtime"
    assert config["capped_size"] == 10
    assert config["raw_queries_allowed"] is True
    assert (config["data_group"], config["data_type"]) == ("site", "visits")
    assert token not in json.dumps(config)

    code, out, _ = run(capsys, "show-bucket", INI, "visits")
    assert code == 0 and token not in out and json.loads(out)["records"] == 0


def test_create_refuses_bad_config_and_duplicates(capsys, cli_store):
    assert run(capsys, "create-bucket", INI, "Bad Name")[0] == 1
    assert run(capsys, "create-bucket", INI, "ok", "--type", "nonsense")[0] == 1
    assert run(capsys, "create-bucket", INI, "ok")[0] == 0
    code, _, err = run(capsys, "create-bucket", INI, "ok")
    assert code == 1 and "already exists" in err
    assert [c["name"] for c in cli_store.list_buckets()] == ["ok"]


def test_list_update_delete(capsys, cli_store):
    run(capsys, "create-bucket", INI, "one")
    run(capsys, "create-bucket", INI, "two")
    code, out, _ = run(capsys, "list-buckets", INI)
    assert [line.split("\t")[0] for line in out.splitlines()] == ["one", "two"]
    assert run(capsys, "update-bucket", INI, "one", "--no-published")[0] == 0
    assert cli_store.get_bucket("one")["published"] is False
    code, out, _ = run(capsys, "delete-bucket", INI, "one")
    assert (code, out.strip()) == (0, "Deleted one")
    code, _, err = run(capsys, "delete-bucket", INI, "one")
    assert code == 1 and 'No data set exists with name "one"' in err


def test_import_is_atomic_per_batch_and_resumable(capsys, cli_store, tmp_path):
    run(capsys, "create-bucket", INI, "events")
    lines = [json.dumps({"_timestamp": f"2024-01-0{n}T00:00:00Z", "n": n}) for n in range(1, 6)]
    lines[3] = json.dumps({"n": 4})  # line 4 lacks _timestamp
    source = tmp_path / "events.ndjson"
    source.write_text("\n".join(lines) + "\n")

    code, _, err = run(capsys, "import", INI, "events", str(source), "--batch-size", "2", "--quiet")
    assert code == 1
    assert "line 4" in err and "--start-line 3" in err  # the refused batch began at line 3
    assert cli_store.count("events") == 2  # the first batch only; the second was refused whole

    lines[3] = json.dumps({"_timestamp": "2024-01-04T00:00:00Z", "n": 4})
    source.write_text("\n".join(lines) + "\n")
    code, out, _ = run(
        capsys, "import", INI, "events", str(source), "--start-line", "3", "--quiet"
    )
    assert code == 0 and "Stored 3 records" in out
    assert [r["n"] for r in cli_store.raw("events", Query())] == [1, 2, 3, 4, 5]


def test_import_csv_and_export_round_trip(capsys, cli_store, tmp_path):
    run(capsys, "create-bucket", INI, "places", "--type", "custom")
    source = tmp_path / "places.csv"
    source.write_text("name,city\ncaffè,città\n\nbar,roma\n", encoding="utf-8")
    assert run(capsys, "import", INI, "places", str(source), "--quiet")[0] == 0

    code, out, _ = run(capsys, "export", INI, "places")
    exported = [json.loads(line) for line in out.splitlines()]
    assert [(r["name"], r["city"]) for r in exported] == [("caffè", "città"), ("bar", "roma")]

    target = tmp_path / "out.csv"
    assert run(capsys, "export", INI, "places", "--format", "csv", "--output", str(target))[0] == 0
    header, *rows = target.read_text(encoding="utf-8").splitlines()
    assert header.split(",") == ["_id", "city", "name"]
    assert len(rows) == 2


def test_ragged_csv_line_is_named(capsys, cli_store, tmp_path):
    run(capsys, "create-bucket", INI, "places", "--type", "custom")
    source = tmp_path / "ragged.csv"
    source.write_text("a,b\n1,2\n3\n", encoding="utf-8")
    code, _, err = run(capsys, "import", INI, "places", str(source), "--quiet")
    assert code == 1 and "line 3" in err
    assert cli_store.count("places") == 0


def test_console_script_is_installed(store_url):
    script = Path(sys.executable).with_name("backdrop")
    result = subprocess.run(
        [str(script), "list-buckets", INI], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_a_line_that_is_not_json_is_named_without_a_traceback(capsys, cli_store, tmp_path):
    run(capsys, "create-bucket", INI, "events")
    source = tmp_path / "bad.ndjson"
    source.write_text('{"_timestamp": "2024-01-01T00:00:00Z"}\n{not json\n')
    code, _, err = run(capsys, "import", INI, "events", str(source), "--quiet")
    assert code == 1 and "line 2: not JSON" in err and "Traceback" not in err
    assert cli_store.count("events") == 0


def test_a_missing_ini_file_is_a_one_line_error(capsys, store_url, tmp_path):
    code, _, err = run(capsys, "list-buckets", str(tmp_path / "nowhere.ini"))
    assert code == 2 and err.strip() == f"backdrop: no such ini file: {tmp_path / 'nowhere.ini'}"


def test_reserved_names_are_refused(capsys, cli_store):
    code, _, err = run(capsys, "create-bucket", INI, "sign-out")
    assert code == 1 and "reserved" in err
    assert cli_store.list_buckets() == []
