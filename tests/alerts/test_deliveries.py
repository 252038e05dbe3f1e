"""What publishing records, without a worker: once per subscription and channel, corrections on request,
the daily cap, and digests that gather what waits. Each test runs with both recorders: the set-based SQL
of PostgreSQL (alerts.recording) and the row-by-row one (alerts.deliveries.record_row_by_row)."""

import pytest

from alerts import deliveries
from alerts.deliveries import build_digests, record_deliveries
from alerts.models import Delivery, Message
from alerts.sending import build_email
from events.models import Event
from tests import factories
from tests.alerts.factories import ReaderFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["set-based", "row-by-row"])
def recorder(request, monkeypatch):
    if request.param == "row-by-row":
        monkeypatch.setattr(deliveries.recording, "record", deliveries.record_row_by_row)
    return request.param


@pytest.fixture
def studio():
    return factories.OrganisationFactory(name="Northlight Studios")


def test_an_event_is_recorded_once_per_subscription_and_channel(studio, webhook_server):
    subscription = SubscriptionFactory(organisation_ids=[studio.pk], webhook_url=webhook_server.url("/h"))
    event = factories.EventFactory(organisations=[studio])
    messages, webhooks = record_deliveries(event.pk)
    assert (len(messages), len(webhooks)) == (1, 1)
    assert sorted(subscription.deliveries.values_list("channel", flat=True)) == ["email", "webhook"]
    assert record_deliveries(event.pk) == ([], [])  # a retried or repeated match adds nothing
    assert Delivery.objects.count() == 2 and Message.objects.count() == 1


def test_a_subscription_without_email_has_a_feed_row_and_a_mode_change_does_not_deliver_again(studio, client):
    quiet = SubscriptionFactory(organisation_ids=[studio.pk], mode="off")
    daily = SubscriptionFactory(organisation_ids=[studio.pk], mode="daily")
    event = factories.EventFactory(organisations=[studio], title="Northlight signs a deal")
    assert record_deliveries(event.pk) == ([], [])
    assert list(quiet.deliveries.values_list("channel", "status")) == [("feed", "sent")]
    assert list(daily.deliveries.values_list("channel", "status")) == [("email", "queued")]
    for subscription in (quiet, daily):  # both private feeds list the event
        feed = client.get(f"/alerts/feed/{subscription.atom_secret}.atom").content.decode()
        assert "Northlight signs a deal" in feed
    quiet.mode, daily.mode = "immediate", "off"
    quiet.save()
    daily.save()
    assert record_deliveries(event.pk) == ([], [])  # each had the event already, whatever its mode now
    assert Delivery.objects.count() == 2 and not Message.objects.exists()


def test_drafts_and_rejected_events_record_nothing(studio):
    SubscriptionFactory(organisation_ids=[studio.pk])
    for status in (Event.Status.DRAFT, Event.Status.REJECTED):
        assert record_deliveries(factories.EventFactory(organisations=[studio], status=status).pk) == ([], [])
    assert not Delivery.objects.exists()


def test_a_correction_is_sent_again_only_to_readers_who_asked_for_corrections(studio):
    wants = SubscriptionFactory(organisation_ids=[studio.pk], corrections=True)
    SubscriptionFactory(organisation_ids=[studio.pk])
    event = factories.EventFactory(organisations=[studio])
    assert len(record_deliveries(event.pk)[0]) == 2
    event.summary = "Corrected: the suit was filed in Delaware."
    event.save()
    messages, _ = record_deliveries(event.pk, correction=True)
    assert len(messages) == 1
    correction = Message.objects.get(pk=messages[0]).deliveries.get()
    assert correction.subscription == wants and correction.correction_of == event.updated_at.isoformat()
    assert build_email(Message.objects.get(pk=messages[0])).subject.startswith("Dailies: Corrected: ")


def test_past_the_daily_cap_alerts_wait_for_the_daily_digest(studio, settings):
    settings.ALERTS_DAILY_CAP = 2
    reader = ReaderFactory()
    SubscriptionFactory(reader=reader, organisation_ids=[studio.pk], mode="immediate")
    events = [factories.EventFactory(organisations=[studio]) for _ in range(3)]
    sent = [record_deliveries(e.pk)[0] for e in events]
    assert [len(m) for m in sent] == [1, 1, 0]
    held = Delivery.objects.get(channel="email", event=events[2])
    assert held.status == Delivery.Status.QUEUED and held.message is None
    digest_ids = build_digests("daily")
    assert len(digest_ids) == 1
    held.refresh_from_db()
    assert held.message_id == digest_ids[0] and held.status == Delivery.Status.PENDING


def test_a_digest_is_one_message_per_reader_grouped_by_subscription(studio, openai):
    reader = ReaderFactory()
    SubscriptionFactory(reader=reader, name="Studio", organisation_ids=[studio.pk], mode="daily")
    SubscriptionFactory(reader=reader, name="OpenAI", organisation_ids=[openai.pk], mode="daily")
    SubscriptionFactory(name="Weekly studio", organisation_ids=[studio.pk], mode="weekly")
    for organisation in (studio, openai, studio):
        record_deliveries(factories.EventFactory(organisations=[organisation]).pk)
    (digest_id,) = build_digests("daily")
    message = Message.objects.get(pk=digest_id)
    assert message.reader == reader and message.kind == Message.Kind.DIGEST
    email = build_email(message)
    assert email.subject == "Dailies digest: 3 new events"
    assert email.body.index("== OpenAI ==") < email.body.index("== Studio ==")
    assert email.alternatives[0][1] == "text/html"
    assert build_digests("daily") == []  # nothing is gathered twice
    assert len(build_digests("weekly")) == 1
