"""Production: every secret and host comes from the environment; nothing insecure by default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_list

DEBUG = False
# One JSON line per record, for the bureau's log collector (core/logs.py).
LOGGING["handlers"]["console"]["formatter"] = env("DJANGO_LOG_FORMAT", "json")  # noqa: F405
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")

# TLS is normally ended by the bureau's reverse proxy, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads, stored PDFs and exports in S3-compatible object storage (MinIO, a cloud's OSS/COS),
# so that several web nodes and the worker read and write the same files; without a bucket
# they stay on this server's disk under DJANGO_MEDIA_ROOT (one node only). Every file is read
# back through our permission-checked views, never by a URL of the bucket: objects are private,
# and a URL, should one ever be made, is signed and short-lived.
MINGSHI_S3_BUCKET = env("MINGSHI_S3_BUCKET", "")
if MINGSHI_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MINGSHI_S3_BUCKET,
            # Empty: the provider's own endpoint for the region (AWS); MinIO or a cloud's
            # S3-compatible service names its address, e.g. http://storage:9000.
            "endpoint_url": env("MINGSHI_S3_ENDPOINT_URL", "") or None,
            # Empty keys: boto3 looks for credentials itself (an instance role, ~/.aws).
            "access_key": env("MINGSHI_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env("MINGSHI_S3_SECRET_ACCESS_KEY", "") or None,
            "region_name": env("MINGSHI_S3_REGION", "") or None,
            # MinIO and most private deployments want "path" (http://host/bucket/name);
            # virtual-hosted clouds "virtual"; empty lets boto3 choose.
            "addressing_style": env("MINGSHI_S3_ADDRESSING_STYLE", "") or None,
            # Signature V4: the one every current S3 region and MinIO accept.
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            # A second file under a name already taken gets a new name, as on disk: a stored
            # PDF replaced while someone downloads the old one never has its bytes swapped.
            "file_overwrite": False,
        },
    }

# A second factor for every staff role, always (MINGSHI_OTP_REQUIRED_ROLES names them).
MINGSHI_OTP_REQUIRED = True
# Login failures are counted per client address: behind the bureau's reverse proxy that is the
# address the proxy appends to X-Forwarded-For (this many proxies in front; 0 = none).
MINGSHI_TRUSTED_PROXY_COUNT = int(env("MINGSHI_TRUSTED_PROXY_COUNT", "1"))
