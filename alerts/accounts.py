"""Readers' sign-in by a mailed one-time link or, for readers who set one, by password; and the rate limits.

The link carries a signed, timestamped token of the reader's id and the time of their last sign-in:
it expires after ALERTS_SIGN_IN_MAX_AGE seconds, and signing in moves `last_sign_in_at`, which makes
every earlier link (this one included) useless. Nothing about the link is stored.

A password is optional and never replaces the link: it is hashed by Django's password hashers, checked by
Django's validators, and failed attempts are limited per address and per client like the links are.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import get_password_validators, validate_password
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


def _rate_key(kind, value):
    # Hashed: the cache holds no address in clear, and entries vanish after the window.
    return f"alerts:sign-in:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _count(kind, value, limit):
    key = _rate_key(kind, value)
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


# --- Passwords (optional) -------------------------------------------------------------------------

# Django's own validators, named here: the project's AUTH_PASSWORD_VALIDATORS are the curators' business.
READER_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ["email"]}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


def check_new_password(reader, raw):
    """django.core.exceptions.ValidationError (the validators' messages) when `raw` is not good enough."""
    validate_password(raw, user=reader, password_validators=get_password_validators(READER_PASSWORD_VALIDATORS))


def set_password(reader, raw):
    """Store the hash of `raw` (validated first by the caller: check_new_password)."""
    reader.password = make_password(raw)
    reader.save(update_fields=["password"])


def clear_password(reader):
    reader.password = ""
    reader.save(update_fields=["password"])


def _too_many_failures(email, ip):
    failures = (cache.get(_rate_key("password-ip", ip)) or 0, cache.get(_rate_key("password-email", email)) or 0)
    return failures[0] >= settings.ALERTS_SIGN_INS_PER_IP or failures[1] >= settings.ALERTS_SIGN_INS_PER_ADDRESS


def reader_for_password(request, email, raw):
    """The reader whose address and password these are, else None. RateLimited once this address or this
    client has failed ALERTS_SIGN_INS_PER_ADDRESS / _PER_IP times within the hour, the right password
    included, so guessing stops there; the mailed link keeps working meanwhile."""
    email, ip = email.strip().lower(), client_address(request)
    if _too_many_failures(email, ip):
        raise RateLimited("Too many wrong passwords. Try again in an hour, or ask for a sign-in link.")
    reader = Reader.objects.filter(email=email).exclude(password="").first()
    if reader is None:
        make_password(raw)  # as long as a real check, so the answer's time does not tell who has a password
    elif check_password(raw, reader.password, setter=lambda new: set_password(reader, new)):  # rehash if need be
        return reader
    _count("password-ip", ip, settings.ALERTS_SIGN_INS_PER_IP)
    _count("password-email", email, settings.ALERTS_SIGN_INS_PER_ADDRESS)
    return None
