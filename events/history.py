"""One event's history as a curator reads it: the event's own changes and those of its sources, their
review, and its organisation and person links, each with who, when, why and what changed (old → new).

Those rows keep their own simple-history tables; this gathers the records that concern one event into
one list, newest first, for the event's history page in the admin. A source moved to another event
shows on both: as moved away on the first, as arrived on the second.
"""

import dataclasses
import datetime

from django.utils.text import capfirst

from .models import Event, EventOrganisation, EventPerson, Organisation, Person, Source

ACTIONS = {"+": "added", "~": "changed", "-": "removed"}
LONGEST_VALUE = 300  # a summary rewritten in full shows its first lines on each side, not the whole text
NOBODY = "ingest or a command (no curator)"


@dataclasses.dataclass
class Entry:
    when: datetime.datetime
    who: object  # the user, or None for ingest and management commands
    subject: str  # "The event", "Source “…”", "Organisation …"
    action: str  # added, changed, removed, moved here, moved away
    changes: list  # [(label, old, new)]; for an addition, old is ""
    reason: str = ""
    record: object = None  # the event's own historical record (the admin links it); None for related rows
    order: tuple = ()

    @property
    def kind(self):
        """added, changed, removed or moved: for the page's styles."""
        return self.action.split()[0] if self.action.startswith("moved") else self.action

    @property
    def who_label(self):
        return self.who.get_username() if self.who is not None else NOBODY


@dataclasses.dataclass(frozen=True)
class Related:
    """A model whose history rows carry an event_id: what to call a row, and what to show when added."""

    model: type
    name: str
    shown_when_added: tuple

    def subject(self, record, names):
        if self.model is Source:
            return f"Source “{record.title or record.url}”"
        if self.model is EventOrganisation:
            return f"Organisation {names.label(Organisation, record.organisation_id)}"
        return f"Person {names.label(Person, record.person_id)}"


RELATED = [
    Related(Source, "source", ("url", "review", "publisher", "published_on")),
    Related(EventOrganisation, "organisation link", ("role",)),
    Related(EventPerson, "person link", ("role",)),
]


class Names:
    """Names for the ids that history rows hold (organisations, people, events, lawsuits, agreements),
    read in one query per kind of row, whatever the number of records."""

    def __init__(self, records):
        wanted = {}
        for record in records:
            for field in record.instance_type._meta.fields:
                if field.many_to_one and getattr(record, field.attname, None) is not None:
                    wanted.setdefault(field.related_model, set()).add(getattr(record, field.attname))
        self.found = {
            model: {obj.pk: obj.title if model is Event else str(obj) for obj in model.objects.filter(pk__in=pks)}
            for model, pks in wanted.items()
        }
        for model, pks in wanted.items():
            gone = pks - self.found[model].keys()
            if gone and hasattr(model, "history"):  # a merged-away organisation, say: named as it last was
                for record in model.history.filter(id__in=gone).order_by("id", "history_date"):
                    name = record.title if model is Event else str(record.instance)
                    self.found[model][record.id] = f"{name} (deleted)"

    def label(self, model, pk):
        if pk is None:
            return "—"
        name = self.found.get(model, {}).get(pk)
        if name is None:
            return f"(deleted, #{pk})"
        return f"“{name}”" if model is Event else name


def shown(model, field_name, value, names):
    """A stored value as a curator reads it: labels for codes, names for ids, yes/no, dates as dates."""
    field = model._meta.get_field(field_name)
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return names.label(field.related_model, value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 1] + "…"


def label_of(model, field_name):
    return capfirst(str(model._meta.get_field(field_name).verbose_name))


def delta(model, record, previous, names, skip=()):
    """[(label, old, new)] between two records of one row, in the model's field order."""
    changed = {change.field: change for change in record.diff_against(previous).changes}
    return [
        (label_of(model, f.name), shown(model, f.name, changed[f.name].old, names),
         shown(model, f.name, changed[f.name].new, names))
        for f in model._meta.fields
        if f.name in changed and f.name not in skip
    ]


def entry(record, subject, action, changes):
    return Entry(
        when=record.history_date, who=record.history_user, subject=subject, action=action, changes=changes,
        reason=record.history_change_reason or "", order=(record.history_date, record.history_id),
    )


def event_records(event_id):
    return list(Event.history.filter(id=event_id).select_related("history_user")
                .order_by("history_date", "history_id"))


def related_records(model, event_id):
    """Every record of every row of `model` that was ever on the event (also while on another one)."""
    ids = model.history.filter(event_id=event_id).values_list("id", flat=True).distinct()
    return list(model.history.filter(id__in=ids).select_related("history_user")
                .order_by("id", "history_date", "history_id"))


def event_entries(records, names):
    entries, previous = [], None
    for record in records:
        if record.history_type == "~" and previous is not None:
            changes = delta(Event, record, previous, names)
        elif record.history_type == "+":
            changes = [(label_of(Event, f), "", shown(Event, f, getattr(record, f), names))
                       for f in ("title", "status", "date", "kind")]
        else:
            changes = []
        item = entry(record, "The event", ACTIONS[record.history_type], changes)
        item.record = record
        entries.append(item)
        previous = record
    return entries


def related_entries(related, records, event_id, names):
    """The records of one related model that concern the event: added to it, changed or removed while
    on it, moved onto or off it."""
    entries, previous = [], None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None
        here, was_here = record.event_id == event_id, previous is not None and previous.event_id == event_id
        subject = related.subject(record, names)
        if record.history_type == "+" and here:
            changes = [(label_of(related.model, f), "", shown(related.model, f, getattr(record, f), names))
                       for f in related.shown_when_added]
            entries.append(entry(record, subject, "added", changes))
        elif record.history_type == "-" and here:
            entries.append(entry(record, subject, "removed", []))
        elif record.history_type == "~" and previous is not None and (here or was_here):
            changes = delta(related.model, record, previous, names, skip=("event",))
            if here and not was_here:
                action = f"moved here from {names.label(Event, previous.event_id)}"
            elif was_here and not here:
                action = f"moved to {names.label(Event, record.event_id)}"
            else:
                action = "changed"
            if changes or action != "changed":
                entries.append(entry(record, subject, action, changes))
        previous = record
    return entries


def event_history(event_id):
    """Every change to the event and to its sources and links, newest first (see the module docstring).

    A fixed number of queries whatever the length: two per history table, one per kind of name shown."""
    own = event_records(event_id)
    related = [(r, related_records(r.model, event_id)) for r in RELATED]
    names = Names(own + [record for _, records in related for record in records])
    entries = event_entries(own, names)
    for kind, records in related:
        entries += related_entries(kind, records, event_id, names)
    return sorted(entries, key=lambda e: e.order, reverse=True)
