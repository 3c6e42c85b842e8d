#!/usr/bin/env bash
# The README's main command: setup (idempotent), then the chaos smoke against the reference target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/chaosgate.mjs run chaos-smoke "$@"
