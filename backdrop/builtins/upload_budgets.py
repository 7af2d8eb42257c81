"""Budgets an upload's parse may not pass: what a small file may make the server do.

A 1.5 KB ``.xlsx`` can describe a sheet of 17 billion cells, a 27 KB one can
hold 10 MB of XML, and a 1 MB CSV can be a million empty rows. So a parse
counts as it goes and stops, with an ``UploadError``, at the first budget
passed: the shape (rows, columns, cells once rows are padded to the widest),
the size of one cell, and the CPU time spent (the request thread's, so other
requests do not count). Limits on shape are checked against what a file
declares before the work is done, and again against what it holds.
"""
import time

from ..uploads import UploadError

MAX_ROWS = 100_000
MAX_COLUMNS = 1_000
MAX_CELLS = 100_000  # rows x columns, every sheet of a workbook together
MAX_CELL_CHARS = 32_767  # Excel's own limit on one cell
PARSE_CPU_SECONDS = 0.5  # reading the file into rows
RECORDS_CPU_SECONDS = 0.3  # rows into checked records
CHECK_EVERY = 256  # rows between two looks at the clock
TOO_SLOW_TO_READ = ("the file takes too long to read: split it into smaller files, "
                    "or save it as CSV, and try again")
TOO_SLOW_TO_CHECK = ("the file has too many rows to check in one upload: split it into "
                     "smaller files and try again")


class UploadBudget:
    """One upload's budget; the clock starts when it is made."""

    def __init__(self, cpu_seconds=PARSE_CPU_SECONDS, max_rows=MAX_ROWS,
                 max_columns=MAX_COLUMNS, max_cells=MAX_CELLS, too_slow=TOO_SLOW_TO_READ):
        self.cpu_seconds = cpu_seconds
        self.too_slow = too_slow
        self.max_rows = max_rows
        self.max_columns = max_columns
        self.max_cells = max_cells
        self.started = time.thread_time()
        self.cells = 0  # of the sheets already finished, padded
        self._rows = self._widest = 0  # of the sheet being read

    def check_time(self):
        if time.thread_time() - self.started > self.cpu_seconds:
            raise UploadError(self.too_slow)

    def check_shape(self, rows, columns, what="the sheet"):
        """Refuse a sheet of ``rows`` x ``columns`` (declared or found) over the budget."""
        if rows > self.max_rows:
            raise UploadError(f"{what} has {rows:,} rows: uploads may have at most "
                              f"{self.max_rows:,}")
        if columns > self.max_columns:
            raise UploadError(f"{what} has {columns:,} columns: uploads may have at most "
                              f"{self.max_columns:,}")
        if self.cells + rows * columns > self.max_cells:
            raise UploadError(
                f"{what} has {rows * columns:,} cells once its rows are made the same length "
                f"({rows:,} rows of {columns:,}): uploads may have at most {self.max_cells:,}"
            )

    def check_sheets(self, shapes):
        """Refuse sheets of ``(rows, columns)`` a file holds, before they are read."""
        total = 0
        for rows, columns in shapes:
            self.check_shape(rows, columns)
            total += rows * columns
        if total > self.max_cells:
            raise UploadError(f"the workbook has {total:,} cells once rows are made the same "
                              f"length: uploads may have at most {self.max_cells:,}")

    def add_row(self, width):
        """Count one more row, of ``width`` cells, of the sheet being read."""
        self._rows += 1
        self._widest = max(self._widest, width)
        self.check_shape(self._rows, self._widest)
        if self._rows % CHECK_EVERY == 0:
            self.check_time()

    def end_sheet(self):
        self.cells += self._rows * self._widest
        self._rows = self._widest = 0
        self.check_time()


def check_cell(value, row_number):
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise UploadError(f"row {row_number:,} has a value of {len(value):,} characters: "
                          f"a value may have at most {MAX_CELL_CHARS:,}")
