"""The bureau's imports between the upload and the save: where the workbook waits, the signed
token that names it, and the background job that checks or saves a large one.

Between the preview and the confirmation the workbook waits in the default storage as
``imports/<user>/<random>.xlsx``, through the storage API only, so that the confirmation may
reach another web node than the preview did (object storage in production; never served: no
URL leads to it). The confirmation form carries a signed token naming the user, the kind, the
bureau, the file and its SHA-256, so that nobody can confirm someone else's file, swap the
file, or change what it is imported as.

An import of ``MINGSHI_IMPORT_BACKGROUND_ROWS`` rows or more is checked (the preview) and saved
(the confirmation) by the background job ``funding.import`` (``funding.jobs``), whose page shows
the progress and then the same preview or result as a small import. The job's result file is
the outcome as JSON (``ImportOutcome.to_json``), which that page reads back.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.imports import IMPORT_RESOURCES, ImportFileError
from accounts.jobs import job_start

MAX_IMPORT_BYTES = 5 * 1024 * 1024
TOKEN_SALT = "funding.imports.upload"
TOKEN_MAX_AGE = 2 * 60 * 60  # seconds a preview may be confirmed for
STALE_AFTER = 24 * 60 * 60  # uploads left behind are removed at the user's next upload
JOB_KIND = "funding.import"
PROGRESS_WAIT = 10  # seconds


def _upload_folder(user) -> str:
    return f"imports/{user.pk}/"


def _valid_name(name: str) -> bool:
    return name.endswith(".xlsx") and "/" not in name and "\\" not in name and ".." not in name


def _stale_uploads_remove(folder: str) -> None:
    """Uploads the user never confirmed, after ``STALE_AFTER``: listed and dated through the
    storage (a listing of an object store's prefix), so that any web node may tidy them."""
    try:
        _folders, names = default_storage.listdir(folder)
    except FileNotFoundError:  # nothing stored for this user yet
        return
    cutoff = timezone.now() - timedelta(seconds=STALE_AFTER)
    for old in names:
        if not _valid_name(old):
            continue
        try:
            if default_storage.get_modified_time(folder + old) < cutoff:
                default_storage.delete(folder + old)
        except FileNotFoundError:  # removed meanwhile by the user's other upload
            continue


def upload_store(user, content: bytes) -> str:
    """Keep an upload for its confirmation; returns its (random) file name."""
    folder = _upload_folder(user)
    _stale_uploads_remove(folder)
    name = f"{uuid.uuid4().hex}.xlsx"
    stored = default_storage.save(folder + name, ContentFile(content))
    # The name is random, so the storage keeps it; the token names the file, not the path.
    return stored.rsplit("/", 1)[-1]


def upload_read(user, name: str, sha256: str) -> bytes:
    """The stored upload, if it is still there and unchanged."""
    if not _valid_name(name):
        raise ImportFileError(_("This preview is not yours: upload the file again."))
    try:
        with default_storage.open(_upload_folder(user) + name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError as exc:
        raise ImportFileError(_("This preview has expired: upload the file again.")) from exc
    if digest(content) != sha256:
        raise ImportFileError(_("The uploaded file has changed: upload it again."))
    return content


def upload_discard(user, name: str) -> None:
    if _valid_name(name):
        default_storage.delete(_upload_folder(user) + name)


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def upload_token(*, user, kind: str, bureau, name: str, sha256: str) -> str:
    """What the confirmation form carries: who, what, where, which file and its digest."""
    return signing.dumps(
        {"user": user.pk, "kind": kind, "bureau": bureau.pk, "file": name, "sha256": sha256},
        salt=TOKEN_SALT,
    )


def upload_load(user, token: str) -> tuple[dict, bytes]:
    """The file a token names, if the token is this user's, fresh, and the file unchanged."""
    try:
        claims = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise ImportFileError(_("This preview has expired: upload the file again.")) from exc
    if claims.get("user") != user.pk:
        raise ImportFileError(_("This preview is not yours: upload the file again."))
    return claims, upload_read(user, str(claims.get("file", "")), str(claims.get("sha256")))


def runs_in_background(dataset) -> bool:
    return len(dataset) >= settings.MINGSHI_IMPORT_BACKGROUND_ROWS


def import_job_start(
    *, actor, kind: str, bureau, name: str, content: bytes, save: bool, filename: str = ""
):
    """Queue the check (``save`` False) or the save of a stored upload as a background job."""
    what = IMPORT_RESOURCES[kind].title
    if save:
        title = _("Import: %(what)s") % {"what": what}
    else:
        title = _("Import preview: %(what)s") % {"what": what}
    return job_start(
        actor=actor,
        kind=JOB_KIND,
        title=title,
        params={
            "kind": kind,
            "bureau": bureau.pk,
            "file": name,
            "sha256": digest(content),
            "save": save,
            "filename": filename[:200],
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )


def committed_report(report):
    """``report`` as an import may call it: from inside the import's transaction (which a dry
    run rolls back), progress written on the same connection would show only at the end, or
    never, and would hold the job's row locked meanwhile. Called inside a transaction, it
    writes from a thread of its own (its own database connection, in autocommit), waits for it
    at most ``PROGRESS_WAIT`` seconds, and raises what ``report`` raised (a lost lease stops
    the import). SQLite (the embedded demo, where jobs run in the request anyway) allows one
    writer: there the progress is written in place."""

    def call(done: int, total: int) -> None:
        if not connection.in_atomic_block or connection.vendor == "sqlite":
            report(done, total)
            return
        raised: list[BaseException] = []

        def write() -> None:
            try:
                report(done, total)
            except BaseException as exc:  # handed to the import's own thread below
                raised.append(exc)
            finally:
                connections.close_all()  # this thread's connections only

        thread = threading.Thread(target=write, name="import-progress", daemon=True)
        thread.start()
        thread.join(PROGRESS_WAIT)
        if raised:
            raise raised[0]

    return call
