"""From an uploaded file to prepared records: parse, filter, tabulate, validate.

Every step raises ``UploadError`` with a reason fit to show the uploader; the
caller stores nothing unless ``prepare_upload`` returns. Rows become records
under a CPU budget of their own (``backdrop.builtins.upload_budgets``), in
batches, so a file refused at its last row is refused quickly too.
"""
from ..builtins.upload_budgets import (
    CHECK_EVERY,
    RECORDS_CPU_SECONDS,
    TOO_SLOW_TO_CHECK,
    UploadBudget,
)
from ..records import RecordError, is_valid_key, prepare_batch
from ..uploads import UploadError

IGNORED_COLUMNS = ("comment",)
DEFAULT_FILTERS = ("first_sheet",)
GENERIC_CONTENT_TYPES = ("", "application/octet-stream")


def check_file_type(parser, filename, content_type):
    """Accept a file whose extension or declared content type the parser knows.

    Browsers label files inconsistently (a ``.csv`` is often
    ``application/vnd.ms-excel`` on Windows), so either one is enough.
    """
    extension = "." + filename.rsplit(".", 1)[1].lower() if "." in (filename or "") else ""
    content_type = (content_type or "").split(";")[0].strip().lower()
    if extension in parser.extensions or content_type in parser.content_types:
        return
    shown = content_type if content_type not in GENERIC_CONTENT_TYPES else "unknown"
    raise UploadError(
        f"unexpected content type ({shown}, file {filename or 'without a name'}): "
        f"this data set expects {parser.name} ({', '.join(parser.extensions)})"
    )


def apply_filters(sheets, filter_names, plugins):
    """Run the bucket's filters in order; exactly one sheet must remain."""
    for name in filter_names or DEFAULT_FILTERS:
        upload_filter = plugins.upload_filters.get(name)
        if upload_filter is None:
            raise UploadError(f"this data set uses an upload filter ({name}) that is not installed")
        sheets = upload_filter.apply(sheets)
    if len(sheets) != 1:
        raise UploadError(
            f"expected one sheet of data after the upload filters, found {len(sheets)}"
        )
    return sheets[0]


def _is_empty(row):
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def sheet_to_records(rows, budget=None):
    """The header row gives keys; returns ``(records, row_numbers)`` (1-based rows).

    Empty rows and the ``comment`` column are ignored; a row with more or
    fewer values than the header is refused. With a ``budget``, its clock is
    checked as rows go.
    """
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if not _is_empty(row)]
    if not numbered:
        raise UploadError("the file contains no data")
    header_number, header = numbered[0]
    keys = [str(cell).strip() if cell is not None else "" for cell in header]
    unnamed = [index for index, key in enumerate(keys) if not key]
    for index in unnamed:
        if any(index < len(row) and row[index] is not None for _, row in numbered[1:]):
            raise UploadError(f"column {index + 1} has values but no name in the header row")
    kept = [index for index, key in enumerate(keys) if key and key.lower() not in IGNORED_COLUMNS]
    for index in kept:
        if not is_valid_key(keys[index]):
            raise UploadError(
                f"the header (row {header_number}) names a field {keys[index]!r}: field names "
                "use only letters, digits and underscores, and do not start with a digit"
            )
    records, row_numbers = [], []
    for count, (number, row) in enumerate(numbered[1:], start=1):
        if budget is not None and count % CHECK_EVERY == 0:
            budget.check_time()
        if len(row) != len(keys):
            raise UploadError(
                f"row {number} has {len(row)} values but the header (row {header_number}) "
                f"has {len(keys)}"
            )
        records.append({keys[index]: row[index] for index in kept})
        row_numbers.append(number)
    if not records:
        raise UploadError("the file has a header row but no data rows")
    return records, row_numbers


def prepare_upload(data, filename, content_type, config, plugins, max_bytes):
    """Prepared records for ``config``'s bucket from an uploaded file, or ``UploadError``."""
    if len(data) >= max_bytes:
        raise UploadError(f"the file is too big: uploads must be smaller than {max_bytes:,} bytes")
    if not data:
        raise UploadError("the file is empty")
    upload_format = config.get("upload_format") or "csv"
    parser = plugins.upload_parsers.get(upload_format)
    if parser is None:
        raise UploadError(f"this data set's upload format ({upload_format}) is not installed")
    check_file_type(parser, filename, content_type)
    sheets = parser.parse(data)
    rows = apply_filters(sheets, config.get("upload_filters"), plugins)
    budget = UploadBudget(cpu_seconds=RECORDS_CPU_SECONDS, too_slow=TOO_SLOW_TO_CHECK)
    records, row_numbers = sheet_to_records(rows, budget)
    bucket_type = plugins.bucket_types.get(config["bucket_type"])
    if bucket_type is None:
        raise UploadError(f"this data set's type ({config['bucket_type']}) is not installed")
    prepared = []
    for start in range(0, len(records), CHECK_EVERY):
        budget.check_time()
        try:
            prepared += prepare_batch(records[start:start + CHECK_EVERY], config, bucket_type)
        except RecordError as error:
            raise UploadError(f"row {row_numbers[start + error.index]}: {error.reason}") from None
    return prepared
