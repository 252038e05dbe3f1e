"""The curators' side of ingest: the review queue of draft events, feeds and their health, articles
(read-only, with their errors), the run log, and a form to submit a URL."""

import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from events.models import Event

from . import (
    admin_review,  # noqa: F401  (registers the review queue and the proposed sources)
    pipeline,
)
from .extract import sanitise_html
from .models import Article, Feed, IngestRun
from .services import ingest_url_now, promote_article, submit_url

logger = logging.getLogger(__name__)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the pipeline: curators look, they do not edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


def truncate(text, limit):
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def already_ingested(url):
    """The article we already hold for this URL (not a failed or parked attempt), or None."""
    canonical = pipeline._safe_canonical(url)
    return (
        Article.objects.filter(canonical_url=canonical)
        .exclude(status__in=[Article.Status.FAILED, Article.Status.PENDING])
        .select_related("event")
        .first()
    )


def event_link(event):
    """A link to where a curator deals with the event: the review screen for a draft, else the event."""
    if event.status == Event.Status.DRAFT:
        url = reverse("admin:ingest_draftevent_change", args=[event.pk])
    else:
        url = reverse("admin:events_event_change", args=[event.pk])
    return format_html('<a href="{}">{}</a>', url, event.title)


def describe_duplicate(article):
    link = format_html(
        '<a href="{}">{}</a>', reverse("admin:ingest_article_change", args=[article.pk]), str(article)
    )
    if article.event_id:
        return format_html("Already here: it duplicates the article {}, a source of {}.", link,
                           event_link(article.event)), messages.INFO
    return format_html("Already here: it duplicates the article {}.", link), messages.INFO


def describe_outcome(url, outcome):
    """(message, level) for what the pipeline did with a URL read in this process."""
    if outcome.result == pipeline.FAILED:
        return f"Failed to ingest {url}: {outcome.error or 'no reason given'}", messages.ERROR
    article = Article.objects.filter(pk=outcome.article_id).select_related("event").first()
    if outcome.result == pipeline.DUPLICATE and article is not None:
        return describe_duplicate(article)
    if outcome.result == pipeline.IRRELEVANT:
        return f"Read {url}: not about AI and the screen industries, so no event was proposed.", messages.INFO
    event = Event.objects.filter(pk=outcome.event_id).first()
    if event is None:
        return f"Read {url}.", messages.INFO
    if outcome.event_created:
        return format_html("Ingested {}: it proposes the draft {}.", url, event_link(event)), messages.SUCCESS
    if event.status == Event.Status.PUBLISHED:
        return format_html(
            "Ingested {}: it joined {} as a proposed source, shown once you accept it.", url, event_link(event)
        ), messages.SUCCESS
    return format_html("Ingested {}: it joined {} as a source.", url, event_link(event)), messages.SUCCESS


def describe_promotion(article, outcome):
    """(message, level) for a curator's promotion of an article judged irrelevant."""
    if outcome.result == pipeline.DUPLICATE:
        return f"“{article}” was not judged irrelevant, so there was nothing to promote.", messages.INFO
    event = Event.objects.filter(pk=outcome.event_id).first()
    if event is None:
        return f"Promoted “{article}”, but it proposed no event.", messages.WARNING
    if outcome.event_created:
        message = format_html("Promoted “{}”: it proposes a new draft, {}.", str(article), event_link(event))
    else:
        message = format_html("Promoted “{}”: it joined the event {}.", str(article), event_link(event))
    return message, messages.SUCCESS



