#!/usr/bin/env bash
# What `composekit test` costs over plain Compose, on the hit counter.
#
# Three commands, each from start to the end of teardown, timed in one hyperfine run
# (the machine is shared and noisy: read medians and ratios, not absolute times):
#   1. composekit test fixtures/hitcounter               (lint, build, up, wait, port probe,
#                                                          the 5 checks of composekit-test.yaml,
#                                                          teardown with leftover sweep)
#   2. composekit test fixtures/hitcounter --no-expectations --http web:5000/
#                                                         (the same single GET as the reference)
#   3. docker compose up -d --wait; curl GET /; docker compose down -v   (the reference)
#
# All three run offline the same way: the web image is built FROM composekit/base:bookworm-1
# (BASE_IMAGE, INSTALL_DEPS=0; the build is cached after the warm-up), Redis is the local
# composekit/redis:bookworm-1 (--image-map for composekit, REDIS_IMAGE for plain Compose), and
# the host port is ephemeral (WEB_PORT=0).
#
# Usage: bash bench/harness.sh [--runs N]   (needs hyperfine, docker compose, the images of
#                                            scripts/setup-docker.sh)
# Results: printed, and written as Markdown and JSON under bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
if [[ "${1:-}" == "--runs" ]]; then runs="$2"; fi

command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (apt-get install -y hyperfine)" >&2; exit 2; }
docker compose version >/dev/null 2>&1 || { echo "bench: docker compose missing (bash scripts/setup-docker.sh)" >&2; exit 2; }
command -v composekit >/dev/null || { echo "bench: composekit missing (pip install -e .)" >&2; exit 2; }
for image in composekit/base:bookworm-1 composekit/redis:bookworm-1; do
  docker image inspect "$image" >/dev/null 2>&1 || { echo "bench: image $image missing (bash scripts/setup-docker.sh)" >&2; exit 2; }
done

export BASE_IMAGE=composekit/base:bookworm-1 INSTALL_DEPS=0 WEB_PORT=0 NO_COLOR=1
export TESTCONTAINERS_RYUK_DISABLED=true
out=bench/results
mkdir -p "$out"

cat > "$out/harness-composekit.sh" <<'EOF'
composekit test fixtures/hitcounter --image-map redis:7-alpine=composekit/redis:bookworm-1 >/dev/null 2>&1
EOF
cat > "$out/harness-composekit-one-get.sh" <<'EOF'
composekit test fixtures/hitcounter --image-map redis:7-alpine=composekit/redis:bookworm-1 \
  --no-expectations --http web:5000/ >/dev/null 2>&1
EOF
cat > "$out/harness-compose.sh" <<'EOF'
set -e
export REDIS_IMAGE=composekit/redis:bookworm-1
dc() { docker compose -p ckbench -f fixtures/hitcounter/compose.yaml "$@"; }
status=0
dc up -d --wait >/dev/null 2>&1 || status=$?
if [ "$status" -eq 0 ]; then
  port="$(dc port web 5000 | cut -d: -f2)"
  curl -fsS "http://127.0.0.1:$port/" >/dev/null || status=$?
fi
dc down -v >/dev/null 2>&1
exit "$status"
EOF

hyperfine --warmup 1 --runs "$runs" -N --style basic \
  --export-markdown "$out/harness.md" --export-json "$out/harness.json" \
  -n "composekit test fixtures/hitcounter" "bash $out/harness-composekit.sh" \
  -n "composekit test (--no-expectations --http web:5000/)" "bash $out/harness-composekit-one-get.sh" \
  -n "docker compose up -d --wait + curl + down -v" "bash $out/harness-compose.sh"

python3 - "$out" <<'EOF'
import json, statistics, sys, pathlib
out = pathlib.Path(sys.argv[1])
data = json.loads((out / "harness.json").read_text())["results"]
ref = statistics.median(data[-1]["times"])
print("\n## composekit test vs docker compose (medians)")
for r in data:
    med = statistics.median(r["times"])
    print(f"{r['command']:<56} median {med:7.2f} s   ratio to compose {med/ref:5.2f}   "
          f"overhead {med - ref:+6.2f} s")
EOF
