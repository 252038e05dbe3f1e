"""The docket sync, on a real Celery worker, against a loopback server answering as CourtListener's API.

New docket entries that matter become one draft event each, linked to the lawsuit and proposing a status
change; a second poll adds nothing; a 429 delays the poll and it resumes; a 500 is recorded on the
lawsuit and keeps the entries already taken. Without a token the sync says it is off.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from config.celery import app
from courts import tasks
from courts.classify import stage_of
from courts.models import DocketEntry, DocketSync
from courts.sync import poll_lawsuit
from events.models import Event, Lawsuit, LawsuitParty, Organisation
from tests.courts.courtlistener import FakeCourtListener, entry
from tests.ingest.httpserver import wait_until
from tests.ingest.worker import private_queue
from tests.worker_processes import WorkerProcesses

DOCKET_ID = 70123456
WORK_TIMEOUT = 60

ENTRIES = [
    entry(501, 1, "2025-06-11", "COMPLAINT for Copyright Infringement against Midjourney, Inc.", DOCKET_ID),
    entry(502, 2, "2025-06-12", "NOTICE of Appearance of counsel for Plaintiffs", DOCKET_ID),
    entry(503, 3, "2025-08-06", "ANSWER to Complaint with affirmative defenses", DOCKET_ID),
    entry(504, 4, "2025-09-20", "MOTION to Dismiss Case filed by Defendant Midjourney, Inc.", DOCKET_ID),
    entry(505, 5, "2025-11-04", "ORDER CONSOLIDATING CASES 2:25-cv-05275 and 2:25-cv-08376", DOCKET_ID),
    entry(506, 6, "2026-01-15", "ORDER DENYING 4 MOTION to Dismiss", DOCKET_ID),
    entry(507, 7, "2026-04-02", "NOTICE OF APPEAL to the 9th Circuit", DOCKET_ID),
]
MATTER = 5  # complaint, motion to dismiss, consolidation, ruling, appeal


@pytest.fixture
def lawsuit(db):
    case = Lawsuit.objects.create(
        case_name="Disney Enterprises, Inc. et al. v. Midjourney, Inc.",
        court="U.S. District Court, Central District of California",
        status=Lawsuit.Status.PENDING,
        courtlistener_docket_id=DOCKET_ID,
    )
    LawsuitParty.objects.create(
        lawsuit=case, organisation=Organisation.objects.create(name="Midjourney"), side="defendant"
    )
    return case


@pytest.fixture
def fake(local_server):
    return FakeCourtListener(local_server, DOCKET_ID, ENTRIES)


def courtlistener_settings(fake, **extra):
    return override_settings(
        COURTLISTENER_TOKEN="test-token", COURTLISTENER_API_URL=fake.api_url, COURTLISTENER_MIN_INTERVAL=0, **extra
    )


# --- Which entries matter ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind, status",
    [
        ("COMPLAINT against OpenAI, Inc. (Filing fee $ 405)", "complaint", "filed"),
        ("MOTION to Dismiss for Failure to State a Claim", "motion_to_dismiss", ""),
        ("ORDER GRANTING IN PART AND DENYING IN PART 45 Motion to Dismiss", "dismissal_ruling", ""),
        ("ORDER granting 12 Motion to Dismiss", "dismissal_ruling", "dismissed"),
        ("ORDER CONSOLIDATING CASES", "consolidation", ""),
        ("NOTICE of Voluntary Dismissal by Getty Images (US), Inc.", "dismissal", "dismissed"),
        ("ORDER Granting Final Approval of Class Action Settlement", "settlement", "settled"),
        ("NOTICE of Settlement", "settlement", "settling"),
        ("JUDGMENT in favor of Defendants", "judgment", "judgment"),
        ("NOTICE OF APPEAL to the Ninth Circuit", "appeal", "appeal"),
    ],
)
def test_the_entries_that_matter_and_the_status_they_suggest(text, kind, status):
    stage = stage_of(text)
    assert (stage.kind, stage.status) == (kind, status)


@pytest.mark.parametrize("text", ["NOTICE of Appearance", "STIPULATION re scheduling", "EXHIBIT A", ""])
def test_routine_entries_do_not_matter(text):
    assert stage_of(text) is None


# --- Polling in this process (fast) ----------------------------------------------------------------------------


def test_a_long_rate_limit_stops_the_poll_for_the_task_to_retry_keeping_what_it_took(lawsuit, fake):
    fake.faults[2] = [(429, {"Retry-After": "3600"})]
    with courtlistener_settings(fake), pytest.raises(tasks.client.RateLimited) as error:
        poll_lawsuit(lawsuit)
    assert error.value.retry_after == 3600
    assert DocketEntry.objects.count() == 3, "page one is kept"
    sync = DocketSync.objects.get(lawsuit=lawsuit)
    assert "rate limited" in sync.last_error and sync.rate_limited_until is not None


def test_without_a_token_the_sync_says_it_is_off_and_nothing_fails(lawsuit, fake):
    with override_settings(COURTLISTENER_TOKEN=""):
        assert tasks.poll_tracked_dockets() == tasks.OFF
        assert tasks.poll_docket(lawsuit.pk) == tasks.OFF
        out = io.StringIO()
        call_command("sync_dockets", stdout=out)
    assert "off" in out.getvalue() and "COURTLISTENER_TOKEN" in out.getvalue()
    assert not fake.server.requests and not DocketEntry.objects.exists()


def test_the_lawsuit_page_links_to_its_docket(client, lawsuit):
    page = client.get(lawsuit.get_absolute_url()).content.decode()
    assert f'href="https://www.courtlistener.com/docket/{DOCKET_ID}/"' in page


# --- On a real worker -------------------------------------------------------------------------------------------


@pytest.fixture
def queue():
    with private_queue(app, "courts-test") as name:
        yield name


@pytest.fixture
def worker(transactional_db, queue, tmp_path, fake):
    """A worker process on this test's queue, talking to the fake CourtListener with a token."""
    processes = WorkerProcesses(tmp_path)

    def start(**env):
        base = {
            "COURTLISTENER_TOKEN": "test-token",
            "COURTLISTENER_API_URL": fake.api_url,
            "COURTLISTENER_MIN_INTERVAL": "0",
        }
        return processes.start(queue, {**base, **env})

    yield start
    processes.kill_all()


def polled_once_more(lawsuit, before):
    sync = DocketSync.objects.filter(lawsuit=lawsuit).first()
    return sync is not None and sync.last_polled_at is not None and (before is None or sync.last_polled_at > before)


@pytest.mark.worker
@pytest.mark.xdist_group("celery-worker")
def test_new_entries_become_one_draft_each_and_a_second_poll_adds_nothing(worker, lawsuit, fake):
    worker()
    tasks.poll_tracked_dockets.delay()
    assert wait_until(lambda: DocketEntry.objects.count() == len(ENTRIES), WORK_TIMEOUT)
    assert wait_until(lambda: DocketSync.objects.filter(lawsuit=lawsuit, last_success_at__isnull=False).exists(), 30)

    drafts = Event.objects.filter(lawsuit=lawsuit)
    assert drafts.count() == MATTER and set(drafts.values_list("status", "machine_draft")) == {("draft", True)}
    appeal = DocketEntry.objects.get(courtlistener_id=507)
    assert appeal.proposed_status == "appeal" and appeal.event.kind == "ruling"
    assert "Proposed status change for the lawsuit: Pending → On appeal" in appeal.event.summary
    assert appeal.event.sources.get().url == f"https://www.courtlistener.com/docket/{DOCKET_ID}/#entry-7"
    assert appeal.event.organisations.get().name == "Midjourney"
    lawsuit.refresh_from_db()
    assert lawsuit.status == "pending", "a status change is proposed to curators, never applied by the sync"
    assert (lawsuit.judge, lawsuit.docket_number) == ("John A. Kronstadt", "2:25-cv-05275"), "blanks filled"

    before = DocketSync.objects.get(lawsuit=lawsuit).last_success_at
    tasks.poll_docket.delay(lawsuit.pk)
    assert wait_until(lambda: DocketSync.objects.get(lawsuit=lawsuit).last_success_at > before, WORK_TIMEOUT)
    assert Event.objects.filter(lawsuit=lawsuit).count() == MATTER and DocketEntry.objects.count() == len(ENTRIES)


