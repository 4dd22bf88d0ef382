from celery import shared_task
from celery.signals import worker_ready

from . import health


@shared_task(name="core.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Scheduled every minute: the worker takes tasks (read by /healthz, core/health.py)."""
    health.record_heartbeat()


@worker_ready.connect
def _heartbeat_at_start(**kwargs) -> None:
    health.record_heartbeat()
