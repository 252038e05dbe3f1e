"""Curators see what the docket sync read and apply a proposed status change in one click.

The draft events themselves wait in the timeline's review queue with every other draft.
"""

from django.contrib import admin, messages
from django.utils import timezone

from .models import DocketEntry, DocketSync


@admin.register(DocketSync)
class DocketSyncAdmin(admin.ModelAdmin):
    list_display = ["lawsuit", "last_polled_at", "last_success_at", "failures", "last_error"]
    list_filter = ["failures"]
    readonly_fields = [f.name for f in DocketSync._meta.fields]


@admin.register(DocketEntry)
class DocketEntryAdmin(admin.ModelAdmin):
    list_display = ["lawsuit", "entry_number", "date_filed", "kind", "proposed_status", "status_applied", "event"]
    list_filter = ["kind", "status_applied", "lawsuit"]
    search_fields = ["description", "lawsuit__case_name"]
    readonly_fields = [f.name for f in DocketEntry._meta.fields if f.name != "status_applied"]
    actions = ["apply_proposed_status"]

    @admin.action(description="Apply the proposed status to the lawsuit")
    def apply_proposed_status(self, request, queryset):
        applied = 0
        for entry in queryset.exclude(proposed_status="").filter(status_applied=False).select_related("lawsuit"):
            lawsuit = entry.lawsuit
            lawsuit.status = entry.proposed_status
            lawsuit.status_on = entry.date_filed or timezone.localdate()
            lawsuit.save()
            entry.status_applied = True
            entry.save(update_fields=["status_applied"])
            applied += 1
        self.message_user(request, f"{applied} status change(s) applied.", messages.SUCCESS)
