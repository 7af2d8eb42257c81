"""Who someone is: their email address, compared so that two addresses never merge.

The admin app signs people in by the email Signon gives and the command line
grants buckets by email, so both compare addresses with this one rule:

* surrounding whitespace is dropped;
* the address must already be in Unicode normal form NFC. Not normalised
  for it: NFC itself maps some characters onto others (KELVIN SIGN ``K``
  becomes the letter ``K``), so normalising would let ``\\u212aelvin@...`` in as
  ``kelvin@...``; an address NFC would change is refused instead;
* only the ASCII letters ``A``-``Z`` are lower-cased. ``str.lower`` and
  ``casefold`` also map non-ASCII letters onto ASCII ones (KELVIN SIGN to
  ``k``, LONG S to ``s``), which would merge different addresses.
"""
import string
import unicodedata

MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class IdentityError(ValueError):
    """An address that cannot be compared safely; the message says why."""


def normalise_email(email):
    """The address Backdrop keeps and compares for ``email``, or ``IdentityError``."""
    if not isinstance(email, str) or not email.strip():
        raise IdentityError("no email address was given")
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH:
        raise IdentityError(f"the email address is longer than {MAX_EMAIL_LENGTH} characters")
    if not unicodedata.is_normalized("NFC", email):
        raise IdentityError(
            "the email address is not in Unicode normal form NFC, so it cannot be told "
            "apart safely from other addresses"
        )
    return email.translate(ASCII_LOWER)
