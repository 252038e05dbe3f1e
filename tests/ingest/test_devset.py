"""The ingest development set, case by case: relevance, outcome, the event's date, kind and entities.

All 53 cases (tests/ingest/data/ingest_cases.json) are ingested once, in order, on the curated registry,
through the real pipeline; each test then checks one case's decision. bench/ingest_quality.py prints the
figures over the same run.
"""

import pytest
from django.db import transaction

from ingest.link import bump_version
from tests.ingest.devset import load_cases, scores

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("ingest-devset")]

CASES = load_cases()
# Kinds the classifier still gets wrong, known and counted in the figures (see the report in the PR).
KNOWN_KIND_MISSES = {
    "seed-sora-hollywood": "curators filed the meetings as 'other'; the creatives' pushback reads as a statement",
}


@pytest.fixture(scope="module")
def results(django_db_setup, django_db_blocker):
    from tests.ingest.devset import run_cases

    with django_db_blocker.unblock():
        with transaction.atomic():
            found = {result.case["id"]: result for result in run_cases(CASES)}
            transaction.set_rollback(True)
        bump_version()  # the alias matcher saw the curated registry, which is rolled back now
    return found


def case_ids(predicate=lambda case: True):
    return [case["id"] for case in CASES if predicate(case)]


@pytest.mark.parametrize("case_id", case_ids())
def test_the_outcome_is_what_a_curator_would_decide(results, case_id):
    result = results[case_id]
    assert result.outcome_right, (
        f"expected {result.expect['outcome']} {result.expect.get('events', '')}: relevant={result.relevant} "
        f"joined={result.joined} drafted={result.drafted}"
    )
    assert not result.duplicate_draft


@pytest.mark.parametrize("case_id", case_ids(lambda case: case["expect"]["relevant"]))
def test_the_event_date_is_right_at_its_precision(results, case_id):
    result = results[case_id]
    assert result.date_right, f"expected {result.expect['date']}: {result.event_dates} ({result.date_source})"


@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param(case_id, marks=pytest.mark.xfail(strict=True, reason=KNOWN_KIND_MISSES[case_id]))
        if case_id in KNOWN_KIND_MISSES
        else case_id
        for case_id in case_ids(lambda case: case["expect"]["relevant"])
    ],
)
def test_the_kind_is_right(results, case_id):
    result = results[case_id]
    assert result.kind == result.expect["kind"]


@pytest.mark.parametrize("case_id", case_ids())
def test_the_entities_named_are_linked_and_nothing_else(results, case_id):
    result = results[case_id]
    assert result.entities == set(result.expect["entities"])


@pytest.mark.parametrize("case_id", case_ids(lambda case: case["expect"].get("candidates")))
def test_names_the_registry_lacks_are_kept_as_candidates(results, case_id):
    result = results[case_id]
    assert set(result.expect["candidates"]) <= result.candidates, result.candidates


def test_the_seed_article_joins_the_sora_pitch_to_hollywood_and_proposes_no_draft(results):
    result = results["seed-sora-hollywood"]
    assert result.joined == ["2024-03-22-openai-pitches-sora-to-hollywood"]
    assert result.drafted == []


def test_the_figures_meet_the_issue_targets(results):
    figures = scores(list(results.values()))
    assert figures["relevance recall"] >= 0.95
    assert figures["off-topic per 20 accepted"] <= 1
    assert figures["right outcome"] >= 0.85
    assert figures["duplicate drafts"] <= 0.05
    assert figures["date right at its precision"] >= 0.85
    assert figures["kind right"] >= 0.85
    assert figures["mention precision"] >= 0.97 and figures["mention recall"] >= 0.95
