"""Filling a draft from a Word form, through the same service as the web form."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.uploads import PHOTO_TYPES
from policies.models import TeamRole

from .. import form_layout, services
from ..models import Application
from .reading import MAX_DOCX_BYTES, DocxReport, _norm, _problem, _Unreadable, docx_read


def _existing_rows(application: Application, role: str) -> list[dict]:
    return [
        {
            **(row.extra or {}),
            **{key: getattr(row, key) for key in services.TEAM_FIELDS},
        }
        for row in application.team.all()
        if row.role == role
    ]


def application_prefill_from_docx(*, actor: User, application: Application, upload) -> DocxReport:
    """Fill ``application``'s draft from a Word form: what the file has replaces what the
    draft had (a table the file has replaces the draft's rows; a field it leaves empty keeps
    the draft's value). Written through ``application_save_draft``: only the applicant, only
    while the form may be edited. Returns what was read and what was not."""
    if not application.is_editable:
        raise services.ApplicationError(
            _("This application can no longer be changed: it has been submitted.")
        )
    upload = services.check_upload(upload, allowed={".docx"}, max_bytes=MAX_DOCX_BYTES)
    definition = form_layout.definition(application)
    values, report = docx_read(upload, definition)
    if not report.read:
        raise services.ApplicationError(
            _(
                "No part of the application form was found in this Word file: upload the form "
                "downloaded here, or the city's form filled in Word."
            )
        )
    # The form's own fields go to their columns; a city's additions (whatever their key) to
    # form_data, as the web form keeps them.
    columns = {f.key for f in definition.host_fields if f.builtin}
    columns |= {s.key for s in definition.sections if s.builtin}
    if "existing_studio" in columns:
        columns |= {"existing_studio_name", "existing_studio_department"}
    columns &= set(services.HOST_FIELDS)
    host, answers = {}, {}
    for key, value in [*values.host.items(), *values.sections.items()]:
        (host if key in columns else answers)[key] = value
    if "paired_county" in host:
        name = host.pop("paired_county")
        county = next(
            (
                c
                for c in application.call.policy.pairing_counties.all()
                if _norm(c.name) == _norm(name)
            ),
            None,
        )
        if county is None:
            label = next(f.label for f in definition.host_fields if f.key == "paired_county")
            report.problems.append(_problem("", label, name, _Unreadable()))
        else:
            host["paired_county"] = county
    if values.undertakings:
        given = dict((application.form_data or {}).get("undertakings", {}))
        answers["undertakings"] = {**given, **values.undertakings}
    photo = None
    if values.photo is not None:
        try:
            photo = services.check_upload(
                ContentFile(values.photo, name=f"photo{values.photo_suffix}"),
                allowed=PHOTO_TYPES,
                max_bytes=services.MAX_PHOTO_BYTES,
            )
        except services.ApplicationError as exc:
            report.problems.append(str(exc))
        else:
            label = next(f.label for f in definition.host_fields if f.key == "photo")
            report.read.append(label)
    tables = {
        role: values.tables.get(role, _existing_rows(application, role))
        for role in TeamRole.values
        if role != TeamRole.HOST
    }
    with transaction.atomic():
        services.application_save_draft(
            actor=actor,
            application=application,
            host=host,
            advisors=tables.pop(TeamRole.ADVISOR),
            members=tables.pop(TeamRole.MEMBER),
            others={role: rows for role, rows in tables.items() if rows},
            answers=answers or None,
            photo=photo,
        )
    return report
