from django.core.management.base import BaseCommand, CommandError

from policies.services import PolicyError, policy_load_preset, preset_codes


class Command(BaseCommand):
    help = "Load (or bring up to date) policy presets by code; --list shows them."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="preset codes; all presets when omitted")
        parser.add_argument("--list", action="store_true", help="list the presets and stop")

    def handle(self, *args, codes, list, **options):
        if list:
            for code in preset_codes():
                self.stdout.write(code)
            return
        for code in codes or preset_codes():
            try:
                policy = policy_load_preset(actor=None, code=code)
            except PolicyError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"{code}: {policy.name} — {policy.team_rules.count()} team rules, "
                    f"{policy.activity_quotas.count()} activity quotas"
                )
            )
