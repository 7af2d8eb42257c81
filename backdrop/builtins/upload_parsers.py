"""Built-in upload parsers: ``csv`` and ``excel`` (``.xlsx`` and legacy ``.xls``).

Each turns an uploaded file's bytes into sheets of rows of JSON-ready cell
values. Cleaning rows into records (header, ``comment`` column, empty rows)
happens later, in ``backdrop.admin.sheets``, the same for every format.
"""
import csv
import io
from datetime import date, datetime, time

from ..hookspecs import hookimpl
from ..periods import to_utc
from ..records import format_datetime
from ..uploads import UploadError, UploadParser
from .upload_budgets import MAX_CELL_CHARS, UploadBudget, check_cell
from .xls_budget import xls_sheet_shapes
from .xlsx_budget import budgeted_workbook

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class CSVParser(UploadParser):
    """UTF-8 CSV; lines starting with ``#`` are comments; empty cells become null.

    Comment lines are kept as empty rows so that row numbers in error
    messages still match the file's lines. Rows, columns and the size of a
    value are held to the upload budgets.
    """

    name = "csv"
    content_types = ("text/csv", "text/plain", "application/csv", "text/comma-separated-values")
    extensions = (".csv", ".txt")

    def parse(self, data):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UploadError(
                f"the file is not UTF-8 text (byte {error.start + 1} cannot be read); "
                "save it as \"CSV UTF-8\" and try again"
            ) from None
        if "\x00" in text:
            raise UploadError("the file contains NUL characters; it does not look like a CSV file")
        budget = UploadBudget()
        rows = []
        try:
            for row in csv.reader(io.StringIO(text, newline="")):
                budget.add_row(len(row))
                if row and row[0].lstrip().startswith("#"):
                    rows.append([])
                    continue
                if row and max(map(len, row)) > MAX_CELL_CHARS:
                    check_cell(max(row, key=len), len(rows) + 1)
                rows.append([cell if cell != "" else None for cell in row])
        except csv.Error as error:
            raise UploadError(f"the CSV could not be read: {error}") from None
        budget.end_sheet()
        return [rows]


class ExcelParser(UploadParser):
    """Excel workbooks, one sheet per worksheet.

    Dates become ISO 8601 UTC strings, integral numbers become ints, other
    numbers floats, and empty or error cells null.
    """

    name = "excel"
    content_types = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "application/x-excel",
        "application/excel",
    )
    extensions = (".xlsx", ".xls")

    def parse(self, data):
        if data.startswith(XLSX_MAGIC):
            return _parse_xlsx(data)
        if data.startswith(XLS_MAGIC):
            return _parse_xls(data)
        raise UploadError("the file is not an Excel workbook (.xlsx or .xls)")


def _number(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _cell_value(value):
    """A Python cell value from openpyxl as a JSON-ready value."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return format_datetime(to_utc(value))
    if isinstance(value, date):
        return format_datetime(to_utc(datetime.combine(value, time())))
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return value if value != "" else None
    return str(value)


def _parse_xlsx(data):
    """openpyxl's read-only streaming, on a scanned copy read under the clock.

    openpyxl and xlrd are imported when a spreadsheet arrives: a read or write
    process never needs them.

    A sheet's declared dimension is checked before its rows are read; then
    the dimension is dropped (it may be wrong, and openpyxl would cut the
    sheet to it) and each row is counted as it streams.
    """
    budget = UploadBudget()
    try:
        source = budgeted_workbook(data, budget)
        try:
            import openpyxl

            workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except BaseException:
            source.close()
            raise
    except UploadError:
        raise
    except Exception:  # zipfile and openpyxl raise many kinds for a damaged file
        raise UploadError("the Excel file could not be read; is it a damaged .xlsx?") from None
    try:
        sheets = []
        for worksheet in workbook.worksheets:
            if worksheet.max_row and worksheet.max_column:
                budget.check_shape(worksheet.max_row, worksheet.max_column,
                                   f"the sheet {worksheet.title!r}")
            worksheet.reset_dimensions()
            rows = []
            for cells in worksheet.iter_rows():
                budget.add_row(len(cells))
                rows.append([
                    None if getattr(cell, "data_type", None) == "e" else _cell_value(cell.value)
                    for cell in cells
                ])
            budget.end_sheet()
            sheets.append(_pad(rows))
        return sheets
    except UploadError:
        raise
    except Exception:
        raise UploadError("the Excel file could not be read; is it a damaged .xlsx?") from None
    finally:
        workbook.close()
        source.close()


def _parse_xls(data):
    """xlrd, once a scan of the file's cell records shows its sheets fit the budget.

    xlrd builds every sheet in memory, padded from the first row and column
    to the last cell, so the cells a file holds are counted before xlrd runs.
    """
    budget = UploadBudget()
    try:
        shapes = xls_sheet_shapes(data, budget)
    except UploadError:
        raise
    except Exception:
        raise UploadError("the Excel file could not be read; is it a damaged .xls?") from None
    budget.check_sheets(shapes)
    try:
        import xlrd

        workbook = xlrd.open_workbook(file_contents=data, ragged_rows=True)
    except Exception:  # xlrd raises many kinds for a damaged file
        raise UploadError("the Excel file could not be read; is it a damaged .xls?") from None
    sheets = []
    for sheet in workbook.sheets():
        rows = []
        for index in range(sheet.nrows):
            cells = sheet.row(index)
            budget.add_row(len(cells))
            rows.append([_xls_value(cell, workbook.datemode) for cell in cells])
        budget.end_sheet()
        sheets.append(_pad(rows))
    return sheets


def _xls_value(cell, datemode):
    import xlrd

    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if kind == xlrd.XL_CELL_DATE:
        try:
            return format_datetime(to_utc(xlrd.xldate.xldate_as_datetime(cell.value, datemode)))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return None
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if kind == xlrd.XL_CELL_NUMBER:
        return _number(cell.value)
    return cell.value if cell.value != "" else None


def _pad(rows):
    """Spreadsheets are rectangular: pad short rows with nulls to the widest."""
    width = max((len(row) for row in rows), default=0)
    return [row + [None] * (width - len(row)) for row in rows]


@hookimpl
def backdrop_upload_parsers():
    return [CSVParser(), ExcelParser()]
