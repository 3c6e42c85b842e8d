#!/usr/bin/env bash
# The README's test command: setup (idempotent), type checks (Node side and k6 scenarios),
# every vitest test (unit beside the code, end-to-end under test/), actionlint on the workflows, ESLint
# (correctness and the import rules, CONTRIBUTING.md) and Prettier's check. A lint or format finding
# does not stop the tests (their results are worth seeing either way) but fails the command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"
npm run --silent typecheck
if compgen -G ".github/workflows/*.yml" >/dev/null; then
  echo "== actionlint"
  tools/bin/actionlint -no-color .github/workflows/*.yml
fi
checks_failed=()
echo "== eslint"
npm run --silent lint || checks_failed+=("eslint: the findings above (npm run lint); an import rule's message says why the import is not allowed")
echo "== prettier"
npm run --silent format:check || checks_failed+=("prettier: the files listed above are not formatted (npm run format rewrites them)")
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
for failure in "${checks_failed[@]}"; do
  echo "FAILED $failure"
done
if [ "$status" -eq 0 ] && [ "${#checks_failed[@]}" -gt 0 ]; then status=1; fi
exit "$status"
