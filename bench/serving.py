"""What the server benchmarks share: gunicorn on loopback, sessions, a small HTTP client, wrk.

The server runs ``config.settings.production`` (DEBUG off, manifest static files, a second
factor for staff) against the benchmark's own database, with Redis as the Celery broker; the
only changes from a deployment are those loopback needs: plain HTTP (no TLS redirect), no
reverse proxy in front (MINGSHI_TRUSTED_PROXY_COUNT=0), the bench's secret key.
"""

import contextlib
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
REDIS_URL = os.environ.get("MINGSHI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
# The cache shared by the web workers, as docker-compose gives them (CACHE_URL): a database of its
# own, emptied when a server starts so that no fragment of an earlier run's database is read.
CACHE_URL = os.environ.get("MINGSHI_BENCH_CACHE_URL", "redis://127.0.0.1:6379/9")
# The server and the process that mints its sessions must sign with the same key (the session
# keeps a hash of the password keyed by it): bench scripts set it before django.setup().
SECRET_KEY = "bench-only-secret-key-not-for-deployment-0123456789"
PORTS = iter(range(int(os.environ.get("MINGSHI_BENCH_PORT", "18900")), 18999))


def database_url(settings_dict: dict) -> str:
    """The URL of the database Django is connected to (the bench's test database)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def production_env(db_url: str, static_root: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        MINGSHI_TRUSTED_PROXY_COUNT="0",
        DATABASE_URL=db_url,
        CELERY_BROKER_URL=REDIS_URL,
        CACHE_URL=CACHE_URL,
        DJANGO_STATIC_ROOT=static_root,
        DJANGO_MEDIA_ROOT=env.get("DJANGO_MEDIA_ROOT", str(Path(static_root).parent / "media")),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


class Server:
    """gunicorn (and optionally a Celery worker) on a loopback port; stopped by ``stop()``."""

    def __init__(
        self,
        db_url: str,
        *,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
        celery: bool = False,
        media_root: str | None = None,
    ):
        self.tmp = tempfile.mkdtemp(prefix="bench-server-")
        self.env = production_env(db_url, str(Path(self.tmp) / "static"))
        if media_root:
            self.env["DJANGO_MEDIA_ROOT"] = media_root
        self.port = next(PORTS)
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        self.celery = celery
        self.procs: list[subprocess.Popen] = []
        self.log = Path(self.tmp) / "server.log"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        import redis  # noqa: PLC0415

        redis.Redis.from_url(self.env["CACHE_URL"]).flushdb()
        python = str(VENV_BIN / "python")
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        log = open(self.log, "ab")  # noqa: SIM115 (closed with the processes)
        cmd = [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--timeout",
            "120",
            "--backlog",
            "2048",
            "--no-control-socket",
        ]
        self.procs.append(
            subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        )
        if self.celery:
            # Background work yields to requests, as a deployment would give the worker its own
            # cores or a lower share: the PDFs the submissions queue are rendered after the rush.
            worker = [
                "nice",
                "-n",
                "10",
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
            self.procs.append(
                subprocess.Popen(
                    worker, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
                )
            )
            lower_share(self.procs[-1].pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _h, _b = request(self.port, "GET", "/healthz/live")
                if status == 200:
                    return
            except OSError:
                pass
            if self.procs[0].poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def lower_share(pid: int, nice: int = 10) -> None:
    """Give a process (and its children) a lower share of the CPU than the web server's.

    ``nice`` alone does nothing here: with the kernel's autogroup scheduling (on by default,
    /proc/sys/kernel/sched_autogroup_enabled) each session is scheduled as one group, and a
    process started in a session of its own competes as an equal with the web server's session
    whatever its nice value. The group's own nice value is what counts (sched(7)); docker-compose
    does the same for the worker with ``cpu_shares``."""
    # Without autogroup (then nice applies) or without the right to set it, it stays as it is.
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


# --- sessions ---------------------------------------------------------------------------------


def mint_session(user) -> str:
    """A logged-in session for ``user``, as the login view leaves it, past the second factor.

    Staff must give a second factor in production; the bench measures pages, not the
    authenticator app, so it marks the session as past that gate (the key the middleware reads).
    """
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from accounts import security

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    now = int(timezone.now().timestamp())
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[security.LOGIN_AT_KEY] = now
    store[security.LAST_ACTIVITY_KEY] = now
    store[security.IDLE_LIMIT_KEY] = 9 * 3600
    store[security.OTP_PENDING_KEY] = False
    store.create()
    return store.session_key


# --- a small HTTP/1.1 client (keeps cookies itself: the Secure flag means nothing on loopback) --


def request(port, method, path, *, body=None, headers=None, conn=None, timeout=120):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheaders(), data
    finally:
        if own:
            conn.close()


class Browser:
    """One simulated user: a keep-alive connection, a cookie jar, CSRF from the cookie."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def _headers(self, extra=None) -> dict:
        headers = {"Host": "127.0.0.1", "Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _send(self, method, path, body=None, headers=None):
        for attempt in range(2):
            try:
                status, response_headers, data = request(
                    self.port,
                    method,
                    path,
                    body=body,
                    headers=self._headers(headers),
                    conn=self.conn,
                )
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
                if attempt:
                    raise
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        location = next((v for k, v in response_headers if k.lower() == "location"), None)
        return status, location, data

    def get(self, path):
        return self._send("GET", path)

    def post(self, path, fields, files=None):
        fields = dict(fields) if isinstance(fields, dict) else list(fields)
        token = self.cookies.get("csrftoken", "")
        if files:
            body, content_type = multipart(fields, files, token)
        else:
            items = list(fields.items()) if isinstance(fields, dict) else fields
            body = urlencode([*items, ("csrfmiddlewaretoken", token)]).encode()
            content_type = "application/x-www-form-urlencoded"
        return self._send("POST", path, body, {"Content-Type": content_type, "X-CSRFToken": token})

    def close(self):
        self.conn.close()


def multipart(fields, files, token) -> tuple[bytes, str]:
    boundary = "----benchrun7MA4YWxkTrZu0gW"
    items = list(fields.items()) if isinstance(fields, dict) else list(fields)
    items.append(("csrfmiddlewaretoken", token))
    parts = []
    for name, value in items:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content, ctype) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- throughput ---------------------------------------------------------------------------------


def wrk(url: str, *, cookie: str | None, seconds: float, connections: int = 8) -> dict:
    """Requests per second of ``url`` under wrk (2 threads); responses that were not 2xx/3xx."""
    exe = shutil.which("wrk")
    if exe is None:
        raise RuntimeError("wrk is not installed (bash bench/setup.sh)")
    cmd = [exe, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    if rps is None:
        raise RuntimeError(f"wrk printed no rate: {out[-500:]}")
    return {
        "rps": float(rps.group(1)),
        "bad": int(bad.group(1)) if bad else 0,
        "requests": int(total.group(1)) if total else 0,
    }


if __name__ == "__main__":  # pragma: no cover
    sys.exit("a module of bench/run.py and bench/deadline_day.py")
