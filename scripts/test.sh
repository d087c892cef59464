#!/usr/bin/env bash
# The test command: install composekit with its dev extras, set up the machine (Docker engine,
# compose v2 plugin, local base image, reference validators), then run the whole pytest suite.
#
#   bash scripts/test.sh [pytest args...]      e.g. bash scripts/test.sh -m "not docker" -x
#
# Works from any directory. Set-up steps need root on a fresh Debian 12 and are skipped (in a
# second or so) once done. With CI set, tests fail instead of skipping when a tool is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
export PYTHON
# Ryuk (testcontainers' reaper) is an image from a registry, which cannot be reached here.
export TESTCONTAINERS_RYUK_DISABLED=true

echo "[test] pip install -e '.[dev]'"
"$PYTHON" -m pip install -qq --disable-pip-version-check -e '.[dev]'
bash scripts/setup-docker.sh
bash scripts/setup-oracles.sh

echo "[test] $PYTHON -m pytest $*"
status=0
"$PYTHON" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    # pytest exits 5 only when no test was collected (after -k/-m deselection), so nothing ran:
    # a test command that ran nothing must not pass.
    echo "[test] ERROR: pytest collected no tests; nothing ran" >&2
fi
exit "$status"
