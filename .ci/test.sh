#!/usr/bin/env bash
# The whole test suite with the services it needs: a throwaway PostgreSQL server and the Bot API emulator.
# Usage (after `pip install -e '.[dev]'` into .venv): bash .ci/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"

bash .ci/services.sh install

if [ -z "${MISHU_TEST_POSTGRES_URL:-}" ]; then
  read -r url folder < <("$PYTHON" -m tests.pg_server start)
  export MISHU_TEST_POSTGRES_URL="$url"
  trap '"$PYTHON" -m tests.pg_server stop "$folder" >/dev/null 2>&1 || true' EXIT
  echo "PostgreSQL started for the tests at $url"
fi

# Tests must never read ../shared; point its variable nowhere to prove it.
unset MISHU_SHARED
"$PYTHON" -m pytest "$@"
