#!/usr/bin/env bash
# The README's test command: setup (idempotent), type checks (Node side and k6 scenarios),
# every vitest test (unit beside the code, end-to-end under test/), and actionlint on the workflows.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"
npm run --silent typecheck
if compgen -G ".github/workflows/*.yml" >/dev/null; then
  echo "== actionlint"
  tools/bin/actionlint -no-color .github/workflows/*.yml
fi
echo "== vitest"
results=tools/vitest-results.json
rm -f "$results"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line any CI can read: "N passed, N failed, N skipped".
if [ -f "$results" ]; then
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);' "$results"
fi
exit "$status"
