"""Forms of the alerts pages: following a view, signing in, setting a password, renaming, the webhook."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from events.models import Event, Role

from .models import Subscription


def check_webhook_url(url):
    """The fetcher's guard (ingest/fetch.py), applied when the URL is saved as well as at every POST."""
    from ingest.fetch import AddressGuard, FetchError, check_url

    try:
        check_url(url)
        parts = urlsplit(url)
        AddressGuard(allow_private=settings.DAILIES_FETCH_ALLOW_PRIVATE).vet(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        )
    except FetchError as exc:
        raise forms.ValidationError(exc.message) from None


class FollowForm(forms.Form):
    name = forms.CharField(max_length=200)
    kinds = forms.MultipleChoiceField(
        choices=Event.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label="Only these kinds", help_text="None ticked: every kind.",
    )
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label="Only where the organisation or person is", help_text="None ticked: any role.",
    )
    mode = forms.ChoiceField(choices=Subscription.Mode.choices, initial=Subscription.Mode.IMMEDIATE, label="Email")
    corrections = forms.BooleanField(required=False, label="Also tell me when an event I was sent is corrected")
    webhook_url = forms.URLField(required=False, max_length=500, label="Webhook URL (optional)", assume_scheme="https")
    email = forms.EmailField(required=False, label="Your email address")

    def __init__(self, *args, signed_in=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        if signed_in:
            del self.fields["email"]
        else:
            self.fields["email"].required = True

    def clean_webhook_url(self):
        url = self.cleaned_data.get("webhook_url") or ""
        if url:
            check_webhook_url(url)
        return url


class SignInForm(forms.Form):
    email = forms.EmailField(label="Your email address")


class PasswordSignInForm(forms.Form):
    email = forms.EmailField(label="Your email address")
    password = forms.CharField(label="Password", strip=False, max_length=4096,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordForm(forms.Form):
    """Set or change a reader's password: typed twice, checked by Django's validators (alerts.accounts)."""

    new_password1 = forms.CharField(label="New password", strip=False, max_length=4096,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label="The same again", strip=False, max_length=4096,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, reader, **kwargs):
        super().__init__(*args, **kwargs)
        self.reader = reader

    def clean(self):
        from .accounts import check_new_password

        first, second = self.cleaned_data.get("new_password1"), self.cleaned_data.get("new_password2")
        if first and second:
            if first != second:
                raise ValidationError("The two passwords differ.")
            check_new_password(self.reader, first)
        return self.cleaned_data


class RenameForm(forms.Form):
    name = forms.CharField(max_length=200)


class WebhookForm(forms.Form):
    webhook_url = forms.URLField(required=False, max_length=500, label="Webhook URL", assume_scheme="https",
                                 help_text="Empty: no webhook.")

    def clean_webhook_url(self):
        url = self.cleaned_data.get("webhook_url") or ""
        if url:
            check_webhook_url(url)
        return url
