"""``backdrop demo INI``: a year of example events, granted to the development user."""
from datetime import UTC, datetime, timedelta

import pytest

from backdrop.cli.demo import DAYS, demo_events
from backdrop.query import Query
from backdrop.store import create_store
from tests.functional.test_cli import INI
from tests.support.cli import run


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("BACKDROP_STORE_URL", url)
    store = create_store(url)
    yield store
    store.close()


def test_demo_fills_a_year_and_grants_it(capsys, cli_store):
    cli_store.save_user("you@example.com", [])
    code, out, _ = run(capsys, "demo", INI)
    assert code == 0 and "you@example.com may explore it" in out
    config = cli_store.get_bucket("demo")
    assert config["bucket_type"] == "events"
    count = cli_store.count("demo")
    assert f"Created demo with {count} events over {DAYS} days" in out
    assert count > 365 * 10
    assert cli_store.field_names("demo") == ["browser", "converted", "device", "duration", "page"]
    assert cli_store.get_user("you@example.com")["buckets"] == ["demo"]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    earliest, latest = cli_store.time_bounds("demo", Query())
    assert today - timedelta(days=DAYS) <= earliest < today - timedelta(days=DAYS - 1)
    assert today - timedelta(days=1) <= latest < today
    weeks = cli_store.aggregate("demo", Query(start_at=today - timedelta(weeks=12), end_at=today,
                                              period="week"))
    assert weeks and all(group.count > 0 for group in weeks)  # nothing empty to look at
    browsers = cli_store.aggregate("demo", Query(group_by=("browser",)))
    assert [group.keys[0] for group in browsers] == ["Chrome", "Edge", "Firefox", "Safari"]


def test_demo_events_are_deterministic_and_varied():
    today = datetime(2026, 6, 1, tzinfo=UTC)
    first, second = demo_events(today), demo_events(today)
    assert first == second
    assert {event["converted"] for event in first} == {True, False}
    assert all(isinstance(event["duration"], float) for event in first)
    weekdays = sum(1 for e in first if datetime.fromisoformat(e["_timestamp"]).weekday() < 5)
    assert weekdays / len(first) > 5 / 7  # busier on weekdays


def test_demo_refuses_to_run_twice_and_changes_nothing(capsys, cli_store):
    assert run(capsys, "demo", INI, "--email", "ada@example.com")[0] == 0
    count = cli_store.count("demo")
    code, _, err = run(capsys, "demo", INI)
    assert code == 1 and "a bucket named demo already exists" in err
    assert cli_store.count("demo") == count
    assert cli_store.get_user("you@example.com") is None
    assert cli_store.get_user("ada@example.com")["buckets"] == ["demo"]
