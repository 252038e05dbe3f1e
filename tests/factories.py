"""factory_boy factories, one per model of events/."""

import datetime

import factory

from events import models


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = models.Organisation.Kind.STUDIO


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"Person {n}")


class LawsuitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Lawsuit

    case_name = factory.Sequence(lambda n: f"Plaintiff {n} v. Defendant {n}")
    court = "U.S. District Court, Central District of California"
    filed_on = datetime.date(2024, 6, 1)


class UnionAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.UnionAgreement

    name = factory.Sequence(lambda n: f"Agreement {n}")
    union = factory.SubFactory(OrganisationFactory, kind=models.Organisation.Kind.UNION)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Event
        skip_postgeneration_save = True

    date = factory.Sequence(lambda n: datetime.date(2024, 1, 1) + datetime.timedelta(days=n))
    title = factory.Sequence(lambda n: f"Event number {n}")
    summary = "Something happened."
    kind = models.Event.Kind.ANNOUNCEMENT
    status = models.Event.Status.PUBLISHED

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        for organisation in extracted or ():
            role = "subject"
            if isinstance(organisation, tuple):
                organisation, role = organisation
            models.EventOrganisation.objects.create(event=self, organisation=organisation, role=role)

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        for person in extracted or ():
            models.EventPerson.objects.create(event=self, person=person)

    @factory.post_generation
    def sources(self, create, extracted, **kwargs):
        urls = extracted if extracted is not None else [f"https://news.example.com/{self.slug}"]
        for url in urls:
            models.Source.objects.create(event=self, url=url, title=f"Report: {self.title}", publisher="Example News")
