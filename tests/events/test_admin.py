"""The curators' admin: access, publish and reject, merge organisations, history of who changed what."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from events.models import Event, EventOrganisation, Organisation
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, PersonFactory, UnionAgreementFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get("/admin/events/event/").status_code == 302


def test_curators_reach_every_content_page(curator_client):
    event = EventFactory()
    urls = ["/admin/", "/admin/events/event/", reverse("admin:events_event_change", args=[event.pk])]
    for model in ["organisation", "person", "lawsuit", "unionagreement", "source"]:
        urls += [f"/admin/events/{model}/", f"/admin/events/{model}/add/"]
    for url in urls:
        assert curator_client.get(url).status_code == 200, url


def test_curators_cannot_manage_users(curator_client):
    assert curator_client.get("/admin/auth/user/").status_code == 403
    assert curator_client.get("/admin/auth/group/").status_code == 403


def test_admin_search_and_autocomplete_find_organisations_by_alias(curator_client):
    OrganisationFactory(name="Writers Guild of America", aliases="WGA")
    response = curator_client.get("/admin/events/organisation/", {"q": "wga"})
    assert b"Writers Guild of America" in response.content
    auto = curator_client.get(
        "/admin/autocomplete/",
        {"term": "WGA", "app_label": "events", "model_name": "eventorganisation", "field_name": "organisation"},
    )
    assert auto.status_code == 200 and "Writers Guild of America" in auto.content.decode()


def _act(client, model, action, objects, **extra):
    return client.post(
        f"/admin/events/{model}/",
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra},
        follow=True,
    )


def test_publish_action_publishes_sourced_drafts_and_refuses_unsourced_ones(curator_client):
    sourced = EventFactory(status="draft")
    unsourced = EventFactory(status="draft", sources=[])
    response = _act(curator_client, "event", "publish", [sourced, unsourced])
    sourced.refresh_from_db()
    unsourced.refresh_from_db()
    assert sourced.status == Event.Status.PUBLISHED
    assert unsourced.status == Event.Status.DRAFT
    assert "no source yet" in response.content.decode()


def test_reject_action_hides_events(curator_client, client):
    event = EventFactory()
    _act(curator_client, "event", "reject", [event])
    event.refresh_from_db()
    assert event.status == Event.Status.REJECTED


def test_merging_organisations_keeps_aliases_and_repoints_every_relation(curator_client):
    keep = OrganisationFactory(name="Warner Bros. Discovery", aliases="WBD")
    dupe = OrganisationFactory(name="Warner Bros.", aliases="Warner Brothers")
    child = OrganisationFactory(name="HBO", parent=dupe)
    shared = EventFactory(organisations=[keep, (dupe, "plaintiff")])
    only_dupe = EventFactory(organisations=[(dupe, "defendant")])
    lawsuit = LawsuitFactory()
    lawsuit.parties.create(organisation=dupe, side="plaintiff")
    agreement = UnionAgreementFactory()
    agreement.counterparties.add(dupe)
    PersonFactory(name="David Zaslav").affiliations.create(organisation=dupe, role="CEO")

    confirm = _act(curator_client, "organisation", "merge", [keep, dupe])
    assert b"Choose the organisation to keep" in confirm.content
    _act(curator_client, "organisation", "merge", [keep, dupe], merge_into=str(keep.pk))

    assert not Organisation.objects.filter(pk=dupe.pk).exists()
    keep.refresh_from_db()
    assert keep.alias_list == ["WBD", "Warner Bros.", "Warner Brothers"]
    assert list(EventOrganisation.objects.filter(event=shared).values_list("organisation__name", flat=True)) == [
        "Warner Bros. Discovery"
    ]
    assert EventOrganisation.objects.get(event=only_dupe).organisation == keep
    assert EventOrganisation.objects.get(event=only_dupe).role == "defendant"
    assert lawsuit.parties.get().organisation == keep
    assert list(agreement.counterparties.all()) == [keep]
    assert keep.affiliations.get().person.name == "David Zaslav"
    child.refresh_from_db()
    assert child.parent == keep


def test_every_curator_change_is_kept_with_who_and_when(curator_client, curator):
    event = EventFactory(title="Old title")
    url = reverse("admin:events_event_change", args=[event.pk])
    form = curator_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"title": "New title", "date": event.date.isoformat()})
    for prefix in ["organisation_links", "person_links", "sources"]:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    # The existing source stays: post it back as an initial form.
    source = event.sources.get()
    data.update({"sources-TOTAL_FORMS": 1, "sources-INITIAL_FORMS": 1, "sources-0-id": source.pk,
                 "sources-0-event": event.pk, "sources-0-url": source.url, "sources-0-title": source.title,
                 "sources-0-publisher": source.publisher, "sources-0-review": source.review})
    response = curator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    latest = event.history.latest()
    assert latest.title == "New title" and latest.history_user == curator
    history = curator_client.get(reverse("admin:events_event_history", args=[event.pk]))
    assert b"curator" in history.content and b"New title" in history.content


def test_a_merged_organisations_url_redirects_permanently_and_an_unmerge_restores_it(curator_client, client):
    from events.models import OrganisationMerge

    keep = OrganisationFactory(name="Warner Bros. Discovery", aliases="WBD")
    dupe = OrganisationFactory(name="Warner Bros.", aliases="Warner Brothers")
    child = OrganisationFactory(name="HBO", parent=dupe)
    shared = EventFactory(organisations=[keep, (dupe, "plaintiff")])
    only_dupe = EventFactory(organisations=[(dupe, "defendant")])
    lawsuit = LawsuitFactory()
    lawsuit.parties.create(organisation=dupe, side="plaintiff")
    old_url = dupe.get_absolute_url()
    _act(curator_client, "organisation", "merge", [keep, dupe], merge_into=str(keep.pk))

    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == keep.get_absolute_url()

    merge = OrganisationMerge.objects.get()
    _act(curator_client, "organisationmerge", "unmerge", [merge])
    restored = Organisation.objects.get(name="Warner Bros.")
    assert restored.get_absolute_url() == old_url and client.get(old_url).status_code == 200
    assert restored.alias_list == ["Warner Brothers"]
    keep.refresh_from_db()
    assert keep.alias_list == ["WBD"]
    assert EventOrganisation.objects.get(event=only_dupe).organisation == restored
    assert EventOrganisation.objects.get(event=shared, organisation=restored).role == "plaintiff"
    assert lawsuit.parties.get().organisation == restored
    child.refresh_from_db()
    assert child.parent == restored


def test_the_organisation_merge_chooses_nothing_for_the_curator(curator_client):
    keep, dupe = OrganisationFactory(name="A studio"), OrganisationFactory(name="A studio, Inc.")
    page = _act(curator_client, "organisation", "merge", [keep, dupe]).content.decode()
    assert " checked" not in page and "required" in page
