"""Celery tasks of the docket sync: beat enqueues one poll per tracked lawsuit; each poll is its own task."""

import logging

from celery import shared_task

from events.models import Lawsuit

from . import client, sync

log = logging.getLogger(__name__)
OFF = "CourtListener docket sync is off: set COURTLISTENER_TOKEN to turn it on"


@shared_task
def poll_tracked_dockets():
    """Enqueue a poll for each lawsuit with a CourtListener docket id; does nothing without a token."""
    if not client.enabled():
        log.info(OFF)
        return OFF
    ids = list(sync.tracked_lawsuits().values_list("pk", flat=True))
    for pk in ids:
        poll_docket.delay(pk)
    return f"{len(ids)} dockets to poll"


# A docket's first poll reads every page (hundreds of entries, 0.75 s apart): more than the default limits.
@shared_task(bind=True, max_retries=8, soft_time_limit=1200, time_limit=1260)
def poll_docket(self, lawsuit_id):
    if not client.enabled():
        return OFF
    lawsuit = Lawsuit.objects.filter(pk=lawsuit_id, courtlistener_docket_id__isnull=False).first()
    if lawsuit is None:
        return "not tracked"
    try:
        result = sync.poll_lawsuit(lawsuit)
    except client.RateLimited as error:
        # Come back once CourtListener says we may; the entries taken so far are kept and not proposed again.
        raise self.retry(countdown=max(1, error.retry_after), exc=error) from error
    failed = f"; failed: {result.error}" if result.error else ""
    return f"{result.lawsuit}: {result.new} new entries, {result.drafts} drafts{failed}"