@pytest.mark.worker
@pytest.mark.xdist_group("celery-worker")
def test_a_rate_limit_delays_the_poll_and_it_resumes(worker, lawsuit, fake):
    # Page 2 is refused twice with Retry-After: 1; with in-place waits off, the task itself comes back
    # after Retry-After each time and resumes where it stopped.
    fake.faults[2] = [(429, {"Retry-After": "1"}), (429, {"Retry-After": "1"})]
    worker(COURTLISTENER_INLINE_WAIT="0")
    tasks.poll_docket.delay(lawsuit.pk)
    assert wait_until(lambda: DocketEntry.objects.count() == len(ENTRIES), WORK_TIMEOUT)
    assert wait_until(lambda: DocketSync.objects.filter(lawsuit=lawsuit, last_success_at__isnull=False).exists(), 30)
    assert Event.objects.filter(lawsuit=lawsuit).count() == MATTER, "nothing taken twice across the retries"
    page_two = [r for r in fake.entry_requests() if "cursor=2" in r.path]
    assert len(page_two) == 3, "refused twice, then answered"
    sync = DocketSync.objects.get(lawsuit=lawsuit)
    assert sync.last_error == "" and sync.rate_limited_until is None


@pytest.mark.worker
@pytest.mark.xdist_group("celery-worker")
def test_a_server_error_is_recorded_on_the_lawsuit_without_losing_the_entries_taken(worker, lawsuit, fake):
    fake.faults[3] = [(500, {})]
    worker()
    tasks.poll_docket.delay(lawsuit.pk)
    assert wait_until(lambda: DocketSync.objects.filter(lawsuit=lawsuit, failures=1).exists(), WORK_TIMEOUT)
    sync = DocketSync.objects.get(lawsuit=lawsuit)
    assert "HTTP 500" in sync.last_error and sync.last_error_at is not None
    assert DocketEntry.objects.count() == 6, "pages one and two are kept"
    # The next poll takes the rest, and only the rest.
    tasks.poll_docket.delay(lawsuit.pk)
    assert wait_until(lambda: DocketSync.objects.filter(lawsuit=lawsuit, failures=0).exists(), WORK_TIMEOUT)
    assert DocketEntry.objects.count() == len(ENTRIES)
    assert Event.objects.filter(lawsuit=lawsuit).count() == MATTER


def test_a_short_rate_limit_is_waited_out_in_place(lawsuit, fake):
    fake.faults[1] = [(429, {"Retry-After": "1"})]
    with courtlistener_settings(fake):
        result = poll_lawsuit(lawsuit)
    assert (result.new, result.drafts, result.error) == (len(ENTRIES), MATTER, "")
    assert len([r for r in fake.entry_requests() if "cursor" not in r.path]) == 2


def test_a_curator_applies_a_proposed_status_from_the_admin(admin_client, lawsuit, fake):
    with courtlistener_settings(fake):
        poll_lawsuit(lawsuit)
    appeal = DocketEntry.objects.get(courtlistener_id=507)
    response = admin_client.post(
        "/admin/courts/docketentry/",
        {"action": "apply_proposed_status", "_selected_action": [appeal.pk]},
    )
    assert response.status_code == 302
    lawsuit.refresh_from_db()
    assert (lawsuit.status, lawsuit.status_on.isoformat()) == ("appeal", "2026-04-02")
    appeal.refresh_from_db()
    assert appeal.status_applied


def test_entries_up_to_the_latest_published_event_are_seen_but_not_drafted(lawsuit, fake):
    # The curators' timeline already tells the story up to the consolidation (4 November 2025).
    Event.objects.create(
        date=datetime.date(2025, 11, 4), kind="ruling", title="Suits consolidated", status="published", lawsuit=lawsuit
    )
    with courtlistener_settings(fake):
        result = poll_lawsuit(lawsuit)
    assert (result.new, result.drafts) == (len(ENTRIES), 2), "the ruling and the appeal after it"
    assert set(DocketEntry.objects.exclude(event=None).values_list("courtlistener_id", flat=True)) == {506, 507}
    # The next poll asks only for entries filed since the last one seen, less a week.
    with courtlistener_settings(fake):
        poll_lawsuit(lawsuit)
    first_pages = [r.path for r in fake.entry_requests() if "cursor" not in r.path]
    assert "date_filed__gte" not in first_pages[0] and "date_filed__gte=2026-03-26" in first_pages[-1]
