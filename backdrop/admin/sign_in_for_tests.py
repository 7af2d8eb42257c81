"""``/_test/sign-in``: sign in without a provider, for tests only.

Scanned only when ``backdrop.test_sign_in`` is true (never in production.ini).
``?email=...&name=...`` signs that person in; they upload only to the
buckets the store grants them, like anyone else. ``&admin=true`` signs them in
as if Signon had given them the ``admin`` permission.
"""
from pyramid.view import view_config

from .auth import sign_in
from .pages import admin_headers


@view_config(route_name="admin.test_sign_in", request_method="GET", decorator=admin_headers)
def sign_in_for_tests(request):
    email = request.GET.get("email", "test@example.com")
    return sign_in(request, email, request.GET.get("name", email),
                   admin=request.GET.get("admin") == "true")
