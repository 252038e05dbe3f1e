"""Publishing, mail and webhooks end to end: a real Celery worker on the real Redis, the test database, an
SMTP server (aiosmtpd) and a webhook target on loopback. Each test has its own queue."""

import datetime
import hashlib
import hmac
import json
import os
import re
import signal
import threading

import pytest
from django.urls import reverse
from django.utils.timezone import now as django_now

from alerts import accounts, tasks
from alerts.models import Delivery, Message, WebhookAttempt
from alerts.sending import message_id_header
from config.celery import app
from events.models import Event
from tests import factories
from tests.alerts.conftest import body_html, body_text
from tests.alerts.factories import ReaderFactory, SubscriptionFactory
from tests.ingest.httpserver import wait_until
from tests.ingest.worker import private_queue
from tests.worker_processes import WorkerProcesses

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("celery-worker")]
WORK_TIMEOUT = 60


@pytest.fixture
def queue():
    with private_queue(app, "alerts-test") as name:
        yield name


@pytest.fixture
def workers(transactional_db, queue, tmp_path, smtp_server):
    """start(**env) -> a worker on this test's queue that mails to the loopback SMTP server."""
    processes = WorkerProcesses(tmp_path)

    def start(**env):
        return processes.start(queue, {
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": smtp_server.port, "ALERTS_SITE_URL": "http://dailies.test",
            "ALERTS_WEBHOOK_RETRY_BASE": 2, "ALERTS_WEBHOOK_MAX_ATTEMPTS": 3, **env,
        })

    yield start
    processes.kill_all()


def _queued(queue):
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


def settled(queue):
    """Nothing queued and every delivery in a final state."""
    return not _queued(queue) and not Delivery.objects.exclude(status__in=["sent", "failed", "queued"]).exists()


def finished(worker, task):
    """How many runs of `task` the worker has logged as finished."""
    return worker.log().count(f"alerts.tasks.{task}[") and len(
        [line for line in worker.log().splitlines() if f"alerts.tasks.{task}[" in line and " succeeded in " in line]
    )


def publish(event):
    event.status = Event.Status.PUBLISHED
    event.save()


