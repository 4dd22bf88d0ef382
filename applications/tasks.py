"""Scheduled jobs of the applications app: each calls one service with the day it runs for.

The work (and why each job is idempotent) is in ``applications.deadlines``.
"""

from datetime import date

from accounts.scheduling import daily_job

from . import deadlines, reminders


@daily_job("applications.close_calls")
def close_calls(today: date) -> list[str]:
    return deadlines.calls_close_due(today=today)


@daily_job("applications.end_notice_periods")
def end_notice_periods(today: date) -> list[str]:
    return deadlines.notice_periods_end_due(today=today)


@daily_job("applications.remind_call_deadlines")
def remind_call_deadlines(today: date) -> list[str]:
    return deadlines.call_deadline_reminders_send(today=today)


@daily_job("applications.remind_reviewers")
def remind_reviewers(today: date) -> list[str]:
    return reminders.reviewer_reminders_send(today=today)
