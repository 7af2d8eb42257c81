"""Every URL Backdrop answers, in one place. Views bind by route name.

Routes are added for every role; a role adds views only for its own routes,
so a URL of another role answers 404. Order matters: fixed paths come before
the ``/{bucket}`` catch-all.
"""


def includeme(config):
    # Health (every role; buckets freshness in the read role).
    config.add_route("status", "/_status")
    config.add_route("status.buckets", "/_status/buckets")
    config.add_route("status.data_sets", "/_status/data-sets")
    # The OpenAPI document of this process's roles (every role).
    config.add_route("openapi", "/_openapi.json")
    # Prometheus metrics (every role, when backdrop.metrics.enabled).
    config.add_route("metrics", "/_metrics")
    # Data-set management (write role, admin token).
    config.add_route("datasets.list", "/data-sets")
    config.add_route("datasets.item", "/data-sets/{name}")
    config.add_route("datasets.token", "/data-sets/{name}/token")
    # Admin web app.
    config.add_route("admin.home", "/")
    config.add_route("admin.user", "/_user")
    config.add_route("admin.sign_in", "/sign-in")
    config.add_route("admin.sign_out", "/sign-out")
    config.add_route("admin.test_sign_in", "/_test/sign-in")
    config.add_route("admin.not_authorized", "/not-authorized")
    # Management for admins: under /_admin/, which no bucket name can take.
    config.add_route("admin.buckets", "/_admin/buckets")
    config.add_route("admin.bucket_new", "/_admin/new-bucket")
    config.add_route("admin.bucket", "/_admin/buckets/{name}")
    config.add_route("admin.bucket_token", "/_admin/buckets/{name}/token")
    config.add_route("admin.bucket_delete", "/_admin/buckets/{name}/delete")
    config.add_route("admin.users", "/_admin/users")
    config.add_route("admin.upload", "/{bucket}/upload")
    config.add_route("admin.explore", "/{bucket}/explore")
    # Added by the admin role itself: /sign-in/callback (admin.sign_in_callback,
    # a velruse route with a context factory) and /_admin/static/ (static view).
    # Records: read (GET/OPTIONS) and write (POST/PUT) share these.
    config.add_route("bucket.by_group", "/data/{data_group}/{data_type}")
    config.add_route("bucket", "/{bucket}")
