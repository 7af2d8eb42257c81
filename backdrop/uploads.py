"""What upload parsers and filters are; built-ins live in ``backdrop.builtins``."""


class UploadError(Exception):
    """A reason, fit to show a user, why an upload was rejected."""


class UploadParser:
    """Turns an uploaded file's bytes into sheets of rows."""

    name = None
    content_types = ()
    extensions = ()

    def parse(self, data):
        raise NotImplementedError


class UploadFilter:
    """Transforms parsed sheets before they become records."""

    name = None

    def apply(self, sheets):
        raise NotImplementedError