class KindGuessFilter(admin.SimpleListFilter):
    """The classifier's kind, by its label ("Lawsuit filed", not `lawsuit_filed`)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return Event.Kind.choices

    def queryset(self, request, queryset):
        return queryset.filter(kind_guess=self.value()) if self.value() else queryset


class SubmitURLForm(forms.Form):
    url = forms.URLField(label="Article URL", max_length=2000, assume_scheme="https")


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    # Seven narrow columns: long titles, URLs and errors are cut so the list fits a 1280 px screen.
    list_display = ["short_title", "status", "kind", "published_on", "event_title", "short_error", "created_at"]
    list_filter = ["status", KindGuessFilter]
    search_fields = ["title", "canonical_url", "url"]
    list_select_related = ["event"]
    exclude = ["html_sanitised", "feeds", "matched_rules"]
    readonly_fields = ["body"]
    change_list_template = "admin/ingest/article/change_list.html"
    change_form_template = "admin/ingest/article/change_form.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    def has_promote_permission(self, request):
        # Articles are read-only in the admin; promoting is the one decision a curator takes on them.
        return request.user.has_perm("ingest.change_article")

    @admin.display(description="article", ordering="title")
    def short_title(self, obj):
        # Headlines wrap in their column; cut only the rare runaway one, so a curator reads the whole title.
        return truncate(str(obj), 120)

    @admin.display(description="kind", ordering="kind_guess")
    def kind(self, obj):
        return dict(Event.Kind.choices).get(obj.kind_guess, "")

    @admin.display(description="published", ordering="published_at")
    def published_on(self, obj):
        return obj.published_at.date() if obj.published_at else ""

    @admin.display(description="event", ordering="event__title")
    def event_title(self, obj):
        return truncate(obj.event.title, 60) if obj.event_id else ""

    @admin.display(description="error")
    def short_error(self, obj):
        return truncate(obj.error, 80)

    @admin.display(description="body (sanitised)")
    def body(self, obj):
        return mark_safe(sanitise_html(obj.html_sanitised))  # noqa: S308 - nh3 output only

    def get_urls(self):
        submit = self.admin_site.admin_view(self.submit_view)
        promote = self.admin_site.admin_view(self.promote_view)
        return [
            path("submit/", submit, name="ingest_article_submit"),
            path("<int:object_id>/promote/", promote, name="ingest_article_promote"),
            *super().get_urls(),
        ]

    def promote_view(self, request, object_id):
        """The one-click Promote button of an article judged irrelevant (POST, with the CSRF token)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_promote_permission(request):
            raise PermissionDenied
        article = get_object_or_404(Article, pk=object_id)
        if article.status != Article.Status.IRRELEVANT:
            self.message_user(request, f"“{article}” was not judged irrelevant: nothing to promote.", messages.INFO)
        else:
            self.message_user(request, *describe_promotion(article, promote_article(article)))
        return redirect(reverse("admin:ingest_article_change", args=[article.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"can_promote": self.has_promote_permission(request)}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def submit_view(self, request):
        if not (request.user.has_perm("ingest.add_article") or request.user.has_perm("ingest.view_article")):
            raise PermissionDenied
        form = SubmitURLForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            url = form.cleaned_data["url"]
            existing = already_ingested(url)
            if existing is not None:
                self.message_user(request, *describe_duplicate(existing))
                return redirect(reverse("admin:ingest_article_change", args=[existing.pk]))
            if settings.CELERY_TASK_ALWAYS_EAGER:
                # No broker: the URL is read here and now, so say what became of it.
                _, outcome = ingest_url_now(url)
                self.message_user(request, *describe_outcome(url, outcome))
                return redirect(reverse("admin:ingest_article_changelist"))
            sent, run = submit_url(url)
            if sent:
                follow = reverse("admin:ingest_ingestrun_change", args=[run.pk])
                self.message_user(
                    request,
                    format_html('Queued {}: a worker reads it shortly. <a href="{}">Follow it here</a>.', url, follow),
                    messages.SUCCESS,
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
    readonly_fields = ["what_became_of_it"]

    @admin.display(description="What became of it")
    def what_became_of_it(self, run):
        """A URL run's outcome in the words Submit a URL uses when it reads the URL in-process."""
        if run.kind != IngestRun.Kind.URL:
            return "—"
        if run.status == IngestRun.Status.RUNNING:
            return "Queued: a worker has not finished reading it yet (it retries a page that is down)."
        if not run.result:
            return run.error or "—"
        outcome = pipeline.Outcome(run.result, article_id=run.article_id, event_id=run.event_id,
                                   event_created=run.event_created, error=run.error)
        return describe_outcome(run.target, outcome)[0]
