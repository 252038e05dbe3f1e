"""The timeline's filter form: the one parser of the query parameters that every output shares."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from .models import Event


class SlugListField(forms.Field):
    """One or more slugs from a repeated query parameter (`?org=openai&org=sag-aftra`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        slugs = []
        for item in value:
            for part in str(item).split(","):
                part = part.strip().lower()
                if part and part not in slugs:
                    slugs.append(part)
        return slugs

    def validate(self, value):
        super().validate(value)
        if len(value) > 20:
            raise forms.ValidationError("Choose at most 20 organisations.")
        for slug in value:
            try:
                if len(slug) > 100:
                    raise ValidationError("too long")
                validate_slug(slug)
            except ValidationError:
                raise forms.ValidationError(f"“{slug[:100]}” is not a valid organisation.") from None


class TimelineFilterForm(forms.Form):
    org = SlugListField(required=False, label="Organisation")
    exact = forms.BooleanField(required=False, label="Only this organisation, not its subsidiaries")
    person = forms.SlugField(required=False, max_length=100)
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Event.Kind.choices])
    lawsuit = forms.SlugField(required=False, max_length=100)
    agreement = forms.SlugField(required=False, max_length=100)
    date_from = forms.DateField(required=False, label="From", input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, label="To", input_formats=["%Y-%m-%d"])
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
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned
