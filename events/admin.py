"""The curators' admin: every model with search, filters, autocomplete, inlines and history."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .history import NOBODY, event_history
from .models import (
    Affiliation,
    AIProvision,
    Event,
    EventOrganisation,
    EventPerson,
    Lawsuit,
    LawsuitParty,
    Organisation,
    OrganisationMerge,
    Person,
    Source,
    UnionAgreement,
)


class SubsidiaryInline(admin.TabularInline):
    model = Organisation
    fk_name = "parent"
    fields = ["name", "kind"]
    extra = 0
    show_change_link = True
    verbose_name = "subsidiary"
    verbose_name_plural = "subsidiaries"


class ReturnAfterAdd:
    """An add form opened from another admin page with `?return_to=/admin/…` (the review screen's "add
    organisation / person") goes back there after Save, so the curator carries on where they were."""

    def response_add(self, request, obj, post_url_continue=None):
        back = request.GET.get("return_to", "")
        safe = back.startswith("/admin/") and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        if safe and "_save" in request.POST and "_popup" not in request.POST:
            self.message_user(request, f"Added “{obj}” to the registry.", messages.SUCCESS)
            return redirect(back)
        return super().response_add(request, obj, post_url_continue)


@admin.register(Organisation)
class OrganisationAdmin(ReturnAfterAdd, SimpleHistoryAdmin):
    list_display = ["name", "kind", "parent", "event_count", "updated_at"]
    ordering = ["name"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["kind"]
    search_fields = ["name", "aliases", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SubsidiaryInline]
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(event_total=Count("event_links"))

    @admin.display(description="events", ordering="event_total")
    def event_count(self, obj):
        return obj.event_total

    @admin.action(description="Merge into one organisation…", permissions=["change"])
    def merge(self, request, queryset):
        organisations = list(queryset.order_by("name"))
        if len(organisations) < 2:
            self.message_user(request, "Select at least two organisations to merge.", messages.WARNING)
            return None
        target_id = request.POST.get("merge_into")
        if target_id:
            target = next((o for o in organisations if str(o.pk) == target_id), None)
            if target is None:
                self.message_user(request, "Choose one of the selected organisations to keep.", messages.ERROR)
                return None
            others = [o for o in organisations if o.pk != target.pk]
            services.merge_organisations(target, others)
            self.message_user(
                request, f"Merged {', '.join(o.name for o in others)} into {target.name}.", messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge organisations",
            "organisations": organisations,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/events/organisation/merge.html", context)


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Person)
class PersonAdmin(ReturnAfterAdd, SimpleHistoryAdmin):
    list_display = ["name", "slug", "updated_at"]
    search_fields = ["name", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AffiliationInline]


class LawsuitPartyInline(admin.TabularInline):
    model = LawsuitParty
    extra = 0
    autocomplete_fields = ["organisation", "person"]


@admin.register(Lawsuit)
class LawsuitAdmin(SimpleHistoryAdmin):
    list_display = ["case_name", "court", "docket_number", "filed_on", "status"]
    list_filter = ["status", "court"]
    search_fields = ["case_name", "docket_number", "court", "slug"]
    prepopulated_fields = {"slug": ["case_name"]}
    date_hierarchy = "filed_on"
    inlines = [LawsuitPartyInline]


class AIProvisionInline(admin.StackedInline):
    model = AIProvision
    extra = 0


@admin.register(UnionAgreement)
class UnionAgreementAdmin(SimpleHistoryAdmin):
    list_display = ["name", "union", "status", "ratified_on", "expires_on"]
    list_filter = ["status", "union"]
    search_fields = ["name", "slug", "union__name"]
    autocomplete_fields = ["union", "counterparties", "supersedes"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AIProvisionInline]


class LabelledFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Delete row {(index or 0) + 1}"


class LabelledTabularInline(admin.TabularInline):
    """A table of inline rows whose fields carry their column's name: a screen reader (and axe) hears
    which field it is in, not only the header above it."""

    formset = LabelledFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            widget = getattr(formfield.widget, "widget", formfield.widget)  # past the related-object wrapper
            widget.attrs.setdefault("aria-label", str(db_field.verbose_name).capitalize())
        return formfield


class EventOrganisationInline(LabelledTabularInline):
    model = EventOrganisation
    extra = 0
    autocomplete_fields = ["organisation"]


class EventPersonInline(LabelledTabularInline):
    model = EventPerson
    extra = 0
    autocomplete_fields = ["person"]


class SourceInline(LabelledTabularInline):
    model = Source
    extra = 0
    fields = ["url", "title", "publisher", "published_on", "is_primary", "review"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ProposalsFilter(admin.SimpleListFilter):
    title = "proposed sources"
    parameter_name = "proposals"

    def lookups(self, request, model_admin):
        return [("waiting", "Waiting for review")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(proposal_total__gt=0)
        return queryset


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["title", "date", "date_precision", "kind", "status", "source_count", "proposal_count", "updated_at"]
    list_filter = ["status", ProposalsFilter, "kind", "date_precision", ("date", admin.DateFieldListFilter)]
    # Slugs start with the date, so "2024-09" finds September 2024; organisations find their events.
    search_fields = ["title", "summary", "slug", "sources__url", "sources__title", "organisations__name"]
    autocomplete_fields = ["lawsuit", "agreement"]
    # The counts below GROUP BY, which drops Meta.ordering: say it again so pages and autocomplete are stable.
    ordering = ["-date", "-id"]
    date_hierarchy = "date"
    readonly_fields = ["published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", ("date", "date_precision"), "kind", "summary"]}),
        ("Linked", {"fields": ["lawsuit", "agreement"]}),
        ("Record", {"fields": ["published_at", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [EventOrganisationInline, EventPersonInline, SourceInline]
    actions = ["publish", "reject"]
    list_per_page = 50
    # One list of the event's changes and those of its sources and links (events/history.py).
    object_history_template = "admin/events/event/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        """Rendered here rather than by simple-history's view, which cannot read the history of the review
        queue's proxy (DraftEvent): one page for both, with the event's versions linked in the Event admin."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj.title}",
            "object": obj,
            "opts": self.opts,
            "module_name": capfirst(self.opts.verbose_name_plural),
            "entries": event_history(obj.pk),
            "nobody": NOBODY,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            source_total=Count("sources", filter=Q(sources__review=Source.Review.ACCEPTED)),
            proposal_total=Count("sources", filter=Q(sources__review=Source.Review.PROPOSED)),
        )

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            obj.machine_draft = False  # a curator has gone over the words: no longer ingest's draft
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/") and request.GET.get("field_name") == "event":
            # Choosing an event to merge or move into: a rejected event is never the answer.
            queryset = queryset.exclude(status=Event.Status.REJECTED)
        return queryset, may_have_duplicates

    @admin.display(description="sources", ordering="source_total")
    def source_count(self, obj):
        return obj.source_total

    @admin.display(description="proposed sources", ordering="proposal_total")
    def proposal_count(self, obj):
        if not obj.proposal_total:
            return ""
        from django.urls import reverse
        from django.utils.html import format_html

        url = reverse("admin:events_proposedsource_changelist")
        return format_html('<a href="{}?event__id__exact={}">{} to review</a>', url, obj.pk, obj.proposal_total)

    @admin.action(description="Publish: show on the site", permissions=["change"])
    def publish(self, request, queryset):
        # As Event rows, not the review queue's proxy: history and the cache signals listen to Event.
        chosen = Event.objects.filter(pk__in=[e.pk for e in queryset])
        reason = f"Bulk: published {len(chosen)} event{'s' if len(chosen) != 1 else ''} at once"
        published, refused = services.publish_events(chosen, reason=reason)
        if published:
            self.message_user(request, f"Published {len(published)} event(s).", messages.SUCCESS)
        if refused:
            names = "; ".join(f"{e.title}: {e.refusal}" for e in refused[:5])
            self.message_user(request, f"Not published: {len(refused)} event(s) ({names})", messages.WARNING)

    @admin.action(description="Reject: keep off the site", permissions=["change"])
    def reject(self, request, queryset):
        chosen = Event.objects.filter(pk__in=[e.pk for e in queryset])
        reason = f"Bulk: rejected {len(chosen)} event{'s' if len(chosen) != 1 else ''} at once"
        rejected = services.reject_events(chosen, reason=reason)
        self.message_user(request, f"Rejected {len(rejected)} event(s).", messages.SUCCESS)


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "published_on", "review", "event"]
    search_fields = ["title", "url", "publisher"]
    autocomplete_fields = ["event"]
    list_filter = ["review", "publisher"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(OrganisationMerge)
class OrganisationMergeAdmin(admin.ModelAdmin):
    """Merges of organisations: the old URL redirects to the survivor until the merge is undone."""

    list_display = ["merged_name", "survivor", "created_at", "undone_at"]
    list_select_related = ["survivor"]
    search_fields = ["merged_name", "merged_slug", "survivor__name"]
    readonly_fields = ["survivor", "merged_name", "merged_slug", "created_at", "undone_at"]
    exclude = ["snapshot"]
    actions = ["unmerge"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Un-merge: bring the organisation back as it was", permissions=["change"])
    def unmerge(self, request, queryset):
        restored = [services.unmerge_organisation(m) for m in queryset.filter(undone_at__isnull=True)]
        self.message_user(
            request, f"Restored {', '.join(o.name for o in restored) or 'nothing'}.", messages.SUCCESS
        )
