"""The organisations and people of the seed article, as the curated dataset has them."""

from events.models import Organisation, Person

SEED_ORGANISATIONS = [
    ("OpenAI", "ai_company", ""),
    ("SAG-AFTRA", "union", "Screen Actors Guild‐American Federation of Television and Radio Artists"),
    ("Writers Guild of America", "union", "WGA\nWriters Guild"),
    ("Fairly Trained", "nonprofit", ""),
]
SEED_PEOPLE = ["Sam Altman", "Brad Lightcap", "Paul Trillo", "Ed Newton-Rex"]


def create_seed_registry():
    organisations = {
        name: Organisation.objects.get_or_create(name=name, defaults={"kind": kind, "aliases": aliases})[0]
        for name, kind, aliases in SEED_ORGANISATIONS
    }
    people = {name: Person.objects.get_or_create(name=name)[0] for name in SEED_PEOPLE}
    return organisations, people
