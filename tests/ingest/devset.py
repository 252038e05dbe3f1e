"""The ingest development set (tests/ingest/data/ingest_cases.json): run every case, judge, and score.

Shared by tests/ingest/test_devset.py (which asserts each decision) and bench/ingest_quality.py (which
prints the figures of issue 9's "Done when"). A run loads the curated registry and events, then ingests
the cases in order through the real pipeline (`ingest_html`, as a saved page or a feed entry would be):
a later case of a group finds the draft an earlier one made. Nothing here reads ../shared.
"""

import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CASES_PATH = DATA / "ingest_cases.json"


def load_cases(path=CASES_PATH):
    return json.loads(Path(path).read_text())["cases"]


def page_for(case):
    """The case as the HTML page a fetch would bring: its own page file, or one built from its text."""
    if case.get("page"):
        return (DATA / case["page"]).read_bytes()
    meta = ""
    if case.get("published"):
        meta = f'<meta property="article:published_time" content="{case["published"]}T09:00:00Z">'
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in case["text"])
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(case['title'])}</title>{meta}</head><body><article>"
        f"<h1>{escape(case['title'])}</h1>{paragraphs}{case.get('html_extra', '')}</article></body></html>"
    ).encode()


@dataclass
class Result:
    case: dict
    relevant: bool
    status: str
    kind: str
    joined: list = field(default_factory=list)  # slugs of existing events the article became a source of
    drafted: list = field(default_factory=list)  # slugs of drafts the article proposed
    event_dates: dict = field(default_factory=dict)  # slug -> (date, precision)
    date_source: str = ""
    entities: set = field(default_factory=set)
    candidates: set = field(default_factory=set)
    group_draft: str | None = None  # the draft its group's first case made
    draft_says_date_unknown: bool = False

    @property
    def expect(self):
        return self.case["expect"]

    @property
    def outcome_right(self):
        expect = self.expect
        if expect["outcome"] == "irrelevant":
            return not self.relevant
        if not self.relevant:
            return False
        if expect["outcome"] == "join":
            return not self.drafted and set(self.joined) == set(expect["events"])
        # A new happening: the group's first case proposes a draft, the later ones join that draft.
        if self.group_draft:
            return not self.drafted and self.joined == [self.group_draft]
        return len(self.drafted) == 1 and not self.joined

    @property
    def duplicate_draft(self):
        """A draft proposed for a happening that already had an event."""
        expect = self.expect
        return bool(self.drafted) and (expect["outcome"] == "join" or bool(self.group_draft))

    @property
    def date_right(self):
        expect = self.expect
        if not expect["relevant"]:
            return None
        if expect["date"] is None:
            if expect["outcome"] == "join":  # a roundup: the dates are its events' own
                return self.outcome_right
            # The draft must say it does not know: a date of the day it was ingested is otherwise a silent guess.
            return self.date_source == "unknown" and self.draft_says_date_unknown
        slugs = self.drafted or self.joined
        if len(slugs) != 1:
            return False
        day, precision = self.event_dates[slugs[0]]
        if len(expect["date"]) == 7:  # month precision expected: the month is what counts
            return day.strftime("%Y-%m") == expect["date"]
        return precision == "day" and day.isoformat() == expect["date"]

    @property
    def kind_right(self):
        return self.kind == self.expect["kind"] if self.expect["relevant"] else None


def run_cases(cases=None):
    """Ingest every case into the current database (curated data loaded first); returns [Result]."""
    from events.curated.loader import load_curated
    from events.models import Event
    from ingest import pipeline
    from ingest.models import Article, ArticleEvent

    load_curated()
    curated = set(Event.objects.values_list("slug", flat=True))
    group_drafts, results = {}, []
    for case in cases or load_cases():
        outcome = pipeline.ingest_html(page_for(case), url=case["url"], published_hint=case.get("feed_date"))
        article = Article.objects.get(pk=outcome.article_id)
        links = list(ArticleEvent.objects.filter(article=article).select_related("event").order_by("id"))
        group = case["expect"].get("group")
        result = Result(
            case=case,
            relevant=article.status != Article.Status.IRRELEVANT,
            status=article.status,
            kind=article.kind_guess,
            joined=[link.event.slug for link in links if link.how != ArticleEvent.How.PROPOSED],
            drafted=[link.event.slug for link in links if link.how == ArticleEvent.How.PROPOSED],
            event_dates={link.event.slug: (link.event.date, link.event.date_precision) for link in links},
            date_source=article.event_date_source,
            entities={m.organisation.name if m.organisation_id else m.person.name for m in article.mentions.all()},
            candidates={c.name for c in article.candidate_names.all()},
            group_draft=group_drafts.get(group),
            draft_says_date_unknown=any(
                link.event.date_precision == Event.Precision.UNKNOWN
                for link in links
                if link.how == ArticleEvent.How.PROPOSED
            ),
        )
        if group and group not in group_drafts and result.drafted:
            group_drafts[group] = result.drafted[0]
        # A draft is never a curated event: if it were, the draft slug would collide.
        assert not set(result.drafted) & curated
        results.append(result)
    return results


def _ratio(hits, total):
    return hits / total if total else float("nan")


def scores(results):
    """The figures of issue 9's "Done when", from a list of Results."""
    relevant = [r for r in results if r.expect["relevant"]]
    accepted = [r for r in results if r.relevant]
    expected_entities = sum(len(r.expect["entities"]) for r in results)
    found_entities = sum(len(r.entities) for r in results)
    right_entities = sum(len(r.entities & set(r.expect["entities"])) for r in results)
    dates = [r.date_right for r in relevant]
    kinds = [r.kind_right for r in relevant]
    return {
        "cases": len(results),
        "relevance recall": _ratio(sum(r.relevant for r in relevant), len(relevant)),
        "accepted": len(accepted),
        "off-topic accepted": sum(not r.expect["relevant"] for r in accepted),
        "off-topic per 20 accepted": 20 * _ratio(sum(not r.expect["relevant"] for r in accepted), len(accepted)),
        "right outcome": _ratio(sum(r.outcome_right for r in results), len(results)),
        "duplicate drafts": _ratio(sum(r.duplicate_draft for r in results), len(relevant)),
        "date right at its precision": _ratio(sum(bool(d) for d in dates), len(dates)),
        "kind right": _ratio(sum(bool(k) for k in kinds), len(kinds)),
        "mention precision": _ratio(right_entities, found_entities),
        "mention recall": _ratio(right_entities, expected_entities),
    }


def describe(result):
    """One line on what went wrong for a case, for the bench's listing."""
    expect, problems = result.expect, []
    if not result.outcome_right:
        problems.append(
            f"outcome: expected {expect['outcome']} {expect.get('events', '')}, got "
            f"{'relevant' if result.relevant else 'irrelevant'} joined={result.joined} drafted={result.drafted}"
        )
    if result.date_right is False:
        problems.append(f"date: expected {expect['date']}, got {result.event_dates} ({result.date_source})")
    if result.kind_right is False:
        problems.append(f"kind: expected {expect['kind']}, got {result.kind}")
    missing = set(expect["entities"]) - result.entities
    extra = result.entities - set(expect["entities"])
    if missing or extra:
        problems.append(f"entities: missing {sorted(missing)} extra {sorted(extra)}")
    return "; ".join(problems)
