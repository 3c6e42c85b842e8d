#!/usr/bin/env bash
# The README's test command: setup (idempotent), type checks (Node side and k6 scenarios),
# every vitest test (unit beside the code, end-to-end under test/), and actionlint on the workflows.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
npx tsc -p scenarios/tsconfig.json --noEmit
if compgen -G ".github/workflows/*.yml" >/dev/null; then
  echo "== actionlint"
  tools/bin/actionlint -no-color .github/workflows/*.yml
fi
echo "== vitest"
npx vitest run "$@"
