"""The admin role's configuration: ini/admin.ini, the environment, refusals at start-up."""
from pathlib import Path

import pytest
from pyramid.paster import get_app
from webtest import TestApp

ROOT = Path(__file__).resolve().parents[3]


def test_admin_ini_serves_the_admin_role_only(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{tmp_path}/admin.db")
    app = get_app(str(ROOT / "ini" / "admin.ini"))
    try:
        assert app.registry.settings["backdrop.roles"] == ["admin"]
        test_app = TestApp(app)
        assert test_app.get("/sign-in", status=302).location.startswith(
            "http://127.0.0.1:3000/oauth/authorize?"
        )
        test_app.get("/_status", status=200)
        test_app.get("/some-bucket", status=404)  # the read role is not here
    finally:
        app.registry["backdrop.store"].close()


@pytest.mark.parametrize("setting", [
    "backdrop.oauth.base_url", "backdrop.oauth.client_id", "backdrop.oauth.client_secret",
])
def test_admin_role_refuses_to_start_without_provider_settings(make_app, settings, setting):
    del settings[setting]
    with pytest.raises(SystemExit, match=f"the admin role needs {setting}"):
        make_app()
