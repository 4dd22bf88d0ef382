"""One structured line per request and per job, with the user and the object (core/logs.py)."""

import json
import logging

import pytest
from django.conf import settings
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from tests.test_list_queries import _applications, _call

pytestmark = pytest.mark.django_db


def _as_json(record: logging.LogRecord) -> dict:
    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    return json.loads(JsonFormatter(**options).format(record))


def test_a_request_is_one_line_with_its_user_view_and_object(demo, client_for, caplog):
    from applications.models import ApplicationStatus

    application = _applications(_call(), 1, ApplicationStatus.AT_COUNTY)[0]
    client = client_for("lz_county")
    path = reverse("applications:application_detail", args=[application.pk])
    with caplog.at_level(logging.INFO, logger="mingshi.request"):
        assert client.get(path).status_code == 200
        assert client.get("/static/css/mingshi.css").status_code in (200, 304)
    records = [r for r in caplog.records if r.name == "mingshi.request"]
    assert len(records) == 1  # the static file has none
    line = _as_json(records[0])
    assert line["logger"] == "mingshi.request" and line["level"] == "INFO"
    assert line["method"] == "GET" and line["path"] == path and line["status"] == 200
    assert line["view"] == "applications:application_detail"
    assert line["object"] == {"pk": str(application.pk)}
    assert line["user"] == demo.user("lz_county").pk
    assert line["ms"] >= 0 and line["time"]


def test_a_refused_request_names_no_user(client, caplog):
    with caplog.at_level(logging.INFO, logger="mingshi.request"):
        client.get(reverse("accounts:inbox"))
    (record,) = [r for r in caplog.records if r.name == "mingshi.request"]
    assert record.status == 302 and record.user is None


def test_a_job_is_one_line_with_its_task_arguments_and_end(caplog):
    from accounts.tasks import ping

    with caplog.at_level(logging.INFO, logger="mingshi.job"):
        assert ping.delay("记录").get(timeout=5) == "pong:记录"
    (record,) = [r for r in caplog.records if r.name == "mingshi.job"]
    line = _as_json(record)
    assert line["task"] == "accounts.tasks.ping" and line["state"] == "SUCCESS"
    assert line["object"] == {"args": ["记录"]}
    assert line["ms"] is not None and line["task_id"]


def test_a_calendar_address_s_secret_stays_out_of_the_log(demo, client_for, caplog):
    from django.test import Client

    from studios.services.calendars import calendar_feed_make

    secret = calendar_feed_make(actor=demo.user("lz_teacher"))
    path = reverse("studios:deadline_feed", args=[secret])
    with caplog.at_level(logging.INFO, logger="mingshi.request"):
        assert Client().get(path).status_code == 200
        assert Client().get(reverse("studios:deadline_feed", args=["x" * 43])).status_code == 404
    lines = [_as_json(r) for r in caplog.records if r.name == "mingshi.request"]
    assert [line["path"] for line in lines] == ["/calendar/…/deadlines.ics"] * 2
    assert [line["object"] for line in lines] == [{"secret": "…"}] * 2
    assert not any(secret in r.getMessage() for r in caplog.records)
