"""Fixtures shared by the whole suite. The suite runs on PostgreSQL (see `make test`)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from tests import factories


def _clear_own_cache_keys():
    """Forget what this test process cached, leaving other xdist workers' keys alone."""
    client = getattr(cache, "_cache", None)
    if client is not None and hasattr(client, "get_client"):
        redis = client.get_client(write=True)
        keys = list(redis.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*", count=1000))
        if keys:
            redis.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Caches live in Redis during tests; keep one test's cached rows from leaking into the next.
    _clear_own_cache_keys()
    yield
    _clear_own_cache_keys()


@pytest.fixture
def curator(db):
    user = User.objects.create_user("curator", password="pw-curator-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def htmx_headers():
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def openai(db):
    return factories.OrganisationFactory(name="OpenAI", kind="ai_company")


@pytest.fixture
def sag_aftra(db):
    return factories.OrganisationFactory(name="SAG-AFTRA", kind="union")
