"""Matching an event and recording its deliveries in PostgreSQL, set-based: no row per subscription crosses
into Python.

One statement finds the subscriptions (their keys, then every condition of alerts.matching.matches written
in SQL over the event's facts passed as arrays) and inserts their Delivery rows with INSERT ... SELECT ...
ON CONFLICT DO NOTHING: one row per match that says the subscription had the event (the email row, or for
a subscription without email the feed row; the private feed lists both), and a webhook row where there is
a webhook. A match already recorded is skipped, and the unique constraint stops two tasks at once, so a
second match of the same event inserts nothing. The same statement locks the readers whose immediate
alerts count against the daily cap; a second statement, which sees every commit made before those locks,
creates their Messages and email rows. alerts.matching keeps the same rules in Python (SQLite, and the
tests compare the two).
"""

import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .matching import ancestors, event_keys

# The followed view's conditions, `s` a subscription found by one of the event's keys. Mirrors
# alerts.matching.matches: several organisations are any of them; a role scope applies to the followed
# organisations, else to the followed person, else to anyone on the event; search words are word prefixes.
MATCHED = """
lineage(ancestor, organisation_id, role) AS (
    SELECT * FROM unnest(%(lin_ancestor)s::bigint[], %(lin_organisation)s::bigint[], %(lin_role)s::text[])
),
people(person_id, role) AS (SELECT * FROM unnest(%(person_ids)s::bigint[], %(person_roles)s::text[])),
candidates AS (
    -- The keys behind a sub-select: planning a literal array of hundreds of keys cost more than using it.
    SELECT DISTINCT k.subscription_id AS id FROM alerts_subscriptionkey k
    WHERE k.key = ANY(ARRAY(SELECT unnest(%(keys)s::text[])))
),
matched AS (
    SELECT s.id, s.reader_id, s.mode, s.webhook_url, s.corrections
    FROM candidates c JOIN alerts_subscription s ON s.id = c.id
    WHERE NOT s.paused
      AND (%(published_at)s::timestamptz IS NULL OR s.created_at <= %(published_at)s::timestamptz)
      AND (s.organisation_ids = '[]'::jsonb OR EXISTS (
            SELECT 1 FROM lineage l
            WHERE s.organisation_ids @> to_jsonb(l.ancestor)
              AND (s.include_subsidiaries OR l.ancestor = l.organisation_id)
              AND (s.roles = '[]'::jsonb OR s.roles ? l.role)))
      AND (s.person_id IS NULL OR EXISTS (
            SELECT 1 FROM people p
            WHERE p.person_id = s.person_id
              AND (s.roles = '[]'::jsonb OR s.organisation_ids <> '[]'::jsonb OR s.roles ? p.role)))
      AND (s.roles = '[]'::jsonb OR s.organisation_ids <> '[]'::jsonb OR s.person_id IS NOT NULL
           OR s.roles ?| %(all_roles)s::text[])
      AND (s.lawsuit_id IS NULL OR s.lawsuit_id = %(lawsuit_id)s::bigint)
      AND (s.agreement_id IS NULL OR s.agreement_id = %(agreement_id)s::bigint)
      AND (s.kinds = '[]'::jsonb OR s.kinds ? %(kind)s::text)
      AND (s.date_from IS NULL OR s.date_from <= %(date)s::date)
      AND (s.date_to IS NULL OR s.date_to >= %(date)s::date)
      AND NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements_text(s.q_words) AS w(word)
            WHERE NOT (w.word = ANY(%(prefixes)s::text[])))
)"""

# The first key of the advisory locks that serialise the daily cap of one reader (the second is the reader).
CAP_LOCK = 8058

DELIVERY_COLUMNS = (
    "subscription_id, event_id, channel, correction_of, status, attempts, last_error, claimed_by, created_at"
)

# A subscription "had" an event once either of these rows exists for it (alerts.models.Delivery).
HAD = """EXISTS (SELECT 1 FROM alerts_delivery p WHERE p.event_id = %(event_id)s AND p.subscription_id = {id}
                AND p.channel IN ('email', 'feed') AND p.correction_of = {version})"""

# First publication: every match not recorded before is due.
FIRST = f"""
due AS (SELECT m.*, ''::text AS version FROM matched m WHERE NOT {HAD.format(id="m.id", version="''")}),"""

# A correction: new to this subscription (version ''), or sent before to one that asked for corrections.
CORRECTION = f"""
due AS (
    SELECT m.*, CASE WHEN prior.had THEN %(version)s::text ELSE '' END AS version
    FROM matched m CROSS JOIN LATERAL (SELECT {HAD.format(id="m.id", version="''")} AS had) prior
    WHERE NOT prior.had OR m.corrections
),"""

RECORD_REST = f"""
quiet AS (
    -- Digests pick up the queued email rows; a subscription without email has its feed row only.
    INSERT INTO alerts_delivery ({DELIVERY_COLUMNS}, sent_at)
    SELECT id, %(event_id)s, CASE WHEN mode = 'off' THEN 'feed' ELSE 'email' END, version,
           CASE WHEN mode = 'off' THEN 'sent' ELSE 'queued' END, 0, '', '', %(now)s,
           CASE WHEN mode = 'off' THEN %(now)s::timestamptz END
    FROM due WHERE mode <> 'immediate'
    ON CONFLICT DO NOTHING
),
hooks AS (
    INSERT INTO alerts_delivery ({DELIVERY_COLUMNS})
    SELECT id, %(event_id)s, 'webhook', version, 'pending', 0, '', '', %(now)s FROM due
    WHERE webhook_url <> ''
    ON CONFLICT DO NOTHING
    RETURNING id
),
locked AS (
    -- Two events published at once must not both slip under one reader's cap: the second waits here, on a
    -- transaction-scoped advisory lock per reader (taken in id order; a row lock would write every reader).
    SELECT reader_id AS id, pg_advisory_xact_lock(%(cap_lock)s, (reader_id %% 2147483647)::int)
    FROM (SELECT DISTINCT reader_id FROM due WHERE mode = 'immediate' ORDER BY reader_id) readers
)
SELECT 'webhook', id, NULL::bigint, NULL::text FROM hooks
UNION ALL
SELECT 'immediate', d.id, d.reader_id, d.version FROM due d
-- Reading `locked` whole, once (an init plan, not a join the planner would loop over), takes every lock.
WHERE d.mode = 'immediate' AND (SELECT count(*) FROM locked) > 0
"""

