"""Upload forms parsed by ``multipart``, not by WebOb's ``cgi``-based parser.

WebOb reads a ``multipart/form-data`` body line by line in Python: a 1 MB
file of empty lines cost over a second of CPU before any view (the CSRF
check reads the form) ran. ``multipart`` scans the body in 64 KB blocks for
the boundary, and holds the file in memory up to the upload limit, on disk
beyond. The admin role's requests use it for every multipart body; other
bodies are WebOb's as before.
"""
import logging

from multipart import MultipartError, parse_form_data
from pyramid.request import Request
from webob.multidict import MultiDict

log = logging.getLogger(__name__)
PARSED = "backdrop.admin.form"
MAX_PARTS = 16  # our forms have two fields


class UploadedFile:
    """A file field as views read it: ``file``, ``filename`` and ``type``."""

    def __init__(self, part):
        self.file = part.file
        self.filename = part.filename
        self.type = part.content_type


class AdminRequest(Request):
    @property
    def POST(self):
        if self.method != "POST" or self.content_type != "multipart/form-data":
            return super().POST
        if PARSED not in self.environ:
            self.environ[PARSED] = self._parse_multipart()
        return self.environ[PARSED]

    def _parse_multipart(self):
        fields = MultiDict()
        memory = self.registry.settings["backdrop.upload_max_bytes"] + 64 * 1024
        try:
            forms, files = parse_form_data(
                self.environ, strict=True, part_limit=MAX_PARTS,
                memfile_limit=memory, spool_limit=64 * 1024, memory_limit=memory,
            )
        except MultipartError as error:
            log.info("unreadable form body: %s", error)
            return fields  # no CSRF token either: the form's own error page says so
        for name, value in forms.iterallitems():
            fields.add(name, value)
        for name, part in files.iterallitems():
            fields.add(name, UploadedFile(part))
        return fields
