"""The day as the application sees it.

Every view, service and job asks ``clock.today()`` (through the module, never a copied name),
so a test or a rehearsal of a later day sets it in one place: ``core.clock.today``.
"""

from datetime import date

from django.utils import timezone


def today() -> date:
    return timezone.localdate()
