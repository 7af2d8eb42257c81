"""The read role: query buckets (SPEC 3) and bucket freshness (SPEC 4)."""


def includeme(config):
    config.scan(__name__)
