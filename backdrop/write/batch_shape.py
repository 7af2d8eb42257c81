"""A batch too big to parse, found before it is parsed.

Parsing builds every value of a body at once: two million ``{}`` in a
10 MiB body are 150 MB of dicts, only to be refused for holding more than
``max_batch_records``. Two byte counts (in C, a few milliseconds for 10 MiB)
say whether a body could hold more top-level elements or containers than a
batch may; only then are its tokens walked, without building any value, and
the walk stops at the first element past the limit (413) or the first
container nested inside a record, which no record may hold (400).
"""
import re

from ..errors import APIError

# A string (escapes and all) or one structural character; strings are skipped whole.
TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+"|[\[\]{},]')
OPENERS = frozenset(b"[{")
CLOSERS = frozenset(b"]}")
COMMA = ord(",")
ARRAY = ord("[")
QUOTE = ord('"')


def could_exceed(data, max_records):
    """False when the body cannot hold more than ``max_records`` elements or containers.

    Each element takes two bytes at least (``0,``), and so does each container
    (``{}``): a body no longer than twice the limit needs no counting.
    """
    if len(data) <= 2 * (max_records + 1):
        return False
    return (data.count(b",") >= max_records
            or data.count(b"[") + data.count(b"{") > max_records + 1)


def check_batch_shape(data, max_records):
    """413 for more than ``max_records`` records, 400 for a record holding a container.

    Cheap for ordinary batches (``could_exceed``); a body that is not JSON at
    all passes here and is refused by the parser.
    """
    if not could_exceed(data, max_records):
        return
    depth, top_is_array, elements = 0, False, 1
    for match in TOKEN.finditer(data):
        char = data[match.start()]
        if char == QUOTE:
            continue
        if char == COMMA:
            if depth == 1 and top_is_array:
                elements += 1
                if elements > max_records:
                    raise APIError(413, f"A batch may hold at most {max_records} records")
        elif char in OPENERS:
            depth += 1
            if depth == 1:
                top_is_array = char == ARRAY
            elif depth == 2 and top_is_array and char == ARRAY:
                raise APIError(400, f"record {elements - 1}: each record must be a JSON object",
                               index=elements - 1)
            elif depth > (2 if top_is_array else 1):
                where = f"record {elements - 1}: " if top_is_array else ""
                raise APIError(400, f"{where}values may not be objects or arrays")
        elif char in CLOSERS:
            depth -= 1
