"""The readers' pages through the test client: follow, sign in by mailed link, manage, unsubscribe, feeds."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from alerts import accounts
from alerts.models import Delivery, Message, Reader, Subscription
from alerts.sending import build_email, unsubscribe_token
from tests import factories
from tests.alerts.factories import ReaderFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/alerts/sign-in/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _links_point_at_the_test_client(settings):
    settings.ALERTS_SITE_URL = "http://testserver"


@pytest.fixture
def disney():
    return factories.OrganisationFactory(name="The Walt Disney Company")


def signed_in(client, reader):
    session = client.session
    session[accounts.SESSION_KEY] = reader.pk
    session.save()
    return client


def mailed_link():
    return LINK.search(mail.outbox[-1].body).group(1)


def test_the_timeline_and_entity_pages_have_a_follow_link_with_their_filters(client, disney):
    factories.EventFactory(organisations=[disney])
    page = client.get("/", {"org": disney.slug, "kind": "lawsuit_filed"}).content.decode()
    assert f'href="/alerts/follow/?org={disney.slug}&amp;kind=lawsuit_filed"' in page
    page = client.get(disney.get_absolute_url()).content.decode()
    assert f'href="/alerts/follow/?org={disney.slug}"' in page


def test_following_before_signing_in_mails_a_link_and_the_subscription_starts_when_it_is_used(client, disney):
    url = f"/alerts/follow/?org={disney.slug}&kind=lawsuit_filed"
    form = client.get(url)
    assert form.status_code == 200
    assert "Events of The Walt Disney Company, kind Lawsuit filed" in form.content.decode()
    response = client.post(url, {"name": "Disney, lawsuits only", "kinds": ["lawsuit_filed"], "mode": "daily",
                                 "email": "Fan@Example.org"})
    assert response.status_code == 200 and "Check your mail" in response.content.decode()
    assert not Subscription.objects.exists()  # nobody can subscribe someone else's address
    assert mail.outbox[-1].to == ["fan@example.org"]

    link = mailed_link()
    assert "Sign in as fan@example.org" in client.get(link).content.decode()  # GET uses nothing up
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == reverse("alerts:manage")
    subscription = Subscription.objects.get()
    assert subscription.name == "Disney, lawsuits only"
    assert (subscription.kinds, subscription.mode) == (["lawsuit_filed"], "daily")
    assert subscription.organisation_ids == [disney.pk] and subscription.include_subsidiaries
    assert subscription.query == f"kind=lawsuit_filed&org={disney.slug}"
    assert Reader.objects.get().confirmed_at is not None
    page = client.get(reverse("alerts:manage")).content.decode()
    assert "Disney, lawsuits only" in page and "fan@example.org" in page


def test_a_sign_in_link_works_once(client):
    client.post("/alerts/sign-in/", {"email": "a@example.org"})
    link = mailed_link()
    assert client.post(link).status_code == 302
    client.post(reverse("alerts:sign_out"))
    assert client.post(link).status_code == 400
    assert "does not work any more" in client.get(link).content.decode()


def test_a_forged_or_expired_link_signs_nobody_in(client, settings):
    reader = ReaderFactory()
    assert client.post(f"/alerts/sign-in/{accounts.sign_in_token(reader)}x/").status_code == 400
    settings.ALERTS_SIGN_IN_MAX_AGE = -1
    assert client.post(f"/alerts/sign-in/{accounts.sign_in_token(reader)}/").status_code == 400
    assert client.get(reverse("alerts:manage")).status_code == 302


def test_sign_in_links_are_rate_limited_per_address_and_per_client(client, settings):
    settings.ALERTS_SIGN_INS_PER_ADDRESS = 2
    settings.ALERTS_SIGN_INS_PER_IP = 3
    codes = [client.post("/alerts/sign-in/", {"email": "same@example.org"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.post("/alerts/sign-in/", {"email": "other@example.org"}).status_code == 429  # 4th from this IP
    other_ip = client.post("/alerts/sign-in/", {"email": "third@example.org"}, REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200
    assert len(mail.outbox) == 3


def test_a_signed_in_reader_follows_at_once_and_manages_subscriptions(client, disney):
    reader = ReaderFactory()
    signed_in(client, reader)
    client.post(f"/alerts/follow/?org={disney.slug}&exact=1", {"name": "Disney itself", "mode": "immediate",
                                                                 "roles": ["plaintiff"]})
    subscription = Subscription.objects.get(reader=reader)
    assert subscription.include_subsidiaries is False and subscription.roles == ["plaintiff"]
    def action(verb, **data):
        return client.post(f"/alerts/subscriptions/{subscription.pk}/{verb}/", data)

    action("rename", name="Disney as plaintiff")
    action("pause")
    subscription.refresh_from_db()
    assert (subscription.name, subscription.paused) == ("Disney as plaintiff", True)
    action("resume")
    action("weekly")
    subscription.refresh_from_db()
    assert (subscription.paused, subscription.mode) == (False, "weekly")
    action("delete")
    assert not Subscription.objects.exists()


def test_a_reader_cannot_touch_another_readers_subscription(client):
    theirs = SubscriptionFactory()
    signed_in(client, ReaderFactory())
    assert client.post(f"/alerts/subscriptions/{theirs.pk}/delete/").status_code == 404
    assert client.get(f"/alerts/subscriptions/{theirs.pk}/delete/").status_code == 405
    assert Subscription.objects.filter(pk=theirs.pk).exists()


def test_a_bad_view_or_an_unsafe_webhook_is_refused_with_a_message(client, settings):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = False
    assert client.get("/alerts/follow/?org=nobody-we-know").status_code == 400
    signed_in(client, ReaderFactory())
    response = client.post("/alerts/follow/", {"name": "x", "mode": "off", "webhook_url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 400 and "loopback" in response.content.decode()
    assert not Subscription.objects.exists()


def test_readers_are_not_users_and_never_reach_the_admin(client):
    reader = ReaderFactory()
    signed_in(client, reader)
    assert not User.objects.exists()
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("alerts:overview")).status_code == 302


def _sent_message(subscription, event):
    message = Message.objects.create(reader=subscription.reader, kind=Message.Kind.ALERT)
    Delivery.objects.create(subscription=subscription, event=event, channel="email", message=message)
    return message


def test_one_click_unsubscribe_works_from_the_header_alone(client):
    subscription = SubscriptionFactory(mode="immediate")
    message = _sent_message(subscription, factories.EventFactory())
    email = build_email(message)
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://testserver/alerts/unsubscribe/")
    client.cookies.clear()
    response = client.post(url.removeprefix("http://testserver"), "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.mode == Subscription.Mode.OFF


def test_unsubscribe_get_asks_first_and_a_damaged_token_is_a_clear_400(client):
    subscription = SubscriptionFactory(mode="daily")
    message = _sent_message(subscription, factories.EventFactory())
    page = client.get(f"/alerts/unsubscribe/{unsubscribe_token(message.pk)}/")
    assert page.status_code == 200 and "Stop these emails?" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.mode == "daily"
    assert client.post(f"/alerts/unsubscribe/{unsubscribe_token(message.pk)}x/").status_code == 400


def test_the_private_atom_feed_lists_what_the_subscription_matched(client):
    subscription = SubscriptionFactory()
    event = factories.EventFactory(title="Studio sues a model maker")
    Delivery.objects.create(subscription=subscription, event=event, channel="feed", status="sent")
    response = client.get(f"/alerts/feed/{subscription.atom_secret}.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    assert "Studio sues a model maker" in response.content.decode()
    assert client.get("/alerts/feed/not-a-secret.atom").status_code == 404


def test_curators_see_counts_and_only_administrators_see_addresses(client, curator):
    SubscriptionFactory(reader=ReaderFactory(email="private@example.org"))
    client.force_login(curator)
    page = client.get(reverse("alerts:overview")).content.decode()
    assert "1 reader" in page and "private@example.org" not in page
    admin = User.objects.create_superuser("admin", password="pw-admin-1")
    client.force_login(admin)
    assert "private@example.org" in client.get(reverse("alerts:overview")).content.decode()