RECORD = {False: f"WITH {MATCHED},{FIRST}{RECORD_REST}", True: f"WITH {MATCHED},{CORRECTION}{RECORD_REST}"}

# Run after RECORD, in the same transaction: a new statement, so it sees every message and row committed by
# whoever held a reader's lock before us (a second task matching the same event finds its rows and stops).
# Message ids are drawn first, so each email row knows its own.
IMMEDIATE = f"""
WITH given(subscription_id, reader_id, version) AS (
    SELECT * FROM unnest(%(subscriptions)s::bigint[], %(readers)s::bigint[], %(versions)s::text[])
),
due AS (
    SELECT g.* FROM given g WHERE NOT {HAD.format(id="g.subscription_id", version="g.version")}
),
today AS (
    SELECT reader_id, count(*) AS n FROM alerts_message
    WHERE reader_id = ANY(%(readers)s::bigint[]) AND created_at > %(since)s GROUP BY reader_id
),
ranked AS MATERIALIZED (
    SELECT d.*, CASE
        WHEN coalesce(t.n, 0) + row_number() OVER (PARTITION BY d.reader_id ORDER BY d.subscription_id) <= %(cap)s
        THEN nextval(pg_get_serial_sequence('alerts_message', 'id')) END AS message_id
    FROM due d LEFT JOIN today t ON t.reader_id = d.reader_id
),
messages AS (
    INSERT INTO alerts_message (id, reader_id, kind, status, attempts, last_error, claimed_by, created_at)
    SELECT message_id, reader_id, 'alert', 'pending', 0, '', '', %(now)s FROM ranked WHERE message_id IS NOT NULL
),
emails AS (
    -- Over the cap, the alert waits for the next daily digest instead of being lost.
    INSERT INTO alerts_delivery ({DELIVERY_COLUMNS}, message_id)
    SELECT subscription_id, %(event_id)s, 'email', version,
           CASE WHEN message_id IS NULL THEN 'queued' ELSE 'pending' END, 0, '', '', %(now)s, message_id
    FROM ranked
    ON CONFLICT DO NOTHING
)
SELECT message_id FROM ranked WHERE message_id IS NOT NULL ORDER BY message_id
"""


def match_parameters(facts, parents):
    """The event's facts as the arrays MATCHED reads."""
    lineage = [
        (ancestor, organisation_id, role)
        for organisation_id, role in sorted(facts.organisation_roles.items())
        for ancestor in ancestors(organisation_id, parents)
    ]
    prefixes = sorted({word[:n] for word in facts.words for n in range(1, len(word) + 1)})
    return {
        "keys": sorted(event_keys(facts, parents)),
        "lin_ancestor": [row[0] for row in lineage],
        "lin_organisation": [row[1] for row in lineage],
        "lin_role": [row[2] for row in lineage],
        "person_ids": list(facts.person_roles),
        "person_roles": list(facts.person_roles.values()),
        "all_roles": sorted({*facts.organisation_roles.values(), *facts.person_roles.values()}),
        "lawsuit_id": facts.lawsuit_id,
        "agreement_id": facts.agreement_id,
        "kind": facts.kind,
        "date": facts.date,
        "published_at": facts.published_at,
        "prefixes": prefixes,
    }


def matched_ids(facts, parents):
    """The ids of the active subscriptions that follow the event of `facts`, matched in SQL (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {MATCHED} SELECT id FROM matched ORDER BY id", match_parameters(facts, parents))
        return [row[0] for row in cursor.fetchall()]


def record(facts, parents, *, correction=False):
    """Record the deliveries of published event `facts`; (message ids, webhook delivery ids) to send once
    the caller's transaction commits. Two statements when an immediate alert is among them, else one."""
    now = timezone.now()
    params = {
        **match_parameters(facts, parents),
        "event_id": facts.id,
        "version": facts.updated_at.isoformat(),
        "now": now,
        "cap_lock": CAP_LOCK,
    }
    with connection.cursor() as cursor:
        cursor.execute(RECORD[correction], params)
        rows = cursor.fetchall()
        webhook_ids = sorted(pk for what, pk, _, _ in rows if what == "webhook")
        immediate = sorted((pk, reader_id, version) for what, pk, reader_id, version in rows if what == "immediate")
        if not immediate:
            return [], webhook_ids
        cursor.execute(IMMEDIATE, {
            "subscriptions": [row[0] for row in immediate],
            "readers": [row[1] for row in immediate],
            "versions": [row[2] for row in immediate],
            "since": now - datetime.timedelta(days=1),
            "cap": settings.ALERTS_DAILY_CAP,
            "event_id": facts.id,
            "now": now,
        })
        return [row[0] for row in cursor.fetchall()], webhook_ids
