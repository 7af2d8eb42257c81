"""Headers every response of every role carries (SPEC 11), errors and redirects too.

``X-Content-Type-Options: nosniff`` always, so a browser never runs a JSON or
CSV answer as a page; ``Strict-Transport-Security`` and ``Referrer-Policy``
when settings ask for them (production.ini does). A tween, so that the error
views' answers get them as well as the views'.
"""

NOSNIFF = {"X-Content-Type-Options": "nosniff"}


def security_headers(settings):
    """The headers ``settings`` ask for, by name."""
    headers = dict(NOSNIFF)
    if settings["backdrop.hsts_max_age"] > 0:
        headers["Strict-Transport-Security"] = (
            f"max-age={settings['backdrop.hsts_max_age']}; includeSubDomains"
        )
    if settings["backdrop.referrer_policy"]:
        headers["Referrer-Policy"] = settings["backdrop.referrer_policy"]
    return headers


def security_headers_tween_factory(handler, registry):
    headers = security_headers(registry.settings)

    def security_headers_tween(request):
        response = handler(request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return security_headers_tween


def includeme(config):
    config.add_tween("backdrop.headers.security_headers_tween_factory")
