"""The backup → restore drill on real PostgreSQL: every row and every file comes back.

The data is committed (transactional tests): pg_dump and pg_restore are other processes on
other connections, and would not see rows a test transaction has not committed. Each restore
goes into a database made for it (``mingshi_backup_…``) and a storage folder of its own.
"""

import io
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import AuditEntry, User
from core import backups
from tests.applications.factories import open_call, submitted
from tests.core import files

pytestmark = pytest.mark.django_db(transaction=True)

# Names a bureau really stores (Chinese, spaces, nested folders) and bytes of every value.
SAVED = {
    "imports/2026/12/教师名单（第一批）.xlsx": files.xlsx(),
    "evidence/活动 照片/合影.png": files.png(size=(90, 60)),
    "receipts/发票 № 7.pdf": files.PDF,
    "binary/every-byte.bin": bytes(range(256)) * 64,
    "binary/empty": b"",
}


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the backup drill needs PostgreSQL (pg_dump/pg_restore); this run is SQLite")


@pytest.fixture
def use_storage(settings, tmp_path):
    """Point the default storage at a folder of its own (the source, then the restore's)."""

    def use(name: str):
        root = tmp_path / name
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(root)},
            },
        }
        settings.MEDIA_ROOT = root
        return storages["default"]

    return use


@pytest.fixture
def fresh_database():
    """Create empty databases beside the test database; drop them afterwards."""
    source = connection.settings_dict
    made = []

    def admin():
        link = backups.connect({**source, "NAME": "postgres"})
        link.autocommit = True
        return link

    def create() -> dict:
        name = f"mingshi_backup_{uuid.uuid4().hex[:12]}"
        link = admin()
        with link.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        link.close()
        made.append(name)
        return {**source, "NAME": name}

    yield create
    link = admin()
    with link.cursor() as cursor:
        for name in made:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    link.close()


def url_of(settings_dict: dict) -> str:
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "localhost"
    port = settings_dict["PORT"] or 5432
    return (
        f"postgres://{quote(settings_dict['USER'])}{password}@{host}:{port}/{settings_dict['NAME']}"
    )


def fingerprints(settings_dict: dict) -> dict[str, tuple[int, str]]:
    """Each table's row count and an md5 over all its rows, sorted: equal means same rows."""
    link = backups.connect(settings_dict)
    result = {}
    with link.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
                f' FROM "{table}" t'
            )
            result[table] = cursor.fetchone()
    link.close()
    return result


def query(settings_dict: dict, sql: str, *params):
    link = backups.connect(settings_dict)
    with link.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    link.close()
    return rows


def sequences(settings_dict: dict) -> dict[str, int]:
    return dict(query(settings_dict, "SELECT sequencename, last_value FROM pg_sequences"))


def relations(settings_dict: dict) -> int:
    link = backups.connect(settings_dict)
    with link.cursor() as cursor:
        count = backups._relations(cursor)
    link.close()
    return count


def stored(storage) -> dict[str, bytes]:
    contents = {}
    for name in backups.storage_files(storage):
        with storage.open(name, "rb") as handle:
            contents[name] = handle.read()
    return contents


def backup(output: Path) -> Path:
    out = io.StringIO()
    call_command("backup", output=str(output), stdout=out)
    [archive] = output.glob("mingshi-backup-*.tar")
    assert f"Backup written: {archive}" in out.getvalue()
    return archive


def test_the_drill_restores_every_row_and_every_file(demo, use_storage, fresh_database, tmp_path):
    source_storage = use_storage("source")
    application = submitted(open_call(), demo.user("lz_teacher"))
    for name, content in SAVED.items():
        assert source_storage.save(name, ContentFile(content)) == name
    source = connection.settings_dict
    before_tables, before_files = fingerprints(source), stored(source_storage)
    assert before_tables["accounts_auditentry"][0] > 0
    assert before_tables["applications_application"][0] == 1
    assert application.photo.name in before_files  # a file a row refers to, saved by a service
    assert SAVED.items() <= before_files.items()

    archive = backup(tmp_path / "backups")
    checksum = archive.with_name(archive.name + ".sha256")
    assert checksum.read_text() == f"{backups.sha256_of(archive)}  {archive.name}\n"

    target = fresh_database()
    target_storage = use_storage("restored")
    out = io.StringIO()
    call_command("restore", str(archive), database_url=url_of(target), yes=True, stdout=out)
    assert "every table has the row count of the backup's manifest" in out.getvalue()

    # every row of every table, and the sequences, so that the next insert does not collide
    assert fingerprints(target) == before_tables
    assert sequences(target) == sequences(source)
    user = User.objects.get(username="lz_teacher")
    columns = "username, password, full_name, email, date_joined"
    user_sql = f"SELECT {columns} FROM accounts_user WHERE id = %s"
    assert query(target, user_sql, user.pk) == query(source, user_sql, user.pk) != []
    entry = AuditEntry.objects.get(verb="applications.application.submitted")
    audit_sql = "SELECT created_at, actor_id, verb, object_id, from_state, to_state, comment"
    audit_sql += " FROM accounts_auditentry WHERE id = %s"
    assert query(target, audit_sql, entry.pk) == query(source, audit_sql, entry.pk) != []
    # every file, byte for byte, under its own name
    assert stored(target_storage) == before_files


