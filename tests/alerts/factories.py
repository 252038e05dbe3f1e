"""factory_boy factories for alerts/."""

import factory
from django.utils import timezone

from alerts import models


class ReaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Reader

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    confirmed_at = factory.LazyFunction(timezone.now)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Subscription

    reader = factory.SubFactory(ReaderFactory)
    name = factory.Sequence(lambda n: f"Subscription {n}")
