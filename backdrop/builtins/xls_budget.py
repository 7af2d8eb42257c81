"""The sheets a legacy ``.xls`` holds, counted from its cell records before xlrd reads it.

xlrd gives no way to stop part-way, and builds each sheet as rows from the
first to the last one holding a cell, each as long as its last cell. A
``.xls`` of a few hundred KB can so make it build millions of cells. This
walks the workbook stream's records (each a 2-byte type and a 2-byte length)
and notes, per sheet, the last row and column any cell record names.
"""
import io
import struct

from xlrd import compdoc

from ..uploads import UploadError

BOF_RECORDS = {0x0809, 0x0409, 0x0209, 0x0009}  # a new substream: the globals, then a sheet each
# BLANK, BOOLERR, FORMULA, LABEL, LABELSST, NUMBER, RK, RSTRING and BIFF3/4 FORMULA:
# each starts with its cell's row and column.
CELL_RECORDS = {0x0201, 0x0205, 0x0006, 0x0204, 0x00FD, 0x0203, 0x027E, 0x00D6, 0x0206, 0x0406}
# MULBLANK and MULRK: a row, a first column, ..., and the last column in their last two bytes.
MULTI_CELL_RECORDS = {0x00BE, 0x00BD}
CHECK_EVERY = 4096  # records between two looks at the clock


def _workbook_stream(data):
    document = compdoc.CompDoc(data, logfile=io.StringIO())
    for name in ("Workbook", "Book"):
        memory, base, length = document.locate_named_stream(name)
        if memory is not None:
            return memory, base, length
    raise UploadError("the Excel file could not be read; is it a damaged .xls?")


def xls_sheet_shapes(data, budget):
    """``[(rows, columns), ...]``: how big xlrd would make each sheet of ``data``."""
    memory, position, length = _workbook_stream(data)
    end = position + length
    shapes = {}
    substream = records = 0
    while position + 4 <= end:
        kind, size = struct.unpack_from("<HH", memory, position)
        body, position = position + 4, position + 4 + size
        records += 1
        if records % CHECK_EVERY == 0:
            budget.check_time()
        if kind in BOF_RECORDS:
            substream += 1
            continue
        if kind in CELL_RECORDS and size >= 4:
            row, last = struct.unpack_from("<HH", memory, body)
        elif kind in MULTI_CELL_RECORDS and size >= 6:
            row = struct.unpack_from("<H", memory, body)[0]
            last = struct.unpack_from("<H", memory, body + size - 2)[0]
        else:
            continue
        shape = shapes.setdefault(substream, [0, 0])
        shape[0], shape[1] = max(shape[0], row + 1), max(shape[1], last + 1)
    return [tuple(shape) for shape in shapes.values()]