def test_publishing_sends_one_mail_and_one_signed_webhook_to_each_matching_subscription_only(
    workers, queue, smtp_server, webhook_server, client
):
    disney = factories.OrganisationFactory(name="The Walt Disney Company")
    lucasfilm = factories.OrganisationFactory(name="Lucasfilm", parent=disney)
    openai = factories.OrganisationFactory(name="OpenAI")
    group_suits = SubscriptionFactory(
        reader=ReaderFactory(email="group@example.org"), name="Disney group lawsuits", organisation_ids=[disney.pk],
        kinds=["lawsuit_filed"], webhook_url=webhook_server.url("/group"),
    )
    SubscriptionFactory(reader=ReaderFactory(email="lucas@example.org"), organisation_ids=[lucasfilm.pk],
                        include_subsidiaries=False, webhook_url=webhook_server.url("/lucas"))
    SubscriptionFactory(reader=ReaderFactory(email="deals@example.org"), organisation_ids=[disney.pk],
                        kinds=["deal"], webhook_url=webhook_server.url("/deals"))
    SubscriptionFactory(reader=ReaderFactory(email="openai@example.org"), organisation_ids=[openai.pk],
                        webhook_url=webhook_server.url("/openai"))
    worker = workers()

    draft = factories.EventFactory(status=Event.Status.DRAFT, kind="lawsuit_filed", organisations=[lucasfilm],
                                   title="Lucasfilm sues an image generator")
    draft.title = "Lucasfilm sues an image generator (edited draft)"
    draft.save()
    other = factories.EventFactory(status=Event.Status.DRAFT, kind="statement", organisations=[openai])
    publish(draft)

    inbox = smtp_server.inbox
    assert inbox.wait_for(2, WORK_TIMEOUT)
    assert wait_until(lambda: len(webhook_server.hooks) >= 2 and settled(queue), WORK_TIMEOUT)
    assert sorted(m.envelope_to[0] for m in inbox.messages) == ["group@example.org", "lucas@example.org"]
    assert sorted(h.path for h in webhook_server.hooks) == ["/group", "/lucas"]

    mail = inbox.to("group@example.org")[0]
    assert mail["Subject"] == "Dailies: Lucasfilm sues an image generator (edited draft)"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(mail["List-Unsubscribe"]).strip()  # folded: it is a long header
    assert unsubscribe.startswith("<http://dailies.test/alerts/unsubscribe/") and unsubscribe.endswith(">")
    assert "Lawsuit filed" in body_text(mail) and f"http://dailies.test{draft.get_absolute_url()}" in body_text(mail)
    assert "<h3>" in body_html(mail)

    hook = webhook_server.to("/group")[0]
    expected = hmac.new(group_suits.webhook_secret.encode(), f"{hook.headers['x-dailies-timestamp']}.".encode()
                        + hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["x-dailies-signature"] == f"sha256={expected}"
    payload = json.loads(hook.body)
    assert payload["event"]["title"] == draft.title and payload["subscription"]["name"] == "Disney group lawsuits"
    assert {o["name"] for o in payload["event"]["organisations"]} == {"Lucasfilm"}

    # The other event stays a draft, and a later edit of the published one is no new alert.
    draft.summary = "Corrected summary."
    draft.save()
    other.title = "Still a draft"
    other.save()
    assert wait_until(lambda: finished(worker, "match_event") == 2 and settled(queue), WORK_TIMEOUT)
    assert len(inbox.messages) == 2 and len(webhook_server.hooks) == 2
    assert not Delivery.objects.filter(event=other).exists()

    # One click from the header alone, as a mail client does it: no cookie, no sign-in.
    response = client.post(unsubscribe.strip("<>").removeprefix("http://dailies.test"),
                           "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    group_suits.refresh_from_db()
    assert group_suits.mode == "off"


def test_the_daily_digest_groups_a_readers_events_by_subscription(workers, queue, smtp_server):
    disney = factories.OrganisationFactory(name="The Walt Disney Company")
    openai = factories.OrganisationFactory(name="OpenAI")
    reader = ReaderFactory(email="digest@example.org")
    SubscriptionFactory(reader=reader, name="A: Disney", organisation_ids=[disney.pk], mode="daily")
    SubscriptionFactory(reader=reader, name="B: OpenAI", organisation_ids=[openai.pk], mode="daily")
    SubscriptionFactory(reader=ReaderFactory(email="weekly@example.org"), organisation_ids=[disney.pk], mode="weekly")
    workers()
    for title, organisation in [("Disney deal one", disney), ("OpenAI launch", openai), ("Disney deal two", disney)]:
        publish(factories.EventFactory(status=Event.Status.DRAFT, title=title, organisations=[organisation]))
    assert wait_until(lambda: Delivery.objects.filter(channel="email", status="queued").count() == 5, WORK_TIMEOUT)
    assert smtp_server.inbox.messages == []  # digests wait for the beat

    tasks.send_digests.delay("daily")
    assert smtp_server.inbox.wait_for(1, WORK_TIMEOUT)
    assert wait_until(lambda: settled(queue), WORK_TIMEOUT)
    assert len(smtp_server.inbox.messages) == 1  # the weekly reader waits for Monday
    digest = smtp_server.inbox.messages[0]
    assert digest.envelope_to == ["digest@example.org"] and digest["Subject"] == "Dailies digest: 3 new events"
    text = body_text(digest)
    order = [text.index(s) for s in ["== A: Disney ==", "Disney deal two", "Disney deal one", "== B: OpenAI ==",
                                     "OpenAI launch"]]
    assert order == sorted(order)
    assert Delivery.objects.filter(channel="email", status="queued").count() == 2  # the weekly two


def test_a_worker_killed_mid_send_delivers_the_mail_once_after_restart(workers, queue, smtp_server):
    disney = factories.OrganisationFactory(name="The Walt Disney Company")
    SubscriptionFactory(reader=ReaderFactory(email="once@example.org"), organisation_ids=[disney.pk])
    inbox = smtp_server.inbox
    release = threading.Event()
    inbox.hold = release  # the first message hangs in DATA, as if the SMTP server stalled mid-send
    doomed = workers()
    try:
        publish(factories.EventFactory(status=Event.Status.DRAFT, organisations=[disney]))
        assert inbox.data_started.wait(WORK_TIMEOUT)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        # Recorded as being sent before the SMTP conversation began.
        assert Message.objects.get().status == Message.Status.SENDING and inbox.messages == []
    finally:
        release.set()
    workers(TEST_VISIBILITY_TIMEOUT=2)  # Redis hands the unacknowledged send to the new worker
    assert wait_until(lambda: Message.objects.filter(status="sent").exists(), WORK_TIMEOUT)
    assert wait_until(lambda: settled(queue), WORK_TIMEOUT)
    assert len(inbox.to("once@example.org")) == 1
    assert Message.objects.get().attempts == 2


def test_a_webhook_that_keeps_failing_is_retried_with_growing_delays_and_shown_as_failing(
    workers, queue, webhook_server, client
):
    webhook_server.statuses["/down"] = 503
    reader = ReaderFactory()
    subscription = SubscriptionFactory(
        reader=reader, name="Hooked", mode="off", webhook_url=webhook_server.url("/down")
    )
    workers()
    publish(factories.EventFactory(status=Event.Status.DRAFT, title="Anything at all"))
    assert wait_until(lambda: Delivery.objects.filter(channel="webhook", status="failed").exists(), WORK_TIMEOUT)
    hooks = webhook_server.to("/down")
    assert len(hooks) == 3
    first_gap, second_gap = hooks[1].arrived - hooks[0].arrived, hooks[2].arrived - hooks[1].arrived
    assert first_gap >= 2 and second_gap >= 4  # a retry never runs before its countdown: 2 s, then 4 s
    assert [a.status_code for a in WebhookAttempt.objects.order_by("id")] == [503, 503, 503]

    session = client.session
    session[accounts.SESSION_KEY] = reader.pk
    session.save()
    page = client.get(reverse("alerts:manage")).content.decode()
    assert "Hooked" in page and "1 failing" in page and "Failed: The webhook answered 503." in page
    assert subscription.deliveries.get(channel="webhook").attempts == 3


def test_a_mail_the_server_took_before_the_worker_died_is_resent_with_the_same_message_id(
    workers, queue, smtp_server
):
    """The residual double-send window (alerts.sending): the server has the mail, we never heard its 250.
    The resend cannot be avoided over SMTP; it carries the first one's Message-ID, so it is a known duplicate."""
    disney = factories.OrganisationFactory(name="The Walt Disney Company")
    SubscriptionFactory(reader=ReaderFactory(email="twice@example.org"), organisation_ids=[disney.pk])
    inbox = smtp_server.inbox
    release = threading.Event()
    inbox.hold_after_taking = release
    doomed = workers()
    try:
        publish(factories.EventFactory(status=Event.Status.DRAFT, organisations=[disney]))
        assert wait_until(lambda: len(inbox.messages) == 1, WORK_TIMEOUT)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        message = Message.objects.get()
        assert message.status == Message.Status.SENDING and message.attempts == 1
    finally:
        release.set()
    workers(TEST_VISIBILITY_TIMEOUT=2)
    assert wait_until(lambda: Message.objects.filter(status="sent").exists(), WORK_TIMEOUT)
    first, second = inbox.to("twice@example.org")
    assert first["Message-ID"] == second["Message-ID"] == message_id_header(message)
    assert Message.objects.get().attempts == 2


def sweep(worker):
    """Run the sweeper on `worker` and return what it re-queued (results are not stored: read from its log)."""
    task_id = tasks.sweep_unsent.delay().id
    line = re.compile(rf"alerts\.tasks\.sweep_unsent\[{task_id}\] succeeded in [^:]+: (\d+)")
    assert wait_until(lambda: line.search(worker.log()), WORK_TIMEOUT), worker.log()[-2000:]
    return int(line.search(worker.log()).group(1))


def _forget_unacknowledged(queue):
    """Drop from Redis what a killed worker had taken from `queue` and not acknowledged: the broker lost it
    (a failover, a flush), so only the sweeper can still find the send."""
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        for tag, payload in client.hgetall("unacked").items():
            if json.loads(payload)[2] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def _age_claims(minutes):
    """Move every claim and creation `minutes` into the past, as the sweeper finds them after that long."""
    shift = datetime.timedelta(minutes=minutes)
    for model in (Message, Delivery):
        for row in model.objects.all():
            model.objects.filter(pk=row.pk).update(
                created_at=row.created_at - shift, claimed_at=row.claimed_at and row.claimed_at - shift
            )


def test_the_sweeper_resends_once_what_a_killed_worker_left_claimed_and_the_broker_lost(
    workers, queue, smtp_server, webhook_server
):
    disney = factories.OrganisationFactory(name="The Walt Disney Company")
    SubscriptionFactory(reader=ReaderFactory(email="swept@example.org"), organisation_ids=[disney.pk])
    inbox = smtp_server.inbox
    release = threading.Event()
    inbox.hold = release
    doomed = workers()
    try:
        publish(factories.EventFactory(status=Event.Status.DRAFT, organisations=[disney]))
        assert inbox.data_started.wait(WORK_TIMEOUT)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        release.set()
    _forget_unacknowledged(queue)
    # A webhook delivery left pending by a task that was never run, beside the mail left mid-send.
    hooked = SubscriptionFactory(reader=ReaderFactory(), mode="off", webhook_url=webhook_server.url("/swept"))
    event = factories.EventFactory(status=Event.Status.DRAFT)  # a draft: the row alone says what to send
    webhook = Delivery.objects.create(subscription=hooked, event=event, channel="webhook")
    # And a failing one whose retry task was lost: its countdown (2 s here) passed long ago.
    retrying = Delivery.objects.create(
        subscription=hooked, event=factories.EventFactory(status=Event.Status.DRAFT), channel="webhook",
        status="retrying", attempts=1, claimed_at=django_now(), last_error="The webhook answered 503.",
    )
    message = Message.objects.get()
    assert message.status == Message.Status.SENDING and message.claimed_by

    worker = workers()
    assert sweep(worker) == 0  # fresh claims are left alone
    _age_claims(20)  # past the sweeper's 15 minutes and the claim's 10-minute lease
    assert sweep(worker) == 3
    sent_once = wait_until(lambda: settled(queue) and finished(worker, "send_message") == 1, WORK_TIMEOUT)
    assert sent_once, worker.log()[-3000:]
    assert sweep(worker) == 0  # nothing is left to sweep
    assert wait_until(lambda: settled(queue), WORK_TIMEOUT)
    assert len(inbox.to("swept@example.org")) == 1 and len(webhook_server.to("/swept")) == 2
    for row in (message, webhook, retrying):
        row.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2) and (webhook.status, webhook.attempts) == ("sent", 1)
    assert (retrying.status, retrying.attempts) == ("sent", 2)
