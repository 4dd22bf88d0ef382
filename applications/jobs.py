"""Background jobs of the applications app."""

from django.utils.translation import gettext as _

from accounts.jobs import JobRefused, job_runner
from accounts.permissions import can

from . import documents, renditions
from .models import Call


@job_runner("applications.call_packet")
def build_call_packet(job, report):
    """All of a call's received applications as one PDF, for the panel meeting."""
    call = Call.objects.select_related("bureau", "policy").filter(pk=job.params["call"]).first()
    if call is None or not can(job.owner, "applications.manage_call", call):
        raise JobRefused(_("You may no longer manage this call."))
    applications = list(documents.packet_applications(call))
    if not applications:
        raise JobRefused(_("No application of this call has reached the municipal bureau yet."))
    report(0, len(applications))
    packet = renditions.call_packet(call, applications, report)
    return documents.packet_filename(call), packet.file
