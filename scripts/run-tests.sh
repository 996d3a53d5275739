#!/usr/bin/env bash
# The test files of `npm test`, against the local cluster that `npm run cluster:up` started.
#
# The three-manager test (test/e2e/multi-manager.rig.ts) runs first, on a swarm the rest of the
# suite has not churned yet: on this kind of two-core machine, a swarm that has lived through
# the whole suite was seen to hang adding a manager, while a young one adds two reliably. Every
# file runs either way, and the exit code is that of the first part that failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export FUTUSWARM_CHECK_RESULTS=1
node --test test/e2e/multi-manager.rig.ts
managers=$?
node --test --test-concurrency=1 'test/**/*.test.ts'
rest=$?
[ "$managers" -ne 0 ] && exit "$managers"
exit "$rest"
