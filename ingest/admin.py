"""The curators' side of ingest: the review queue of draft events, feeds and their health, articles
(read-only, with their errors), the run log, and a form to submit a URL."""

import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe

from events import services as event_services
from events.admin import EventAdmin
from events.models import Event, ProposedSource, Source

from .extract import sanitise_html
from .models import Article, ArticleEvent, DraftEvent, Feed, IngestRun, Mention
from .services import submit_url

logger = logging.getLogger(__name__)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the pipeline: curators look, they do not edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Review queue --------------------------------------------------------------------------------


@admin.register(DraftEvent)
class DraftEventAdmin(EventAdmin):
    """Draft events, newest first; each beside the article it came from."""

    list_display = ["title", "kind", "date", "organisation_names", "source_count", "created_at"]
    list_filter = ["kind"]
    date_hierarchy = None
    ordering = ["-created_at"]
    actions = ["publish", "reject", "merge_into_event"]
    change_form_template = "admin/ingest/draftevent/change_form.html"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(status=Event.Status.DRAFT).prefetch_related("organisations")
        )

    @admin.display(description="organisations")
    def organisation_names(self, obj):
        return ", ".join(o.name for o in obj.organisations.all()[:6])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        articles = Article.objects.filter(event_id=object_id).order_by("created_at")
        for article in articles:
            # Stored sanitised; cleaned again on the way out so nothing but nh3's output reaches the page.
            article.display_html = mark_safe(sanitise_html(article.html_sanitised))  # noqa: S308
        mentions = Mention.objects.filter(article__event_id=object_id).select_related(
            "organisation", "person"
        )
        extra_context = {**(extra_context or {}), "articles": articles, "mentions": mentions}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Merge the selected drafts into a published event", permissions=["change"])
    def merge_into_event(self, request, queryset):
        drafts = list(queryset)
        target_id = request.POST.get("merge_into")
        if target_id:
            target = Event.objects.filter(pk=target_id).exclude(status=Event.Status.REJECTED).first()
            if target is None or any(d.pk == target.pk for d in drafts):
                self.message_user(request, "Choose an event outside the selection.", messages.ERROR)
                return None
            with transaction.atomic():
                for draft in drafts:
                    event_services.merge_event_into(draft, target)
                    Article.objects.filter(event=draft).update(event=target, status=Article.Status.LINKED)
            self.message_user(
                request, f"Merged {len(drafts)} draft(s) into “{target.title}”.", messages.SUCCESS
            )
            return None
        dates = [d.date for d in drafts]
        candidates = (
            Event.objects.published().filter(date__range=(min(dates), max(dates))).order_by("-date")[:50]
        )
        if not candidates:
            candidates = Event.objects.published().order_by("-date")[:50]
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge drafts into an event",
            "drafts": drafts,
            "candidates": candidates,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/ingest/draftevent/merge.html", context)


# --- Proposed sources ----------------------------------------------------------------------------


def articles_for_sources(sources):
    """The ingested article behind each source, by URL (the source keeps the article's final URL)."""
    urls = {s.url for s in sources}
    if not urls:
        return {}
    found = {}
    for article in Article.objects.filter(Q(final_url__in=urls) | Q(url__in=urls) | Q(canonical_url__in=urls)):
        for url in (article.final_url, article.url, article.canonical_url):
            found.setdefault(url, article)
    return {s.pk: found.get(s.url) for s in sources}


