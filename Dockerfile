# Mingshi (名师): one image for the web server, the Celery worker and Celery beat.
# Build:  docker build -t mingshi .
# Run:    see docker-compose.yml and docs/DEPLOY.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders the Chinese PDFs: Pango draws the text, a CJK font gives the glyphs (without
# one every character is an empty box), libharfbuzz-subset0 makes font subsetting fast.
# gettext provides msgfmt for compilemessages. postgresql-client-15 gives `manage.py backup` and
# `restore` their pg_dump/pg_restore, of the major version of compose's postgres:15 (pg_dump
# refuses a server newer than itself).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libharfbuzz-subset0 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        gettext \
        postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (a layer that survives code changes): the runtime list of pyproject.toml,
# without the dev extras and without building the project itself as a package.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Every process in this image runs with production settings unless told otherwise.
ENV DJANGO_SETTINGS_MODULE=config.settings.production

# Translations and static files are built into the image. The secret key here is a throwaway
# that exists only for this RUN step: production settings refuse to load without one, and
# neither command signs anything. The real key comes from the environment at run time.
RUN if find . -path '*/locale/*' -name '*.po' | grep -q .; then \
        python manage.py compilemessages --ignore .venv; \
    fi \
    && DJANGO_SECRET_KEY=build-only-collectstatic-not-a-secret \
        python manage.py collectstatic --noinput

# A non-root user; it owns only the uploads directory and the backups' (the named media and
# backups volumes start as a copy of them, ownership included). The code and the static files
# stay read-only to it.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home mingshi \
    && mkdir -p /app/media /backups \
    && chown mingshi:mingshi /app/media /backups
USER mingshi

EXPOSE 8000

# Gunicorn reads WEB_CONCURRENCY for the number of workers (default 1 when unset). Its control
# socket (gunicornc, default under $HOME, which this user cannot write) is not used in a container.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--no-control-socket"]
