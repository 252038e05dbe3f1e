"""Readers' pages: follow a view, sign in by mailed link, manage subscriptions, unsubscribe, private feeds;
and the curators' overview (counts; addresses for administrators only)."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import feedgenerator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events.queries import FilterError

from . import accounts
from .deliveries import HAD_CHANNELS
from .forms import FollowForm, PasswordForm, PasswordSignInForm, RenameForm, SignInForm, WebhookForm
from .models import Delivery, Message, Reader, Subscription, new_secret
from .sending import site_url, unsubscribe_message_id
from .subscriptions import create_subscription, default_name, follow_payload, read_view

NEW_SECRET_KEY = "alerts_new_webhook_secret"


def show_secret_once(request, subscription):
    """The next management page shows this subscription's webhook secret in full, and later ones never do."""
    if subscription.webhook_url:
        request.session[NEW_SECRET_KEY] = {"pk": subscription.pk, "secret": subscription.webhook_secret}


def _reader_or_redirect(request):
    reader = accounts.current_reader(request)
    if reader is None:
        return None, redirect(f"{reverse('alerts:sign_in')}")
    return reader, None


@require_http_methods(["GET", "POST"])
def follow(request):
    """The Follow button's target: the view's filters in the query string, a form to name and scope it."""
    query_string = request.GET.urlencode()
    try:
        filters, cleaned, query = read_view(query_string)
    except FilterError as error:
        return render(request, "alerts/follow.html", {"error": str(error)}, status=400)
    reader = accounts.current_reader(request)
    initial = {"name": default_name(filters), "kinds": list(filters.kinds)}
    form = FollowForm(request.POST or None, initial=initial, signed_in=reader is not None)
    context = {"form": form, "filters": filters, "query": query, "reader": reader}
    if request.method == "POST" and form.is_valid():
        if reader is not None:
            subscription = create_subscription(reader, query, form.cleaned_data)
            show_secret_once(request, subscription)
            messages.success(request, f"You follow “{subscription.name}”.")
            return redirect("alerts:manage")
        try:
            accounts.mail_sign_in_link(
                request, form.cleaned_data["email"], following=follow_payload(form.cleaned_data, query)
            )
        except accounts.RateLimited as error:
            context["error"] = str(error)
            return render(request, "alerts/follow.html", context, status=429)
        return render(request, "alerts/sign_in_sent.html", {"email": form.cleaned_data["email"], "following": True})
    return render(request, "alerts/follow.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None)
    context = {"form": form, "password_form": PasswordSignInForm()}
    if request.method == "POST" and form.is_valid():
        try:
            accounts.mail_sign_in_link(request, form.cleaned_data["email"])
        except accounts.RateLimited as error:
            return render(request, "alerts/sign_in.html", {**context, "error": str(error)}, status=429)
        return render(request, "alerts/sign_in_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "alerts/sign_in.html", context, status=400 if form.errors else 200)


@require_POST
def sign_in_password(request):
    """Email and password, for readers who set one; the same page as the link's, with the error on it."""
    form = PasswordSignInForm(request.POST)
    context = {"form": SignInForm(), "password_form": form}
    if not form.is_valid():
        return render(request, "alerts/sign_in.html", context, status=400)
    try:
        reader = accounts.reader_for_password(request, form.cleaned_data["email"], form.cleaned_data["password"])
    except accounts.RateLimited as error:
        return render(request, "alerts/sign_in.html", {**context, "password_error": str(error)}, status=429)
    if reader is None:
        context["password_error"] = "That address and password do not match (or no password was set for it)."
        return render(request, "alerts/sign_in.html", context, status=400)
    accounts.sign_in(request, reader)
    messages.success(request, "You are signed in.")
    return redirect("alerts:manage")


@require_http_methods(["GET", "POST"])
def sign_in_link(request, token):
    """GET shows a button (mail scanners that open links must not use up the one-time token); POST signs in."""
    reader, following = accounts.reader_for_token(token)
    if reader is None:
        return render(request, "alerts/sign_in_link.html", {"expired": True}, status=400)
    if request.method == "GET":
        return render(request, "alerts/sign_in_link.html", {"reader": reader, "following": following})
    accounts.sign_in(request, reader)
    if following:
        try:
            subscription = create_subscription(reader, following["q"], following)
            show_secret_once(request, subscription)
            messages.success(request, f"You are signed in and follow “{subscription.name}”.")
        except FilterError as error:
            messages.error(request, f"You are signed in, but the view could not be followed: {error}")
    else:
        messages.success(request, "You are signed in.")
    return redirect("alerts:manage")


@require_POST
def sign_out(request):
    accounts.sign_out(request)
    return redirect("events:timeline")


@require_GET
def manage(request):
    reader, response = _reader_or_redirect(request)
    if response:
        return response
    subscriptions = list(
        reader.subscriptions.annotate(
            sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT, deliveries__channel="email")),
            failing=Count(
                "deliveries", filter=Q(deliveries__status__in=[Delivery.Status.RETRYING, Delivery.Status.FAILED])
            ),
        ).order_by("name", "id")
    )
    recent = {
        s.pk: list(
            s.deliveries.exclude(channel=Delivery.Channel.FEED)
            .select_related("event").prefetch_related("webhook_attempts").order_by("-created_at", "-id")[:10]
        )
        for s in subscriptions
    }
    new_secret_shown = request.session.pop(NEW_SECRET_KEY, None) or {}
    for s in subscriptions:
        s.recent = recent[s.pk]
        s.feed_url = site_url(reverse("alerts:feed", args=[s.atom_secret]))
        s.new_secret = new_secret_shown.get("secret") if new_secret_shown.get("pk") == s.pk else None
    context = {"reader": reader, "subscriptions": subscriptions, "password_form": PasswordForm(reader=reader)}
    return render(request, "alerts/manage.html", context)


