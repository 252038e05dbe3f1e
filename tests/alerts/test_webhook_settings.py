"""The webhook from the management page: edited behind the fetcher's address guard, its secret rotated and
shown once, and every POST after a rotation signed with the new secret (a loopback webhook server)."""

import hashlib
import hmac
import re

import pytest
from django.urls import reverse

from alerts import accounts, sending
from alerts.deliveries import record_deliveries
from alerts.models import Delivery
from tests import factories
from tests.alerts.factories import ReaderFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
SECRET = re.compile(r'Webhook signing secret: <code>([^<]+)</code>')


@pytest.fixture(autouse=True)
def _loopback_targets_allowed(settings):
    # The webhook server listens on loopback, which only this setting lets through (as in the demo);
    # the refusal test below switches it off again.
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True


@pytest.fixture
def studio():
    return factories.OrganisationFactory(name="Northlight Studios")


@pytest.fixture
def reader(client):
    reader = ReaderFactory()
    session = client.session
    session[accounts.SESSION_KEY] = reader.pk
    session.save()
    return reader


def manage_page(client):
    return client.get(reverse("alerts:manage")).content.decode()


def act(client, subscription, action, **data):
    return client.post(reverse("alerts:subscription_action", args=[subscription.pk, action]), data)


def signed_with(secret, hook):
    expected = hmac.new(secret.encode(), f"{hook.headers['x-dailies-timestamp']}.".encode() + hook.body,
                        hashlib.sha256).hexdigest()
    return hook.headers["x-dailies-signature"] == f"sha256={expected}"


def deliver(event, subscription):
    """Record `event`'s deliveries and POST the webhook one as the send task does."""
    record_deliveries(event.pk)
    delivery = Delivery.objects.get(event=event, subscription=subscription, channel="webhook")
    assert sending.send_webhook(delivery.pk, "task-1")
    return delivery


def test_a_webhook_is_set_from_the_page_and_its_secret_shown_once(client, reader, studio, webhook_server):
    subscription = SubscriptionFactory(reader=reader, organisation_ids=[studio.pk])
    assert "Save webhook" in manage_page(client) and "New signing secret" not in manage_page(client)
    act(client, subscription, "webhook", webhook_url=webhook_server.url("/first"))
    subscription.refresh_from_db()
    assert subscription.webhook_url == webhook_server.url("/first")
    page = manage_page(client)
    assert SECRET.search(page).group(1) == subscription.webhook_secret
    assert subscription.webhook_secret not in manage_page(client)  # once only

    act(client, subscription, "webhook", webhook_url=webhook_server.url("/moved"))
    subscription.refresh_from_db()
    assert subscription.webhook_url.endswith("/moved") and not SECRET.search(manage_page(client))
    hook_delivery = deliver(factories.EventFactory(organisations=[studio]), subscription)
    assert [h.path for h in webhook_server.hooks] == ["/moved"] and hook_delivery.pk

    act(client, subscription, "webhook", webhook_url="")
    subscription.refresh_from_db()
    assert subscription.webhook_url == ""
    record_deliveries(factories.EventFactory(organisations=[studio]).pk)
    assert subscription.deliveries.filter(channel="webhook").count() == 1  # no webhook, no webhook delivery


@pytest.mark.parametrize("target, message", [
    ("http://127.0.0.1:9/hook", "loopback"),
    ("http://10.1.2.3/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("ftp://example.org/hook", "http"),
    ("not a url", "Enter a valid URL"),
])
def test_an_unsafe_or_bad_webhook_target_is_refused_and_the_old_one_kept(
    client, reader, settings, target, message
):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = False
    subscription = SubscriptionFactory(reader=reader, webhook_url="https://hooks.example.org/in")
    response = act(client, subscription, "webhook", webhook_url=target)
    assert response.status_code == 302
    page = manage_page(client)
    assert "The webhook is unchanged" in page and message.lower() in page.lower()
    subscription.refresh_from_db()
    assert subscription.webhook_url == "https://hooks.example.org/in"


def test_after_rotation_every_webhook_is_signed_with_the_new_secret(client, reader, studio, webhook_server):
    subscription = SubscriptionFactory(reader=reader, organisation_ids=[studio.pk], mode="off",
                                       webhook_url=webhook_server.url("/in"))
    old = subscription.webhook_secret
    deliver(factories.EventFactory(organisations=[studio]), subscription)
    assert signed_with(old, webhook_server.hooks[0])

    # A delivery recorded before the rotation but sent after it (a retry) is signed with the new secret too.
    waiting = factories.EventFactory(organisations=[studio])
    record_deliveries(waiting.pk)
    assert act(client, subscription, "rotate-secret").status_code == 302
    subscription.refresh_from_db()
    new = subscription.webhook_secret
    assert new != old and SECRET.search(manage_page(client)).group(1) == new
    assert new not in manage_page(client)

    sending.send_webhook(Delivery.objects.get(event=waiting, channel="webhook").pk, "task-2")
    deliver(factories.EventFactory(organisations=[studio]), subscription)
    after = webhook_server.hooks[1:]
    assert len(after) == 2 and all(signed_with(new, h) and not signed_with(old, h) for h in after)


def test_another_readers_webhook_cannot_be_changed_or_rotated(client, reader):
    theirs = SubscriptionFactory(webhook_url="https://hooks.example.org/theirs")
    secret = theirs.webhook_secret
    assert act(client, theirs, "webhook", webhook_url="https://evil.example.org/").status_code == 404
    assert act(client, theirs, "rotate-secret").status_code == 404
    theirs.refresh_from_db()
    assert (theirs.webhook_url, theirs.webhook_secret) == ("https://hooks.example.org/theirs", secret)


def test_following_with_a_webhook_shows_its_secret_once(client, reader, studio, webhook_server):
    client.post(f"/alerts/follow/?org={studio.slug}", {"name": "Hooked", "mode": "off",
                                                       "webhook_url": webhook_server.url("/f")})
    subscription = reader.subscriptions.get()
    assert SECRET.search(manage_page(client)).group(1) == subscription.webhook_secret
    assert subscription.webhook_secret not in manage_page(client)
