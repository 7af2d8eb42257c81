"""Admin uploads show up in ``/_metrics`` by bucket and outcome."""
import pytest

from tests.support.metrics import METRICS_SETTINGS, scrape, value


@pytest.fixture
def settings(settings):
    return {**settings, **METRICS_SETTINGS}


def test_uploads_are_counted_stored_or_refused(app, make_bucket, sign_in, upload):
    make_bucket("foo", bucket_type="custom")
    sign_in("foo")
    upload("foo", "data.csv", b"name,size\nrex,12\n")
    upload("foo", "data.csv", b"", status=400)
    samples = scrape(app)
    assert value(samples, "backdrop_uploads_total", bucket="foo", outcome="stored") == 1
    assert value(samples, "backdrop_uploads_total", bucket="foo", outcome="refused") == 1
