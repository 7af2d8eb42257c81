"""Upload filter ``wide_to_long``: one column per metric -> one row per date and metric.

Spreadsheets kept by hand are usually *wide*: a date column, then one column
per measure (``visits``, ``sign_ups``, ...). Dashboards group and sum better
over *long* data: one record per date and measure. This filter reshapes each
sheet:

* the first column, and every column whose name starts with ``_`` (such as
  ``_end_at``), identify the row and are copied onto each new row;
* a ``comment`` column is dropped;
* every other column is a metric: its header becomes the ``metric`` value and
  its cell the ``value`` (numbers written as text, like ``"1,234"``, become
  numbers); an empty cell is a gap, not a zero, so it makes no row.
"""
import re

from backdrop import hookimpl
from backdrop.uploads import UploadError, UploadFilter

NUMBER = re.compile(r"\A[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\Z")
DROPPED = ("comment",)


def as_number(value):
    """``"1,234"`` -> 1234 and ``"2.5"`` -> 2.5; anything else unchanged."""
    if not isinstance(value, str) or not NUMBER.match(value.strip()):
        return value
    text = value.strip().replace(",", "")
    return float(text) if "." in text else int(text)


def _is_empty(row):
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


class WideToLong(UploadFilter):
    name = "wide_to_long"
    metric_key = "metric"
    value_key = "value"

    def apply(self, sheets):
        return [self.reshape(rows) for rows in sheets]

    def reshape(self, rows):
        rows = [row for row in rows if not _is_empty(row)]
        if not rows:
            return []
        header = ["" if cell is None else str(cell).strip() for cell in rows[0]]
        if not header[0]:
            raise UploadError("wide_to_long: the first column needs a name (e.g. _timestamp)")
        kept = [0] + [i for i, name in enumerate(header) if i and name.startswith("_")]
        metrics = [
            i for i, name in enumerate(header)
            if i not in kept and name and name.lower() not in DROPPED
        ]
        if not metrics:
            raise UploadError("wide_to_long: the sheet has no metric columns to reshape")
        clash = {self.metric_key, self.value_key} & {header[i] for i in kept}
        if clash:
            raise UploadError(f"wide_to_long: a column is already named {sorted(clash)[0]}")
        long_rows = [[header[i] for i in kept] + [self.metric_key, self.value_key]]
        for number, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                raise UploadError(
                    f"wide_to_long: row {number} has {len(row)} values "
                    f"but the header has {len(header)}"
                )
            identity = [row[i] for i in kept]
            for i in metrics:
                value = row[i]
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                long_rows.append(identity + [header[i], as_number(value)])
        return long_rows


@hookimpl
def backdrop_upload_filters():
    return [WideToLong()]