def test_a_changed_byte_is_refused_and_nothing_is_restored(use_storage, fresh_database, tmp_path):
    source_storage = use_storage("source")
    for name, content in SAVED.items():
        source_storage.save(name, ContentFile(content))
    archive = backup(tmp_path / "backups")
    with tarfile.open(archive) as tar:
        member = tar.getmember("files/binary/every-byte.bin")
    with open(archive, "r+b") as handle:  # one bit of one file, as a bad disk would
        handle.seek(member.offset_data + 1000)
        byte = handle.read(1)[0]
        handle.seek(member.offset_data + 1000)
        handle.write(bytes([byte ^ 0x01]))

    target = fresh_database()
    target_storage = use_storage("restored")
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command(
            "restore", str(archive), database_url=url_of(target), yes=True, stdout=io.StringIO()
        )
    # A checksum made again after the damage: the manifest's hash of that file still differs.
    checksum = archive.with_name(archive.name + ".sha256")
    checksum.write_text(f"{backups.sha256_of(archive)}  {archive.name}\n")
    with pytest.raises(CommandError, match=r"(?s)does not match its manifest.*every-byte\.bin"):
        call_command(
            "restore", str(archive), database_url=url_of(target), yes=True, stdout=io.StringIO()
        )
    assert relations(target) == 0
    assert stored(target_storage) == {}


def test_a_database_that_has_tables_is_refused(use_storage, fresh_database, tmp_path):
    source_storage = use_storage("source")
    source_storage.save("a/名单.pdf", ContentFile(files.PDF))
    archive = backup(tmp_path / "backups")
    target_storage = use_storage("restored")
    # the live database itself (no --database-url: DATABASE_URL)
    with pytest.raises(CommandError, match="already has .* tables"):
        call_command("restore", str(archive), yes=True, stdout=io.StringIO())
    # a database someone began to use
    target = fresh_database()
    link = backups.connect(target)
    with link.cursor() as cursor:
        cursor.execute("CREATE TABLE notes (body text)")
    link.commit()
    link.close()
    with pytest.raises(CommandError, match="already has 1 tables"):
        call_command(
            "restore", str(archive), database_url=url_of(target), yes=True, stdout=io.StringIO()
        )
    assert stored(target_storage) == {}
    assert query(target, "SELECT count(*) FROM notes") == [(0,)]


def test_a_storage_holding_other_bytes_under_a_name_is_refused(
    use_storage, fresh_database, tmp_path
):
    use_storage("source").save("a/名单.pdf", ContentFile(files.PDF))
    archive = backup(tmp_path / "backups")
    target_storage = use_storage("restored")
    target_storage.save("a/名单.pdf", ContentFile(b"someone else's file"))
    target = fresh_database()
    with pytest.raises(CommandError, match=r"(?s)other bytes.*a/名单\.pdf"):
        # --database: another database on the configured server, with its user and password
        call_command(
            "restore", str(archive), database=target["NAME"], yes=True, stdout=io.StringIO()
        )
    assert relations(target) == 0
    assert stored(target_storage) == {"a/名单.pdf": b"someone else's file"}


def test_sqlite_and_a_missing_client_are_refused_in_words(tmp_path):
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}
    with pytest.raises(
        backups.BackupError, match="Backups need PostgreSQL; this database is sqlite3"
    ):
        backups.backup_create(settings_dict=sqlite, output=tmp_path, say=print)
    with pytest.raises(backups.BackupError, match="pg_dump 99 or later is needed"):
        backups.pg_tool("pg_dump", at_least=99)
