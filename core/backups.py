"""Backups that restore: PostgreSQL and the file storage in one dated, checksummed archive.

    python manage.py backup --output /backups
    python manage.py restore /backups/mingshi-backup-20261202T111500Z.tar

The archive is a plain tar (the dump is compressed already, and so are most uploads)::

    database.dump        pg_dump --format=custom of the configured database
    files/<name>         every file of the default storage, read through the storage API
    manifest.json        when, which versions, every table's row count, every file's size and sha256

and ``<archive>.sha256`` beside it, in sha256sum's format, so that ``sha256sum -c`` checks a copy
anywhere without Mingshi.

Consistency: the database and the files are taken from one moment. A REPEATABLE READ transaction
exports its snapshot; pg_dump dumps that snapshot (``--snapshot``) and the row counts and the
file names the rows refer to are read in it too. The files are listed and copied afterwards,
while the snapshot is still held: every upload is stored before the row that names it is
committed, so each file a dumped row refers to is already in storage. A file deleted after the
snapshot (an attachment removed meanwhile) would be missing: the manifest lists such names and
the command says so, rather than pretending the backup is whole.

Restore refuses before it changes anything: a checksum or a file hash that does not match, a
target database that already has tables, a file in the target storage with other bytes under
the same name. It never goes through MEDIA_ROOT: production may keep files in object storage.

Backup and restore are one module on purpose: they are the writer and the reader of one archive
format (its members, the manifest, the checksums), and a change to one side that the other does
not see is exactly the backup that fails to restore on the day it is needed.
"""

import dataclasses
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import django
import psycopg2
import psycopg2.extensions
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone
from psycopg2 import sql

