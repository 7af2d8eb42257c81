"""CSV that is safe to open in a spreadsheet: the read API's ``format=csv`` and the CLI export.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a formula to Excel, LibreOffice and Google Sheets, so a record
value like ``=HYPERLINK(...)`` would run on a dashboard user's machine. As
OWASP recommends (CSV injection), such strings are written with a leading
``'``, which spreadsheets show as text. Only strings: numbers (``-5``) are
written as numbers. JSON answers stay exact; only CSV is changed.
"""
import csv
import io
import json

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text):
    """``text``, with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value):
    """One JSON value as a CSV cell."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return value


def write_csv(out, header, rows):
    """Write a header row, then each row (a dict) in the header's order, to ``out``."""
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(key) for key in header])
    for row in rows:
        writer.writerow([csv_cell(row.get(key)) for key in header])


def csv_text(rows):
    """Rows as CSV; the header is every key in order of first appearance."""
    header = list(dict.fromkeys(key for row in rows for key in row))
    if not header:
        return ""
    out = io.StringIO()
    write_csv(out, header, rows)
    return out.getvalue()
