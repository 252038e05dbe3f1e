"""How well ingest decides: on the development set, on the held-out sets, and on real news pages.

    DATABASE_URL=postgres://... .venv/bin/python bench/ingest_quality.py [--verbose] [--cases FILE] [--no-pages]

For each case file (tests/ingest/data/ingest_cases.json, the development set, then the held-out sets
ingest_holdout.json and ingest_holdout2.json, never tuned on) it loads the curated registry and events into
a throwaway database (test_<name>, dropped at the end), ingests every case through the real pipeline, and
prints the figures of issue 9's "Done when": relevance recall and off-topic stories per 20 accepted, the
right outcome (joins the right event / new draft / irrelevant), duplicate drafts, the event's date right at
its precision, kind right, mention precision and recall. Then the real-page section (bench/ingest_real_pages.py:
181 real news pages from ../shared/corpora, skipped with a reason where absent): pages judged relevant,
the publication date against the page's own metadata, crashes.
--verbose lists what went wrong, case by case. Figures, not assertions: tests/ingest/test_devset.py asserts.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {
    "relevance recall": (">=", 0.95),
    "off-topic per 20 accepted": ("<=", 1),
    "right outcome": (">=", 0.85),
    "duplicate drafts": ("<=", 0.05),
    "date right at its precision": (">=", 0.85),
    "kind right": (">=", 0.85),
    "mention precision": (">=", 0.97),
    "mention recall": (">=", 0.95),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list the wrong decisions case by case")
    parser.add_argument("--cases", help="only this case file (default: the development set and both held-out sets)")
    parser.add_argument("--no-pages", action="store_true", help="skip the real-page section")
    parser.add_argument("--pages", type=int, default=None, help="only the first N real pages")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DAILIES_TESTING", "1")
    import django

    django.setup()
    from django.db import connection

    from bench import ingest_real_pages
    from tests.ingest.devset import CASES_PATH, DATA, describe, load_cases, run_cases, scores

    held_out = [DATA / "ingest_holdout.json", DATA / "ingest_holdout2.json"]
    case_files = [Path(args.cases)] if args.cases else [CASES_PATH, *held_out]
    for path in case_files:
        report_cases(path, load_cases(path), run_cases, scores, describe, connection, args.verbose)
    if not args.no_pages and not args.cases:
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            from events.curated.loader import load_curated

            load_curated()
            started = time.perf_counter()
            ingest_real_pages.report(limit=args.pages, verbose=args.verbose)
            print(f"  ({time.perf_counter() - started:.1f} s)")
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)


def report_cases(path, cases, run_cases, scores, describe, connection, verbose):
    """One case file in its own throwaway database: the figures, and with `verbose` what went wrong."""
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        results = run_cases(cases)
        elapsed = time.perf_counter() - started
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    figures = scores(results)
    print(f"Ingest decisions on {path.name}: {figures['cases']} cases in {elapsed:.1f} s")
    print(f"  accepted as relevant: {figures['accepted']} (off-topic among them: {figures['off-topic accepted']})")
    for name, (sense, target) in TARGETS.items():
        value = figures[name]
        met = value >= target if sense == ">=" else value <= target
        print(f"  {name:<30} {value:6.3f}   target {sense} {target}   {'ok' if met else 'MISSED'}")
    if verbose:
        for result in results:
            problems = describe(result)
            if problems:
                print(f"- {result.case['id']}: {problems}")


if __name__ == "__main__":
    main()
