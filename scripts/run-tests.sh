#!/usr/bin/env bash
# The test files of `npm test`, against the local cluster that `npm run cluster:up` started.
#
# The three-manager test (test/e2e/multi-manager.rig.ts) runs first, alone: it changes the
# swarm's managers, which no other file may see half done. Every file runs either way, and the
# exit code is that of the first part that failed. A failure of the first part is said again at
# the end, where a reader of the run's tail sees it.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export FUTUSWARM_CHECK_RESULTS=1
first=$(mktemp)
trap 'rm -f "$first"' EXIT
node --test test/e2e/multi-manager.rig.ts 2>&1 | tee "$first"
managers=${PIPESTATUS[0]}
node --test --test-concurrency=1 'test/**/*.test.ts'
rest=$?
if [ "$managers" -ne 0 ]; then
  echo
  echo "# the three-manager part (test/e2e/multi-manager.rig.ts) failed (exit $managers):"
  grep -E '^(futuswarm-swarm-join|local-node|local-cluster|# )' "$first" | tail -n 20
  sed -n '/failing tests:/,$p' "$first" | head -n 60
  exit "$managers"
fi
exit "$rest"
