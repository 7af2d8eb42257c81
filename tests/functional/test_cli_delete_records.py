"""``backdrop delete-records INI BUCKET ...`` on a real SQLite file, through development.ini."""
import io
from pathlib import Path

import pytest

from backdrop.query import Query
from backdrop.store import create_store
from tests.store.helpers import config, prepare
from tests.support.cli import run

INI = str(Path(__file__).resolve().parents[2] / "development.ini")
RECORDS = [
    {"_id": "a", "_timestamp": "2024-01-01T10:00:00Z", "person": "Alice", "n": 1},
    {"_id": "b", "_timestamp": "2024-01-02T10:00:00Z", "person": "Bob", "n": 2},
    {"_id": "c", "_timestamp": "2024-01-03T00:00:00Z", "person": "Alice", "n": "1"},
]


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("BACKDROP_STORE_URL", url)
    store = create_store(url)
    store.create_bucket(config("people"))
    store.insert("people", prepare(RECORDS))
    yield store
    store.close()


def remaining(store):
    return [record["_id"] for record in store.raw("people", Query())]


def answer(monkeypatch, text):
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_yes_deletes_without_asking_and_prints_the_count(capsys, cli_store, monkeypatch):
    answer(monkeypatch, "")  # nothing to read: asking would say no

    code, out, err = run(capsys, "delete-records", INI, "people", "--filter", "person:Alice", "--yes")

    assert (code, err) == (0, "")
    assert out.splitlines() == ["2 records of people match", "Deleted 2 records from people"]
    assert remaining(cli_store) == ["b"]


@pytest.mark.parametrize("reply", ["y\n", "yes\n", "Y\n"])
def test_a_yes_at_the_prompt_deletes(capsys, cli_store, monkeypatch, reply):
    answer(monkeypatch, reply)

    code, out, _ = run(capsys, "delete-records", INI, "people", "--start-at", "2024-01-02T00:00:00Z",
                       "--end-at", "2024-01-03T00:00:00Z", "--inclusive")

    assert code == 0
    assert out == ("2 records of people match\nDelete 2 records from people? [y/N] "
                   "Deleted 2 records from people\n")
    assert remaining(cli_store) == ["a"]


@pytest.mark.parametrize("reply", ["n\n", "\n", "", "maybe\n"])
def test_anything_else_deletes_nothing(capsys, cli_store, monkeypatch, reply):
    answer(monkeypatch, reply)

    code, out, _ = run(capsys, "delete-records", INI, "people", "--filter", "_id:a")

    assert code == 1
    assert out.splitlines()[0] == "1 records of people match"
    assert out.splitlines()[-1].endswith("Nothing deleted")
    assert remaining(cli_store) == ["a", "b", "c"]


def test_the_read_meaning_of_filters_and_prefixes(capsys, cli_store):
    code, out, _ = run(capsys, "delete-records", INI, "people", "--filter", "n:1",
                       "--filter-prefix", "person:Al", "--yes")
    assert code == 0 and out.splitlines()[-1] == "Deleted 2 records from people"
    assert remaining(cli_store) == ["b"]


def test_nothing_matching_asks_nothing(capsys, cli_store, monkeypatch):
    answer(monkeypatch, "")
    code, out, _ = run(capsys, "delete-records", INI, "people", "--filter", "person:Zed")
    assert code == 0
    assert out.splitlines() == ["0 records of people match", "Deleted 0 records from people"]
    assert cli_store.last_updated("people") is not None and remaining(cli_store) == ["a", "b", "c"]


@pytest.mark.parametrize("args, message", [
    ((), "backdrop: a delete needs at least one filter or time bound"),
    (("--start-at", "2024-01-01T00:00:00Z"),
     "backdrop: a delete's time window needs both start_at and end_at"),
    (("--start-at", "soon", "--end-at", "2024-01-01T00:00:00Z"),
     "backdrop: start_at is not a valid datetime: use ISO 8601 with a UTC offset,"
     " e.g. 2014-01-01T00:00:00+00:00"),
    (("--filter", "person"), "backdrop: filter_by must be field:value"),
    (("--filter", "$where:1"), "backdrop: filter_by: field names cannot start with $ ($where)"),
])
def test_a_bad_selection_is_refused_and_deletes_nothing(capsys, cli_store, args, message):
    code, out, err = run(capsys, "delete-records", INI, "people", *args, "--yes")
    assert (code, out, err.strip()) == (2, "", message)
    assert remaining(cli_store) == ["a", "b", "c"]


def test_an_unknown_bucket_is_named(capsys, cli_store):
    code, _, err = run(capsys, "delete-records", INI, "nobody", "--filter", "_id:a", "--yes")
    assert (code, err.strip()) == (1, 'backdrop: No data set exists with name "nobody"')
