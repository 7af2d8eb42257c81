"""Findings 1 and 2: a small upload must not take the server's memory or CPU.

Each hostile file goes through the upload form of a real waitress server in
a process of its own; that process's peak resident memory (``VmHWM``, reset
before the request) and CPU time (``utime + stime``) are read from
``/proc``. Every refusal is the upload error page, stores nothing, grows the
server by at most 32 MB and takes at most 1 s of CPU.
"""
import functools
import re

import pytest

from tests.support import hostile_uploads as hostile
from tests.support.served import MIB, ServedApp, admin_settings, store_with_buckets

UPLOAD_ERROR = "There was an error with your upload"
MAX_GROWTH = 32 * MIB
MAX_CPU_SECONDS = 1.0
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS = "application/vnd.ms-excel"

ATTACKS = {
    # finding 1: a tiny workbook that declares a huge sheet
    "xlsx-A1-and-ALL20000": (functools.partial(hostile.sparse_xlsx, "ALL20000"), "x.xlsx", XLSX,
                             "20,000,000 cells"),
    "xlsx-A1-and-XFD1048576": (functools.partial(hostile.sparse_xlsx, "XFD1048576"), "x.xlsx",
                               XLSX, "1,048,576 rows"),
    # finding 2: a small workbook holding a lot of XML
    "xlsx-10MB-of-sheet-xml": (hostile.xml_heavy_xlsx, "x.xlsx", XLSX, "takes too long to read"),
    "xlsx-a-million-cells-in-one-row": (hostile.wide_row_xlsx, "x.xlsx", XLSX, "in one row"),
    "xlsx-the-wide-row-in-a-sheet-not-named-xml": (hostile.renamed_sheet_xlsx, "x.xlsx", XLSX,
                                                   "in one row"),
    "xlsx-a-row-a-million-rows-down": (hostile.far_row_xlsx, "x.xlsx", XLSX, "100,001 rows"),
    "xlsx-600k-shared-strings": (hostile.many_shared_strings_xlsx, "x.xlsx", XLSX,
                                 "takes too long to read"),
    "xlsx-600k-styles": (hostile.huge_styles_xlsx, "x.xlsx", XLSX, "too complex to read"),
    "xlsx-400k-merged-cells": (hostile.many_merged_cells_xlsx, "x.xlsx", XLSX,
                               "too complex to read"),
    "xlsx-400k-attributes-on-one-cell": (hostile.many_attributes_xlsx, "x.xlsx", XLSX,
                                         "a tag longer than"),
    "xlsx-a-30MB-value": (hostile.long_text_xlsx, "x.xlsx", XLSX, "a value longer than"),
    "xlsx-deep-nesting": (hostile.deep_xlsx, "x.xlsx", XLSX, "nested more than 32 deep"),
    "xlsx-entity-expansion": (hostile.entity_bomb_xlsx, "x.xlsx", XLSX, "declares a DTD"),
    # the same for .xls and CSV
    "xls-cell-at-IV65536": (hostile.far_cell_xls, "x.xls", XLS, "16,777,216 cells"),
    "csv-a-million-empty-lines": (hostile.empty_lines_csv, "x.csv", "text/csv", "100,001 rows"),
    "csv-400k-columns": (hostile.wide_csv, "x.csv", "text/csv", "400,001 columns"),
    "csv-100k-character-value": (hostile.long_cell_csv, "x.csv", "text/csv",
                                 "may have at most 32,767"),
    # well within every budget (CPU time is the budget most sensitive to a busy
    # machine), refused only at the last row
    "csv-ragged-last-row": (functools.partial(hostile.ragged_last_row_csv, 20_000), "x.csv",
                            "text/csv", "row 20002 has 3 values"),
    "csv-bad-last-record": (functools.partial(hostile.bad_last_record_csv, 20_000), "x.csv",
                            "text/csv", "row 20002: _id must be"),
    # the most memory a refusal may take: every cell the budget allows (which
    # reason wins depends on how busy the machine is)
    "csv-at-the-cell-budget": (functools.partial(hostile.bad_last_record_csv, 49_998), "x.csv",
                               "text/csv", ("row 50000: _id must be", "too many rows to check")),
    "xlsx-bad-last-record": (functools.partial(hostile.bad_last_record_xlsx, 1_500), "x.xlsx",
                             XLSX, "row 1502: _id must be"),
    "xlsx-50k-rows-bad-last-record": (functools.partial(hostile.bad_last_record_xlsx, 49_998),
                                      "x.xlsx", XLSX, "takes too long to read"),
    "csv-90k-rows": (functools.partial(hostile.bad_last_record_csv, 90_000), "x.csv",
                     "text/csv", "uploads may have at most 100,000"),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("served")
    url, store, _ = store_with_buckets(tmp_path, {
        name: {"bucket_type": "custom", "upload_format": upload_format}
        for name, upload_format in (("sheets", "excel"), ("lines", "csv"))})
    store.save_user("ada@example.com", ["sheets", "lines"])
    with ServedApp(admin_settings(url), tmp_path) as app:
        app.store = store
        app.http.get(f"{app.url}/_test/sign-in", params={"email": "ada@example.com"})
        # Warm up: each parser once, so first-use costs are not counted against a refusal.
        for bucket, filename, data, content_type in (
            ("lines", "ok.csv", b"a\n1\n", "text/csv"),
            ("sheets", "ok.xlsx", hostile.sparse_xlsx("A2"), XLSX),
            ("sheets", "ok.xls", (hostile.FIXTURES / "xlsfile.xls").read_bytes(), XLS),
        ):
            assert _upload(app, bucket, filename, data, content_type).status_code == 200
        app.stored = {name: store.count(name) for name in ("sheets", "lines")}
        yield app
    store.close()


def _upload(app, bucket, filename, data, content_type):
    form = app.http.get(f"{app.url}/{bucket}/upload").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return app.http.post(f"{app.url}/{bucket}/upload", data={"csrf_token": token},
                         files={"file": (filename, data, content_type)}, timeout=60)


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_a_refused_upload_is_quick_and_small(served, attack):
    build, filename, content_type, reason = ATTACKS[attack]
    data = build()
    assert len(data) < 1_000_000
    bucket = "lines" if filename.endswith(".csv") else "sheets"
    response, growth, cpu = served.measure(
        lambda: _upload(served, bucket, filename, data, content_type)
    )
    print(f"{attack}: {len(data):,} bytes, +{growth / MIB:.1f} MB, {cpu:.2f} s CPU")
    assert growth <= MAX_GROWTH, f"the server grew by {growth / MIB:.1f} MB"
    assert cpu <= MAX_CPU_SECONDS, f"the upload took {cpu:.2f} s of the server's CPU"
    assert response.status_code == 400, response.text[:500]
    reasons = (reason,) if isinstance(reason, str) else reason
    assert UPLOAD_ERROR in response.text, response.text[:2000]
    assert any(reason in response.text for reason in reasons), response.text[:2000]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert served.store.count(bucket) == served.stored[bucket]
