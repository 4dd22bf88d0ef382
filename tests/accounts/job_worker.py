"""The real Celery worker, with one test-only job kind: ``python -m tests.accounts.job_worker
-A config worker ...`` takes the arguments of ``celery``.

``tests.interruptible_packet`` builds the real call packet (``applications.call_packet``), but
on its first start it stops after the first form, holding the job (its heartbeat renews the
lease) until the test kills the worker: so the kill lands mid-job every time, with no race
against the clock. Later starts run straight through. The kind is registered before the pool
forks, so every pool process knows it.
"""

import os
import sys
import time

HOLD_SECONDS = 120  # bounded: a worker the test failed to kill finishes on its first start


def register_test_runners() -> None:
    from accounts.jobs import job_runner
    from applications.jobs import build_call_packet

    @job_runner("tests.interruptible_packet")
    def interruptible_packet(job, report):
        def report_then_hold(done: int, total: int) -> None:
            report(done, total)
            if job.attempts == 1 and done >= 1:
                time.sleep(HOLD_SECONDS)

        return build_call_packet(job, report_then_hold)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    register_test_runners()
    from celery.__main__ import main as celery_main

    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
