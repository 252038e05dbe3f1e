"""An event's history page holds every change that concerns it: its own, its sources' (their review
included) and its organisation and person links', each with who did it, why, and old → new."""

import datetime
import html
import re

import pytest
from django.urls import reverse

from events import services
from events.history import NOBODY, event_history
from events.models import Event, EventOrganisation, Source
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def studio(db):
    return factories.OrganisationFactory(name="Northlight Studios", kind="studio")


@pytest.fixture
def published(studio):
    """A published event to which ingest (no curator) proposed two more sources."""
    event = factories.EventFactory(title="Northlight signs an AI deal", kind="deal", organisations=[studio],
                                   date=datetime.date(2024, 9, 18))
    for n in (1, 2):
        services.propose_event(kind="deal", date=event.date, title=f"Report {n}", event=event,
                               source_url=f"https://trade.example.com/report-{n}", source_title=f"Report {n}",
                               publisher="Trade")
    assert event.sources.filter(review="proposed").count() == 2
    return event


def history_page(client, event):
    response = client.get(reverse("admin:events_event_history", args=[event.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def rows(page):
    """The table's rows as plain text, one string per row, newest first."""
    body = page.split('<tbody>', 1)[1].split('</tbody>', 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr")[1:]]


def test_a_bulk_accept_of_proposed_sources_shows_on_the_events_history_with_the_curator(
    curator_client, published
):
    before = rows(history_page(curator_client, published))
    proposals = list(published.sources.filter(review="proposed"))
    response = curator_client.post(
        reverse("admin:events_proposedsource_changelist"),
        {"action": "accept", "_selected_action": [s.pk for s in proposals]},
    )
    assert response.status_code == 302
    after = rows(history_page(curator_client, published))
    new = after[: len(after) - len(before)]
    assert len(new) == 2, after
    for row in new:
        assert "curator" in row and re.search(r"Source “Report \d”: changed", row)
        assert "Review: Waiting for review → Accepted" in row
        assert "Bulk: accepted 2 sources at once" in row
    # Ingest's proposals are there too, older, said to be no curator's doing.
    added = [row for row in after if re.search(r"Source “Report \d”: added", row)]
    assert len(added) == 2 and all(NOBODY in row and "Review: Waiting for review" in row for row in added)


def test_a_rejected_proposal_one_at_a_time_shows_who_rejected_it(curator_client, published):
    proposal = published.sources.filter(review="proposed").first()
    curator_client.post(reverse("admin:events_proposedsource_change", args=[proposal.pk]), {"_reject": "1"})
    newest = rows(history_page(curator_client, published))[0]
    assert f"Source “{proposal.title}”: changed" in newest and "curator" in newest
    assert "Review: Waiting for review → Rejected" in newest


def test_links_to_organisations_and_people_show_with_their_diffs(curator_client, curator, published, studio):
    union = factories.OrganisationFactory(name="Screen Crafts Guild", kind="union")
    person = factories.PersonFactory(name="Dana Okafor")
    url = reverse("admin:events_event_change", args=[published.pk])
    form = curator_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in {"lawsuit", "agreement"}}
    data["date"] = published.date.isoformat()
    link = EventOrganisation.objects.get(event=published, organisation=studio)
    sources = list(published.sources.order_by("id"))
    data.update({
        "organisation_links-TOTAL_FORMS": 2, "organisation_links-INITIAL_FORMS": 1,
        "organisation_links-0-id": link.pk, "organisation_links-0-event": published.pk,
        "organisation_links-0-organisation": studio.pk, "organisation_links-0-role": "partner",
        "organisation_links-1-event": published.pk, "organisation_links-1-organisation": union.pk,
        "organisation_links-1-role": "union",
        "person_links-TOTAL_FORMS": 1, "person_links-INITIAL_FORMS": 0,
        "person_links-0-event": published.pk, "person_links-0-person": person.pk,
        "person_links-0-role": "spokesperson",
        "sources-TOTAL_FORMS": len(sources), "sources-INITIAL_FORMS": len(sources),
    })
    for n, source in enumerate(sources):
        data.update({f"sources-{n}-id": source.pk, f"sources-{n}-event": published.pk,
                     f"sources-{n}-url": source.url, f"sources-{n}-title": source.title,
                     f"sources-{n}-publisher": source.publisher, f"sources-{n}-review": source.review})
    response = curator_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    page = rows(history_page(curator_client, published))
    text = "\n".join(page)
    assert any("Organisation Northlight Studios: changed" in r and "Role: Subject → Partner" in r
               and "curator" in r for r in page), text
    assert any("Organisation Screen Crafts Guild: added" in r and "Role: Union" in r for r in page), text
    assert any("Person Dana Okafor: added" in r and "Role: Spokesperson" in r for r in page), text
    EventOrganisation.objects.filter(event=published, organisation=union).delete()
    assert "Organisation Screen Crafts Guild: removed" in rows(history_page(curator_client, published))[0]


def test_a_source_moved_to_another_event_shows_on_both_histories(curator_client, published):
    other = factories.EventFactory(title="Northlight opens an AI lab", sources=[])
    proposal = published.sources.filter(review="proposed").first()
    curator_client.post(
        reverse("admin:events_proposedsource_changelist"),
        {"action": "move", "_selected_action": [proposal.pk], "target": other.pk},
    )
    left = rows(history_page(curator_client, published))[0]
    assert f"Source “{proposal.title}”: moved to “{other.title}”" in left and "curator" in left
    arrived = rows(history_page(curator_client, other))[0]
    assert f"moved here from “{published.title}”" in arrived and "Review: Waiting for review → Accepted" in arrived
    assert "Bulk: moved 1 source at once" in arrived


def test_the_events_own_changes_keep_their_diff_and_link_to_the_version(curator_client, published):
    services.reject_events([Event.objects.get(pk=published.pk)], reason="Bulk: rejected 1 event at once")
    page = history_page(curator_client, published)
    newest = rows(page)[0]
    assert "The event: changed" in newest and "Status: Published → Rejected" in newest
    assert "Bulk: rejected 1 event at once" in newest
    record = Event.history.filter(id=published.pk).latest()
    assert reverse("admin:events_event_simple_history", args=[published.pk, record.pk]) in page


def test_a_drafts_history_is_the_same_list_in_the_review_queue(curator_client, studio):
    draft, _ = services.propose_event(kind="deal", date=datetime.date(2024, 1, 2), title="A draft deal",
                                      organisations=[(studio.pk, "subject")], source_url="https://x.example.com/d")
    response = curator_client.get(reverse("admin:ingest_draftevent_history", args=[draft.pk]))
    page = rows(html.unescape(response.content.decode()))
    assert any("Source “https://x.example.com/d”: added" in r for r in page)
    assert any("Organisation Northlight Studios: added" in r for r in page)


def test_the_history_costs_a_fixed_number_of_queries(django_assert_max_num_queries, published):
    for n in range(3, 12):
        Source.objects.create(event=published, url=f"https://more.example.com/{n}", title=f"More {n}")
    with django_assert_max_num_queries(9):
        entries = event_history(published.pk)
    assert len(entries) > 12


def test_an_organisation_merge_and_its_undoing_show_on_the_events_history(curator_client, studio):
    from events.models import OrganisationMerge

    twin = factories.OrganisationFactory(name="Northlight", kind="studio")
    event = factories.EventFactory(title="Northlight buys a render farm", organisations=[twin])
    changelist = reverse("admin:events_organisation_changelist")
    curator_client.post(changelist, {"action": "merge", "_selected_action": [studio.pk, twin.pk],
                                      "merge_into": str(studio.pk)})
    merged = rows(history_page(curator_client, event))[0]
    assert "Organisation Northlight Studios: changed" in merged and "curator" in merged
    assert "Organisation: Northlight (deleted) → Northlight Studios" in merged
    curator_client.post(reverse("admin:events_organisationmerge_changelist"),
                        {"action": "unmerge", "_selected_action": [OrganisationMerge.objects.get().pk]})
    undone = rows(history_page(curator_client, event))[0]
    assert "Organisation Northlight: changed" in undone and "Organisation: Northlight Studios → Northlight" in undone
    assert "curator" in undone


def test_what_a_draft_merge_brings_says_so_on_the_targets_history(curator_client, published):
    other = factories.OrganisationFactory(name="Brightwater Agency", kind="agency")
    draft = factories.EventFactory(title="Agency report of the deal", status="draft", kind="deal",
                                   organisations=[other], date=published.date)
    draft.sources.create(url="https://wire.example.com/deal", title="Wire report", review="accepted")
    services.merge_event_into(draft, published)
    page = rows(history_page(curator_client, published))
    merged = [row for row in page if "Merged from the draft “Agency report of the deal”" in row]
    assert any("Wire report" in row or "wire.example.com" in row for row in merged), page[:6]
    assert any("Brightwater Agency" in row for row in merged), page[:6]
