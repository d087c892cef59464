#!/usr/bin/env bash
# composekit benchmarks. Speed goals live here, not in timed tests.
#
# The machine is shared and noisy, so every figure is taken next to a
# reference in the same hyperfine run and read as a median and a ratio:
#   1. `composekit lint` over the whole fixtures corpus in ONE call, against
#      `docker compose config -q` run once per file (the loop a CI job or a
#      pre-commit hook would otherwise run);
#   2. the cold start of `composekit --version`, against a bare `python3 -c pass`
#      (the floor any Python tool pays) and `docker compose version`.
#
# Usage: bash bench/run.sh [--runs N]     (needs hyperfine and docker compose)
# Results: printed, and written as Markdown and JSON under bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10
if [[ "${1:-}" == "--runs" ]]; then runs="$2"; fi

command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (apt-get install -y hyperfine)" >&2; exit 2; }
docker compose version >/dev/null 2>&1 || { echo "bench: docker compose missing (bash scripts/setup-docker.sh)" >&2; exit 2; }
command -v composekit >/dev/null || { echo "bench: composekit missing (pip install -e .)" >&2; exit 2; }

out=bench/results
mkdir -p "$out"
corpus_list="$out/corpus.txt"
# Every Compose file of the fixtures corpus: *.yaml/*.yml, less expected
# outputs of converters, which are not Compose files, and less the resource
# bombs (billion laughs, 10,000-deep nesting): docker compose has no limit and
# grows to all of the machine's memory on billion-laughs.yaml (seen: 23 GiB
# after 50 minutes, swapping the machine to a halt). composekit refuses them
# in milliseconds; that is tested in tests/unit/loader, not timed here.
find fixtures -type f \( -name '*.yaml' -o -name '*.yml' \) \
  ! -name 'expected.*' ! -path '*/k8s/*' \
  ! -name 'billion-laughs.yaml' ! -name 'nesting-too-deep-*' ! -name 'alias-cycle.yaml' \
  | LC_ALL=C sort > "$corpus_list"
n=$(wc -l < "$corpus_list")
echo "corpus: $n files under fixtures/"

# One shell script per side, so hyperfine times each as one command.
cat > "$out/compose-loop.sh" <<'EOF'
while IFS= read -r f; do timeout 30 docker compose -f "$f" config -q >/dev/null 2>&1 || true; done < "$1"
EOF
cat > "$out/composekit-one-call.sh" <<'EOF'
xargs -d '\n' composekit lint --format json < "$1" >/dev/null 2>&1 || true
EOF

hyperfine --warmup 1 --runs "$runs" -N --style basic \
  --export-markdown "$out/corpus.md" --export-json "$out/corpus.json" \
  -n "composekit lint (one call, $n files)" "bash $out/composekit-one-call.sh $corpus_list" \
  -n "docker compose config -q (loop, $n files)" "bash $out/compose-loop.sh $corpus_list"

hyperfine --warmup 3 --runs $((runs * 3)) -N --style basic \
  --export-markdown "$out/startup.md" --export-json "$out/startup.json" \
  -n "composekit --version" "composekit --version" \
  -n "python3 -c pass" "python3 -c pass" \
  -n "docker compose version" "docker compose version"

python3 - "$out" <<'EOF'
import json, statistics, sys, pathlib
out = pathlib.Path(sys.argv[1])
for name in ("corpus", "startup"):
    data = json.loads((out / f"{name}.json").read_text())["results"]
    base = statistics.median(data[0]["times"])
    print(f"\n## {name}")
    for r in data:
        med = statistics.median(r["times"])
        print(f"{r['command']:<48} median {med*1000:9.1f} ms   ratio to first {med/base:6.2f}")
EOF
