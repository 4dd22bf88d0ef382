"""Scheduled jobs of the studios app: each calls one service with the day it runs for.

The work (and why each job is idempotent) is in ``studios.services.deadlines``.
"""

from datetime import date

from accounts.scheduling import daily_job

from .services import deadlines


@daily_job("studios.flag_unmet_quotas")
def flag_unmet_quotas(today: date) -> list[str]:
    return deadlines.unmet_quotas_flag(today=today)


@daily_job("studios.remind_unconfirmed_attendance")
def remind_unconfirmed_attendance(today: date) -> list[str]:
    return deadlines.attendance_reminders_send(today=today)
