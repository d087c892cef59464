#!/usr/bin/env bash
# Install the reference tools ("oracles") that composekit's tests compare against, besides
# `docker compose` v2 and `docker stack config` (those come with scripts/setup-docker.sh):
#
#   docker-compose 1.26.2 in its own venv at /opt/composekit/dc126
#     -> /opt/composekit/dc126/bin/docker-compose
#
# 1.26.2 is the last release that validates each file against the JSON schema of the file's
# declared `version:` (2.0 ... 3.8), which makes it the reference for version-aware checks.
# Its PyYAML pin (<6) has no wheel for current Pythons, so PyYAML 5.4.1 is built from source with
# Cython < 3 and without build isolation first. requests < 2.32 and urllib3 < 2 keep docker-py 4.x
# able to talk to the engine (newer ones fail with "Not supported URL scheme http+docker").
#
# Idempotent: skipped when the installed tool answers `version` and the venv carries the stamp of
# this recipe (bump RECIPE when the recipe changes, so that old installs are redone).
# Environment overrides: PYTHON (interpreter for the venv, default python3),
#                        COMPOSEKIT_DC126 (default /opt/composekit/dc126).
set -euo pipefail

PREFIX="${COMPOSEKIT_DC126:-/opt/composekit/dc126}"
PYTHON="${PYTHON:-python3}"
LOCK_FILE="/tmp/composekit-setup-oracles.lock"
RECIPE="dc126-recipe-2"

say() { printf '[setup-oracles] %s\n' "$*"; }
die() {
    printf '[setup-oracles] ERROR: %s\n' "$*" >&2
    exit 1
}

exec 9>"$LOCK_FILE"
if ! flock -w 900 9; then
    die "timed out waiting for another setup-oracles.sh run (lock $LOCK_FILE)"
fi

dc126="$PREFIX/bin/docker-compose"
stamp="$PREFIX/.composekit-recipe"
if version="$("$dc126" version --short 2>/dev/null)" && [ "$version" = "1.26.2" ] &&
    [ "$(cat "$stamp" 2>/dev/null)" = "$RECIPE" ]; then
    say "docker-compose 1.26.2: already installed at $dc126"
    exit 0
fi

rm -f "$stamp"
if "$PREFIX/bin/python" -c 'import sys' 2>/dev/null; then
    # Upgrade in place rather than delete: a test run elsewhere may be using this venv.
    say "completing docker-compose 1.26.2 in the existing venv at $PREFIX"
else
    say "installing docker-compose 1.26.2 into a fresh venv at $PREFIX (under a minute)"
    mkdir -p "$(dirname "$PREFIX")" || die "cannot create $(dirname "$PREFIX") (run as root?)"
    rm -rf "$PREFIX"
    "$PYTHON" -m venv "$PREFIX" || die "'$PYTHON -m venv $PREFIX' failed"
fi
pip=("$PREFIX/bin/python" -m pip install -q --disable-pip-version-check)

log="$(mktemp)"
run_pip() {
    say "pip install $*"
    if ! "${pip[@]}" "$@" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "pip install $* failed"
    fi
}
run_pip 'cython<3' wheel setuptools
run_pip --no-build-isolation 'pyyaml==5.4.1'
run_pip 'docker-compose==1.26.2' 'requests<2.32' 'urllib3<2'
rm -f "$log"

version="$("$dc126" version --short 2>&1)" || die "$dc126 does not run: $version"
[ "$version" = "1.26.2" ] || die "$dc126 reports version '$version', expected 1.26.2"
echo "$RECIPE" >"$stamp"
say "docker-compose $version installed at $dc126"
