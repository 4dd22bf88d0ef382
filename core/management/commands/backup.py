"""Back up the database and the file storage together, into one dated, checksummed archive.

    python manage.py backup --output /backups

core/backups.py says what the archive holds and why the database and the files agree.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core import backups


class Command(BaseCommand):
    help = (
        "Write mingshi-backup-<UTC time>.tar (PostgreSQL dump, every file of the storage, "
        "manifest) and its .sha256 into --output."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=".", help="the folder to write into (default: the current one)"
        )

    def handle(self, *args, output, **options):
        try:
            result = backups.backup_create(
                settings_dict=connections[DEFAULT_DB_ALIAS].settings_dict,
                output=Path(output),
                say=self.stdout.write,
            )
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"  {result.files} files, {result.file_bytes} bytes; "
            f"{result.tables} tables, {result.rows} rows."
        )
        if result.missing:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.missing)} files the database refers to were not in storage "
                    "(deleted since, or lost earlier); manifest.json lists them under "
                    '"missing":'
                )
            )
            for name in result.missing[:20]:
                self.stdout.write(f"    {name}")
        self.stdout.write(self.style.SUCCESS(f"Backup written: {result.archive}"))
        self.stdout.write(f"Checksum: {result.checksum} ({result.sha256})")
        self.stdout.write(
            f"Check a copy with: cd {result.archive.parent} && sha256sum -c {result.checksum.name}"
        )