@require_POST
def password(request):
    """Set, change or remove the reader's optional password (the mailed link works either way)."""
    reader, response = _reader_or_redirect(request)
    if response:
        return response
    if request.POST.get("remove"):
        accounts.clear_password(reader)
        messages.success(request, "Your password is removed: you sign in by mailed link.")
        return redirect("alerts:manage")
    form = PasswordForm(request.POST, reader=reader)
    if form.is_valid():
        accounts.set_password(reader, form.cleaned_data["new_password1"])
        messages.success(request, "Your password is set: you can sign in with it or by mailed link.")
    else:
        for error in form.non_field_errors() or [e for errors in form.errors.values() for e in errors]:
            messages.error(request, error)
    return redirect("alerts:manage")


@require_POST
def subscription_action(request, pk, action):
    reader, response = _reader_or_redirect(request)
    if response:
        return response
    subscription = get_object_or_404(Subscription, pk=pk, reader=reader)
    if action == "rename":
        form = RenameForm(request.POST)
        if form.is_valid():
            subscription.name = form.cleaned_data["name"]
            subscription.save(update_fields=["name"])
            messages.success(request, f"Renamed to “{subscription.name}”.")
        else:
            messages.error(request, "A name is needed (at most 200 characters).")
    elif action in ("pause", "resume"):
        subscription.paused = action == "pause"
        subscription.save(update_fields=["paused"])
        messages.success(request, f"“{subscription.name}” is {'paused' if subscription.paused else 'active again'}.")
    elif action == "webhook":
        _change_webhook(request, subscription)
    elif action == "rotate-secret":
        subscription.webhook_secret = new_secret()
        subscription.save(update_fields=["webhook_secret"])
        show_secret_once(request, subscription)
        messages.success(request, f"“{subscription.name}”: a new signing secret; every webhook from now on uses it.")
    elif action == "delete":
        subscription.delete()
        messages.success(request, f"“{subscription.name}” is deleted.")
    elif action in Subscription.Mode.values:
        subscription.mode = action
        subscription.save(update_fields=["mode"])
        messages.success(request, f"“{subscription.name}”: {subscription.get_mode_display().lower()}.")
    else:
        raise Http404("No such action.")
    return redirect("alerts:manage")


