"""A fuzz test of every public GET parameter: no value a client can send gets a 5xx, on PostgreSQL.

Deterministic (a fixed seed) and bounded (ROUNDS requests per path, a few hundred in all). Values cover
what attacks on the running site used: dates out of every range, numbers past bigint, unicode (RTL,
combining marks, astral, lone surrogates and invalid UTF-8 as raw percent-escapes), NUL, 100 KB values,
a parameter repeated hundreds of times, forged "load more" cursors, and HEAD as well as GET.
"""

import random
from urllib.parse import quote

import pytest

from events.queries import CURSOR_SIGNER
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, PersonFactory, UnionAgreementFactory

pytestmark = pytest.mark.django_db

SEED = 20261203
ROUNDS = 24

TIMELINE_PARAMS = ["org", "exact", "person", "kind", "lawsuit", "agreement", "date_from", "date_to", "q", "cursor",
                   "page_size", "include_past", "page", "format"]
PATHS = {
    "/": TIMELINE_PARAMS,
    "/api/events": TIMELINE_PARAMS,
    "/export.csv": TIMELINE_PARAMS,
    "/feed.atom": TIMELINE_PARAMS,
    "/feed.rss": TIMELINE_PARAMS,
    "/calendar.ics": TIMELINE_PARAMS,
    "/organisations/": ["page"],
    "/organisations/suggest": ["q", "org_search", "org"],
    "/organisations/openai/": TIMELINE_PARAMS,
    "/people/sam-altman/": TIMELINE_PARAMS,
    "/lawsuits/": ["page"],
    "/agreements/": ["page"],
}

DATES = ["9999-12-31", "0001-01-01", "0000-00-00", "2024-02-30", "2024-13-01", "-2024-01-01", "20240101",
         "2024-1-1", "1899-12-31", "2101-01-01", "2024-01-01T00:00:00", "１９９９-０１-０１", "2024-01-01%00"]
NUMBERS = ["0", "-1", "1", "100", "101", str(2**63), str(2**63 - 1), str(2**64), "9" * 400, "1e309", "NaN",
           "inf", "-0", "0x10", "٣", "1_000", " 5 ", "5.5", "92233720368547760"]
UNICODE = ["\u202eevil", "e\u0301\u0301\u0301", "\U0001f3ac\U0001f916", "\ufeff", "\uffff", "Ω" * 300,
           "Ἀθῆναι", "<script>alert(1)</script>", "' OR 1=1 --", "%", "\\", "../../etc/passwd", "${jndi:x}"]
RAW_ESCAPES = ["%00", "%ED%A0%80", "%FF%FE", "%C0%AF", "%E2%80%AE", "%25%00", "a%00b", "%0D%0ASet-Cookie:x=1"]


def forged_cursors(rng):
    yield "not-a-cursor"
    yield CURSOR_SIGNER.sign("2024-01-01.1")[:-3] + "abc"
    yield CURSOR_SIGNER.sign("9999-12-31.99999999999999999999")  # signed by us, out of every range
    yield CURSOR_SIGNER.sign("0000-00-00.-1")
    yield CURSOR_SIGNER.sign("2024-01-01")
    yield "".join(rng.choice("abcdefABCDEF0123456789:._-") for _ in range(rng.randint(1, 300)))


def value(rng, name):
    kind = rng.random()
    if name == "cursor" and kind < 0.5:
        return quote(rng.choice(list(forged_cursors(rng))))
    if kind < 0.15:
        return quote(rng.choice(DATES))
    if kind < 0.30:
        return quote(rng.choice(NUMBERS))
    if kind < 0.45:
        return quote(rng.choice(UNICODE))
    if kind < 0.60:
        return rng.choice(RAW_ESCAPES)  # sent as is: invalid UTF-8 and NUL on the wire
    if kind < 0.65:
        return "x" * 100_000  # a 100 KB value
    if kind < 0.80:
        return rng.choice(["openai", "sam-altman", "lawsuit_filed", "announcement", "1", "true", "OpenAI"])
    return quote("".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 40))))


def query_string(rng, params):
    parts = []
    for _ in range(rng.randint(1, 4)):
        name = rng.choice(params)
        if rng.random() < 0.1:
            parts.extend(f"{name}={value(rng, name)}" for _ in range(rng.choice([50, 300])))  # repeats
        else:
            parts.append(f"{name}={value(rng, name)}")
    if rng.random() < 0.05:
        parts.append(f"{rng.choice(RAW_ESCAPES)}=1")  # a hostile parameter name
    return "&".join(parts)


@pytest.fixture
def registry():
    openai = OrganisationFactory(name="OpenAI", kind="ai_company")
    person = PersonFactory(name="Sam Altman")
    lawsuit = LawsuitFactory()
    agreement = UnionAgreementFactory()
    for n in range(5):
        EventFactory(organisations=[openai], sources=[f"https://news.example.com/{n}"], lawsuit=lawsuit,
                     agreement=agreement)
    return openai, person


@pytest.mark.parametrize("path", sorted(PATHS))
def test_no_public_get_parameter_value_gets_a_server_error(client, registry, path):
    rng = random.Random(f"{SEED}:{path}")
    failures = []
    for _ in range(ROUNDS):
        qs = query_string(rng, PATHS[path])
        method = client.head if rng.random() < 0.15 else client.get
        headers = {"HX-Request": "true"} if rng.random() < 0.3 else {}
        response = method(f"{path}?{qs}", headers=headers)
        if response.status_code >= 500:
            failures.append((response.status_code, qs[:300]))
        if response.streaming:
            b"".join(response.streaming_content)
    assert not failures, failures
