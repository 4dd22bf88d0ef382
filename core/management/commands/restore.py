"""Restore a backup into a new, empty database and the configured file storage.

    python manage.py restore /backups/mingshi-backup-20261202T111500Z.tar

Refuses before it changes anything when the archive does not match its checksum or manifest,
when the database already has tables, or when a file in storage holds other bytes.
"""

import sys
from pathlib import Path

import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core import backups


class Command(BaseCommand):
    help = "Check a backup archive, then restore it into an empty database and the file storage."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar written by backup (its .sha256 beside it)")
        parser.add_argument(
            "--database-url",
            help="the empty database to restore into (default: DATABASE_URL); a password may "
            "come from PGPASSWORD instead of the URL",
        )
        parser.add_argument(
            "--database",
            help="the empty database to restore into, on DATABASE_URL's server with its user "
            "and password (for a drill beside the live database)",
        )
        parser.add_argument("--yes", action="store_true", help="do not ask before restoring")
        parser.add_argument(
            "--check", action="store_true", help="only check the archive, restore nothing"
        )

    def handle(
        self, *args, archive, database_url=None, database=None, yes=False, check=False, **options
    ):
        say = self.stdout.write
        try:
            if check:
                manifest = backups.archive_verify(Path(archive), say)
                self.stdout.write(self.style.SUCCESS(f"{archive} is whole."))
                self._describe(manifest)
                return
            if database_url and database:
                raise CommandError("Give --database-url or --database, not both.")
            if database_url:
                settings_dict = dj_database_url.parse(database_url)
            else:
                settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
                if database:
                    settings_dict = {**settings_dict, "NAME": database}
            plan = backups.restore_plan(archive=Path(archive), settings_dict=settings_dict, say=say)
            self._describe(plan.manifest)
            say(
                f"Into: the database {plan.target}, and {len(plan.to_write)} files into "
                f"{type(plan.storage).__name__} ({plan.already_there} identical already there)."
            )
            if not yes and not self._confirmed():
                raise CommandError("Restore cancelled; nothing was changed.")
            result = backups.restore_run(plan, say)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        say(
            f"  {result.tables} tables, {result.rows} rows; {result.files_written} files "
            f"written, {result.files_kept} already there."
        )
        if result.mismatches:
            listed = "\n  ".join(result.mismatches)
            raise CommandError(f"Row counts differ from the backup's manifest:\n  {listed}")
        self.stdout.write(
            self.style.SUCCESS("Restored: every table has the row count of the backup's manifest.")
        )

    def _describe(self, manifest):
        database = manifest["database"]
        self.stdout.write(
            f"Backup of {manifest['created_at']}: Mingshi {manifest['app']['version']}, Django "
            f"{manifest['django']}, PostgreSQL {database['server_version']}, "
            f"{len(database['tables'])} tables, {sum(database['tables'].values())} rows, "
            f"{len(manifest['storage']['files'])} files."
        )

    def _confirmed(self) -> bool:
        if not sys.stdin.isatty():
            raise CommandError("Not a terminal: pass --yes to restore without being asked.")
        answer = input("Type 'yes' to restore, or anything else to cancel: ")
        return answer.strip().lower() == "yes"
