#!/usr/bin/env bash
# Runs `drydock check` for the GitHub Action (action.yml): SARIF to $DRYDOCK_SARIF_FILE,
# annotations on standard output, and the `sarif-file` and `exit-code` outputs. The inputs
# arrive as environment variables (never spliced into the script).
#
# Tested by scripts/test-ci-templates.
set -euo pipefail

sarif="${DRYDOCK_SARIF_FILE:-drydock.sarif}"
args=(check --format sarif --output "$sarif")
if [ "${DRYDOCK_ANNOTATIONS:-true}" = true ]; then
  # A format without an --output of its own goes to standard output, where GitHub reads
  # `::error file=...` lines as annotations.
  args+=(--format github)
fi
if [ -n "${DRYDOCK_FAILURE_THRESHOLD:-}" ]; then
  args+=(--failure-threshold "$DRYDOCK_FAILURE_THRESHOLD")
fi
if [ -n "${DRYDOCK_CONFIG:-}" ]; then
  args+=(--config "$DRYDOCK_CONFIG")
fi
extra=()
if [ -n "${DRYDOCK_ARGS:-}" ]; then
  read -r -a extra <<< "$DRYDOCK_ARGS"
fi
paths=()
while IFS= read -r line; do
  read -r -a words <<< "$line"
  paths+=(${words[@]+"${words[@]}"})
done <<< "${DRYDOCK_PATHS:-.}"
if [ "${#paths[@]}" -eq 0 ]; then
  paths=(.)
fi

mkdir -p "$(dirname "$sarif")"
set +e
# (`${a[@]+"${a[@]}"}`: an empty array under `set -u` in bash 3, macOS's.)
drydock "${args[@]}" ${extra[@]+"${extra[@]}"} -- "${paths[@]}"
status=$?
set -e

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
  echo "exit-code=$status" >> "$GITHUB_OUTPUT"
fi
if [ "$status" -eq 1 ] && [ "${DRYDOCK_FAIL_ON_FINDINGS:-true}" != true ]; then
  echo "drydock: findings reported (fail-on-findings is off)"
  exit 0
fi
exit "$status"
