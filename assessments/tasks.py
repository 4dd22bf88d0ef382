"""Scheduled jobs of the assessments app: each calls one service with the day it runs for.

The work (and why each job is idempotent) is in ``assessments.services.deadlines``.
"""

from datetime import date

from accounts.scheduling import daily_job

from . import evaluation
from .services import deadlines


@daily_job("assessments.open_annual_reports")
def open_annual_reports(today: date) -> list[str]:
    return deadlines.annual_reports_open_due(today=today)


@daily_job("assessments.remind_report_deadlines")
def remind_report_deadlines(today: date) -> list[str]:
    return deadlines.report_deadline_reminders_send(today=today)


@daily_job("assessments.expire_rectifications")
def expire_rectifications(today: date) -> list[str]:
    return deadlines.rectifications_expire_due(today=today)


@daily_job("assessments.open_term_evaluations")
def open_term_evaluations(today: date) -> list[str]:
    return evaluation.term_evaluations_open_due(today=today)
