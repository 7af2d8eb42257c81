"""Bearer tokens (SPEC 2.2 and 5): which of the three ways a request failed."""
import re

from .errors import APIError

BEARER = re.compile(r"\ABearer ([^\s]+)\Z")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def presented_token(request):
    """The token from ``Authorization: Bearer <token>``, or a 401 saying what is wrong."""
    header = request.headers.get("Authorization")
    if header is None:
        raise APIError(401, "Authorization header is missing", CHALLENGE)
    match = BEARER.match(header.strip())
    if match is None:
        raise APIError(401, "Authorization header must be of the form 'Bearer <token>'", CHALLENGE)
    return match.group(1)


def wrong_token(message="Bearer token is not valid for this bucket"):
    return APIError(401, message, CHALLENGE)
