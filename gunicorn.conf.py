"""gunicorn's settings for the web process; gunicorn reads this file from its working directory
(the image's /app, the checkout), so docker-compose, the Dockerfile and the bench share it.

Threads, not only processes: a request mostly waits on PostgreSQL, and a login spends about a
tenth of a second in the password hasher (Argon2), which releases the GIL. With sync workers,
each login held a whole worker and the requests behind it waited; with four threads a worker
goes on serving the others (bench/deadline_day.py measures both). Each thread may keep a
database connection (DATABASE_CONN_MAX_AGE, a minute by default): workers × threads must stay
below PostgreSQL's max_connections (100 by default).
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
