"""What the two stores' layout versions share: the refusal, and its one line."""


class LayoutError(SystemExit):
    """A store this Backdrop cannot use as it is: one line saying why."""


def newer_than_code(where, found, known):
    return LayoutError(
        f"backdrop: refusing to open {where}: its layout is version {found}, newer than the"
        f" version {known} this Backdrop knows; run the newer Backdrop that wrote it"
    )
