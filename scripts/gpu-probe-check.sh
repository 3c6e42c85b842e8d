#!/usr/bin/env bash
# Runs chaosgate's nvidia-smi probe against a real GPU and prints what it read beside nvidia-smi's
# own answers, before and after, so the two can be compared by eye (docs/probes.md, "GPU").
#
#   scripts/gpu-probe-check.sh [readings]                 # on the GPU host itself
#   GPU_COMMAND='["ssh","-o","BatchMode=yes","gpu-host","nvidia-smi"]' scripts/gpu-probe-check.sh 5
#
# Needs Node 20+ and chaosgate: the repository's dist/ (node scripts/build.mjs) or `chaosgate` on
# PATH (npm install). Exit 1 when a reading failed (as `chaosgate probe` does).
set -euo pipefail
COUNT=${1:-3}
COMMAND_JSON=${GPU_COMMAND:-'["nvidia-smi"]'}
HERE=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$HERE/dist/cli.mjs" ]; then CHAOSGATE=(node "$HERE/dist/cli.mjs"); else CHAOSGATE=(chaosgate); fi
# The same command the probe runs, for nvidia-smi's own view (argv from the JSON, no shell).
mapfile -t NVSMI < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a)' "$COMMAND_JSON")

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
printf '{ "probes": { "intervalMs": 1000, "timeoutMs": 800, "list": [ { "kind": "nvidia-smi", "id": "gpu", "command": %s } ] } }\n' "$COMMAND_JSON" > "$TMP/config.json"

echo "== nvidia-smi itself (${NVSMI[*]})"
"${NVSMI[@]}" | head -n 12 || true
echo
echo "== nvidia-smi --query-gpu, before"
"${NVSMI[@]}" --query-gpu=index,uuid,memory.used,memory.total,utilization.gpu --format=csv
echo
echo "== chaosgate probe: $COUNT reading(s), 1 s apart (percent = memory.used / memory.total x 100)"
status=0
"${CHAOSGATE[@]}" probe -c "$TMP/config.json" --count "$COUNT" || status=$?
echo
echo "== nvidia-smi --query-gpu, after"
"${NVSMI[@]}" --query-gpu=index,uuid,memory.used,memory.total,utilization.gpu --format=csv
exit $status
