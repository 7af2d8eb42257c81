"""``backdrop import|export INI BUCKET FILE``: move records in and out in bulk.

Imports are batched and each batch is stored atomically; when a record is
rejected the command stops and says which line to resume from
(``--start-line``), so nothing is stored twice.
"""
import csv
import json
import sys
from itertools import islice

from tqdm import tqdm

from ..csv_output import write_csv
from ..query import Query
from ..records import RecordError, format_datetime, prepare_batch
from ..store.errors import RecordsRefused
from . import add_command


class LineError(Exception):
    """A line that cannot become a record at all."""

    def __init__(self, number, reason):
        super().__init__(reason)
        self.number = number
        self.reason = reason


def _numbered_records(path, kind):
    """``(line number, record)`` pairs; for a JSON array the number is the record's position."""
    if kind == "json":
        with open(path, encoding="utf-8") as handle:
            try:
                body = json.load(handle)
            except ValueError as error:
                raise LineError(1, f"not JSON: {error}") from None
        for number, record in enumerate(body if isinstance(body, list) else [body], start=1):
            yield number, record
    elif kind == "ndjson":
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except ValueError as error:
                        raise LineError(number, f"not JSON: {error}") from None
    else:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            for number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise LineError(number, f"{len(row)} values but the header has {len(header)}")
                cells = zip(header, row, strict=True)
                yield number, {key: (value if value != "" else None) for key, value in cells}


def _kind(args):
    if args.format:
        return args.format
    for suffix, kind in ((".ndjson", "ndjson"), (".jsonl", "ndjson"), (".csv", "csv")):
        if args.file.endswith(suffix):
            return kind
    return "json"


def import_records(args, env):
    config = env.store.get_bucket(args.bucket)
    if config is None:
        print(f'backdrop: No data set exists with name "{args.bucket}"', file=sys.stderr)
        return 1
    bucket_type = env.plugins.bucket_types[config["bucket_type"]]
    capped_size = config.get("capped_size") if bucket_type.capped else None
    records = (
        pair for pair in _numbered_records(args.file, _kind(args)) if pair[0] >= args.start_line
    )
    stored, resume_at = 0, args.start_line
    with tqdm(desc=f"import {args.bucket}", unit=" records", disable=args.quiet) as progress:
        try:
            while batch := list(islice(records, args.batch_size)):
                numbers = [number for number, _ in batch]
                resume_at = numbers[0]  # a refused batch is stored not at all, so resume at its start
                try:
                    prepared = prepare_batch([record for _, record in batch], config, bucket_type)
                except RecordError as error:
                    raise LineError(numbers[error.index], error.reason) from None
                try:
                    stored += env.store.insert(args.bucket, prepared, capped_size=capped_size)
                except RecordsRefused as error:
                    raise LineError(numbers[0], str(error)) from None
                progress.update(len(batch))
        except LineError as error:
            progress.close()
            resume_at = min(resume_at, error.number)
            print(
                f"backdrop: line {error.number}: {error.reason}\n{stored} records stored"
                f" (lines before {resume_at}); fix line {error.number} and resume with"
                f" --start-line {resume_at}",
                file=sys.stderr,
            )
            return 1
    print(f"Stored {stored} records in {args.bucket}")
    return 0


def _exportable(record):
    return {
        key: format_datetime(value) if hasattr(value, "astimezone") else value
        for key, value in record.items()
    }


def export_records(args, env):
    if env.store.get_bucket(args.bucket) is None:
        print(f'backdrop: No data set exists with name "{args.bucket}"', file=sys.stderr)
        return 1
    records = [_exportable(record) for record in env.store.raw(args.bucket, Query())]
    output = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        if args.format == "csv":
            write_csv(output, sorted({key for record in records for key in record}), records)
        else:
            for record in records:
                output.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if args.output:
            output.close()
    return 0


def register(subparsers):
    command = add_command(subparsers, "import", import_records, "import records from a file")
    command.add_argument("bucket")
    command.add_argument("file")
    command.add_argument("--format", choices=("json", "ndjson", "csv"))
    command.add_argument("--batch-size", type=int, default=1000)
    command.add_argument("--start-line", type=int, default=1, help="skip lines before this one")
    command.add_argument("--quiet", action="store_true", help="no progress bar")
    command = add_command(subparsers, "export", export_records, "export a bucket's records")
    command.add_argument("bucket")
    command.add_argument("--format", choices=("ndjson", "csv"), default="ndjson")
    command.add_argument("--output", help="file to write (default: standard output)")
