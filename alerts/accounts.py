"""Readers' sign-in by a mailed one-time link, and the rate limits on asking for one.

The link carries a signed, timestamped token of the reader's id and the time of their last sign-in:
it expires after ALERTS_SIGN_IN_MAX_AGE seconds, and signing in moves `last_sign_in_at`, which makes
every earlier link (this one included) useless. Nothing about the link is stored.
"""

import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Reader

SIGN_IN_SALT = "alerts.sign-in"
SESSION_KEY = "alerts_reader_id"
RATE_WINDOW = 3600


class RateLimited(Exception):
    """Too many sign-in links asked for, by this address or from this client."""


def _stamp(reader):
    return reader.last_sign_in_at.isoformat() if reader.last_sign_in_at else "never"


def sign_in_token(reader, following=None):
    """A link's token; `following`: a view the reader asked to follow before signing in (it is created
    when they sign in, so nobody can add subscriptions to someone else's address)."""
    payload = {"r": reader.pk, "s": _stamp(reader)}
    if following:
        payload["f"] = following
    return signing.TimestampSigner(salt=SIGN_IN_SALT).sign_object(payload, compress=True)


def reader_for_token(token):
    """(reader, following) of a token; (None, None) when it is forged, expired or used already."""
    try:
        payload = signing.TimestampSigner(salt=SIGN_IN_SALT).unsign_object(
            token, max_age=settings.ALERTS_SIGN_IN_MAX_AGE
        )
        reader = Reader.objects.filter(pk=payload["r"]).first()
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None, None
    if reader is None or payload.get("s") != _stamp(reader):
        return None, None
    return reader, payload.get("f")


def sign_in(request, reader):
    """Mark the token used and put the reader in the session (a new session key: no fixation)."""
    now = timezone.now()
    first_time = reader.confirmed_at is None
    reader.last_sign_in_at = now
    reader.confirmed_at = reader.confirmed_at or now
    reader.save(update_fields=["last_sign_in_at", "confirmed_at"])
    if first_time:
        from .matching import index_subscription

        for subscription in reader.subscriptions.select_related("reader"):
            index_subscription(subscription)  # only now can they match
    request.session.cycle_key()
    request.session[SESSION_KEY] = reader.pk


def sign_out(request):
    request.session.pop(SESSION_KEY, None)


def current_reader(request):
    pk = request.session.get(SESSION_KEY)
    return Reader.objects.filter(pk=pk).first() if pk else None


def client_address(request):
    return request.META.get("REMOTE_ADDR", "")


def _count(kind, value, limit):
    # Hashed: the cache holds no address in clear, and entries vanish after the window.
    key = f"alerts:sign-in:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"
    cache.add(key, 0, RATE_WINDOW)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW)
        n = 1
    return n <= limit


def check_rate(email, ip):
    """RateLimited when this address or this client asked for too many links within the hour."""
    ip_ok = _count("ip", ip, settings.ALERTS_SIGN_INS_PER_IP)
    address_ok = _count("email", email, settings.ALERTS_SIGN_INS_PER_ADDRESS)
    if not (ip_ok and address_ok):
        raise RateLimited("Too many sign-in links were asked for. Try again in an hour.")


def mail_sign_in_link(request, email, *, following=None):
    """Find or make the reader of `email` and mail them a sign-in link. RateLimited first if need be."""
    email = email.strip().lower()
    check_rate(email, client_address(request))
    reader, _ = Reader.objects.get_or_create(email=email)
    token = sign_in_token(reader, following)
    link = settings.ALERTS_SITE_URL.rstrip("/") + reverse("alerts:sign_in_link", args=[token])
    context = {"link": link, "following": following, "minutes": settings.ALERTS_SIGN_IN_MAX_AGE // 60}
    message = EmailMultiAlternatives(
        subject="Your Dailies sign-in link",
        body=render_to_string("alerts/mail/sign_in.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reader.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("alerts/mail/sign_in.html", context), "text/html")
    message.send()
    return reader
