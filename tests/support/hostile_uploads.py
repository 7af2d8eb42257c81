"""Small files that describe big work: the uploads of the attack pass, built fresh.

Each builder returns the bytes of one file. ``xlsx_with_parts`` starts from a
real one-cell workbook written by openpyxl and swaps in hand-written parts,
so everything but the hostile part is what Excel readers expect.
"""
import io
import struct
import zipfile
from pathlib import Path

import openpyxl
from xlrd import compdoc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sparse_xlsx(far_cell):
    """Cells ``A1`` and ``far_cell`` only: a tiny file that declares a huge sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "name"
    sheet[far_cell] = "x"
    return _workbook_bytes(workbook)


def xlsx_with_parts(**parts):
    """A one-sheet workbook whose parts named by ``parts`` (path -> XML bytes) are replaced."""
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "name"
    original = zipfile.ZipFile(io.BytesIO(_workbook_bytes(workbook)))
    replaced = {name.replace("__", "/"): value for name, value in parts.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in original.infolist():
            archive.writestr(info.filename, replaced.pop(info.filename, None)
                             or original.read(info.filename))
        for name, value in replaced.items():
            archive.writestr(name, value)
    return buffer.getvalue()


def sheet_xml(rows_xml, dimension=None, before_rows=b""):
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + MAIN.encode() + b'">'
    if dimension:
        head += b'<dimension ref="' + dimension.encode() + b'"/>'
    return head + before_rows + b"<sheetData>" + rows_xml + b"</sheetData></worksheet>"


def xml_heavy_xlsx(megabytes=10):
    """About ``megabytes`` MB of sheet XML (one-cell rows, no dimension) in a few dozen KB."""
    row = b"<row><c><v>1</v></c></row>"
    return xlsx_with_parts(**{SHEET: sheet_xml(row * (megabytes * 1024 * 1024 // len(row)))})


def wide_row_xlsx(cells=1_000_000):
    """One row of ``cells`` cells without coordinates: openpyxl builds the row whole."""
    return xlsx_with_parts(**{SHEET: sheet_xml(b"<row>" + b"<c/>" * cells + b"</row>")})


def renamed_sheet_xlsx(cells=1_000_000):
    """``wide_row_xlsx`` with the sheet stored as ``sheet1.dat``: openpyxl follows the rels."""
    data = wide_row_xlsx(cells)
    original = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in original.infolist():
            content = original.read(info.filename)
            if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                content = content.replace(b"sheet1.xml", b"sheet1.dat")
            archive.writestr(info.filename.replace("sheet1.xml", "sheet1.dat"), content)
    return buffer.getvalue()


def far_row_xlsx():
    """No dimension, a header, then one cell a million rows down."""
    rows = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
            b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>')
    return xlsx_with_parts(**{SHEET: sheet_xml(rows)})


def many_shared_strings_xlsx(count=600_000):
    strings = b"<si><t>a</t></si>" * count
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN.encode()
           + b'" count="1" uniqueCount="1">' + strings + b"</sst>")
    return xlsx_with_parts(**{"xl/sharedStrings.xml": sst})


def huge_styles_xlsx(count=600_000):
    styles = (b'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="' + MAIN.encode()
              + b'"><cellXfs count="1">' + b'<xf numFmtId="0"/>' * count
              + b"</cellXfs></styleSheet>")
    return xlsx_with_parts(**{"xl/styles.xml": styles})


def deep_xlsx(depth=200_000):
    return xlsx_with_parts(**{SHEET: sheet_xml(b"<row><c>" + b"<x>" * depth + b"</x>" * depth
                                               + b"</c></row>")})


def many_attributes_xlsx(count=400_000):
    """One cell tag with ``count`` attributes: expat and ElementTree build them all at once."""
    attributes = b" ".join(b'a%d=""' % index for index in range(count))
    return xlsx_with_parts(**{SHEET: sheet_xml(b"<row><c " + attributes + b"/></row>")})


def long_text_xlsx(megabytes=30):
    """One inline string of ``megabytes`` MB: ElementTree builds it as one string."""
    text = b"a" * (megabytes * 1024 * 1024)
    return xlsx_with_parts(**{SHEET: sheet_xml(
        b'<row><c t="inlineStr"><is><t>' + text + b"</t></is></c></row>")})


def entity_bomb_xlsx():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10)
                       for i in range(8))
            + b']><worksheet xmlns="' + MAIN.encode() + b'"><sheetData><row><c t="inlineStr">'
            b"<is><t>&i;</t></is></c></row></sheetData></worksheet>")
    return xlsx_with_parts(**{SHEET: bomb})


def many_merged_cells_xlsx(count=400_000):
    merges = b"<mergeCells>" + b'<mergeCell ref="A1:B2"/>' * count + b"</mergeCells>"
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
    xml = sheet_xml(rows)
    return xlsx_with_parts(**{SHEET: xml.replace(b"</sheetData>", b"</sheetData>" + merges)})


def far_cell_xls():
    """The LPA fixture with one cell record moved to the last row and column a .xls has."""
    data = bytearray((FIXTURES / "LPA_MI_EXAMPLE.xls").read_bytes())
    memory, base, length = compdoc.CompDoc(bytes(data), logfile=io.StringIO()) \
        .locate_named_stream("Workbook")
    assert memory == bytes(data), "the fixture's workbook stream must be contiguous"
    position, substreams = base, 0
    while position + 4 <= base + length:
        kind, size = struct.unpack_from("<HH", data, position)
        if kind == 0x0809:
            substreams += 1
        if substreams >= 2 and kind in (0x0203, 0x027E, 0x00FD):  # a cell of the first sheet
            struct.pack_into("<HH", data, position + 4, 65535, 255)
            return bytes(data)
        position += 4 + size
    raise AssertionError("no cell record found")


def empty_lines_csv(size=999_000):
    return b"a\n" + b"\n" * (size - 2)


def wide_csv(columns=400_000):
    return b"a\n" + b"," * columns + b"\n"


def long_cell_csv(chars=100_000):
    return b"a\n" + b"x" * chars + b"\n"


def ragged_last_row_csv(rows=99_000):
    """A CSV of ``rows`` good rows, then one with a value too many: refused after all of them."""
    return b"a,b\n" + b"1,2\n" * rows + b"1,2,3\n"


def bad_last_record_csv(rows=90_000):
    """``rows`` good records for a custom bucket, then one whose ``_id`` has a space."""
    return b"_id,n\n" + b"".join(b"r%d,1\n" % index for index in range(rows)) + b"bad id,1\n"


def bad_last_record_xlsx(rows=5_000):
    """Like ``bad_last_record_csv``, as a workbook (openpyxl's write-only mode: no dimension)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["_id", "n"])
    for index in range(rows):
        sheet.append([f"r{index}", 1])
    sheet.append(["bad id", 1])
    return _workbook_bytes(workbook)
