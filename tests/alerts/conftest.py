"""Fixtures for alerts: a real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.ingest.httpserver import wait_until


class Inbox:
    """aiosmtpd handler: every accepted message, parsed. `hold` makes the next DATA wait (a stuck send) and
    then refuses it; `hold_after_taking` keeps the next message, then waits before answering 250 (a server
    that took the mail while the sender died before hearing so)."""

    def __init__(self):
        self.messages = []
        self.hold = None  # a threading.Event: DATA waits for it, then refuses the message
        self.hold_after_taking = None  # a threading.Event: DATA keeps the message, waits for it, then 250
        self.data_started = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        import asyncio

        self.data_started.set()
        if self.hold is not None:
            hold, self.hold = self.hold, None
            while not hold.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        if self.hold_after_taking is not None:
            hold, self.hold_after_taking = self.hold_after_taking, None
            while not hold.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if address in m.envelope_to]

    def wait_for(self, count, timeout=60):
        return wait_until(lambda: len(self.messages) >= count, timeout)


def free_port():
    # aiosmtpd connects to its own port once started, so it cannot take port 0: ask the system for one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """An SMTP server on 127.0.0.1:<free port>; `.inbox` holds what it accepted."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Mail from this test process (sign-in links) goes to the loopback SMTP server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    return smtp_server


def body_text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def body_html(message):
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def webhook_server():
    from tests.alerts.webhook_server import WebhookServer

    with WebhookServer() as server:
        yield server
