"""Built-in upload filter ``first_sheet``: keep only a workbook's first sheet."""
from ..hookspecs import hookimpl
from ..uploads import UploadError, UploadFilter


class FirstSheet(UploadFilter):
    """Most uploads are one table on the first sheet; notes often live on others."""

    name = "first_sheet"

    def apply(self, sheets):
        if not sheets:
            raise UploadError("the file has no sheets")
        return sheets[:1]


@hookimpl
def backdrop_upload_filters():
    return [FirstSheet()]
