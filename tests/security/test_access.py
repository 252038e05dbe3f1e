"""Who may see and change what: visitors see only published events, curators curate but manage no users,
the public site changes nothing, admin writes need a CSRF token, and admin logins are throttled.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from events.models import Event, Organisation
from tests.factories import (
    EventFactory,
    LawsuitFactory,
    OrganisationFactory,
    PersonFactory,
    UnionAgreementFactory,
)

pytestmark = pytest.mark.django_db

OUTPUTS = ["/feed.atom", "/feed.rss", "/api/events", "/export.csv", "/calendar.ics"]
SECRET_DRAFT = "Unannounced draft ZQXJ"
SECRET_REJECTED = "Rejected rumour WVKP"


@pytest.fixture
def hidden_world(db):
    """A published event and, sharing every entity with it, a draft and a rejected event."""
    org, person = OrganisationFactory(name="Shared Studio"), PersonFactory(name="Shared Person")
    lawsuit, agreement = (
        LawsuitFactory(case_name="Shared v. Case"),
        UnionAgreementFactory(name="Shared Agreement"),
    )
    links = {"organisations": [org], "people": [person], "lawsuit": lawsuit, "agreement": agreement}
    published = EventFactory(title="Public announcement", **links)
    draft = EventFactory(
        title=SECRET_DRAFT,
        summary=f"{SECRET_DRAFT} summary",
        status=Event.Status.DRAFT,
        sources=["https://leak.example.com/draft-source"],
        **links,
    )
    rejected = EventFactory(
        title=SECRET_REJECTED,
        status=Event.Status.REJECTED,
        sources=["https://leak.example.com/rejected-source"],
        **links,
    )
    return {
        "published": published,
        "draft": draft,
        "rejected": rejected,
        "organisation": org,
        "person": person,
        "lawsuit": lawsuit,
        "agreement": agreement,
    }


def public_patterns(resolver=None, prefix=""):
    """Every URL pattern outside the admin: (route, name)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            # The admin, and the readers' alerts pages: those take POSTs by design (follow, sign in,
            # one-click unsubscribe) and tokens in their URLs; tests/alerts covers them.
            if route.startswith(("admin/", "alerts/")):
                continue
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            for sub_route, name in public_patterns(pattern, route):
                yield sub_route, (namespace + name) if name else None
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name


def concrete_url(name, world):
    """A real URL for a pattern, filled with a published entity's slug where it takes one."""
    objects = {
        "events:event": world["published"],
        "events:organisation": world["organisation"],
        "events:person": world["person"],
        "events:lawsuit": world["lawsuit"],
        "events:agreement": world["agreement"],
    }
    if name in objects:
        return reverse(name, kwargs={"slug": objects[name].slug})
    return reverse(name)


def every_public_url(world):
    urls = []
    for route, name in public_patterns():
        assert name, f"public URL pattern {route!r} has no name: name it so these tests can reach it"
        try:
            urls.append(concrete_url(name, world))
        except Exception as error:  # a new pattern with arguments this test does not know yet
            pytest.fail(f"tests/security/test_access.py cannot build a URL for {name} ({route}): {error}")
    return urls


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Visitors never see drafts or rejected events ------------------------------------------------


def test_drafts_and_rejected_events_are_on_no_public_page_or_output(client, hidden_world):
    secrets = [
        SECRET_DRAFT,
        SECRET_REJECTED,
        hidden_world["draft"].slug,
        hidden_world["rejected"].slug,
        "leak.example.com",
    ]
    urls = every_public_url(hidden_world)
    variants = []
    for url in urls:
        variants += [url, f"{url}?q=ZQXJ", f"{url}?q=WVKP", f"{url}?include_past=1&page_size=100"]
    checked = 0
    for url in variants:
        response = client.get(url)
        if response.status_code == 404:
            continue
        text = body(response).decode("utf-8", "replace")
        leaked = [s for s in secrets if s in text]
        assert leaked == [], f"{url} shows {leaked}"
        checked += 1
        response_htmx = client.get(url, HTTP_HX_REQUEST="true")
        assert not [s for s in secrets if s in body(response_htmx).decode("utf-8", "replace")], url
    assert checked >= len(urls)
    # And the published event around them is there, so the pages were not simply empty.
    assert "Public announcement" in client.get("/").content.decode()


def test_a_draft_or_rejected_event_url_is_a_404_for_visitors(client, hidden_world):
    for key in ("draft", "rejected"):
        response = client.get(hidden_world[key].get_absolute_url())
        assert response.status_code == 404
        assert hidden_world[key].title not in response.content.decode()


@pytest.mark.parametrize("path", OUTPUTS)
def test_outputs_hold_only_published_events(client, hidden_world, path):
    response = client.get(path, {"include_past": 1, "page_size": 100})
    if response.status_code == 404:
        pytest.skip(f"{path} is not built yet (404)")
    assert response.status_code == 200
    text = body(response).decode("utf-8", "replace")
    assert SECRET_DRAFT not in text and SECRET_REJECTED not in text
    assert "leak.example.com" not in text


def test_organisation_list_counts_published_events_only(client, hidden_world):
    response = client.get(reverse("events:organisations"))
    row = next(o for o in response.context["organisations"] if o.pk == hidden_world["organisation"].pk)
    assert row.event_count == 1


