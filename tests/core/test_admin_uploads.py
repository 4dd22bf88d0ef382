"""No admin form takes a file past the content check."""

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

from accounts.models import User


def admin_forms():
    """Every (model admin or inline, model) pair the admin site registers."""
    for model, model_admin in admin.site._registry.items():
        yield model_admin, model
        for inline in model_admin.inlines:
            yield inline(model, admin.site), inline.model


@pytest.mark.django_db
def test_every_file_field_the_admin_edits_is_checked():
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True)
    checked = []
    for model_admin, model in admin_forms():
        file_fields = {f.name for f in model._meta.get_fields() if isinstance(f, models.FileField)}
        if not file_fields:
            continue
        editable = file_fields - set(model_admin.get_readonly_fields(request))
        covered = getattr(model_admin.form, "checked_fields", frozenset())
        assert editable <= covered, f"{model_admin}: {editable - covered} taken unchecked"
        checked.append(model.__name__)
    # the registry really holds the upload models (a test that cannot fail is a defect)
    assert {"CallAttachment", "ActivityEvidence", "Expenditure", "Output"} <= set(checked)
