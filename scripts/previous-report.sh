#!/usr/bin/env bash
# Finds the previous nights' chaosgate report for a nightly soak, with the GitHub CLI and the run's
# token (`actions: read`). Used by .github/workflows/chaos.yml and the composite action (action.yml).
#
#   BASELINE   previous-scheduled-run (default) | none | <path to a report.json, or a folder of them>
#   NIGHTS     how many nights to take (default 1); more than 1: the folder of their reports, whose
#              median chaosgate compares with (evaluate.baselineReport as a folder)
#   DEST       where the downloads go (default previous-night)
#   WORKFLOW   the workflow's file name (default: from GITHUB_WORKFLOW_REF)
#   ARTIFACT   the artifact holding report.json (default chaos-test-reports)
#   LIMIT      how many completed scheduled runs to look at, newest first (default 20)
#
# A night is taken when its artifact holds a report.json of a run that was not partial. Green
# (successful) runs first; when none of the last LIMIT has a usable report (a night failed, then
# another …), the newest failed run with a complete report, said so: the soak is never stuck
# without a baseline because nights failed. None at all (the first night, or the artifacts expired):
# no baseline, and chaosgate skips the gates against it with a warning and a note.
#
# Writes `report=<path or empty>`, `how=<green|fallback|pinned|none>` and `runs=<ids>` to
# $GITHUB_OUTPUT, and a line to $GITHUB_STEP_SUMMARY.
set -euo pipefail

BASELINE=${BASELINE:-previous-scheduled-run}
NIGHTS=${NIGHTS:-1}
DEST=${DEST:-previous-night}
ARTIFACT=${ARTIFACT:-chaos-test-reports}
LIMIT=${LIMIT:-20}
OUT=${GITHUB_OUTPUT:-/dev/null}
SUMMARY=${GITHUB_STEP_SUMMARY:-/dev/null}

emit() { # report how runs message
  {
    echo "report=$1"
    echo "how=$2"
    echo "runs=$3"
  } >>"$OUT"
  echo "$4"
  echo "- Baseline: $4" >>"$SUMMARY"
}

case "$NIGHTS" in '' | *[!0-9]* | 0)
  echo "::error title=chaosgate baseline::NIGHTS must be a whole number from 1, not '$NIGHTS'"
  exit 2
  ;;
esac

case "$BASELINE" in
none)
  emit "" none "" "none (baseline: none)"
  exit 0
  ;;
previous-scheduled-run) ;;
*)
  if [ ! -e "$BASELINE" ]; then
    echo "::error title=chaosgate baseline::the pinned baseline $BASELINE does not exist"
    exit 2
  fi
  emit "$BASELINE" pinned "" "the pinned report $BASELINE"
  exit 0
  ;;
esac

if [ -z "${WORKFLOW:-}" ]; then
  # owner/repo/.github/workflows/nightly.yml@refs/heads/main -> nightly.yml
  ref=${GITHUB_WORKFLOW_REF:?WORKFLOW or GITHUB_WORKFLOW_REF must be set}
  ref=${ref%%@*}
  WORKFLOW=${ref##*/}
fi

# Is this a chaosgate report of a run that finished? (partial: aborted, interrupted, incomplete)
complete_report() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.exit(r && r.tool && r.tool.name === "chaosgate" && r.partial === false ? 0 : 1);
  ' "$1" 2>/dev/null
}

listing=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow "$WORKFLOW" --event schedule --status completed \
  --limit "$LIMIT" --json databaseId,conclusion --jq '.[] | "\(.databaseId) \(.conclusion)"' || true)

mkdir -p "$DEST"
declare -A tried=()
taken=()
how=green
fetch() { # id -> 0 when a complete report is there
  local id=$1
  if [ -z "${tried[$id]:-}" ]; then
    tried[$id]=1
    gh run download "$id" --repo "$GITHUB_REPOSITORY" --name "$ARTIFACT" --dir "$DEST/$id" >/dev/null 2>&1 || true
  fi
  [ -f "$DEST/$id/report.json" ] && complete_report "$DEST/$id/report.json"
}

for pass in green any; do
  while read -r id conclusion; do
    [ -n "$id" ] || continue
    [ "${#taken[@]}" -lt "$NIGHTS" ] || break
    if [ "$pass" = green ] && [ "$conclusion" != success ]; then continue; fi
    if [ "$pass" = any ] && [ "$conclusion" = success ]; then continue; fi
    if fetch "$id"; then
      taken+=("$id")
      if [ "$pass" = any ]; then how=fallback; fi
    fi
  done <<<"$listing"
done

if [ "${#taken[@]}" -eq 0 ]; then
  emit "" none "" "none: no scheduled run of $WORKFLOW among the last $LIMIT left a complete report (the first night, or the artifacts expired); the gates against it are skipped"
  exit 0
fi
ids="${taken[*]}"
if [ "$NIGHTS" -eq 1 ]; then
  report="$DEST/${taken[0]}/report.json"
else
  # Only the taken nights stay in the folder chaosgate reads.
  report="$DEST/median"
  mkdir -p "$report"
  for id in "${taken[@]}"; do cp "$DEST/$id/report.json" "$report/$id.json"; done
fi
if [ "$how" = fallback ]; then
  emit "$report" fallback "$ids" "run(s) ${ids// /, } of $WORKFLOW: no green night among the last $LIMIT had a complete report, so a failed night's complete report stands in"
else
  emit "$report" green "$ids" "run(s) ${ids// /, } of $WORKFLOW (the last green night$([ "$NIGHTS" -gt 1 ] && echo "s, median of ${#taken[@]}"))"
fi
