"""The admin role: sign-in, home page and uploads (SPEC 6)."""


def includeme(config):
    config.scan(__name__)
