"""``admin_page=True``: a view predicate matching requests for admin routes.

Lets the admin role answer its own failures with an HTML page while the APIs
in the same process keep their JSON errors.
"""


class AdminPagePredicate:
    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"admin_page = {self.value}"

    phash = text

    def __call__(self, context, request):
        route = request.matched_route
        return (route is not None and route.name.startswith("admin.")) == self.value
