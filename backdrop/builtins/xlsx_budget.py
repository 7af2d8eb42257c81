"""An ``.xlsx`` made safe to hand to openpyxl: scanned, and read under the clock.

openpyxl builds each row, each shared string and each whole part such as
``styles.xml`` as an element tree before we see it, and reads
``sharedStrings.xml`` and ``styles.xml`` whole when it opens a workbook. So
before openpyxl starts, every part is inflated (the zip's declared sizes
bound that) and scanned by expat, counting only: no DTDs or entities
(defusedxml's rule), bounded nesting, bounded elements in each tree openpyxl
would build, and bounded tags and text runs. The inflated parts go into a zip that stores them
uncompressed, which openpyxl then reads through ``BudgetedFile``: every read
of at most a few KB of XML looks at the clock, so a parse stops within
milliseconds of its CPU budget wherever the time goes.
"""
import io
import tempfile
import zipfile
from xml.parsers import expat

from ..uploads import UploadError

MAX_INFLATED_BYTES = 100 * 1024 * 1024  # the whole workbook, uncompressed
MAX_DEPTH = 32
MAX_TREE_ELEMENTS = 50_000  # one element tree openpyxl builds (a part, or one record)
MAX_ROW_ELEMENTS = 8_000  # one <row>: up to 1,000 cells of a few elements each
MAX_TAG_BYTES = 256 * 1024  # one tag, comment or instruction (expat holds it whole)
MAX_TEXT_CHARS = 100_000  # one run of text (Excel keeps at most 32,767 in a cell)
CHUNK = 64 * 1024
SPOOL_BYTES = 4 * 1024 * 1024  # more than this goes to a temporary file, not memory
# Parts openpyxl streams, and the depth of the records it builds one at a time.
STREAMED = {"sharedStrings.xml": 2}
ROWS_PARENT = "sheetData"


def budgeted_workbook(data, budget):
    """A file object for ``openpyxl.load_workbook`` holding ``data``'s parts, scanned."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_INFLATED_BYTES:
            raise UploadError("the workbook is too large once uncompressed")
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        try:
            with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as stored:
                for info in infos:
                    _copy_part(archive, info, stored, budget)
        except BaseException:
            copy.close()
            raise
    copy.seek(0)
    return BudgetedFile(copy, budget)


def _looks_like_xml(name, head):
    """Scan a part unless it cannot be XML: openpyxl finds parts by the names the
    workbook gives them, so a worksheet need not end in ``.xml``. Legacy VML
    drawings are left alone: they are often not well-formed, and openpyxl's
    read-only mode does not read them."""
    if name.endswith(".vml"):
        return False
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"<")
    )


def _copy_part(archive, info, stored, budget):
    scanner = None
    with archive.open(info) as source, stored.open(info.filename, "w") as target:
        while chunk := source.read(CHUNK):
            budget.check_time()
            if scanner is None:
                scanner = _Scanner(info.filename) if _looks_like_xml(info.filename, chunk) else False
            if scanner:
                scanner.feed(chunk)
            target.write(chunk)
    if scanner:
        scanner.feed(b"", final=True)


class _Scanner:
    """Counts one XML part's elements as expat meets them; refuses what openpyxl should not build."""

    def __init__(self, name):
        self.name = name
        base = name.rsplit("/", 1)[-1]
        self.worksheet = "/worksheets/" in name
        self.record_depth = STREAMED.get(base)  # None: the whole part is one tree
        self.depth = 0
        self.tree = 0  # elements of the tree being counted
        self.in_rows = False
        self.fed = self.seen = 0  # bytes given to expat; where its last event began
        self.text = 0  # characters of the text run being read
        parser = self.parser = expat.ParserCreate()
        parser.ordered_attributes = True  # a list, not a dict, for each tag's attributes
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.CommentHandler = parser.ProcessingInstructionHandler = self._other
        parser.StartDoctypeDeclHandler = self._forbidden
        parser.EntityDeclHandler = self._forbidden

    def feed(self, chunk, final=False):
        """Parse ``chunk``; a tag still open after ``MAX_TAG_BYTES`` is refused before
        expat (and the tree builders after it) would hold more of it."""
        if self.fed - self.seen > MAX_TAG_BYTES:
            self._refuse(f"a tag longer than {MAX_TAG_BYTES:,} bytes")
        self.fed += len(chunk)
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError:
            raise UploadError("the Excel file could not be read; is it a damaged .xlsx?") from None

    def _event(self):
        self.seen = self.parser.CurrentByteIndex

    def _text(self, data):
        self._event()
        self.text += len(data)
        if self.text > MAX_TEXT_CHARS:
            self._refuse(f"a value longer than {MAX_TEXT_CHARS:,} characters")

    def _other(self, *args):
        self._event()
        self.text = 0

    def _forbidden(self, *args):
        raise UploadError(f"the workbook's {self.name} declares a DTD or entities, "
                          "which spreadsheets do not need")

    def _refuse(self, what):
        raise UploadError(f"the workbook's {self.name} is too complex to read ({what})")

    def _start(self, name, attributes):
        self._event()
        self.text = 0
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self._refuse(f"elements nested more than {MAX_DEPTH} deep")
        limit, what = MAX_TREE_ELEMENTS, "part"
        if self.worksheet:
            if self.depth == 2:  # each child of <worksheet> is built on its own...
                self.in_rows = name.rsplit(":", 1)[-1] == ROWS_PARENT
                self.tree = 0
            elif self.in_rows and self.depth == 3:  # ...and in <sheetData>, each row
                self.tree = 0
            if self.in_rows:
                limit, what = MAX_ROW_ELEMENTS, "row"
        elif self.record_depth is not None and self.depth == self.record_depth:
            self.tree = 0
        self.tree += 1
        if self.tree > limit:
            self._refuse(f"more than {limit:,} elements in one {what}")

    def _end(self, name):
        self._event()
        self.text = 0
        self.depth -= 1
        if self.worksheet and self.depth == 1:
            self.in_rows = False


class BudgetedFile:
    """A seekable file whose every read first checks the upload's CPU budget."""

    def __init__(self, file, budget):
        self._file = file
        self._budget = budget

    def read(self, size=-1):
        self._budget.check_time()
        return self._file.read(size)

    def seek(self, *args):
        return self._file.seek(*args)

    def tell(self):
        return self._file.tell()

    def seekable(self):
        return True

    def close(self):
        self._file.close()
