"""The demo's database for real: `make demo` without DATABASE_URL runs on SQLite, where the search has no
full-text index, no pg_trgm and no kept tables. A subprocess (sqlite_demo_probe.py) migrates a fresh SQLite
file, loads the curated data and asks the site; this checks what it saw. The file is a temporary one rather
than var/dailies.sqlite3 (a developer's own demo); it is the same settings path (a sqlite: DATABASE_URL).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("sqlite_demo_probe.py")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    database = tmp_path_factory.mktemp("demo") / "dailies.sqlite3"
    env = {
        name: value for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DAILIES_TESTING", "PYTEST_XDIST_WORKER"}
    }
    env.update(DATABASE_URL=f"sqlite:///{database}", DJANGO_DEBUG="1")
    done = subprocess.run(
        [sys.executable, str(PROBE)], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_the_demo_runs_on_sqlite_and_shows_the_curated_timeline(demo):
    assert demo["vendor"] == "sqlite"
    assert demo["timeline"]["status"] == 200
    assert len(demo["timeline"]["cards"]) == 25  # a full first page
    assert demo["timeline"]["dates"] == sorted(demo["timeline"]["dates"], reverse=True)  # newest first


@pytest.mark.parametrize("q", ["Midjourney", "copyright", "Crabtree-Ireland", "Electronic Arts"])
def test_search_finds_words_and_names_on_sqlite(demo, q):
    found = demo["search"][q]
    assert found["status"] == 200 and found["cards"], q
    assert found["also_matching"] == []


@pytest.mark.parametrize("typed, meant", [("Midjourny", "Midjourney"), ("copyrigt", "copyright")])
def test_one_typo_finds_the_same_events_on_sqlite_and_says_so(demo, typed, meant):
    assert demo["search"][typed]["cards"] == demo["search"][meant]["cards"]
    assert demo["search"][typed]["also_matching"] == [f"“{meant.lower()}” for “{typed.lower()}”"]


def test_nothing_found_suggests_a_near_name_on_sqlite(demo):
    found = demo["search"]["Mdjournee"]
    assert found["cards"] == [] and found["did_you_mean"]
    assert found["html_has"]['href="/?org=midjourney"']


def test_filters_work_on_sqlite(demo):
    filters = demo["filters"]
    assert filters["lawsuit_filed"]["status"] == 200 and filters["lawsuit_filed"]["kinds"] == ["lawsuit_filed"]
    three = filters["three_kinds"]
    assert set(three["kinds"]) <= {"lawsuit_filed", "ruling", "settlement"}
    assert set(filters["lawsuit_filed"]["cards"]) < set(three["cards"])  # either kind, so more
    assert filters["openai"]["status"] == 200 and filters["openai"]["cards"]
    half = filters["first_half_2024"]["dates"]
    assert half and all("2024-01-01" <= day <= "2024-06-30" for day in half)
    wrong = filters["to_before_from"]
    assert wrong["status"] == 400 and wrong["html_has"]["The end date is before the start date."]
    assert wrong["cards"]  # the other filters still show results


def test_every_public_page_and_output_answers_on_sqlite(demo):
    assert demo["pages"] == {path: 200 for path in demo["pages"]}
