"""Optional passwords: set from the reader's page, then email + password signs in; the link still works;
wrong passwords are limited like links are; a reader with a password is still no user of the admin."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from alerts import accounts
from alerts.models import Reader
from tests.alerts.factories import ReaderFactory

pytestmark = pytest.mark.django_db

GOOD = "plum orchard ledger 42"
LINK = re.compile(r"http://testserver(/alerts/sign-in/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _fast_real_hashes(settings):
    # A real Django hasher, the cheap one the Django docs suggest for tests (PBKDF2's million rounds would
    # make each check a second on this shared machine); the code path is the production one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALERTS_SITE_URL = "http://testserver"


def signed_in(client, reader):
    session = client.session
    session[accounts.SESSION_KEY] = reader.pk
    session.save()
    return client


def set_password(client, first, second=None):
    return client.post(reverse("alerts:password"), {"new_password1": first, "new_password2": second or first},
                       follow=True)


def sign_in_with(client, email, password, **extra):
    return client.post(reverse("alerts:sign_in_password"), {"email": email, "password": password}, **extra)


def test_a_reader_sets_a_password_on_their_page_and_then_signs_in_with_it(client):
    reader = ReaderFactory(email="fan@example.org")
    page = signed_in(client, reader).get(reverse("alerts:manage")).content.decode()
    assert "Set password" in page
    assert "Your password is set" in set_password(client, GOOD).content.decode()
    reader.refresh_from_db()
    assert reader.password.startswith("md5$") and GOOD not in reader.password  # a hash, not the password

    client.post(reverse("alerts:sign_out"))
    assert client.get(reverse("alerts:manage")).status_code == 302
    response = sign_in_with(client, "Fan@Example.org ", GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("alerts:manage")
    assert "Signed in as fan@example.org" in client.get(reverse("alerts:manage")).content.decode()


def test_weak_or_mismatched_passwords_are_refused_with_the_validators_messages(client):
    reader = ReaderFactory(email="someone@example.org")
    signed_in(client, reader)
    cases = {
        "short": "This password is too short",
        "password123": "This password is too common",
        "83920174625": "This password is entirely numeric",
        "someone@example.org": "too similar to the email",
    }
    for weak, message in cases.items():
        assert message in set_password(client, weak).content.decode(), weak
    assert "The two passwords differ" in set_password(client, GOOD, GOOD + "!").content.decode()
    reader.refresh_from_db()
    assert reader.password == ""


def test_a_wrong_password_or_an_address_without_one_signs_nobody_in(client):
    reader = ReaderFactory(email="fan@example.org")
    accounts.set_password(reader, GOOD)
    ReaderFactory(email="linkonly@example.org")
    for email, password in [("fan@example.org", "not it at all"), ("linkonly@example.org", ""),
                            ("linkonly@example.org", GOOD), ("nobody@example.org", GOOD)]:
        response = sign_in_with(client, email, password)
        assert response.status_code == 400, email
        assert client.get(reverse("alerts:manage")).status_code == 302
    assert "do not match" in sign_in_with(client, "fan@example.org", "nope nope nope").content.decode()


def test_wrong_passwords_are_rate_limited_per_address_and_per_client_and_the_link_still_works(client, settings):
    settings.ALERTS_SIGN_INS_PER_ADDRESS = 3
    settings.ALERTS_SIGN_INS_PER_IP = 5
    reader = ReaderFactory(email="fan@example.org")
    accounts.set_password(reader, GOOD)
    codes = [sign_in_with(client, "fan@example.org", f"guess {n}").status_code for n in range(3)]
    assert codes == [400, 400, 400]
    locked = sign_in_with(client, "fan@example.org", GOOD)  # the right one too, once the limit is reached
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.content.decode()
    assert sign_in_with(client, "fan@example.org", GOOD, REMOTE_ADDR="10.0.0.7").status_code == 429

    # Per client: two more failures on other addresses from this IP reach its limit of five.
    for email in ("a@example.org", "b@example.org"):
        assert sign_in_with(client, email, "guess").status_code == 400
    accounts.set_password(ReaderFactory(email="other@example.org"), GOOD)
    assert sign_in_with(client, "other@example.org", GOOD).status_code == 429
    assert sign_in_with(client, "other@example.org", GOOD, REMOTE_ADDR="10.0.0.8").status_code == 302

    # The mailed link is untouched by password failures.
    client.post(reverse("alerts:sign_out"))
    assert client.post(reverse("alerts:sign_in"), {"email": "fan@example.org"}).status_code == 200
    link = LINK.search(mail.outbox[-1].body).group(1)
    assert client.post(link).status_code == 302
    assert "Signed in as fan@example.org" in client.get(reverse("alerts:manage")).content.decode()


def test_a_reader_can_remove_the_password_and_the_link_works_with_or_without_one(client):
    reader = ReaderFactory(email="fan@example.org")
    accounts.set_password(reader, GOOD)
    client.post(reverse("alerts:sign_in"), {"email": "fan@example.org"})
    assert client.post(LINK.search(mail.outbox[-1].body).group(1)).status_code == 302
    page = client.post(reverse("alerts:password"), {"remove": "1"}, follow=True).content.decode()
    assert "Your password is removed" in page
    client.post(reverse("alerts:sign_out"))
    assert sign_in_with(client, "fan@example.org", GOOD).status_code == 400


def test_setting_a_password_needs_a_signed_in_reader(client):
    assert client.post(reverse("alerts:password"), {"new_password1": GOOD, "new_password2": GOOD}).status_code == 302
    assert client.get(reverse("alerts:password")).status_code == 405
    assert not Reader.objects.exclude(password="").exists()


def test_a_reader_with_a_password_is_still_no_admin_user(client):
    reader = ReaderFactory(email="fan@example.org")
    accounts.set_password(reader, GOOD)
    assert sign_in_with(client, "fan@example.org", GOOD).status_code == 302
    assert not User.objects.exists()
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("alerts:overview")).status_code == 302
    # The admin's own login knows no reader either.
    response = client.post("/admin/login/", {"username": "fan@example.org", "password": GOOD, "next": "/admin/"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
