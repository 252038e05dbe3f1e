"""Fixtures shared by the whole suite. The suite runs on PostgreSQL (see `make test`)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from tests import factories


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep `--dist loadgroup` grouping on pytest 9.2 (pytest-xdist issue #1386, fix in PR #1388).

    xdist marks a grouped test by appending `@group` to the legacy `item._nodeid`; pytest 9.2 reads node
    ids from `item._id`, so the groups were silently ignored and the `xdist_group("browser")` tests spread
    over workers. Copy xdist's id across; a no-op where pytest or xdist already agree. Remove once a
    released xdist writes the structured id itself.
    """
    for item in items:
        legacy = getattr(item, "_nodeid", None)
        if isinstance(legacy, str) and hasattr(item, "_id") and str(item._id) != legacy:
            from _pytest.nodeid import coerce_node_id

            item._id = coerce_node_id(legacy)


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


@pytest.fixture(autouse=True)
def _curators_group_outlives_flushes(request, django_db_blocker):
    """Put back the Curators group (made by a data migration) and empty the kept counts after a flush.

    pytest-django empties every table after a transactional test (the worker tests), which would leave
    later tests on the same xdist worker without the group. This fixture is set up before
    `transactional_db`, so its teardown runs after the flush.
    """
    yield
    if "transactional_db" not in request.fixturenames:
        return
    from django.contrib.auth.models import Permission

    from events.aggregates import rebuild_counts
    from events.curators import grant_curator_permissions

    with django_db_blocker.unblock():
        grant_curator_permissions(Group, Permission)
        # The flush TRUNCATEs events without firing the triggers that keep the monthly counts.
        rebuild_counts()


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
