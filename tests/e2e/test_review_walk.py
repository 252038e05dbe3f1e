"""A curator's morning in Chromium: ten drafts, those of the demo's sample (one of its six joins the
published deal as a proposed source) and five reports of our own, each published, rejected or merged into
a suggested duplicate; a proposed source accepted; a candidate name added to the registry. After each
step the public site is checked as a reader sees it.

The walk counts page loads and clicks per decision and prints them (and writes them to
test-artifacts/review-walk.txt), opening a list from the admin home counted apart: a draft that is right as
proposed takes one click and one page load (Publish, which opens the next draft), as do a reject and an
accepted proposed source (Accept opens the next one); a merge into a suggested duplicate takes two (the
confirmation that names it, then Merge); a candidate name two (the prefilled form, then Save, which comes
back to the list). axe checks every admin page the review touches at 1280 and 1024 px.
"""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, run_axe

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

PASSWORD = "pw-curator-walk-1"
NAVIGATION_MS = 45_000  # the admin pages load many files; the machine running the suite is often busy
# The elements reaching furthest right, to say what makes a page scroll sideways.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .map(e => [Math.round(e.getBoundingClientRect().right), e.tagName + '.' + e.className + '#' + e.id])
  .sort((a, b) => b[0] - a[0]).slice(0, 6)"""
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1280, "height": 800}
REGISTRY = [
    ("Lionsgate", "studio"), ("Runway", "ai_company"), ("The Walt Disney Company", "studio"),
    ("Universal Pictures", "studio"), ("Midjourney", "ai_company"), ("OpenAI", "ai_company"),
    ("Writers Guild of America", "union"), ("Amazon", "tech_company"), ("Electronic Arts", "studio"),
    ("Stability AI", "ai_company"),
]
OWN_REPORTS = [  # (kind, date, title, lead, names): our words
    ("deal", datetime.date(2024, 9, 19), "Lionsgate and Runway agree a model trained on the studio's films",
     "Lionsgate will let Runway train a video model on its catalogue. The studio keeps the model.",
     ["Lionsgate", "Runway"]),
    ("statement", datetime.date(2025, 2, 3), "A guild asks members about AI tools on set",
     "The guild sent a survey to its members. It asks how AI tools are used.", ["Writers Guild of America"]),
    ("product_launch", datetime.date(2025, 3, 1), "Runway shows a new video model to studios",
     "Runway presented a video model to studio executives. It makes longer clips.", ["Runway"]),
    ("announcement", datetime.date(2025, 4, 2), "Amazon names a head of AI for its studios",
     "Amazon appointed an executive to lead AI work at its studios. She starts in May.", ["Amazon"]),
    ("investment", datetime.date(2025, 5, 6), "Stability AI raises money for film tools",
     "Stability AI raised new funding. It plans tools for film crews.", ["Stability AI"]),
    # The eleventh, left for the accessibility checks after the walk.
    ("statement", datetime.date(2025, 6, 9), "Electronic Arts explains its AI rules for game art",
     "Electronic Arts published rules for AI in game art. Artists keep the final say.", ["Electronic Arts"]),
]


@pytest.fixture(scope="module")
def morning(committed_rows):
    """A published event for the merge and the proposed source, the sample's drafts, and our four."""

    def build():
        from django.contrib.auth.models import Group, User

        from events import services
        from events.models import Event, Organisation, Source
        from ingest.models import Article, CandidateName
        from ingest.services import ingest_sample

        marks = {model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
                 for model in (Event, Organisation, Article)}
        organisations = {name: Organisation.objects.get_or_create(name=name, defaults={"kind": kind})[0]
                         for name, kind in REGISTRY}
        deal = Event.objects.create(
            title="Lionsgate partners with Runway on a custom AI video model", kind="deal",
            date=datetime.date(2024, 9, 18), status="published", summary="A studio deal.",
        )
        deal.organisation_links.create(organisation=organisations["Lionsgate"])
        deal.organisation_links.create(organisation=organisations["Runway"])
        Source.objects.create(event=deal, url="https://trade.example.com/lionsgate-runway", title="The deal")
        ingest_sample()
        for kind, day, title, lead, names in OWN_REPORTS:
            services.propose_event(
                kind=kind, date=day, title=title, summary=lead, find_match=False,
                organisations=[(organisations[n].pk, "subject") for n in names],
                source_url=f"https://walk.example.com/{day:%Y%m%d}", source_title=title,
            )
        # A second report of the published deal: ingest makes it a proposed source.
        services.propose_event(
            kind="deal", date=deal.date, title="Second report", event=deal,
            source_url="https://walk.example.com/second-report", source_title="Runway and Lionsgate, a second report",
        )
        article = Article.objects.order_by("pk").first()
        if not CandidateName.objects.filter(status="open").exists():
            CandidateName.objects.create(article=article, name="Quillfeather Studios", key="quillfeather studios",
                                         kind="organisation", cue="… Studios",
                                         sentence="Quillfeather Studios joined the talks.")
        user = User.objects.create_user("walker", password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name="Curators"))
        drafts = list(Event.objects.filter(status="draft").order_by("-created_at", "-id"))
        return marks, deal, drafts

    marks, deal, drafts = committed_rows(build)
    yield deal, drafts

    def remove():
        from django.contrib.auth.models import User

        from events.models import Event, Organisation
        from ingest.models import Article, Feed, IngestRun

        Article.objects.filter(pk__gt=marks[Article]).delete()
        Feed.objects.all().delete()
        IngestRun.objects.all().delete()
        Event.objects.filter(pk__gt=marks[Event]).delete()
        Organisation.objects.filter(pk__gt=marks[Organisation]).delete()
        User.objects.filter(username="walker").delete()

    committed_rows(remove)


