"""Fixtures for the write-API tests: the write role alone, on a real SQLite file."""
import pytest

from .helpers import bearer, event


@pytest.fixture
def settings(settings):
    """Run the write role on its own, as ``ini/write.ini`` does."""
    return {**settings, "backdrop.roles": "write"}


@pytest.fixture
def seeded(app, make_bucket):
    """An events bucket ``seeded`` (also ``/data/grp/kind``) holding two records.

    Rejected requests must leave these two records exactly as they are.
    Returns the bucket's bearer token.
    """
    token = make_bucket("seeded", data_group="grp", data_type="kind")
    app.post_json(
        "/seeded",
        [event(_id="one", n=1), event(_id="two", n=2, _timestamp="2014-01-03T00:00:00Z")],
        headers=bearer(token),
    )
    return token
