import io

from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create the demo cities, organisations and one user per role (idempotent)."

    def add_arguments(self, parser):
        # scripts/dev.sh does its three steps in one process: each manage.py start loads
        # Django and every app (about 3 s here), which was a fifth of the time to a served page.
        parser.add_argument("--migrate", action="store_true", help="apply migrations first")
        parser.add_argument(
            "--reset-lockouts",
            action="store_true",
            help="forget login failures (a demo start begins unlocked)",
        )

    def handle(self, *args, **options):
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if options["reset_lockouts"]:
            call_command("axes_reset", verbosity=0, stdout=io.StringIO())
        # The seeding walks every workflow, and each notifies by e-mail: on the console backend
        # that was hundreds of full messages burying the logins. They are kept in memory and
        # counted instead; mail sent once the app runs goes to the configured backend as usual.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            kept = getattr(mail, "outbox", None)  # a test environment's own outbox
            mail.outbox = []
            with transaction.atomic():
                logins = seed_demo()
            sent = len(mail.outbox)
            if kept is None:
                del mail.outbox
            else:
                mail.outbox = kept
        self.stdout.write(
            f"{sent} notification e-mails of the seeded history were kept off the console."
        )
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Logins:"))
        width = max(len(login.username) for login in logins)
        for login in logins:
            where = f"{login.role} · {login.organisation}"
            self.stdout.write(f"  {login.username:<{width}}  {login.full_name}  {where}")
        self.stdout.write(f"Password for every demo user: {settings.MINGSHI_DEMO_PASSWORD}")
        if settings.MINGSHI_OTP_REQUIRED:
            roles = ", ".join(settings.MINGSHI_OTP_REQUIRED_ROLES)
            self.stdout.write(
                f"Second factor: REQUIRED for superusers and {roles} "
                "(each sets up an authenticator app at first login)."
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "Second factor: OFF for this demo (MINGSHI_OTP_REQUIRED=0); production "
                    "requires it for every staff role. Start with MINGSHI_OTP_REQUIRED=1 to try it."
                )
            )
        self.stdout.write(
            f"Login lockout: after {settings.AXES_FAILURE_LIMIT} failures, for "
            f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes."
        )
