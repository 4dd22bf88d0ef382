#!/bin/sh
# Prepares compose's object storage (service "storage", MinIO) for Mingshi; run once per
# `docker compose up` by the one-shot service "storage-init" (MinIO's client image), before
# any web replica or worker starts. Safe to run again: each step leaves what exists as it is.
#
# The bucket is private (no anonymous access of any kind): files leave only through Mingshi's
# permission-checked views. Mingshi signs in with its own key, allowed to read, write, list and
# delete in its bucket and nothing else, never with MinIO's administrator account.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}"
: "${MINGSHI_S3_BUCKET:?}" "${MINGSHI_S3_ACCESS_KEY_ID:?}" "${MINGSHI_S3_SECRET_ACCESS_KEY:?}"

mc alias set storage http://storage:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "storage/$MINGSHI_S3_BUCKET"
mc anonymous set none "storage/$MINGSHI_S3_BUCKET"

policy=/tmp/mingshi-app-policy.json
cat >"$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
      "Resource": ["arn:aws:s3:::$MINGSHI_S3_BUCKET"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      "Resource": ["arn:aws:s3:::$MINGSHI_S3_BUCKET/*"]
    }
  ]
}
JSON
mc admin policy create storage mingshi-app "$policy"
# Adding a user that exists sets its secret: a changed MINGSHI_S3_SECRET_ACCESS_KEY takes effect.
mc admin user add storage "$MINGSHI_S3_ACCESS_KEY_ID" "$MINGSHI_S3_SECRET_ACCESS_KEY"
# A second run finds the policy attached already, which MinIO reports as an error.
if ! out=$(mc admin policy attach storage mingshi-app --user "$MINGSHI_S3_ACCESS_KEY_ID" 2>&1); then
    case "$out" in
        *"already in effect"*) ;;
        *) echo "$out" >&2; exit 1 ;;
    esac
fi
echo "storage: bucket $MINGSHI_S3_BUCKET ready for $MINGSHI_S3_ACCESS_KEY_ID"
