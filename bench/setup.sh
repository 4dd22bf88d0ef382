#!/usr/bin/env bash
# What bench/run.py needs on top of a set-up checkout: LibreOffice (the anchor of the PDF rows),
# wrk (throughput), rsync (the copy of the tree dev.sh runs in), bench/requirements.txt in .venv.
# Safe to run again. PostgreSQL and Redis are expected on 127.0.0.1 (DATABASE_URL,
# MINGSHI_BENCH_REDIS_URL), as for the PostgreSQL tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
if ! command -v soffice >/dev/null 2>&1; then
  # Writer without the GUI is enough to convert .docx; older releases only have the full one.
  if apt-cache policy libreoffice-writer-nogui 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    need+=(libreoffice-writer-nogui)
  else
    need+=(libreoffice-writer)
  fi
fi
if ((${#need[@]})); then
  echo "==> installing for the benchmarks: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
.venv/bin/uv pip install -q --python .venv/bin/python -r bench/requirements.txt

pg_isready -h 127.0.0.1 -q 2>/dev/null || echo "!! no PostgreSQL answers on 127.0.0.1:5432 (DATABASE_URL)" >&2
redis-cli -u "${MINGSHI_BENCH_REDIS_URL:-redis://127.0.0.1:6379/8}" ping >/dev/null 2>&1 \
  || echo "!! no Redis answers (MINGSHI_BENCH_REDIS_URL)" >&2
echo "==> bench ready: .venv/bin/python bench/run.py --quick"
