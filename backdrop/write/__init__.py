"""The write role: append and replace records (SPEC 2), manage data sets (SPEC 5)."""


def includeme(config):
    config.scan(__name__)
