"""What the entity pages add to their timelines: an organisation's lawsuits, a lawsuit's complete parties,
and organisation counts that include subsidiaries, as the organisation filter does."""

import dataclasses

from django.db.models import F, Q

from .models import Event, EventOrganisation, EventPerson, Lawsuit, LawsuitParty, Role
from .queries import organisation_tree, with_subsidiaries

SIDES = {Role.PLAINTIFF: LawsuitParty.Side.PLAINTIFF, Role.DEFENDANT: LawsuitParty.Side.DEFENDANT}


@dataclasses.dataclass
class Party:
    """A side in a lawsuit: a LawsuitParty row, or an organisation or person its events show in that role."""

    side: str
    organisation: object = None
    person: object = None

    def get_side_display(self):
        return LawsuitParty.Side(self.side).label

    @property
    def party(self):
        return self.organisation or self.person


def lawsuit_parties(lawsuit):
    """The lawsuit's parties, complete (see parties_of_lawsuits)."""
    return parties_of_lawsuits([lawsuit])[lawsuit.pk]


def parties_of_lawsuits(lawsuits):
    """{lawsuit id: [Party]}: each lawsuit's recorded parties, then any organisation or person its
    published events name as plaintiff or defendant that the record misses (an event card must not show
    a party the lawsuit's page leaves out), by side. Three queries for any number of lawsuits."""
    ids = [lawsuit.pk for lawsuit in lawsuits]
    parties = {pk: [] for pk in ids}
    known = set()

    def add(lawsuit_id, side, organisation=None, person=None):
        key = (lawsuit_id, side, organisation and organisation.pk, person and person.pk)
        if key not in known:
            known.add(key)
            parties[lawsuit_id].append(Party(side, organisation, person))

    recorded = LawsuitParty.objects.filter(lawsuit_id__in=ids).select_related("organisation", "person")
    for p in recorded.order_by("lawsuit_id", "side", "id"):
        add(p.lawsuit_id, p.side, p.organisation, p.person)
    on_events = Q(event__lawsuit_id__in=ids, event__status=Event.Status.PUBLISHED, role__in=list(SIDES))
    organisation_links = EventOrganisation.objects.filter(on_events).select_related("organisation")
    for link in organisation_links.order_by("event__date", "id").annotate(lawsuit_id=F("event__lawsuit_id")):
        add(link.lawsuit_id, SIDES[link.role], organisation=link.organisation)
    person_links = EventPerson.objects.filter(on_events).select_related("person")
    for link in person_links.order_by("event__date", "id").annotate(lawsuit_id=F("event__lawsuit_id")):
        add(link.lawsuit_id, SIDES[link.role], person=link.person)
    order = list(LawsuitParty.Side.values)
    return {pk: sorted(found, key=lambda p: order.index(p.side)) for pk, found in parties.items()}


def organisation_lawsuits(organisation_ids):
    """[(lawsuit, sides)] of the suits in which one of `organisation_ids` is a party, on the record or
    as plaintiff or defendant on a published event of the suit; newest filing first."""
    sides = {}
    for lawsuit_id, side in LawsuitParty.objects.filter(organisation_id__in=organisation_ids).values_list(
        "lawsuit_id", "side"
    ):
        sides.setdefault(lawsuit_id, set()).add(side)
    from .aggregates import lawsuit_roles  # kept rows (PostgreSQL), not every link of the organisations

    kept = lawsuit_roles(organisation_ids)
    links = [(pk, role) for pk, roles in kept.items() for role in roles] if kept is not None else (
        EventOrganisation.objects.filter(
            organisation_id__in=organisation_ids, role__in=list(SIDES), event__lawsuit__isnull=False,
            event__status=Event.Status.PUBLISHED,
        ).values_list("event__lawsuit_id", "role").distinct()
    )
    for lawsuit_id, role in links:
        sides.setdefault(lawsuit_id, set()).add(SIDES[role])
    # What the organisation page shows of each suit, not its summary and claims (a few hundred suits).
    lawsuits = Lawsuit.objects.filter(pk__in=list(sides)).order_by("-filed_on", "case_name").only(
        "slug", "case_name", "filed_on", "status"
    )
    labels = dict(LawsuitParty.Side.choices)
    return [(lawsuit, sorted(labels[s] for s in sides[lawsuit.pk])) for lawsuit in lawsuits]


def counts_with_subsidiaries(organisations, own_counts):
    """Give each organisation `event_count`: its published events and its subsidiaries', each event once,
    as its timeline filter counts them (`own_counts` serves those without subsidiaries: no query). One
    query per organisation that has subsidiaries."""
    from .aggregates import subtree_totals  # aggregates builds on queries, as this module does

    tree = organisation_tree()
    # PostgreSQL keeps these counts (events/aggregates.py): one query for the page, not a COUNT DISTINCT
    # over every link of each organisation (seconds apiece at a million events).
    kept = subtree_totals([o.pk for o in organisations if o.pk in tree])
    for organisation in organisations:
        organisation.has_subsidiaries = organisation.pk in tree
        if organisation.has_subsidiaries and kept is not None:
            organisation.event_count = kept.get(organisation.pk, 0)
        elif organisation.has_subsidiaries:
            ids = with_subsidiaries({organisation.pk})
            organisation.event_count = (
                EventOrganisation.objects.filter(organisation_id__in=ids, event__status=Event.Status.PUBLISHED)
                .values("event_id").distinct().count()
            )
        else:
            organisation.event_count = own_counts.get(organisation.pk, 0)
    return organisations
