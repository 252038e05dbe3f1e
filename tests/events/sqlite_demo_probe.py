"""Run by tests/events/test_sqlite_demo.py in a subprocess: the demo's SQLite path for real.

Migrates the SQLite file named by DATABASE_URL, loads the curated data as `make demo` does, then asks the
public site, through Django's test client, a few searches, filters and pages, and prints what it saw as
one JSON line (prefixed RESULT) for the test to check.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

CARD = re.compile(r'<article class="event kind-(\w+)" id="event-([\w-]+)">')
DATE = re.compile(r'<article class="event[^>]*>\s*<header>\s*<time datetime="(\d{4}-\d{2}-\d{2})"')


def page(client, path, params=None):
    response = client.get(path, params or {})
    html = response.content.decode()
    return {
        "status": response.status_code,
        "cards": [slug for _, slug in CARD.findall(html)],
        "kinds": sorted({kind for kind, _ in CARD.findall(html)}),
        "dates": DATE.findall(html),
        "also_matching": re.findall(r"Also matching (.*?)\.</p>", html),
        "did_you_mean": "Did you mean" in html,
        "html_has": {needle: needle in html for needle in NEEDLES},
    }


NEEDLES = ['href="/?org=midjourney"', "The end date is before the start date."]
SEARCHES = ["Midjourney", "Midjourny", "copyright", "copyrigt", "Crabtree-Ireland", "Electronic Arts", "Mdjournee"]
FILTERS = {
    "lawsuit_filed": {"kind": "lawsuit_filed"},
    "three_kinds": {"kind": ["lawsuit_filed", "ruling", "settlement"]},
    "openai": {"org": "openai"},
    "first_half_2024": {"date_from": "2024-01-01", "date_to": "2024-06-30"},
    "to_before_from": {"date_from": "2024-06-01", "date_to": "2024-01-01"},
}
PAGES = ["/organisations/", "/organisations/openai/", "/lawsuits/", "/agreements/", "/about/", "/feed.atom",
         "/feed.rss", "/export.csv", "/api/events", "/calendar.ics", "/organisations/suggest?q=disn"]


def main():
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_curated", verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    result = {
        "vendor": connection.vendor,
        "timeline": page(client, "/"),
        "search": {q: page(client, "/", {"q": q}) for q in SEARCHES},
        "filters": {name: page(client, "/", params) for name, params in FILTERS.items()},
        "pages": {path: client.get(path).status_code for path in PAGES},
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
