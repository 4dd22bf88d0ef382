"""A host excluded after a failed term evaluation may not submit an application until the
exclusion ends (registered with applications.eligibility in AssessmentsConfig.ready)."""

from django.utils.translation import gettext as _

from applications.eligibility import eligibility_check

from .models import HostExclusion


@eligibility_check
def not_excluded(application, today):
    exclusion = (
        HostExclusion.objects.filter(person_id=application.applicant_id, until__gte=today)
        .order_by("-until")
        .first()
    )
    if exclusion is None:
        return None
    return _("You are not eligible to host a studio until %(date)s: %(reason)s.") % {
        "date": exclusion.until.isoformat(),
        "reason": exclusion.reason,
    }
