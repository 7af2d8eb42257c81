"""Settings: the environment overrides every ini; production refuses to start without secrets."""
import subprocess
import sys
from pathlib import Path

import pytest
from pyramid.paster import get_app

from backdrop.settings import SettingsError, normalise_settings

ROOT = Path(__file__).resolve().parents[2]
PSERVE = Path(sys.executable).with_name("pserve")


def test_environment_overrides_ini_values():
    settings = normalise_settings(
        {"backdrop.store_url": "sqlite:///from-ini.db", "backdrop.admin_token": "ini"},
        environ={"BACKDROP_STORE_URL": "sqlite:///from-env.db", "BACKDROP_ADMIN_TOKEN": "env"},
    )
    assert settings["backdrop.store_url"] == "sqlite:///from-env.db"
    assert settings["backdrop.admin_token"] == "env"


def test_unknown_roles_are_refused():
    with pytest.raises(SettingsError, match="backdrop.roles"):
        normalise_settings({"backdrop.roles": "read sideways"}, environ={})


@pytest.mark.parametrize("ini", ["development.ini", "ini/read.ini", "ini/write.ini", "production.ini"])
def test_get_app_serves_the_store_named_by_the_environment(ini, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/env.db"
    monkeypatch.setenv("BACKDROP_STORE_URL", url)
    monkeypatch.setenv("BACKDROP_ADMIN_TOKEN", "env-admin-token")
    monkeypatch.setenv("BACKDROP_SESSION_SECRET", "env-session-secret-0123456789")
    monkeypatch.setenv("BACKDROP_OAUTH_BASE_URL", "https://signon.example")
    monkeypatch.setenv("BACKDROP_OAUTH_CLIENT_ID", "client")
    monkeypatch.setenv("BACKDROP_OAUTH_CLIENT_SECRET", "secret")
    app = get_app(str(ROOT / ini))
    store = app.registry["backdrop.store"]
    assert store.url == url
    assert app.registry.settings["backdrop.admin_token"] == "env-admin-token"
    store.close()


@pytest.mark.parametrize(
    "missing",
    [
        "BACKDROP_STORE_URL", "BACKDROP_ADMIN_TOKEN", "BACKDROP_SESSION_SECRET",
        "BACKDROP_OAUTH_BASE_URL", "BACKDROP_OAUTH_CLIENT_ID", "BACKDROP_OAUTH_CLIENT_SECRET",
    ],
)
def test_production_refuses_to_start_with_a_one_line_reason(missing, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "BACKDROP_STORE_URL": f"sqlite:///{tmp_path}/prod.db",
        "BACKDROP_ADMIN_TOKEN": "prod-admin-token",
        "BACKDROP_SESSION_SECRET": "prod-session-secret-0123456789",
        "BACKDROP_OAUTH_BASE_URL": "https://signon.example",
        "BACKDROP_OAUTH_CLIENT_ID": "client",
        "BACKDROP_OAUTH_CLIENT_SECRET": "secret",
    }
    del env[missing]
    result = subprocess.run(
        [str(PSERVE), str(ROOT / "production.ini")], env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"backdrop: refusing to start: environment variable {missing} is not set"
    assert "Traceback" not in result.stderr
