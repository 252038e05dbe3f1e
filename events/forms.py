"""The timeline's filter form: the one parser of the query parameters that every output shares.

A value that cannot be used is reported and dropped on its own: the other filters still apply (the
timeline shows what it applied, and says what it left out). Machine outputs (feeds, CSV, JSON, iCal)
refuse the whole request instead, through `events.outputs.read_filters`.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from .dates import validate_event_date
from .models import Event

MAX_ORGANISATIONS = 20


def _repeated_values(value):
    """The values of a repeated query parameter, also split at commas (`?kind=deal,ruling`), deduplicated."""
    if not value:
        return []
    if isinstance(value, str):
        value = [value]
    found = []
    for item in value:
        for part in str(item).split(","):
            part = part.strip().lower()
            if part and part not in found:
                found.append(part)
    return found


class SlugListField(forms.Field):
    """One or more slugs from a repeated query parameter (`?org=openai&org=sag-aftra`).

    A malformed slug is left out and noted in `rejected`, so one bad value does not drop the others.
    """

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        self.rejected = []
        slugs = []
        for slug in _repeated_values(value):
            try:
                if len(slug) > 100:
                    raise ValidationError("too long")
                validate_slug(slug)
            except ValidationError:
                self.rejected.append(f"“{slug[:100]}” is not a valid organisation.")
            else:
                slugs.append(slug)
        if len(slugs) > MAX_ORGANISATIONS:
            self.rejected.append(f"Choose at most {MAX_ORGANISATIONS} organisations; the first ones are used.")
            slugs = slugs[:MAX_ORGANISATIONS]
        return slugs


class KindListField(forms.Field):
    """Kinds of event, any number of them (`?kind=lawsuit_filed&kind=ruling`); unknown kinds are left out."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        self.rejected = []
        known = set(Event.Kind.values)
        kinds = []
        for kind in _repeated_values(value):
            if kind in known:
                kinds.append(kind)
            else:
                self.rejected.append(f"Select a valid choice: “{kind[:50]}” is not a kind of event.")
        return kinds


class TimelineFilterForm(forms.Form):
    org = SlugListField(required=False, label="Organisation")
    exact = forms.BooleanField(required=False, label="Only this organisation, not its subsidiaries")
    person = forms.SlugField(required=False, max_length=100)
    kind = KindListField(required=False, label="Kind")
    lawsuit = forms.SlugField(required=False, max_length=100)
    agreement = forms.SlugField(required=False, max_length=100)
    date_from = forms.DateField(
        required=False, label="From", input_formats=["%Y-%m-%d"], validators=[validate_event_date]
    )
    date_to = forms.DateField(required=False, label="To", input_formats=["%Y-%m-%d"], validators=[validate_event_date])
    q = forms.CharField(required=False, max_length=200, label="Search", strip=True)
    cursor = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    page_size = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_from"].widget.input_type = "date"
        self.fields["date_to"].widget.input_type = "date"

    def clean_page_size(self):
        size = self.cleaned_data.get("page_size")
        if size is None:
            return settings.DAILIES_PAGE_SIZE
        if size > settings.DAILIES_MAX_PAGE_SIZE:
            raise forms.ValidationError(f"A page holds at most {settings.DAILIES_MAX_PAGE_SIZE} events.")
        return size

    def clean(self):
        cleaned = super().clean()
        for name in ("org", "kind"):
            for message in getattr(self.fields[name], "rejected", []):
                self.add_error(None, f"{self.fields[name].label}: {message}")
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def usable_data(self):
        """What can be applied after validation: every valid field (a bad one is left out), with defaults
        for the fields whose value was bad. Call after is_valid()."""
        data = dict(self.cleaned_data)
        data.setdefault("page_size", settings.DAILIES_PAGE_SIZE)
        for name in ("org", "kind"):
            data.setdefault(name, [])
        return data

    def problems(self):
        """The errors as sentences a reader can act on: `From: Enter a valid date.`"""
        messages = []
        for field, errors in self.errors.items():
            label = (self.fields[field].label or field) if field in self.fields else ""
            messages.extend(f"{label}: {m}" if label else m for m in errors)
        return messages
