"""Render a call's application forms to a folder: one PDF per application and the packet."""

import logging
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import documents, renditions
from applications.models import Call


@contextmanager
def quiet_weasyprint(verbosity: int):
    """WeasyPrint logs seven progress lines per PDF at INFO; show them only with -v 2."""
    logger = logging.getLogger("weasyprint.progress")
    level = logger.level
    if verbosity < 2:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = gettext_lazy(
        "Write the official PDF of every application of a call that reached the municipal "
        "bureau, one file each, and the call's packet (packet.pdf)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--call", type=int, required=True, help=gettext_lazy("call id"))
        parser.add_argument(
            "--out", type=Path, required=True, help=gettext_lazy("folder to write to")
        )

    def handle(self, *args, call: int, out: Path, **options):
        started = time.perf_counter()
        out = Path(out)  # call_command(out=...) passes the value as given
        found = Call.objects.select_related("policy", "bureau").filter(pk=call).first()
        if found is None:
            raise CommandError(_("There is no call with id %(id)d.") % {"id": call})
        applications = list(documents.packet_applications(found))
        if not applications:
            raise CommandError(
                _("No application of “%(call)s” has reached the municipal bureau yet.")
                % {"call": found.title}
            )
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(
                _("Cannot write to %(path)s: %(error)s") % {"path": out, "error": exc}
            ) from exc

        with quiet_weasyprint(options["verbosity"]):
            for application in applications:
                target = out / documents.pdf_filename(application)
                target.write_bytes(documents.application_pdf(application))
                self.stdout.write(str(target))
            target = out / "packet.pdf"
            packet = renditions.call_packet(found, applications)
            with packet.file.open("rb") as source, target.open("wb") as copy:
                shutil.copyfileobj(source, copy)
            self.stdout.write(str(target))

        self.stdout.write(
            self.style.SUCCESS(
                _("%(count)d application(s) and the packet written in %(seconds).1f s.")
                % {"count": len(applications), "seconds": time.perf_counter() - started}
            )
        )
