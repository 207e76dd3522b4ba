#!/usr/bin/env bash
# Fails when a capability-gated test skipped and is not on the list of skips
# allowed on CI (.ci/allowed-skips: one line per test, "name<TAB>reason").
# CI runs as root with every package installed: a skip there hides a path
# that nothing tested.
#   scripts/check-skips.sh TEST_OUTPUT_LOG
set -euo pipefail
log=$1
allowed="$(dirname "$0")/../.ci/allowed-skips"
# Swift Testing prints: ➜ Test "name" skipped: "reason"  (or ➜ Test name() skipped: …)
# Only those lines: a test whose name contains "skipped" is not a skip.
mapfile -t skipped < <(grep -E '^➜ Test .* skipped(: |$)' "$log" | sed -E 's/^➜ Test //' || true)
bad=0
for line in "${skipped[@]}"; do
  [ -n "$line" ] || continue
  name=${line%% skipped*}
  name=${name#\"}; name=${name%\"}
  if [ -f "$allowed" ] && cut -f1 "$allowed" | grep -vE '^\s*(#|$)' | grep -qxF -- "$name"; then
    echo "skipped (allowed on CI): $line"
  else
    echo "NOT ALLOWED TO SKIP ON CI: $line" >&2
    bad=1
  fi
done
echo "${#skipped[@]} skipped test(s) checked against .ci/allowed-skips"
exit $bad