class MoveSourcesForm(forms.Form):
    """The event to move sources to, found by title, date or organisation (the admin's autocomplete)."""

    target = forms.ModelChoiceField(
        queryset=Event.objects.exclude(status=Event.Status.REJECTED),
        label="Move to event",
        help_text="Type a few words of its title, a date (2024-09) or an organisation.",
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.admin.widgets import AutocompleteSelect

        field = self.fields["target"]
        field.widget = AutocompleteSelect(Source._meta.get_field("event"), admin_site)
        field.widget.choices = field.choices  # a widget set after the field's creation needs them handed over


@admin.register(ProposedSource)
class ProposedSourceAdmin(admin.ModelAdmin):
    """Articles that ingest joined to published events: not public until a curator accepts them."""

    list_display = ["source_title", "event_link", "publisher", "published_on", "created_at"]
    list_display_links = ["source_title"]
    list_select_related = ["event"]
    list_filter = ["publisher"]
    search_fields = ["title", "url", "event__title"]
    ordering = ["event__date", "event_id", "created_at"]
    actions = ["accept", "reject", "move"]
    fields = ["url", "title", "publisher", "published_on"]
    readonly_fields = ["url", "title", "publisher", "published_on"]
    change_form_template = "admin/ingest/proposedsource/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="source", ordering="title")
    def source_title(self, obj):
        return obj.title or obj.url

    @admin.display(description="proposed for event", ordering="event__date")
    def event_link(self, obj):
        from django.utils.html import format_html

        url = reverse("admin:events_event_change", args=[obj.event_id])
        return format_html('<a href="{}">{} {}</a>', url, f"{obj.event.date:%Y-%m-%d}", obj.event.title)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        source = self.get_object(request, object_id)
        if source is not None and request.method == "POST" and self.has_change_permission(request, source):
            return self._decide(request, source)
        extra_context = {**(extra_context or {})}
        if source is not None:
            article = articles_for_sources([source]).get(source.pk)
            if article is not None:
                article.display_html = mark_safe(sanitise_html(article.html_sanitised))  # noqa: S308 - nh3 output
            others = Source.objects.filter(event_id=source.event_id).exclude(pk=source.pk).order_by("review", "id")
            extra_context.update(
                article=article,
                event=source.event,
                other_sources=others,
                move_form=MoveSourcesForm(admin_site=self.admin_site),
                show_save=False,
                show_save_and_continue=False,
                show_save_and_add_another=False,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request, source):
        """Accept, reject or move the one source on screen, then go to the next proposal."""
        if "_accept" in request.POST:
            event_services.accept_sources([source])
            self.message_user(
                request, f"Accepted “{source}”: it now shows on “{source.event.title}”.", messages.SUCCESS
            )
        elif "_reject" in request.POST:
            event_services.reject_sources([source])
            self.message_user(request, f"Rejected “{source}”: it stays off the site.", messages.SUCCESS)
        elif "_move" in request.POST:
            form = MoveSourcesForm(request.POST, admin_site=self.admin_site)
            if not form.is_valid():
                self.message_user(request, "Choose the event to move the source to.", messages.ERROR)
                return redirect(request.path)
            self._move(request, [source], form.cleaned_data["target"])
        return redirect(self._next_url(exclude=source.pk))

    def _next_url(self, exclude=None):
        following = ProposedSource.objects.exclude(pk=exclude).order_by("event__date", "event_id", "created_at").first()
        if following is None:
            return reverse("admin:events_proposedsource_changelist")
        return reverse("admin:events_proposedsource_change", args=[following.pk])

    def _move(self, request, sources, target):
        previous = {s.url: s.event_id for s in sources}
        with transaction.atomic():
            moved = event_services.move_sources(sources, target)
            articles = articles_for_sources(moved)
            for source in moved:
                article = articles.get(source.pk)
                if article is None:
                    continue
                ArticleEvent.objects.filter(article=article, event_id=previous.get(source.url)).delete()
                ArticleEvent.objects.get_or_create(
                    article=article, event=target, defaults={"how": ArticleEvent.How.CURATOR}
                )
                if article.event_id in (None, previous.get(source.url)):
                    Article.objects.filter(pk=article.pk).update(event=target)
        self.message_user(request, f"Moved {len(moved)} source(s) to “{target.title}”, accepted.", messages.SUCCESS)

    @admin.action(description="Accept: show on the site", permissions=["change"])
    def accept(self, request, queryset):
        accepted = event_services.accept_sources(list(queryset))
        self.message_user(request, f"Accepted {len(accepted)} source(s).", messages.SUCCESS)

    @admin.action(description="Reject: keep off the site", permissions=["change"])
    def reject(self, request, queryset):
        rejected = event_services.reject_sources(list(queryset))
        self.message_user(request, f"Rejected {len(rejected)} source(s).", messages.SUCCESS)

    @admin.action(description="Move to another event…", permissions=["change"])
    def move(self, request, queryset):
        sources = list(queryset)
        if "target" in request.POST:
            form = MoveSourcesForm(request.POST, admin_site=self.admin_site)
            if form.is_valid():
                self._move(request, sources, form.cleaned_data["target"])
                return None
        else:
            form = MoveSourcesForm(admin_site=self.admin_site)
        context = {
            **self.admin_site.each_context(request),
            "title": "Move sources to another event",
            "sources": sources,
            "form": form,
            "media": self.media + form.media,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/ingest/proposedsource/move.html", context)


# --- Feeds ---------------------------------------------------------------------------------------


class HealthFilter(admin.SimpleListFilter):
    title = "health"
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return [("unhealthy", "Unhealthy"), ("failing", "Failing"), ("paused", "Paused"), ("ok", "Healthy")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "unhealthy":
            return queryset.unhealthy()
        if value == "failing":
            return queryset.filter(consecutive_failures__gt=0)
        if value == "paused":
            return queryset.filter(active=False)
        if value == "ok":
            return queryset.filter(active=True, consecutive_failures=0)
        return queryset


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "__str__",
        "health",
        "last_success_at",
        "consecutive_failures",
        "failing_since",
        "short_error",
        "next_poll_at",
        "poll_interval",
        "article_count",
    ]
    list_filter = [HealthFilter, "active"]
    search_fields = ["name", "url"]
    actions = ["pause", "resume", "poll_now"]
    readonly_fields = [
        "etag",
        "last_modified",
        "body_hash",
        "next_poll_at",
        "consecutive_failures",
        "last_error",
        "failing_since",
        "last_success_at",
        "last_polled_at",
        "last_new_entries_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["url", "name", "active", "poll_interval"]}),
        (
            "Health",
            {
                "fields": [
                    "consecutive_failures",
                    "failing_since",
                    "last_error",
                    "last_success_at",
                    "last_polled_at",
                    "next_poll_at",
                    "last_new_entries_at",
                ]
            },
        ),
        ("Caching", {"fields": ["etag", "last_modified", "body_hash"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("article_links"))

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, obj):
        return obj.article_total

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error

    @admin.action(description="Pause the selected feeds", permissions=["change"])
    def pause(self, request, queryset):
        count = queryset.update(active=False)
        self.message_user(request, f"Paused {count} feed(s).", messages.SUCCESS)

    @admin.action(description="Resume the selected feeds (poll at the next tick)", permissions=["change"])
    def resume(self, request, queryset):
        count = queryset.update(active=True, next_poll_at=None)
        self.message_user(request, f"Resumed {count} feed(s).", messages.SUCCESS)

    @admin.action(description="Poll the selected feeds now", permissions=["change"])
    def poll_now(self, request, queryset):
        from .tasks import QUEUE_ERRORS, poll_feed

        feeds = list(queryset.filter(active=True).values_list("pk", flat=True))
        try:
            for feed_id in feeds:
                poll_feed.apply_async((feed_id,))
        except QUEUE_ERRORS as exc:
            logger.error("Could not queue a poll of feeds %s: %s", feeds, exc)
            self.message_user(
                request,
                "The task queue cannot be reached just now, so no poll was queued; the feeds are polled "
                "at their next scheduled time once it is back.",
                messages.ERROR,
            )
            return
        self.message_user(request, f"Queued a poll of {len(feeds)} feed(s).", messages.SUCCESS)


# --- Articles and runs ---------------------------------------------------------------------------


class SubmitURLForm(forms.Form):
    url = forms.URLField(label="Article URL", max_length=2000, assume_scheme="https")


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "status",
        "kind_guess",
        "published_at",
        "feed",
        "event",
        "short_error",
        "created_at",
    ]
    list_filter = ["status", "kind_guess"]
    search_fields = ["title", "canonical_url", "url"]
    list_select_related = ["feed", "event"]
    exclude = ["html_sanitised", "feeds", "matched_rules"]
    readonly_fields = ["body"]
    change_list_template = "admin/ingest/article/change_list.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="error")
    def short_error(self, obj):
        return obj.error[:120]

    @admin.display(description="body (sanitised)")
    def body(self, obj):
        return mark_safe(sanitise_html(obj.html_sanitised))  # noqa: S308 - nh3 output only

    def get_urls(self):
        submit = self.admin_site.admin_view(self.submit_view)
        return [path("submit/", submit, name="ingest_article_submit"), *super().get_urls()]

    def submit_view(self, request):
        if not (request.user.has_perm("ingest.add_article") or request.user.has_perm("ingest.view_article")):
            raise PermissionDenied
        form = SubmitURLForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            url = form.cleaned_data["url"]
            if submit_url(url):
                self.message_user(
                    request, f"Queued {url}: it appears here once a worker has read it.", messages.SUCCESS
                )
            else:
                self.message_user(
                    request,
                    f"The task queue cannot be reached just now. {url} is kept as pending and is read "
                    "automatically once the queue is back.",
                    messages.WARNING,
                )
            return redirect(reverse("admin:ingest_article_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Submit an article URL",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/ingest/article/submit.html", context)


@admin.register(IngestRun)
class IngestRunAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "target",
        "feed",
        "status",
        "started_at",
        "finished_at",
        "new_count",
        "duplicate_count",
        "irrelevant_count",
        "failed_count",
        "error",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["feed"]
