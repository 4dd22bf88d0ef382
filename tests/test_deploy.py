"""Deployment: docker-compose.yml and the Dockerfile point at real code, production settings pass
``check --deploy``, and gunicorn serves /healthz under them.

No Docker engine runs here, so the compose file is loaded as YAML and every command it names is
checked against the project; the same processes (gunicorn with production settings, the
healthcheck probe) then run directly.
"""

import contextlib
import http.client
import importlib.util
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "web", "worker", "beat")
REQUIRED_FROM_HOST = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "MINGSHI_S3_SECRET_ACCESS_KEY")
# What compose needs from the host: the required variables of docs/DEPLOY.md's .env.
HOST_ENV = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "mingshi.example.org",
    "POSTGRES_PASSWORD": "x",
    "MINGSHI_BASE_URL": "https://mingshi.example.org",
    "MINGSHI_S3_SECRET_ACCESS_KEY": "x" * 24,
    "MINIO_ROOT_PASSWORD": "y" * 24,
}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _command(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def _interpolate(value: str, host_env: dict[str, str]) -> str:
    """Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR:?message} (and $$)."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        current = host_env.get(name)
        if op == ":?" and not current:
            raise LookupError(f"{name}: {arg}")
        if op == ":-" and not current:
            return arg
        return current or ""

    pattern = r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}"
    return re.sub(pattern, replace, value).replace("$$", "$")


def _clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any of the app's own settings, plus ``overrides``."""
    prefixes = ("DJANGO_", "DATABASE_", "CELERY_", "MINGSHI_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(overrides)
    return env


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    static_root = tmp_path / "staticfiles"
    static_root.mkdir(exist_ok=True)
    settings = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "mingshi.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    return _clean_env(**{**settings, **overrides})


def _run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_has_every_service():
    services = _compose()["services"]
    assert {"migrate", "web", "proxy", "db", "redis", "worker", "beat"} <= set(services)
    assert {"storage", "storage-init"} <= set(services)
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


def test_migrations_run_once_then_web_runs_gunicorn_on_the_real_wsgi_module():
    services = _compose()["services"]
    assert _command(services["migrate"]) == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"  # a one-shot step, not a server
    command = _command(services["web"])
    assert "migrate" not in command  # two replicas must not migrate at once
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "config.wsgi:application" in command
    assert "0.0.0.0:8000" in command
    module, attribute = re.search(r"gunicorn\s+([\w.]+):(\w+)", command).groups()
    spec = importlib.util.find_spec(module)
    assert spec is not None, module
    assert re.search(rf"^{attribute}\s*=", Path(spec.origin).read_text(), re.M)


def test_two_web_replicas_behind_the_proxy_and_only_the_proxy_published():
    services = _compose()["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    assert "ports" not in services["web"]  # the replicas are reached through the proxy
    proxy = services["proxy"]
    assert re.fullmatch(r"nginx:1\.(2[7-9]|[3-9]\d)(\.\d+)?", proxy["image"])  # upstream resolve
    assert proxy["ports"] == ["127.0.0.1:8000:8000"]
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["proxy"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    [mount] = proxy["volumes"]
    source, target, mode = mount.split(":")
    assert (ROOT / source).is_file() and target == "/etc/nginx/conf.d/default.conf"
    assert mode == "ro"


def _nginx_directives(text: str) -> list[list[str]]:
    """deploy/nginx.conf as its directives (comments dropped), each a list of words."""
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return [part.split() for part in re.split(r"[;{}]", code) if part.split()]


def test_the_proxy_balances_every_replica_and_tells_django_the_client():
    directives = _nginx_directives((ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8"))
    found = {tuple(d[:2]) for d in directives}
    # One upstream naming the web service, re-resolved as replicas come and go.
    [server] = [d for d in directives if d[0] == "server" and len(d) > 1]
    assert server[1] == "web:8000" and "resolve" in server
    assert any(d[0] == "zone" for d in directives)  # resolve needs the shared zone
    assert any(word.startswith("max_fails=") for word in server)  # a failing replica is skipped
    [resolver] = [d for d in directives if d[0] == "resolver"]
    assert resolver[1] == "127.0.0.11"  # Docker's DNS
    assert ("listen", "8000") in found
    assert ("proxy_pass", "http://mingshi_web") in found
    headers = {d[1]: d[2] for d in directives if d[0] == "proxy_set_header"}
    assert headers["Host"] == "$host"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    # The front proxy's scheme goes on; without one, nginx's own.
    assert headers["X-Forwarded-Proto"] == "$mingshi_forwarded_proto"
    assert ["map", "$http_x_forwarded_proto", "$mingshi_forwarded_proto"] in directives
    assert ["default", "$http_x_forwarded_proto"] in directives
    assert ['""', "$scheme"] in directives
    # The trusted proxy count follows the two proxies that append to X-Forwarded-For.
    env = _compose()["x-app-env"]
    assert _interpolate(env["MINGSHI_TRUSTED_PROXY_COUNT"], {}) == "2"


def test_worker_and_beat_run_the_config_celery_app_with_the_database_scheduler():
    services = _compose()["services"]
    worker, beat = _command(services["worker"]), _command(services["beat"])
    assert re.search(r"^celery -A config worker\b", worker)
    assert re.search(r"^celery -A config beat\b", beat)
    app = find_app("config")
    assert isinstance(app, Celery) and app.main == "mingshi"

    scheduler = re.search(r"-S\s+(\S+)", beat).group(1)
    assert scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert import_string(scheduler.replace(":", "."))


def test_every_app_service_shares_the_production_env_block():
    compose = _compose()
    services = compose["services"]
    env = services["web"]["environment"]
    assert env == compose["x-app-env"]
    for name in APP_SERVICES:
        assert services[name]["environment"] == env, name
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == (
            "config.settings.production"
        )
    assert importlib.util.find_spec("config.settings.production") is not None
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"


def test_secrets_come_from_the_host_and_are_required():
    compose = _compose()
    env = compose["x-app-env"]
    for name in REQUIRED_FROM_HOST:
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", env[name]), name
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    storage = compose["services"]["storage"]["environment"]
    assert storage["MINIO_ROOT_PASSWORD"].startswith("${MINIO_ROOT_PASSWORD:?")
    # MinIO's administrator stays with MinIO and its init step: the app has its own key.
    assert not {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} & set(env)

    # Leaving one out stops compose with its message.
    host = {"DJANGO_ALLOWED_HOSTS": "x", "POSTGRES_PASSWORD": "x", "MINGSHI_BASE_URL": "x"}
    with pytest.raises(LookupError, match="DJANGO_SECRET_KEY"):
        _interpolate(env["DJANGO_SECRET_KEY"], host)


def test_files_live_in_the_object_storage_not_on_a_node_and_db_keeps_its_data():
    compose = _compose()
    services = compose["services"]
    env = {k: _interpolate(str(v), HOST_ENV) for k, v in compose["x-app-env"].items()}
    assert env["MINGSHI_S3_BUCKET"] == "mingshi"
    assert env["MINGSHI_S3_ENDPOINT_URL"] == "http://storage:9000"
    assert env["MINGSHI_S3_ADDRESSING_STYLE"] == "path"
    assert "DJANGO_MEDIA_ROOT" not in env
    for name in APP_SERVICES:  # no node keeps files of its own
        assert not any(
            str(v).split(":")[1:2] == ["/app/media"] for v in services[name].get("volumes", [])
        ), name
    assert "media" not in compose["volumes"]
    assert any(v.startswith("pgdata:") for v in services["db"]["volumes"])
    assert {"objects", "pgdata"} <= set(compose["volumes"])

    storage = services["storage"]
    assert storage["image"].startswith("quay.io/minio/minio:RELEASE.")
    assert "objects:/data" in storage["volumes"] and "ports" not in storage
    assert storage["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    init = services["storage-init"]
    assert init["image"].startswith("quay.io/minio/mc:RELEASE.")
    assert init["depends_on"]["storage"]["condition"] == "service_healthy"
    # The init step names the same bucket and key as the app.
    for name in ("MINGSHI_S3_BUCKET", "MINGSHI_S3_ACCESS_KEY_ID", "MINGSHI_S3_SECRET_ACCESS_KEY"):
        assert init["environment"][name] == compose["x-app-env"][name], name
    script = init["entrypoint"][-1]
    assert [f"./deploy/{Path(script).name}:{script}:ro"] == init["volumes"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["storage-init"]["condition"] == (
            "service_completed_successfully"
        )


def _fake_mc(tmp_path: Path, attached: bool = False) -> Path:
    """A stand-in for MinIO's client on PATH: records each call and keeps the policy file,
    answering ``policy attach`` as MinIO does when the policy is attached already."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    mc = bin_dir / "mc"
    refusal = 'echo "mc: <ERROR> The specified policy change is already in effect." >&2; exit 1'
    mc.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{tmp_path}/calls"\n'
        f'case "$*" in "admin policy create "*) cp "$6" "{tmp_path}/policy.json" ;; esac\n'
        + (f'case "$*" in "admin policy attach "*) {refusal} ;; esac\n' if attached else ""),
        encoding="utf-8",
    )
    mc.chmod(0o755)
    return bin_dir


def test_storage_init_makes_a_private_bucket_and_a_key_for_it_alone(tmp_path):
    env = _compose()["services"]["storage-init"]["environment"]
    env = {k: _interpolate(str(v), HOST_ENV) for k, v in env.items()}
    script = ROOT / "deploy" / "storage-init.sh"
    for attached in (False, True):  # a first run, then a second that finds everything there
        bin_dir = _fake_mc(tmp_path, attached=attached)
        (tmp_path / "calls").unlink(missing_ok=True)
        result = _run(
            ["/bin/sh", str(script)], _clean_env(**env, PATH=f"{bin_dir}:{os.environ['PATH']}")
        )
        assert result.returncode == 0, result.stderr
        calls = (tmp_path / "calls").read_text().splitlines()
        assert calls[0] == (
            f"alias set storage http://storage:9000 mingshi-admin {HOST_ENV['MINIO_ROOT_PASSWORD']}"
        )
        assert "mb --ignore-existing storage/mingshi" in calls
        assert "anonymous set none storage/mingshi" in calls
        assert f"admin user add storage mingshi {HOST_ENV['MINGSHI_S3_SECRET_ACCESS_KEY']}" in calls
        assert calls[-1] == "admin policy attach storage mingshi-app --user mingshi"
        policy = json.loads((tmp_path / "policy.json").read_text())
        resources = {r for statement in policy["Statement"] for r in statement["Resource"]}
        assert resources == {"arn:aws:s3:::mingshi", "arn:aws:s3:::mingshi/*"}
        assert all(statement["Effect"] == "Allow" for statement in policy["Statement"])
    # Any other failure of the attach step stops compose before the app starts.
    bin_dir = _fake_mc(tmp_path)
    (bin_dir / "mc").write_text("#!/bin/sh\necho 'mc: <ERROR> no such user' >&2; exit 1\n")
    result = _run(["/bin/sh", str(script)], _clean_env(**env, PATH=f"{bin_dir}:/usr/bin:/bin"))
    assert result.returncode != 0


def test_services_start_in_order_on_healthchecks():
    services = _compose()["services"]
    for name in ("db", "redis", "web"):
        assert services[name].get("healthcheck", {}).get("test"), name
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    # Web, worker and beat need the tables that migrate creates.
    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz/live" in " ".join(services["proxy"]["healthcheck"]["test"])


def test_compose_env_with_only_the_required_variables_passes_check_deploy(tmp_path):
    """Every default in the env block is a value production settings accept."""
    host = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "mingshi.example.org",
        "POSTGRES_PASSWORD": secrets.token_hex(24),
        "MINGSHI_BASE_URL": "https://mingshi.example.org",
        "MINGSHI_S3_SECRET_ACCESS_KEY": secrets.token_hex(24),
    }
    block = {k: _interpolate(str(v), host) for k, v in _compose()["x-app-env"].items()}
    block["DJANGO_MEDIA_ROOT"] = str(tmp_path / "media")  # /app exists only in the image
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _clean_env(**block),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output


# --- Dockerfile and .dockerignore -----------------------------------------------------------


def test_dockerfile_builds_a_non_root_production_image():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm\s*$", text, re.M)
    for package in (
        "fonts-noto-cjk",
        "libharfbuzz-subset0",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "gettext",
    ):
        assert package in text, package
    assert "collectstatic --noinput" in text
    assert "ENV DJANGO_SETTINGS_MODULE=config.settings.production" in text
    # The build-time key is set on the RUN line only, never baked in with ENV.
    assert not re.search(r"^ENV\b.*DJANGO_SECRET_KEY", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    cmd = re.search(r"^CMD\s+(.+)$", text, re.M).group(1)
    assert "gunicorn" in cmd and "config.wsgi:application" in cmd and "0.0.0.0:8000" in cmd


def test_dockerfile_installs_the_runtime_dependencies_only(tmp_path):
    """Run the Dockerfile's own pyproject.toml extraction: runtime list, no dev extras."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    snippet = re.search(r'python -c "(import tomllib;[^"]+)"', text).group(1)
    result = _run([sys.executable, "-c", snippet], _clean_env())
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert listed == pyproject["project"]["dependencies"]
    assert not set(listed) & set(pyproject["project"]["optional-dependencies"]["dev"])


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    lines = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    }
    for entry in (".venv", ".git", "db.sqlite3", "media", "staticfiles", "test-results", ".env"):
        assert entry in lines, entry
    assert "__pycache__" in lines or "**/__pycache__" in lines


def test_build_time_collectstatic_works_with_a_throwaway_key(tmp_path):
    static_root = tmp_path / "collected"
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="build-only-collectstatic-not-a-secret",
        DJANGO_STATIC_ROOT=str(static_root),
    )
    result = _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (static_root / "staticfiles.json").is_file()


# --- production settings --------------------------------------------------------------------


def test_production_settings_pass_check_deploy(tmp_path):
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production_env(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert not (tmp_path / "deploy.sqlite3").exists(), "check --deploy must not need a database"


STORAGE_REPORT = """
import json
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "options": settings.STORAGES["default"].get("OPTIONS", {}),
    "url": storage.url("applications/photo/1.png") if hasattr(storage, "bucket_name") else "",
}))
"""


def _storage_report(env: dict[str, str]) -> dict:
    result = _run([sys.executable, "-c", f"import django; django.setup(); {STORAGE_REPORT}"], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_files_on_disk_without_a_bucket_and_in_it_with_one(tmp_path):
    assert _storage_report(_production_env(tmp_path))["backend"] == (
        "django.core.files.storage.FileSystemStorage"
    )
    s3 = {
        "MINGSHI_S3_BUCKET": "mingshi",
        "MINGSHI_S3_ENDPOINT_URL": "http://storage:9000",
        "MINGSHI_S3_ACCESS_KEY_ID": "mingshi",
        "MINGSHI_S3_SECRET_ACCESS_KEY": "not-a-real-secret",
        "MINGSHI_S3_REGION": "us-east-1",
        "MINGSHI_S3_ADDRESSING_STYLE": "path",
    }
    report = _storage_report(_production_env(tmp_path, **s3))
    assert report["backend"] == "storages.backends.s3.S3Storage"
    options = report["options"]
    assert options["bucket_name"] == "mingshi" and options["endpoint_url"] == "http://storage:9000"
    assert options["access_key"] == "mingshi" and options["secret_key"] == "not-a-real-secret"
    assert options["addressing_style"] == "path" and options["region_name"] == "us-east-1"
    # Never public: private objects, and a URL (we hand none out) only signed and short-lived.
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 600
    assert options["file_overwrite"] is False  # a name taken gets a new one, as on disk
    url = report["url"]  # made offline: signing needs no connection
    assert url.startswith("http://storage:9000/mingshi/applications/photo/1.png?")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    # check --deploy passes with object storage too (nothing connects to it at start-up).
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production_env(tmp_path, **s3),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_load_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = _run([sys.executable, "-c", "import config.settings.production"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


# --- gunicorn -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _gunicorn(env: dict[str, str], log_path: Path):
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--graceful-timeout", "3"]
    # gunicorn 25.1+ opens a control socket under $HOME by default: not for a test server.
    args += ["--no-control-socket"]
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _get_when_up(request: urllib.request.Request, process, log_path: Path, deadline: float = 20):
    """Poll until gunicorn answers (bounded); return (status, body)."""
    end = time.monotonic() + deadline
    while True:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status, response.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            if isinstance(exc, urllib.error.HTTPError) or time.monotonic() > end:
                raise AssertionError(f"{exc}\n{log_path.read_text()}") from exc
            time.sleep(0.2)


def test_gunicorn_serves_healthz_with_production_settings(tmp_path):
    env = _production_env(
        tmp_path, DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_ALLOWED_HOSTS="127.0.0.1"
    )
    log_path = tmp_path / "gunicorn.log"
    with _gunicorn(env, log_path) as (port, process):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/live")
        status, body = _get_when_up(request, process, log_path)
    assert (status, body) == (200, "ok")
    assert not (tmp_path / "deploy.sqlite3").exists(), "/healthz/live must not need a database"


def test_healthz_says_503_when_the_database_does_not_answer(tmp_path):
    """A real gunicorn whose PostgreSQL is not there: the node is out, and says why."""
    env = _production_env(
        tmp_path,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{_free_port()}/nowhere",
    )
    log_path = tmp_path / "gunicorn.log"
    with _gunicorn(env, log_path) as (port, process):
        live = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/live")
        assert _get_when_up(live, process, log_path) == (200, "ok")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
    assert refused.value.code == 503
    body = json.loads(refused.value.read().decode())
    assert body["status"] == "down"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["detail"] == "OperationalError"
    assert body["checks"]["worker"]["ok"] is None  # no broker: tasks run in the web process
    # Production logs one JSON line per request, with the view, the user and the status.
    lines = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
    health = [x for x in lines if x.get("logger") == "mingshi.request" and x["path"] == "/healthz"]
    assert health and health[-1]["status"] == 503 and health[-1]["view"] == "healthz"
    assert health[-1]["user"] is None and health[-1]["level"] == "INFO"


def test_compose_healthcheck_probe_passes_behind_ssl_redirect(tmp_path):
    """The web healthcheck, run as written, against gunicorn with compose's settings."""
    env = _production_env(tmp_path)  # SSL redirect on, only mingshi.example.org allowed
    probe = _compose()["services"]["web"]["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"]
    log_path = tmp_path / "gunicorn.log"
    with _gunicorn(env, log_path) as (port, process):
        headers = {"Host": "mingshi.example.org", "X-Forwarded-Proto": "https"}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/live", headers=headers)
        assert _get_when_up(request, process, log_path) == (200, "ok")

        # Plain HTTP really is redirected, so the probe's headers matter.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        plain = {"Host": "mingshi.example.org", "Connection": "close"}
        connection.request("GET", "/healthz/live", headers=plain)
        response = connection.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == "https://mingshi.example.org/healthz/live"
        response.read()
        connection.close()

        script = probe[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = _run([sys.executable, "-c", script], env, timeout=15)
        assert result.returncode == 0, result.stderr + log_path.read_text()

        # The proxy's probe, as compose hands it to bash, asks the same way (here straight at
        # gunicorn, which is what nginx passes it on to).
        proxy = _compose()["services"]["proxy"]
        probe = proxy["healthcheck"]["test"]
        assert probe[:3] == ["CMD", "bash", "-c"]
        script = _interpolate(probe[3], {}).replace("/127.0.0.1/8000", f"/127.0.0.1/{port}")
        proxy_env = {
            "DJANGO_ALLOWED_HOSTS": _interpolate(
                proxy["environment"]["DJANGO_ALLOWED_HOSTS"], HOST_ENV
            )
        }
        result = _run(["bash", "-c", script], _clean_env(**proxy_env), timeout=15)
        assert result.returncode == 0, result.stderr + log_path.read_text()
        # … and fails when the host it presents is not one Django serves.
        result = _run(["bash", "-c", script], _clean_env(DJANGO_ALLOWED_HOSTS="elsewhere.org"))
        assert result.returncode != 0


# --- docs -----------------------------------------------------------------------------------


def test_deploy_guide_lists_every_environment_variable_the_settings_read():
    names = set()
    for module in ("base.py", "production.py"):
        source = (ROOT / "config" / "settings" / module).read_text(encoding="utf-8")
        names |= set(re.findall(r"\benv(?:_bool|_list)?\(\s*\"([A-Z0-9_]+)\"", source))
    assert "DJANGO_SECRET_KEY" in names
    guide = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in guide)
    assert not missing, f"docs/DEPLOY.md does not describe: {missing}"
