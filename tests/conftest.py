"""Fixtures shared by the whole suite. The suite runs on PostgreSQL (see `make test`)."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Caches live in Redis during tests; keep one test's cached rows from leaking into the next.
    cache.clear()
    yield
    cache.clear()


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
