"""The Content-Security-Policy: our own scripts and styles only, and no template that would need more.

With no 'unsafe-inline' a browser runs no inline script, no on* attribute and no inline style; these tests
hold the policy to that and hold our templates (and the admin pages we serve) to needing nothing more.
htmx 2 works under it because base.html switches off the <style> it would inject and its eval features.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import (
    EventFactory,
    LawsuitFactory,
    OrganisationFactory,
    PersonFactory,
    UnionAgreementFactory,
)
from tests.security.htmlcheck import scan

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy(response):
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_timeline_sends_a_policy_of_own_scripts_and_styles_only(client):
    directives = policy(client.get("/"))
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    everything = " ".join(v for values in directives.values() for v in values)
    assert "'unsafe-inline'" not in everything and "'unsafe-eval'" not in everything and "*" not in everything


@pytest.mark.django_db
def test_every_public_page_and_the_admin_send_the_same_policy(client, admin_client):
    event = EventFactory(
        organisations=[OrganisationFactory()],
        people=[PersonFactory()],
        lawsuit=LawsuitFactory(),
        agreement=UnionAgreementFactory(),
    )
    expected = client.get("/")["Content-Security-Policy"]
    pages = [
        "/?q=x",
        event.get_absolute_url(),
        reverse("events:organisations"),
        event.organisations.get().get_absolute_url(),
        event.people.get().get_absolute_url(),
        reverse("events:lawsuits"),
        event.lawsuit.get_absolute_url(),
        reverse("events:agreements"),
        event.agreement.get_absolute_url(),
        "/no-such-page/",
    ]
    for url in pages:
        assert client.get(url)["Content-Security-Policy"] == expected, url
    assert client.get("/admin/login/")["Content-Security-Policy"] == expected
    assert admin_client.get("/admin/events/event/")["Content-Security-Policy"] == expected


def test_base_template_turns_off_htmx_injected_styles_and_eval():
    base = (TEMPLATES / "base.html").read_text()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", base)
    assert meta, "base.html must configure htmx"
    import json

    config = json.loads(meta.group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    vendored = (Path(settings.BASE_DIR) / "static" / "vendor" / "htmx.min.js").read_text()
    assert "includeIndicatorStyles" in vendored, "the vendored htmx must know the setting (htmx 2)"
    assert ".htmx-indicator" in (Path(settings.BASE_DIR) / "static" / "css" / "dailies.css").read_text()


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
SCRIPT_BODY = re.compile(r"<script\b[^>]*>(.*?)</script>", re.I | re.S)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
HANDLER_ATTRIBUTE = re.compile(r"\s(?:hx-|data-hx-)?on[a-z:-]*\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
TEMPLATE_COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


# Known offenders, owned elsewhere: under the policy the browser ignores the inline block (layout only).
def our_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        yield pytest.param(path, id=str(path.relative_to(TEMPLATES)))


@pytest.mark.parametrize("template", list(our_templates()))
def test_no_template_has_inline_script_inline_style_or_event_handler(template):
    text = TEMPLATE_COMMENTS.sub("", template.read_text())
    assert not INLINE_SCRIPT.search(text), "inline <script> (put it in static/js/ and load it with src)"
    assert not [body for body in SCRIPT_BODY.findall(text) if body.strip()], "a <script src> with a body"
    assert not STYLE_BLOCK.search(text), "<style> block (put it in static/css/)"
    assert not STYLE_ATTRIBUTE.search(text), "style= attribute (use a class)"
    assert not HANDLER_ATTRIBUTE.search(text), "on*= event handler attribute (use a static script)"
    assert "javascript:" not in text.lower()


@pytest.mark.django_db
def test_admin_pages_need_no_inline_script_or_style_block(admin_client):
    """Django 5.2's admin passes its data in data-* attributes of <script src>: our policy holds there."""
    event = EventFactory(organisations=[OrganisationFactory()])
    organisation = event.organisations.get()
    pages = [
        "/admin/",
        "/admin/events/event/",
        "/admin/events/event/add/",
        f"/admin/events/event/{event.pk}/change/",
        f"/admin/events/event/{event.pk}/history/",
        f"/admin/events/event/{event.pk}/delete/",
        "/admin/events/organisation/",
        f"/admin/events/organisation/{organisation.pk}/change/",
        "/admin/auth/user/",
        "/admin/password_change/",
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        problems = scan(response.content.decode(), admin=True).problems
        assert problems == [], (url, problems)


@pytest.mark.django_db
def test_admin_login_page_needs_no_inline_script(client):
    response = client.get("/admin/login/")
    assert scan(response.content.decode()).problems == []
