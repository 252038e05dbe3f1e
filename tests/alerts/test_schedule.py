"""The beat schedule holds the alerts' periodic tasks at the right cadence, and its numbers fit together."""

import datetime

from celery.schedules import crontab

from alerts import sending, tasks
from config.celery import app


def entry(name):
    return app.conf.beat_schedule[name]


def _walk(schedule, after):
    """The first minute after `after` at which crontab `schedule` fires, found by trying each minute."""
    moment = after.replace(second=0, microsecond=0)
    for _ in range(60 * 24 * 8):
        moment += datetime.timedelta(minutes=1)
        if (moment.minute in schedule.minute and moment.hour in schedule.hour
                and moment.isoweekday() % 7 in schedule.day_of_week):
            return moment
    raise AssertionError("never fires within eight days")


def test_the_daily_digest_runs_every_day_at_seven_utc():
    daily = entry("alerts-daily-digest")
    assert daily["task"] == "alerts.tasks.send_digests" and daily["args"] == ["daily"]
    assert isinstance(daily["schedule"], crontab)
    friday_noon = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)
    fires = _walk(daily["schedule"], friday_noon)
    assert fires == datetime.datetime(2026, 12, 5, 7, 0, tzinfo=datetime.UTC)
    assert _walk(daily["schedule"], fires) == fires + datetime.timedelta(days=1)


def test_the_weekly_digest_runs_on_mondays_at_seven_utc():
    weekly = entry("alerts-weekly-digest")
    assert weekly["task"] == "alerts.tasks.send_digests" and weekly["args"] == ["weekly"]
    friday_noon = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)
    fires = _walk(weekly["schedule"], friday_noon)
    assert fires == datetime.datetime(2026, 12, 7, 7, 0, tzinfo=datetime.UTC) and fires.weekday() == 0
    assert _walk(weekly["schedule"], fires) == fires + datetime.timedelta(days=7)


def test_the_sweeper_runs_every_five_minutes_and_each_tick_expires_before_the_next():
    sweeper = entry("alerts-sweep-unsent")
    assert sweeper["task"] == "alerts.tasks.sweep_unsent"
    assert float(sweeper["schedule"]) == 300.0
    assert sweeper["options"]["expires"] < 300
    # What it picks up has been unclaimed longer than a live sender's lease: it never takes over a send
    # that is still running, and a lost one waits at most STALE plus one tick.
    assert tasks.STALE > sending.CLAIM_LEASE


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    names = {e["task"] for n, e in app.conf.beat_schedule.items() if n.startswith("alerts-")}
    assert names == {"alerts.tasks.send_digests", "alerts.tasks.sweep_unsent"}
    assert names <= set(app.tasks)