def test_the_review_queue_and_every_admin_page_need_a_login(client, hidden_world):
    for url in [
        "/admin/",
        "/admin/events/event/",
        f"/admin/events/event/{hidden_world['draft'].pk}/change/",
        "/admin/events/event/?status__exact=draft",
        "/admin/auth/user/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    for model in ("feed", "article", "draftevent"):
        try:
            url = reverse(f"admin:ingest_{model}_changelist")
        except Exception:
            continue
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


# --- Curators curate, but manage no users --------------------------------------------------------


def test_a_curator_can_change_events_and_organisations(curator_client, hidden_world):
    event, organisation = hidden_world["draft"], hidden_world["organisation"]
    assert curator_client.get(f"/admin/events/event/{event.pk}/change/").status_code == 200
    assert curator_client.get(f"/admin/events/organisation/{organisation.pk}/change/").status_code == 200
    response = curator_client.post(
        "/admin/events/event/", {"action": "reject", "_selected_action": [event.pk]}, follow=True
    )
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == Event.Status.REJECTED
    response = curator_client.post(
        f"/admin/events/organisation/{organisation.pk}/change/",
        {
            "name": "Renamed Studio",
            "slug": organisation.slug,
            "kind": "studio",
            "aliases": "",
            "website": "",
            "description": "",
            "subsidiaries-TOTAL_FORMS": 0,
            "subsidiaries-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert Organisation.objects.get(pk=organisation.pk).name == "Renamed Studio"


def test_a_curator_cannot_see_or_change_users_or_groups(curator_client, curator):
    for url in [
        "/admin/auth/user/",
        "/admin/auth/group/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{curator.pk}/change/",
        "/admin/auth/group/add/",
    ]:
        assert curator_client.get(url).status_code == 403, url
    response = curator_client.post(
        "/admin/auth/user/add/", {"username": "intruder", "password1": "x" * 20, "password2": "x" * 20}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="intruder").exists()
    response = curator_client.post(f"/admin/auth/user/{curator.pk}/change/", {"is_superuser": "on"})
    assert response.status_code == 403
    curator.refresh_from_db()
    assert not curator.is_superuser
    assert not curator.has_perm("auth.change_user") and not curator.has_perm("auth.change_group")


def test_the_curators_group_holds_no_user_or_permission_management():
    permissions = Group.objects.get(name="Curators").permissions.values_list(
        "content_type__app_label", flat=True
    )
    assert "auth" not in set(permissions)
    assert "axes" not in set(permissions), "curators must not unlock accounts or erase the attempt log"


# --- The public site changes nothing; the admin wants CSRF tokens --------------------------------


def test_every_public_url_answers_405_to_post_put_patch_delete(client, hidden_world):
    for url in every_public_url(hidden_world):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url)
            assert response.status_code == 405, f"{method.upper()} {url} -> {response.status_code}"
            assert "GET" in response["Allow"]
    assert Event.objects.count() == 3


def test_admin_writes_without_a_csrf_token_are_refused(hidden_world, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-123456")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    organisation = hidden_world["organisation"]
    response = browser.post(
        f"/admin/events/organisation/{organisation.pk}/change/",
        {"name": "Hijacked", "slug": organisation.slug, "kind": "studio"},
    )
    assert response.status_code == 403
    assert Organisation.objects.get(pk=organisation.pk).name == "Shared Studio"
    response = browser.post(
        "/admin/events/event/", {"action": "publish", "_selected_action": [hidden_world["draft"].pk]}
    )
    assert response.status_code == 403
    assert Event.objects.get(pk=hidden_world["draft"].pk).status == Event.Status.DRAFT
    # With the token from the form, the same write goes through.
    page = browser.get(f"/admin/events/organisation/{organisation.pk}/change/")
    token = page.context["csrf_token"]
    response = browser.post(
        f"/admin/events/organisation/{organisation.pk}/change/",
        {
            "csrfmiddlewaretoken": str(token),
            "name": "Renamed",
            "slug": organisation.slug,
            "kind": "studio",
            "subsidiaries-TOTAL_FORMS": 0,
            "subsidiaries-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302


def test_the_admin_login_form_itself_wants_a_csrf_token(db):
    User.objects.create_user("ed", password="pw-ed-123456", is_staff=True)
    response = Client(enforce_csrf_checks=True).post(
        "/admin/login/", {"username": "ed", "password": "pw-ed-123456"}
    )
    assert response.status_code == 403


# --- Admin logins are throttled (django-axes) ----------------------------------------------------


@pytest.fixture
def axes_on(db):
    from axes.utils import reset

    with override_settings(AXES_ENABLED=True):
        reset()
        yield
        reset()


def login(client, username, password, ip="203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_after_five_wrong_passwords_the_account_is_locked_out_with_a_clear_message(client, axes_on):
    User.objects.create_user("ed", password="right-password-1", is_staff=True)
    for attempt in range(1, 5):
        response = login(client, "ed", f"wrong-{attempt}")
        assert response.status_code == 200, attempt  # the login form again, with its error
        assert "Please enter the correct username and password" in response.content.decode()
    login(client, "ed", "wrong-5")
    response = login(client, "ed", "right-password-1")  # the 6th attempt, even with the right password
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client, axes_on):
    User.objects.create_user("ed", password="right-password-1", is_staff=True)
    User.objects.create_user("flo", password="right-password-2", is_staff=True)
    for attempt in range(5):
        login(client, "ed", f"wrong-{attempt}")
    assert login(client, "ed", "right-password-1").status_code == 429
    # Another account from the same address, and the same account from another address, still log in.
    assert login(Client(), "flo", "right-password-2").status_code == 302
    assert login(Client(), "ed", "right-password-1", ip="198.51.100.9").status_code == 302


def test_a_successful_login_resets_the_count(client, axes_on):
    User.objects.create_user("ed", password="right-password-1", is_staff=True)
    for attempt in range(4):
        login(client, "ed", f"wrong-{attempt}")
    assert login(Client(), "ed", "right-password-1").status_code == 302
    for attempt in range(4):
        assert login(client, "ed", f"wrong-again-{attempt}").status_code == 200
