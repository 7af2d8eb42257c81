"""The built-in upload parsers and filter, found through the plugin registry."""
import pytest

from backdrop.admin.sheets import sheet_to_records
from backdrop.uploads import UploadError


def parse(plugins, name, data):
    return plugins.upload_parsers[name].parse(data)


def test_builtins_register_through_the_hooks(plugins):
    assert {"csv", "excel"} <= set(plugins.upload_parsers)
    assert "first_sheet" in plugins.upload_filters


def test_csv_header_and_values(plugins):
    sheets = parse(plugins, "csv", b"name,count\nx,1\ny,\n")
    assert sheets == [[["name", "count"], ["x", "1"], ["y", None]]]


def test_csv_comment_lines_become_empty_rows(plugins):
    sheets = parse(plugins, "csv", b"# about this file\na,b\n#,ignored\n1,2\n")
    assert sheets == [[[], ["a", "b"], [], ["1", "2"]]]


def test_csv_quoted_fields_and_byte_order_mark(plugins):
    data = '\ufeffa,b\n"x, y","line\nbreak"\n'.encode()
    assert parse(plugins, "csv", data) == [[["a", "b"], ["x, y", "line\nbreak"]]]


def test_csv_that_is_not_utf8_is_refused(plugins, fixture_path):
    with pytest.raises(UploadError, match="not UTF-8"):
        parse(plugins, "csv", fixture_path("bad-characters.csv").read_bytes())


def test_csv_with_nul_bytes_is_refused(plugins):
    with pytest.raises(UploadError, match="NUL"):
        parse(plugins, "csv", b"a,b\n1,\x002\n")


def test_xlsx_numbers_stay_numbers(plugins, fixture_path):
    [sheet] = parse(plugins, "excel", fixture_path("data.xlsx").read_bytes())
    assert sheet == [["name", "age", "nationality"], ["Pawel", 27, "Polish"], ["Max", 35, "Italian"]]
    assert type(sheet[1][1]) is int


def test_xlsx_dates_become_iso_utc(plugins, fixture_path):
    [sheet] = parse(plugins, "excel", fixture_path("dates.xlsx").read_bytes())
    assert sheet == [["date"], ["2013-12-03T13:30:00+00:00"], ["2013-12-04T00:00:00+00:00"]]


def test_xlsx_empty_cells_are_null(plugins, fixture_path):
    [sheet] = parse(plugins, "excel", fixture_path("empty_cell_and_row.xlsx").read_bytes())
    assert sheet == [
        ["Next cell is none", None, "Previous cell is none"],
        [None, None, None],
        ["The above row", "is full", "of nones"],
    ]


def test_xlsx_error_cells_are_null(plugins, fixture_path):
    [sheet] = parse(plugins, "excel", fixture_path("error.xlsx").read_bytes())
    assert sheet[1] == ["2013-12-03T13:30:00+00:00", "test1", 12, None]


def test_xlsx_keeps_every_sheet(plugins, fixture_path):
    sheets = parse(plugins, "excel", fixture_path("multiple_sheets.xlsx").read_bytes())
    assert sheets == [
        [["Sheet 1 content"], ["Nothing exciting"]],
        [["Sheet 2 content", None], ["Sheet Name", "Sheet Index"], ["First", 0], ["Second", 1]],
    ]


def test_legacy_xls(plugins, fixture_path):
    [sheet] = parse(plugins, "excel", fixture_path("xlsfile.xls").read_bytes())
    assert sheet == [
        ["date", "name", "number"],
        ["2013-12-03T13:30:00+00:00", "test1", 12],
        ["2013-12-04T00:00:00+00:00", "test2", 34],
    ]


def test_excel_parser_refuses_other_files(plugins):
    with pytest.raises(UploadError, match="not an Excel workbook"):
        parse(plugins, "excel", b"a,b\n1,2\n")
    with pytest.raises(UploadError, match="could not be read"):
        parse(plugins, "excel", b"PK\x03\x04 truncated zip")


def test_first_sheet(plugins, fixture_path):
    sheets = parse(plugins, "excel", fixture_path("multiple_sheets.xlsx").read_bytes())
    assert plugins.upload_filters["first_sheet"].apply(sheets) == sheets[:1]
    with pytest.raises(UploadError):
        plugins.upload_filters["first_sheet"].apply([])


def test_rows_become_records_without_comment_column_or_empty_rows():
    rows = [["a", "comment", "b"], ["1", "note", "2"], [None, None, None], ["3", None, None]]
    records, numbers = sheet_to_records(rows)
    assert records == [{"a": "1", "b": "2"}, {"a": "3", "b": None}]
    assert numbers == [2, 4]


def test_ragged_rows_are_refused():
    with pytest.raises(UploadError, match="row 3 has 3 values but the header"):
        sheet_to_records([["a", "b"], ["1", "2"], ["1", "2", "3"]])
    with pytest.raises(UploadError, match="row 2 has 1 values"):
        sheet_to_records([["a", "b"], ["1"]])


def test_unnamed_column_with_values_is_refused():
    with pytest.raises(UploadError, match="column 2 has values but no name"):
        sheet_to_records([["a", None], ["1", "2"]])
    assert sheet_to_records([["a", None], ["1", None]])[0] == [{"a": "1"}]