class Walk:
    """Counts what a curator does: page loads (main-frame navigations) and clicks."""

    def __init__(self, page):
        self.page, self.loads, self.clicks, self.per_draft = page, 0, 0, []
        page.on("framenavigated", lambda frame: frame == page.main_frame and self._loaded())

    def _loaded(self):
        self.loads += 1

    def click(self, locator):
        self.clicks += 1
        with self.page.expect_navigation(wait_until="domcontentloaded", timeout=NAVIGATION_MS):
            locator.click()

    def done(self, what):
        self.per_draft.append((what, self.loads, self.clicks))
        self.loads = self.clicks = 0


def log_in(page):
    page.set_default_navigation_timeout(NAVIGATION_MS)
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill("walker")
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=NAVIGATION_MS):
        page.locator('input[type="submit"]').click()


def reader_sees(new_page, url):
    """A reader's browser on a public page that exists."""
    reader = new_page()
    response = reader.goto(url, wait_until="domcontentloaded", timeout=NAVIGATION_MS)
    assert response.status == 200, url
    return reader


def reader_status(url):
    """What a reader gets for a page that should be gone. Asked of the view itself, not the browser: a
    404 there (and in the server's log) would count as a problem of the walk."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get(url)
    request.user, request.htmx = AnonymousUser(), False
    match = resolve(url)
    try:
        return match.func(request, *match.args, **match.kwargs).status_code
    except Http404:
        return 404


def test_a_curator_walks_through_ten_drafts_and_readers_see_each_decision(new_page, morning):
    from events.models import Event, Organisation, ProposedSource, Source

    deal, drafts = morning
    assert len(drafts) >= 10, f"the morning has {len(drafts)} drafts"
    page = new_page(viewport=DESKTOP)
    log_in(page)
    walk = Walk(page)
    walk.click(page.get_by_role("link", name="review the newest draft"))  # beside the home's count of drafts
    walk.done("open the queue from the admin home")
    merged = False
    for n in range(10):
        draft = Event.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))
        duplicates = page.locator("#duplicates li")
        if not merged and n >= 1 and duplicates.count():
            merged = True
            # Merge into the first suggested duplicate: one click to the confirmation naming it, one to merge.
            target_title = duplicates.first.locator(".duplicate-title").inner_text()
            walk.click(duplicates.first.locator("a.merge-into"))
            expect(page.locator(".merge-confirm")).to_contain_text(target_title)
            walk.click(page.locator('input[type="submit"].default'))
            walk.done("merge into a suggested duplicate")
            target = Event.objects.get(title=target_title)
            assert reader_status(draft.get_absolute_url()) == 404
            assert Event.objects.get(pk=draft.pk).status == "rejected"
            if target.status == "published":
                reader = reader_sees(new_page, target.get_absolute_url())
                url = Source.objects.filter(event=target).order_by("-id").first().url
                expect(reader.locator(f'a[href="{url}"]')).to_have_count(1)
        elif n in (4, 7):
            walk.click(page.locator('button[name="_reject"]'))
            walk.done("reject")
            assert reader_status(draft.get_absolute_url()) == 404
        else:
            walk.click(page.locator('button[name="_publish"]'))
            walk.done("publish as proposed")
            reader = reader_sees(new_page, Event.objects.get(pk=draft.pk).get_absolute_url())
            expect(reader.locator("h1, h2, h3").filter(has_text=draft.title).first).to_be_visible()
        if "/draftevent/" not in page.url or "/change/" not in page.url:
            break
    assert merged, "one of the drafts had a suggested duplicate to merge into"

    # The proposed source of the published deal: from the home's count, accept in one click.
    page.goto("/admin/")
    walk.click(page.get_by_role("link", name="review the first proposal"))
    walk.done("open the proposed sources from the admin home")
    waiting = set(ProposedSource.objects.values_list("pk", flat=True))
    walk.click(page.locator('button[name="_accept"]'))
    walk.done("accept a proposed source")
    accepted = Source.objects.get(pk__in=waiting - set(ProposedSource.objects.values_list("pk", flat=True)))
    assert accepted.review == "accepted"
    reader = reader_sees(new_page, accepted.event.get_absolute_url())
    expect(reader.locator(f'a[href="{accepted.url}"]')).to_have_count(1)
    for still_proposed in ProposedSource.objects.filter(event=accepted.event):
        expect(reader.locator(f'a[href="{still_proposed.url}"]')).to_have_count(0)

    # A candidate name becomes an organisation: the add form arrives filled in, Save comes back to the list
    # of names, and the name has left it.
    page.goto("/admin/")
    walk.click(page.get_by_role("link", name="candidate name", exact=False).first)
    walk.done("open the candidate names from the admin home")
    add = page.locator("a.button", has_text="Add as organisation").first
    walk.click(add)
    name = page.locator("#id_name").input_value()
    assert name and "Named in an article" in page.locator("#id_description").input_value()
    walk.click(page.locator('input[name="_save"]'))
    walk.done("add a candidate name")
    assert "/ingest/candidatename/" in page.url, page.url
    expect(page.locator("#result_list tbody th").get_by_text(name, exact=True)).to_have_count(0)
    reader_sees(new_page, Organisation.objects.get(name=name).get_absolute_url())

    lines = [f"{what}: {loads} page loads, {clicks} clicks" for what, loads, clicks in walk.per_draft]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "review-walk.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    for what, loads, clicks in walk.per_draft:
        if what in {"publish as proposed", "reject", "accept a proposed source"}:
            assert loads + clicks <= 3, (what, loads, clicks)


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1280", "1024"])
def test_the_review_pages_pass_axe_and_fit_the_screen(new_page, morning, viewport):
    from events.models import Event, ProposedSource

    draft = Event.objects.filter(status="draft").order_by("-created_at").first()
    assert draft is not None, "the morning leaves one draft after the walk"
    proposal = ProposedSource.objects.first()
    page = new_page(viewport=viewport, bypass_csp=True)
    log_in(page)
    urls = [
        "/admin/",
        "/admin/ingest/draftevent/",
        f"/admin/ingest/draftevent/{draft.pk}/change/",
        f"/admin/ingest/draftevent/{draft.pk}/merge/",
        "/admin/ingest/article/",
        "/admin/ingest/candidatename/?status__exact=open",
        "/admin/events/proposedsource/",
        "/admin/ingest/article/submit/",
    ]
    if proposal is not None:
        urls.append(f"/admin/events/proposedsource/{proposal.pk}/change/")
    deal = morning[0]
    urls += [
        f"/admin/events/event/{deal.pk}/history/",  # the walk changed its sources: a history with diffs
        f"/admin/ingest/draftevent/{draft.pk}/history/",
        "/admin/events/event/?proposals=waiting",
        "/admin/events/organisation/add/?name=Quillfeather+Studios&kind=studio&description=Named+in+an+article"
        f"&return_to=/admin/ingest/draftevent/{draft.pk}/change/",
        "/admin/events/organisationmerge/",
        "/admin/ingest/draftevent/?date_precision__exact=unknown",
    ]
    for url in urls:
        page.goto(url)
        violations = run_axe(page)
        assert violations == [], f"{url}: {violations}"
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(WIDEST) if width > viewport["width"] else []
        assert width <= viewport["width"], f"{url} scrolls sideways: {width} px in {viewport['width']}: {wide}"
