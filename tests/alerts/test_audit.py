"""Points of issue 12 checked as a whole: every entity page can be followed, a digest entry carries what
the issue lists, and a reader's stored data is their address, their subscriptions and what was sent."""

import datetime

import pytest
from django.core.cache import cache

from alerts import accounts
from alerts.deliveries import build_digests, record_deliveries
from alerts.models import Message, Reader, Subscription
from alerts.sending import build_email
from events.models import Source
from tests import factories
from tests.alerts.factories import ReaderFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_person_lawsuit_and_agreement_pages_have_a_follow_link_with_their_filter(client, sag_aftra):
    person = factories.PersonFactory(name="Sam Altman")
    lawsuit = factories.LawsuitFactory()
    agreement = factories.UnionAgreementFactory(union=sag_aftra)
    for entity, parameter in [(person, "person"), (lawsuit, "lawsuit"), (agreement, "agreement")]:
        page = client.get(entity.get_absolute_url()).content.decode()
        assert f'href="/alerts/follow/?{parameter}={entity.slug}"' in page, parameter
        assert client.get(f"/alerts/follow/?{parameter}={entity.slug}").status_code == 200


def test_a_digest_entry_has_the_date_kind_title_summary_sources_and_a_link(settings):
    settings.ALERTS_SITE_URL = "https://dailies.example"
    studio = factories.OrganisationFactory(name="Northlight Studios")
    SubscriptionFactory(name="Studio news", organisation_ids=[studio.pk], mode="daily")
    event = factories.EventFactory(
        organisations=[studio], kind="lawsuit_filed", date=datetime.date(2025, 2, 3), title="Northlight sues",
        summary="The studio says its films trained a model.", sources=["https://news.example.com/suit"],
    )
    Source.objects.create(event=event, url="https://spam.example.com/", title="Proposed", review="proposed")
    record_deliveries(event.pk)
    (digest_id,) = build_digests("daily")
    email = build_email(Message.objects.get(pk=digest_id))
    html = email.alternatives[0][0]
    for part in (email.body, html):
        for expected in ["Studio news", "2025-02-03", "Lawsuit filed", "Northlight sues",
                         "The studio says its films trained a model.", "https://news.example.com/suit",
                         f"https://dailies.example{event.get_absolute_url()}"]:
            assert expected in part, expected
        assert "spam.example.com" not in part  # a source a curator has not accepted is not sent


def test_a_reader_is_stored_as_an_address_and_sign_in_times_and_nothing_about_their_requests(client):
    fields = {f.name for f in Reader._meta.concrete_fields}
    assert fields == {"id", "email", "confirmed_at", "last_sign_in_at", "password", "created_at"}
    client.post("/alerts/sign-in/", {"email": "Private@Example.org"}, REMOTE_ADDR="203.0.113.9",
                HTTP_USER_AGENT="Secret Browser 1.0")
    reader = Reader.objects.get()
    stored = " ".join(str(getattr(reader, name)) for name in fields)
    assert "203.0.113.9" not in stored and "Secret Browser" not in stored
    # The rate limits count under hashed keys: the cache holds neither the address nor the client's.
    assert cache.get(accounts._rate_key("email", "private@example.org")) == 1
    assert cache.get(accounts._rate_key("ip", "203.0.113.9")) == 1
    assert "private@example.org" not in accounts._rate_key("email", "private@example.org")


def test_corrections_are_opt_in_and_off_by_default(client):
    reader = ReaderFactory()
    session = client.session
    session[accounts.SESSION_KEY] = reader.pk
    session.save()
    client.post("/alerts/follow/", {"name": "Everything", "mode": "daily"})
    client.post("/alerts/follow/", {"name": "With corrections", "mode": "daily", "corrections": "on"})
    assert dict(Subscription.objects.values_list("name", "corrections")) == {
        "Everything": False, "With corrections": True,
    }