def _change_webhook(request, subscription):
    form = WebhookForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The webhook is unchanged: {' '.join(form.errors['webhook_url'])}")
        return
    url = form.cleaned_data["webhook_url"]
    first = url and not subscription.webhook_url
    subscription.webhook_url = url
    fields = ["webhook_url"]
    if first:  # a webhook's first secret is new, so the one shown now is the only copy outside the database
        subscription.webhook_secret = new_secret()
        fields.append("webhook_secret")
    subscription.save(update_fields=fields)
    if first:
        show_secret_once(request, subscription)
    messages.success(request, f"“{subscription.name}”: " + (f"webhook to {url}." if url else "no webhook."))


def _message_for(token):
    try:
        return Message.objects.filter(pk=unsubscribe_message_id(token)).first()
    except signing.BadSignature:
        return None


@csrf_exempt  # RFC 8058: mail clients POST here with no cookie and no token but the one in the URL
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """One click, no sign-in: stop the email of every subscription the message was sent for."""
    message = _message_for(token)
    if message is None:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    subscriptions = Subscription.objects.filter(deliveries__message=message).distinct()
    if request.method == "GET":
        return render(request, "alerts/unsubscribe.html", {"subscriptions": subscriptions, "token": token})
    names = [s.name for s in subscriptions]
    Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(mode=Subscription.Mode.OFF)
    return render(request, "alerts/unsubscribe.html", {"done": True, "names": names})


FEED_ITEMS = 50


@require_GET
def feed(request, secret):
    """The private Atom feed of one subscription: the events it matched, newest first."""
    subscription = get_object_or_404(Subscription, atom_secret=secret)
    deliveries = (
        subscription.deliveries.filter(channel__in=HAD_CHANNELS)
        .select_related("event").order_by("-created_at", "-id")[:FEED_ITEMS]
    )
    atom = feedgenerator.Atom1Feed(
        title=f"Dailies: {subscription.name}",
        link=site_url(reverse("events:timeline") + (f"?{subscription.query}" if subscription.query else "")),
        description=subscription.name,
        feed_url=site_url(request.path),
    )
    for delivery in deliveries:
        event = delivery.event
        atom.add_item(
            title=("Corrected: " if delivery.correction_of else "") + event.title,
            link=site_url(event.get_absolute_url()),
            description=event.summary,
            unique_id=site_url(event.get_absolute_url())
            + (f"#{delivery.correction_of}" if delivery.correction_of else ""),
            pubdate=delivery.created_at,
            updateddate=delivery.created_at,
            categories=[event.get_kind_display()],
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    response["X-Robots-Tag"] = "noindex"
    atom.write(response, "utf-8")
    return response


@staff_member_required
@require_GET
def overview(request):
    """For curators: how many follow what and what was sent. Only administrators see addresses."""
    context = {
        "readers": Reader.objects.count(),
        "confirmed": Reader.objects.filter(confirmed_at__isnull=False).count(),
        "subscriptions": Subscription.objects.count(),
        "paused": Subscription.objects.filter(paused=True).count(),
        "by_mode": Subscription.objects.values("mode").annotate(n=Count("id")).order_by("mode"),
        "deliveries": Delivery.objects.values("channel", "status").annotate(n=Count("id")).order_by(
            "channel", "status"
        ),
        "show_addresses": request.user.is_superuser,
    }
    if request.user.is_superuser:
        context["reader_rows"] = Reader.objects.annotate(n=Count("subscriptions")).order_by("email")[:500]
    return render(request, "alerts/overview.html", context)
