"""What the docket sync knows about each tracked lawsuit: the entries it has seen, and how its last poll went.

A lawsuit is tracked when it has a CourtListener docket id (events.Lawsuit.courtlistener_docket_id).
Every docket entry read is kept (DocketEntry), the ones that matter with the draft event made from them,
so an entry is proposed once and never again, whatever curators then do with the draft.
"""

from django.db import models

from events.models import Event, Lawsuit


class DocketSync(models.Model):
    """The sync state of one lawsuit's docket: when it was polled, and the last failure, if any."""

    lawsuit = models.OneToOneField(Lawsuit, on_delete=models.CASCADE, related_name="docket_sync")
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="Why the last poll failed; empty once a poll succeeds.")
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed polls in a row.")
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    # What CourtListener says, for curators to compare with the lawsuit's own fields.
    court_id = models.CharField(max_length=40, blank=True)
    docket_number = models.CharField(max_length=100, blank=True)
    assigned_to = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "docket sync"

    def __str__(self):
        return f"Docket sync of {self.lawsuit}"


class DocketEntry(models.Model):
    """A docket entry read from CourtListener; `kind` is set for those that matter, with their draft event."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", "Complaint"
        MOTION_TO_DISMISS = "motion_to_dismiss", "Motion to dismiss"
        DISMISSAL_RULING = "dismissal_ruling", "Ruling on a motion to dismiss"
        CONSOLIDATION = "consolidation", "Consolidation"
        SETTLEMENT = "settlement", "Settlement"
        JUDGMENT = "judgment", "Judgment"
        APPEAL = "appeal", "Appeal"
        DISMISSAL = "dismissal", "Dismissal"

    lawsuit = models.ForeignKey(Lawsuit, on_delete=models.CASCADE, related_name="docket_entries")
    courtlistener_id = models.PositiveBigIntegerField()
    entry_number = models.PositiveIntegerField(null=True, blank=True)
    date_filed = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True)
    proposed_status = models.CharField(
        max_length=16, choices=Lawsuit.Status.choices, blank=True, help_text="The lawsuit status this entry suggests."
    )
    status_applied = models.BooleanField(default=False)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="docket_entries")
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lawsuit", "-date_filed", "-entry_number"]
        verbose_name_plural = "docket entries"
        constraints = [
            models.UniqueConstraint(fields=["lawsuit", "courtlistener_id"], name="docket_entry_seen_once"),
        ]

    def __str__(self):
        number = f"#{self.entry_number} " if self.entry_number else ""
        return f"{self.lawsuit}: {number}{self.description[:60]}"
