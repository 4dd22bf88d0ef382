"""No admin form takes a file past the content check: every model with a file is read-only
in the admin, so files come in only through the product's pages and their checks."""

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
def test_no_admin_form_takes_a_file():
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True)
    with_files = []
    for model_admin, model in admin_forms():
        if not any(isinstance(f, models.FileField) for f in model._meta.get_fields()):
            continue
        with_files.append(model.__name__)
        if isinstance(model_admin, admin.options.InlineModelAdmin):
            assert not model_admin.has_add_permission(request, None), model_admin
        else:
            assert not model_admin.has_add_permission(request), model_admin
        assert not model_admin.has_change_permission(request), model_admin
    # the registry really holds the upload models (a test that cannot fail is a defect)
    assert {"CallAttachment", "ActivityEvidence", "Expenditure", "Output"} <= set(with_files)
