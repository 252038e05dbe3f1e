"""Keep derived caches honest when curators change organisations."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Organisation
from .queries import forget_organisation_tree


@receiver([post_save, post_delete], sender=Organisation)
def organisation_changed(sender, **kwargs):
    forget_organisation_tree()
