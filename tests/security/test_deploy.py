"""Production settings: `manage.py check --deploy` is clean, and a missing secret key stops the start.

Each case runs manage.py in a subprocess with a production environment (DJANGO_DEBUG=0, no
DAILIES_TESTING), because settings are read once per process.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

MANAGE = str(settings.BASE_DIR / "manage.py")
PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None) for k in ["
    "'DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', "
    "'AXES_ENABLED', 'AXES_FAILURE_LIMIT']}))"
)


def production_env(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DAILIES_", "AXES_"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        DJANGO_ALLOWED_HOSTS="dailies.example.org",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )


def test_check_deploy_passes_with_no_warning_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr.replace("AXES: BEGIN", "")


def test_check_deploy_fails_on_a_weak_secret_key():
    """The check is real: a short key is refused (security.W009)."""
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(DJANGO_SECRET_KEY="too-short")
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_missing_secret_key_with_debug_off_stops_with_a_clear_message():
    result = manage("check", env=production_env(DJANGO_SECRET_KEY=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off." in result.stderr


def test_production_settings_force_https_hsts_secure_cookies_and_login_throttling():
    result = manage("shell", "-c", PRINT_SETTINGS, env=production_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None, "X-Forwarded-Proto is trusted only when told"
    assert values["AXES_ENABLED"] is True and values["AXES_FAILURE_LIMIT"] == 5


def test_behind_a_tls_proxy_the_forwarded_proto_header_is_trusted():
    result = manage("shell", "-c", PRINT_SETTINGS, env=production_env(DJANGO_BEHIND_TLS_PROXY="1"))
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.django_db
def test_tests_run_on_plain_http(client):
    assert settings.SECURE_SSL_REDIRECT is False and settings.SESSION_COOKIE_SECURE is False
    response = client.get("/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response


@pytest.mark.parametrize(
    "key",
    ["change-me-to-a-long-random-string-before-deploying-anywhere", "insecure-dev-only-key-never-use-in-production"],
)
def test_a_secret_key_published_in_the_repository_stops_production_and_fails_check_deploy(key):
    result = manage("check", "--deploy", env=production_env(DJANGO_SECRET_KEY=key))
    assert result.returncode != 0
    assert "published in the Dailies repository" in result.stderr


def test_a_client_forwarded_for_header_is_not_believed_for_login_throttling_without_a_proxy():
    code = "from django.conf import settings as s; print(s.AXES_IPWARE_META_PRECEDENCE_ORDER)"
    assert manage("shell", "-c", code, env=production_env()).stdout.strip().splitlines()[-1] == "('REMOTE_ADDR',)"