ARCHIVE_FORMAT = 1
DUMP_MEMBER = "database.dump"
MANIFEST_MEMBER = "manifest.json"
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or a restore refused, in words for the operator (the commands print them)."""


# --- connection settings -----------------------------------------------------------------------

# libpq reads these from the environment; OPTIONS keys that libpq knows travel the same way, so
# that nothing about the connection (above all the password) is on a command line `ps` shows.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}


def require_postgresql(settings_dict: dict[str, Any]) -> None:
    engine = settings_dict.get("ENGINE", "")
    if not engine.startswith("django.db.backends.postgresql"):
        vendor = engine.rsplit(".", 1)[-1] or "no database"
        raise BackupError(
            f"Backups need PostgreSQL; this database is {vendor}. SQLite is only for trying "
            "Mingshi out: copy its file and MEDIA_ROOT by hand while nothing runs."
        )


def connect_kwargs(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """psycopg2.connect() arguments for a DATABASES entry (the way Django connects)."""
    kwargs = {"dbname": settings_dict.get("NAME") or "postgres"}
    for key, arg in (
        ("USER", "user"),
        ("PASSWORD", "password"),
        ("HOST", "host"),
        ("PORT", "port"),
    ):
        if settings_dict.get(key):
            kwargs[arg] = settings_dict[key]
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key in _LIBPQ_OPTIONS:
            kwargs[key] = value
    return kwargs


def libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the same connection, the password in PGPASSWORD."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    env["PGDATABASE"] = settings_dict.get("NAME") or "postgres"
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key in _LIBPQ_OPTIONS:
            env[_LIBPQ_OPTIONS[key]] = str(value)
    return env


def connect(settings_dict: dict[str, Any]):
    try:
        return psycopg2.connect(**connect_kwargs(settings_dict))
    except psycopg2.Error as exc:
        where = f"{settings_dict.get('HOST') or 'localhost'}/{settings_dict.get('NAME')}"
        raise BackupError(f"Cannot connect to the database {where}: {exc}".strip()) from exc


# --- the PostgreSQL client tools ---------------------------------------------------------------


def _tool_major(path: str) -> tuple[int, str] | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(r"(\d+)(?:\.(\d+))?", out.stdout)
    return (int(found.group(1)), found.group(0)) if found else None


def pg_tool(name: str, *, at_least: int) -> tuple[str, str]:
    """The path and version of pg_dump or pg_restore of major version ``at_least`` or later.

    pg_dump refuses a server newer than itself, and pg_restore an archive from a newer pg_dump,
    so an older client on PATH is passed over for a newer one in Debian's versioned folders.
    """
    candidates = [shutil.which(name)] + sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)),
        reverse=True,
    )
    seen: list[str] = []
    for path in filter(None, candidates):
        version = _tool_major(path)
        if version is None:
            continue
        if version[0] >= at_least:
            return path, version[1]
        seen.append(f"{path} ({version[1]})")
    if seen:
        raise BackupError(
            f"{name} {at_least} or later is needed; found only {', '.join(seen)}. Install the "
            f"PostgreSQL {at_least} client (Debian: apt-get install postgresql-client-{at_least})."
        )
    raise BackupError(
        f"{name} was not found. Install the PostgreSQL client tools "
        f"(Debian: apt-get install postgresql-client-{at_least}); the Docker image has them."
    )


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        raise BackupError(f"{what} failed (exit {done.returncode}):\n{detail}")


# --- reading the database inside the snapshot --------------------------------------------------


def _tables(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        " ORDER BY schemaname, tablename"
    )
    return list(cursor.fetchall())


def _label(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def row_counts(cursor) -> dict[str, int]:
    counts = {}
    for schema, table in _tables(cursor):
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        )
        counts[_label(schema, table)] = cursor.fetchone()[0]
    return counts


def _referenced_files(cursor, tables: set[str]) -> set[str]:
    """Every file name a FileField of an installed model holds, as the snapshot sees them."""
    names: set[str] = set()
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                cursor.execute(
                    sql.SQL("SELECT DISTINCT {} FROM {} WHERE {} <> ''").format(
                        sql.Identifier(field.column),
                        sql.Identifier(model._meta.db_table),
                        sql.Identifier(field.column),
                    )
                )
                names.update(row[0] for row in cursor.fetchall() if row[0])
    return names


def _migrations(cursor, tables: set[str]) -> dict[str, str]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


# --- files through the storage API -------------------------------------------------------------


def storage_files(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name in ``storage``, walking listdir (so S3 and the disk alike)."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # a storage nothing was saved to yet has no root folder
        return
    for name in sorted(files):
        yield f"{path}{name}"
    for directory in sorted(directories):
        yield from storage_files(storage, f"{path}{directory}/")


class _HashingReader:
    """Reads through to ``raw`` and keeps the sha256 and the count of what passed."""

    def __init__(self, raw: IO[bytes]):
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_stream(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> str:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _backend(storage: Storage) -> str:
    return f"{type(storage).__module__}.{type(storage).__qualname__}"


# --- backup ------------------------------------------------------------------------------------


@dataclasses.dataclass
class BackupResult:
    archive: Path
    checksum: Path
    sha256: str
    tables: int
    rows: int
    files: int
    file_bytes: int
    missing: list[str]


def backup_create(
    *, settings_dict: dict[str, Any], output: Path, say: Say, now: datetime | None = None
) -> BackupResult:
    """Write ``mingshi-backup-<UTC time>.tar`` and its ``.sha256`` into ``output``."""
    require_postgresql(settings_dict)
    created = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    output.mkdir(parents=True, exist_ok=True)
    archive = output / f"mingshi-backup-{created:%Y%m%dT%H%M%SZ}.tar"
    checksum = archive.with_name(archive.name + ".sha256")
    if archive.exists() or checksum.exists():
        raise BackupError(f"{archive} already exists; wait a second or choose another --output.")
    storage = storages["default"]

    connection = connect(settings_dict)
    try:
        server_major = connection.server_version // 10000
        pg_dump, pg_dump_version = pg_tool("pg_dump", at_least=server_major)
        # One read-only snapshot for the dump, the counts and the files the rows refer to.
        connection.set_session(
            isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            tables = {table for _schema, table in _tables(cursor)}
            counts = row_counts(cursor)
            referenced = _referenced_files(cursor, tables)
            migrations = _migrations(cursor, tables)
        say(
            f"Database {settings_dict.get('NAME')} (PostgreSQL {server_version}): {len(counts)} "
            f"tables, {sum(counts.values())} rows, snapshot {snapshot}."
        )
        with tempfile.TemporaryDirectory(prefix=".mingshi-backup-", dir=output) as scratch:
            dump = Path(scratch) / DUMP_MEMBER
            say(f"Dumping with {pg_dump} ({pg_dump_version})…")
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-password",
                    f"--file={dump}",
                ],
                libpq_env(settings_dict),
                "pg_dump",
            )
            say(f"  {dump.stat().st_size} bytes.")
            partial = Path(scratch) / archive.name
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                tar.add(dump, arcname=DUMP_MEMBER)
                dump_entry = {"size": dump.stat().st_size, "sha256": sha256_of(dump)}
                # Listed and copied while the snapshot is held: see the module's docstring.
                say(f"Copying the files of {_backend(storage)}…")
                files = _copy_files(storage, tar, say)
                present = {entry["name"] for entry in files}
                missing = sorted(referenced - present)
                manifest = {
                    "format": ARCHIVE_FORMAT,
                    "created_at": created.isoformat().replace("+00:00", "Z"),
                    "app": {"name": "mingshi", "version": _app_version()},
                    "django": django.get_version(),
                    "database": {
                        "vendor": "postgresql",
                        "name": settings_dict.get("NAME"),
                        "server_version": server_version,
                        "pg_dump": pg_dump_version,
                        "snapshot": snapshot,
                        "dump": {"name": DUMP_MEMBER, **dump_entry},
                        "migrations": migrations,
                        "tables": counts,
                    },
                    "storage": {"backend": _backend(storage), "files": files, "missing": missing},
                }
                body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST_MEMBER)
                info.size, info.mtime, info.mode = len(body), int(created.timestamp()), 0o644
                tar.addfile(info, _BytesReader(body))
            os.replace(partial, archive)
    finally:
        connection.rollback()
        connection.close()
    digest = sha256_of(archive)
    # sha256sum's own format (two spaces, the bare name), so `sha256sum -c` checks it in place.
    checksum.write_text(f"{digest}  {archive.name}\n", encoding="utf-8")
    return BackupResult(
        archive=archive,
        checksum=checksum,
        sha256=digest,
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(files),
        file_bytes=sum(entry["size"] for entry in files),
        missing=missing,
    )


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk, self.at = self.data[self.at : end], min(end, len(self.data))
        return chunk


def _copy_files(storage: Storage, tar: tarfile.TarFile, say: Say) -> list[dict[str, Any]]:
    entries = []
    for name in storage_files(storage):
        size = storage.size(name)
        info = tarfile.TarInfo(FILES_PREFIX + name)
        info.size, info.mode = size, 0o644
        try:
            info.mtime = int(storage.get_modified_time(name).timestamp())
        except (NotImplementedError, OSError):
            info.mtime = 0
        with storage.open(name, "rb") as handle:
            reader = _HashingReader(handle)
            try:
                tar.addfile(info, reader)  # reads exactly ``size`` bytes, or fails on fewer
            except OSError as exc:
                raise BackupError(
                    f"{name} changed while it was copied ({exc}); run again."
                ) from exc
            if reader.raw.read(1):
                raise BackupError(f"{name} grew while it was copied; run the backup again.")
        entries.append({"name": name, "size": size, "sha256": reader.digest.hexdigest()})
        if len(entries) % 500 == 0:
            say(f"  {len(entries)} files…")
    return entries


# --- verify ------------------------------------------------------------------------------------


def archive_verify(archive: Path, say: Say) -> dict[str, Any]:
    """The archive's manifest, once its checksum and every member's sha256 match; else refuse."""
    checksum = archive.with_name(archive.name + ".sha256")
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    if not checksum.is_file():
        raise BackupError(
            f"{checksum.name} is missing: copy it along with the archive (backup writes it beside "
            "the archive); without it a damaged copy cannot be told from a good one."
        )
    expected = checksum.read_text(encoding="utf-8").split()
    if not expected or not re.fullmatch(r"[0-9a-f]{64}", expected[0]):
        raise BackupError(f"{checksum.name} is not a sha256sum line.")
    actual = sha256_of(archive)
    if actual != expected[0]:
        raise BackupError(
            f"{archive.name} does not match its checksum (expected {expected[0]}, got {actual}): "
            "the copy is damaged or was changed. Nothing was restored."
        )
    say(f"Checksum matches ({actual}).")
    try:
        with tarfile.open(archive, "r:") as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            if MANIFEST_MEMBER not in members:
                raise BackupError(f"{archive.name} has no {MANIFEST_MEMBER}: not a Mingshi backup.")
            manifest = json.loads(tar.extractfile(members[MANIFEST_MEMBER]).read())
            if manifest.get("format") != ARCHIVE_FORMAT:
                raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
            problems = _member_problems(tar, members, manifest)
    except (tarfile.TarError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise BackupError(f"{archive.name} cannot be read as a Mingshi backup: {exc}") from exc
    if problems:
        listed = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BackupError(
            f"{archive.name} does not match its manifest; nothing was restored:\n  {listed}{more}"
        )
    say(
        f"Manifest of {manifest['created_at']}: the database dump and "
        f"{len(manifest['storage']['files'])} files match their sha256."
    )
    return manifest


def _member_problems(tar: tarfile.TarFile, members: dict, manifest: dict) -> list[str]:
    wanted = {DUMP_MEMBER: manifest["database"]["dump"]}
    wanted.update({FILES_PREFIX + e["name"]: e for e in manifest["storage"]["files"]})
    extra = set(members) - set(wanted) - {MANIFEST_MEMBER}
    problems = [f"{name}: not in the manifest" for name in sorted(extra)]
    for name, entry in wanted.items():
        member = members.get(name)
        if member is None:
            problems.append(f"{name}: missing from the archive")
        elif member.size != entry["size"]:
            problems.append(f"{name}: {member.size} bytes, the manifest says {entry['size']}")
        elif _sha256_stream(tar.extractfile(member)) != entry["sha256"]:
            problems.append(f"{name}: its sha256 differs from the manifest's")
    return problems


# --- restore -----------------------------------------------------------------------------------


@dataclasses.dataclass
class RestorePlan:
    """What a verified archive will do to its target, checked before anything is written."""

    archive: Path
    manifest: dict[str, Any]
    settings_dict: dict[str, Any]
    storage: Storage
    to_write: list[dict[str, Any]]
    already_there: int
    pg_restore: str
    pg_restore_version: str

    @property
    def target(self) -> str:
        host = self.settings_dict.get("HOST") or "localhost"
        port = self.settings_dict.get("PORT") or 5432
        return f"{self.settings_dict.get('NAME')} on {host}:{port}"


def _relations(cursor) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
        " AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
    )
    return cursor.fetchone()[0]


def restore_plan(*, archive: Path, settings_dict: dict[str, Any], say: Say) -> RestorePlan:
    require_postgresql(settings_dict)
    manifest = archive_verify(archive, say)
    dump_major = int(re.match(r"\d+", manifest["database"]["pg_dump"]).group(0))
    pg_restore, pg_restore_version = pg_tool("pg_restore", at_least=dump_major)
    connection = connect(settings_dict)
    try:
        with connection.cursor() as cursor:
            relations = _relations(cursor)
    finally:
        connection.close()
    if relations:
        raise BackupError(
            f"The database {settings_dict.get('NAME')} already has {relations} tables, sequences "
            "or views. Restore only into a new, empty database (createdb, or CREATE DATABASE), "
            "then point DATABASE_URL at it."
        )
    storage = storages["default"]
    to_write, same, conflicts = [], 0, []
    for entry in manifest["storage"]["files"]:
        if not storage.exists(entry["name"]):
            to_write.append(entry)
            continue
        with storage.open(entry["name"], "rb") as handle:
            if _sha256_stream(handle) == entry["sha256"]:
                same += 1  # the same bytes already there (a storage that survived): kept
            else:
                conflicts.append(entry["name"])
    if conflicts:
        listed = "\n  ".join(conflicts[:20])
        raise BackupError(
            f"{len(conflicts)} files already in {_backend(storage)} hold other bytes than the "
            f"backup's; restore into an empty storage. Nothing was restored:\n  {listed}"
        )
    return RestorePlan(
        archive, manifest, settings_dict, storage, to_write, same, pg_restore, pg_restore_version
    )


@dataclasses.dataclass
class RestoreResult:
    tables: int
    rows: int
    files_written: int
    files_kept: int
    mismatches: list[str]


def restore_run(plan: RestorePlan, say: Say) -> RestoreResult:
    # Files first, the database last: an interrupted restore can simply be run again, as files
    # already written hold the backup's bytes (kept) and the failed database stays empty.
    with tempfile.TemporaryDirectory(prefix="mingshi-restore-") as scratch:
        dump = Path(scratch) / DUMP_MEMBER
        with tarfile.open(plan.archive, "r:") as tar:
            say(f"Writing {len(plan.to_write)} files into {_backend(plan.storage)}…")
            for done, entry in enumerate(plan.to_write, start=1):
                with tar.extractfile(FILES_PREFIX + entry["name"]) as source:
                    content = File(source, name=entry["name"])
                    # Known, so that File does not guess it from the member's name on disk.
                    content.size = entry["size"]
                    saved = plan.storage.save(entry["name"], content)
                if saved != entry["name"]:
                    raise BackupError(
                        f"The storage saved {entry['name']} as {saved}: another process is "
                        "writing to it. Stop the application while restoring."
                    )
                if done % 500 == 0:
                    say(f"  {done} files…")
            with tar.extractfile(DUMP_MEMBER) as source, open(dump, "wb") as target:
                shutil.copyfileobj(source, target, CHUNK)
        say(f"Restoring the database into {plan.target} with {plan.pg_restore}…")
        # One transaction: a failure leaves the new database empty, to be tried again.
        # Owners and grants are the new server's own (its role may have another name).
        _run(
            [
                plan.pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--no-password",
                f"--dbname={plan.settings_dict.get('NAME')}",
                str(dump),
            ],
            libpq_env(plan.settings_dict),
            "pg_restore",
        )
    connection = connect(plan.settings_dict)
    try:
        with connection.cursor() as cursor:
            counts = row_counts(cursor)
    finally:
        connection.close()
    expected = plan.manifest["database"]["tables"]
    mismatches = [
        f"{table}: {counts.get(table, 'missing')} rows, the backup had {rows}"
        for table, rows in expected.items()
        if counts.get(table) != rows
    ]
    mismatches += [f"{table}: not in the backup" for table in counts if table not in expected]
    return RestoreResult(
        tables=len(counts),
        rows=sum(counts.values()),
        files_written=len(plan.to_write),
        files_kept=plan.already_there,
        mismatches=mismatches,
    )
