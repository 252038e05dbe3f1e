"""The review queue: draft events beside their articles, with possible duplicates, a preview and merge;
and the proposed sources that ingest joined to published events. Registered by ingest/admin.py."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from events import services as event_services
from events.admin import EventAdmin
from events.duplicates import possible_duplicates
from events.models import Event, Organisation, Person, ProposedSource, Source
from events.templatetags.dailies import at_precision

from .extract import sanitise_html
from .models import Article, ArticleEvent, CandidateName, DraftEvent, Mention

DATE_UNKNOWN_NOTE = "Date unknown — set it before publishing"

# The keys of the review screen, listed on the page and read by static/js/review-keys.js.
REVIEW_KEYS = [
    ("j", "next draft"),
    ("k", "previous draft"),
    ("p", "publish"),
    ("x", "reject"),
    ("d", "jump to the possible duplicates"),
]


class PlaceholderAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete with a visible placeholder: select2 shows it in the box, which gives the
    empty box its accessible name (an empty one has none)."""

    placeholder = "Type a title, a date (2024-09) or an organisation"

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-placeholder"] = self.placeholder
        return attrs


class EventChoiceForm(forms.Form):
    """An event chosen by typing: title words, a date (2024-09) or an organisation (admin autocomplete)."""

    target = forms.ModelChoiceField(
        queryset=Event.objects.exclude(status=Event.Status.REJECTED),
        label="Event",
        help_text="Type a few words of its title, a date (2024-09) or an organisation.",
    )

    def __init__(self, *args, admin_site, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        if label:
            field.label = label
        field.widget = PlaceholderAutocompleteSelect(Source._meta.get_field("event"), admin_site)
        field.widget.choices = field.choices  # a widget set after the field's creation needs them handed over


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


def kind_label(code):
    """"Lawsuit filed" for `lawsuit_filed`: curators read labels, not codes."""
    return dict(Event.Kind.choices).get(code, code.replace("_", " ").capitalize() if code else "Other")


def registry_add_url(candidate, return_to=""):
    """The add form of an organisation or a person, prefilled from a candidate name and its sentence;
    after Save it goes back to `return_to` (events.admin.ReturnAfterAdd)."""
    if candidate.kind == CandidateName.Kind.PERSON:
        base = reverse("admin:events_person_add")
        initial = {"name": candidate.name}
    else:
        base = reverse("admin:events_organisation_add")
        initial = {"name": candidate.name, "kind": organisation_kind_guess(candidate)}
    if candidate.sentence:
        initial["description"] = f"Named in an article: “{candidate.sentence.strip()[:400]}”"
    if return_to:
        initial["return_to"] = return_to
    return f"{base}?{urlencode(initial)}"


def organisation_kind_guess(candidate):
    """A kind from the cue that made the name stand out ("… Studios", "… Inc.", "… Guild")."""
    text = f"{candidate.name} {candidate.cue}".lower()
    for words, kind in [
        (("guild", "union", "sag-aftra", "iatse"), Organisation.Kind.UNION),
        (("studio", "pictures", "films"), Organisation.Kind.STUDIO),
        (("court",), Organisation.Kind.COURT),
        ((" ai", "labs", "intelligence"), Organisation.Kind.AI_COMPANY),
        (("llp", "law"), Organisation.Kind.LAW_FIRM),
        (("agency",), Organisation.Kind.TALENT_AGENCY),
        (("inc", "corp", "ltd", "company"), Organisation.Kind.TECH_COMPANY),
    ]:
        if any(word in f" {text}" for word in words):
            return kind
    return Organisation.Kind.OTHER


def open_candidates(queryset, return_to=""):
    """Open candidate names, one per name, without those the registry has gained since."""
    known = {n.casefold() for n in Organisation.objects.values_list("name", flat=True)}
    known |= {n.casefold() for n in Person.objects.values_list("name", flat=True)}
    chosen = {}
    for candidate in queryset.filter(status=CandidateName.Status.OPEN).order_by("-count", "name"):
        if candidate.key not in chosen and candidate.name.casefold() not in known:
            candidate.add_url = registry_add_url(candidate, return_to)
            chosen[candidate.key] = candidate
    return list(chosen.values())


def bulk_reason(done, sources):
    """What a bulk action on sources writes into each one's history."""
    return f"Bulk: {done} {len(sources)} source{'s' if len(sources) != 1 else ''} at once"


def merge_drafts(drafts, target):
    """Fold drafts into `target`; their articles now link to it."""
    with transaction.atomic():
        for draft in drafts:
            event_services.merge_event_into(draft, target)
            for link in ArticleEvent.objects.filter(event=draft):
                ArticleEvent.objects.get_or_create(
                    article_id=link.article_id, event=target, defaults={"how": ArticleEvent.How.CURATOR}
                )
            Article.objects.filter(event=draft).update(event=target, status=Article.Status.LINKED)


# --- Draft events ------------------------------------------------------------------------------------


@admin.register(DraftEvent)
class DraftEventAdmin(EventAdmin):
    """Draft events, newest first; each beside the article it came from."""

    list_display = ["title", "kind", "date_shown", "organisation_names", "source_count", "created_at"]
    list_filter = ["kind", "date_precision"]
    date_hierarchy = None
    ordering = ["-created_at", "-id"]
    actions = ["publish", "reject", "merge_into_event"]
    change_form_template = "admin/ingest/draftevent/change_form.html"
    # Plain selects for the few lawsuits and agreements: select2's empty box has no accessible name.
    autocomplete_fields = []

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(status=Event.Status.DRAFT).prefetch_related("organisations")
        )

    @admin.display(description="date", ordering="date")
    def date_shown(self, obj):
        # An unknown date's stored day is a placeholder: say so where a curator would read it as a date.
        if obj.date_unknown:
            return format_html('<strong class="date-unknown">{}</strong>', DATE_UNKNOWN_NOTE)
        return at_precision(obj.date, obj.date_precision)

    @admin.display(description="organisations")
    def organisation_names(self, obj):
        return ", ".join(o.name for o in obj.organisations.all()[:6])

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a wrong draft is rejected, and stays on record
        return actions

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Drafts to review", **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/merge/", view(self.merge_view), name="ingest_draftevent_merge"),
            path("<path:object_id>/preview/", view(self.preview_view), name="ingest_draftevent_preview"),
            *super().get_urls(),
        ]

    def get_view_on_site_url(self, obj=None):
        # A draft is not on the site yet: "view on site" shows the preview instead of a 404.
        if obj is None:
            return None
        return reverse("admin:ingest_draftevent_preview", args=[obj.pk])

    def neighbours(self, obj):
        """The drafts before and after `obj` in the queue's order (newest first)."""
        queue = list(DraftEvent.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
        if obj.pk not in queue:
            return None, queue[0] if queue else None
        at = queue.index(obj.pk)
        return (queue[at - 1] if at else None), (queue[at + 1] if at + 1 < len(queue) else None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self.get_object(request, object_id)
        extra = {}
        if event is not None:
            articles = list(Article.objects.filter(Q(event_id=event.pk) | Q(event_links__event_id=event.pk))
                            .distinct().order_by("created_at")
                            .prefetch_related("candidate_names", "event_links__event"))  # for ingest's decisions
            for article in articles:
                # Stored sanitised; cleaned again on the way out so nothing but nh3's output reaches the page.
                article.display_html = mark_safe(sanitise_html(article.html_sanitised))  # noqa: S308
                article.kind_label = kind_label(article.kind_guess)
            previous_id, next_id = self.neighbours(event)
            extra = {
                "articles": articles,
                "mentions": Mention.objects.filter(article__in=articles).select_related("organisation", "person"),
                "duplicates": possible_duplicates(event),
                "previous_url": previous_id and reverse("admin:ingest_draftevent_change", args=[previous_id]),
                "next_url": next_id and reverse("admin:ingest_draftevent_change", args=[next_id]),
                "preview_url": reverse("admin:ingest_draftevent_preview", args=[event.pk]),
                "merge_url": reverse("admin:ingest_draftevent_merge", args=[event.pk]),
                "review_keys": REVIEW_KEYS,
                "date_unknown_note": DATE_UNKNOWN_NOTE if event.date_unknown else "",
                "candidates": open_candidates(CandidateName.objects.filter(article__in=articles), request.path),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def response_change(self, request, obj):
        """Publish or reject from the review screen, then straight to the next draft."""
        _, next_id = self.neighbours(obj)
        following = (
            reverse("admin:ingest_draftevent_change", args=[next_id])
            if next_id
            else reverse("admin:ingest_draftevent_changelist")
        )
        if "_publish" in request.POST:
            published, refused = event_services.publish_events(Event.objects.filter(pk=obj.pk))
            if refused:
                self.message_user(request, f"Not published: {refused[0].refusal}", messages.WARNING)
                return redirect(request.path)
            self.message_user(
                request, format_html("Published “<a href=\"{}\">{}</a>”.", obj.get_absolute_url(), obj.title),
                messages.SUCCESS,
            )
            return redirect(following)
        if "_reject" in request.POST:
            event_services.reject_events([Event.objects.get(pk=obj.pk)])
            self.message_user(request, f"Rejected “{obj.title}”.", messages.SUCCESS)
            return redirect(following)
        return super().response_change(request, obj)

    def preview_view(self, request, object_id):
        """The draft exactly as the site will show it, for curators only (the public page 404s)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        queryset = Event.objects.exclude(status=Event.Status.REJECTED).for_cards()
        event = get_object_or_404(queryset, pk=object_id)
        return TemplateResponse(request, "events/event_detail.html", {"event": event, "preview": True})

    def merge_view(self, request, object_id):
        """Merge one draft into an event chosen by search, after a confirmation that names the target."""
        draft = get_object_or_404(DraftEvent, pk=object_id)
        if not self.has_change_permission(request, draft):
            raise PermissionDenied
        return self._merge_step(request, [draft], back=reverse("admin:ingest_draftevent_change", args=[draft.pk]))

    def _merge_step(self, request, drafts, *, back, action=None):
        data = request.POST if "target" in request.POST else (request.GET if "target" in request.GET else None)
        form = EventChoiceForm(data, admin_site=self.admin_site, label="Merge into")
        target = None
        if data is not None and form.is_valid():
            target = form.cleaned_data["target"]
            if any(d.pk == target.pk for d in drafts):
                form.add_error("target", "A draft cannot be merged into itself: choose another event.")
                target = None
        if target is not None and request.method == "POST" and request.POST.get("confirmed") == str(target.pk):
            merge_drafts(drafts, target)
            self.message_user(
                request, f"Merged {len(drafts)} draft(s) into “{target.title}”.", messages.SUCCESS
            )
            remaining = DraftEvent.objects.order_by("-created_at", "-id").first()
            if action is None and remaining is not None:
                return redirect(reverse("admin:ingest_draftevent_change", args=[remaining.pk]))
            return redirect(reverse("admin:ingest_draftevent_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge into another event",
            "drafts": drafts,
            "form": form,
            "target": target,
            "suggestions": possible_duplicates(drafts[0]) if len(drafts) == 1 and target is None else [],
            "media": self.media + form.media,
            "opts": self.model._meta,
            "action": action,
            "back": back,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/ingest/draftevent/merge.html", context)

    @admin.action(description="Merge into another event…", permissions=["change"])
    def merge_into_event(self, request, queryset):
        return self._merge_step(
            request, list(queryset), back=reverse("admin:ingest_draftevent_changelist"), action="merge_into_event"
        )


# --- Proposed sources ----------------------------------------------------------------------------------


@admin.register(ProposedSource)
class ProposedSourceAdmin(admin.ModelAdmin):
    """Articles that ingest joined to published events: not public until a curator accepts them."""

    list_display = ["source_title", "event_link", "publisher", "published_on", "created_at"]
    list_display_links = ["source_title"]
    list_select_related = ["event"]
    search_fields = ["title", "url", "publisher", "event__title"]
    ordering = ["event__date", "event_id", "created_at"]
    actions = ["accept", "reject", "move"]
    fields = ["url", "title", "publisher", "published_on"]
    readonly_fields = ["url", "title", "publisher", "published_on"]
    change_form_template = "admin/ingest/proposedsource/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Proposed sources to review", **(extra_context or {})})

    @admin.display(description="source", ordering="title")
    def source_title(self, obj):
        return obj.title or obj.url

    @admin.display(description="proposed for event", ordering="event__date")
    def event_link(self, obj):
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
                move_form=EventChoiceForm(admin_site=self.admin_site, label="Move to event"),
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
            form = EventChoiceForm(request.POST, admin_site=self.admin_site)
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

    def _move(self, request, sources, target, reason=""):
        previous = {s.url: s.event_id for s in sources}
        with transaction.atomic():
            moved = event_services.move_sources(sources, target, reason=reason)
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
        sources = list(queryset)
        accepted = event_services.accept_sources(sources, reason=bulk_reason("accepted", sources))
        self.message_user(request, f"Accepted {len(accepted)} source(s).", messages.SUCCESS)

    @admin.action(description="Reject: keep off the site", permissions=["change"])
    def reject(self, request, queryset):
        sources = list(queryset)
        rejected = event_services.reject_sources(sources, reason=bulk_reason("rejected", sources))
        self.message_user(request, f"Rejected {len(rejected)} source(s).", messages.SUCCESS)

    @admin.action(description="Move to another event…", permissions=["change"])
    def move(self, request, queryset):
        sources = list(queryset)
        if "target" in request.POST:
            form = EventChoiceForm(request.POST, admin_site=self.admin_site, label="Move to event")
            if form.is_valid():
                self._move(request, sources, form.cleaned_data["target"], reason=bulk_reason("moved", sources))
                return None
        else:
            form = EventChoiceForm(admin_site=self.admin_site, label="Move to event")
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


# --- Candidate names -----------------------------------------------------------------------------------


@admin.register(CandidateName)
class CandidateNameAdmin(admin.ModelAdmin):
    """Names ingest found that the registry lacks: add them as an organisation or a person, or dismiss."""

    list_display = ["name", "kind", "count", "sentence_excerpt", "article", "add_link"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "sentence"]
    list_select_related = ["article"]
    actions = ["dismiss", "mark_added"]
    readonly_fields = ["article", "name", "key", "kind", "cue", "sentence", "count", "created_at"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("status", "-count", "name")

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and not request.GET:
            # Open names first: what is decided already is one filter away.
            return redirect(f"{request.path}?status__exact=open")
        return super().changelist_view(request, {"title": "Names not in the registry", **(extra_context or {})})

    @admin.display(description="sentence")
    def sentence_excerpt(self, obj):
        return (obj.sentence[:140] + "…") if len(obj.sentence) > 140 else obj.sentence

    @admin.display(description="add to the registry")
    def add_link(self, obj):
        if obj.status != CandidateName.Status.OPEN:
            return obj.get_status_display()
        what = "person" if obj.kind == CandidateName.Kind.PERSON else "organisation"
        back = reverse("admin:ingest_candidatename_changelist") + "?status__exact=open"
        return format_html('<a class="button" href="{}">Add as {}</a>', registry_add_url(obj, back), what)

    @admin.action(description="Dismiss: not a name for the registry", permissions=["change"])
    def dismiss(self, request, queryset):
        keys = list(queryset.values_list("key", flat=True))
        count = CandidateName.objects.filter(key__in=keys, status=CandidateName.Status.OPEN).update(
            status=CandidateName.Status.DISMISSED
        )
        self.message_user(request, f"Dismissed {count} candidate name(s).", messages.SUCCESS)

    @admin.action(description="Mark as added to the registry", permissions=["change"])
    def mark_added(self, request, queryset):
        keys = list(queryset.values_list("key", flat=True))
        count = CandidateName.objects.filter(key__in=keys, status=CandidateName.Status.OPEN).update(
            status=CandidateName.Status.ADDED
        )
        self.message_user(request, f"Marked {count} candidate name(s) as added.", messages.SUCCESS)
