#!/usr/bin/env bash
# tapid's browser journeys: installs what is missing, builds the release binary, runs every e2e/*.test.js
# one file at a time. Works from the repo root (bash e2e/run.sh) and from e2e/ (./run.sh).
#
#   e2e/run.sh                       all journeys
#   e2e/run.sh e2e/smoke.test.js     some journeys (paths relative to where you are)
#
# Environment: CARGO_TARGET_DIR (default /work/target); TAPID_BIN to test a binary you built yourself (skips
# the build); TAPID_E2E_POSTGRES_URL to run every journey on a fresh PostgreSQL database; see e2e/README.md.
set -euo pipefail

CALLER_DIR="$PWD"
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$E2E_DIR/.." && pwd)"
cd "$REPO_DIR"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
CHROMIUM="${TAPID_E2E_CHROMIUM:-/usr/bin/chromium}"

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x "$CHROMIUM" ]; then
  step "installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
"$CHROMIUM" --version 2>/dev/null | head -n1 || true

if [ ! -d "$E2E_DIR/node_modules/playwright-core" ] || [ ! -d "$E2E_DIR/node_modules/axe-core" ]; then
  step "npm ci (e2e/)"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
fi

if [ -n "${TAPID_BIN:-}" ]; then
  step "using TAPID_BIN=$TAPID_BIN (no build)"
  test -x "$TAPID_BIN" || { echo "TAPID_BIN=$TAPID_BIN is not an executable file" >&2; exit 1; }
else
  step "cargo build --release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  cargo build --release --bin tapid
fi

if [ "$#" -gt 0 ]; then
  tests=()
  for t in "$@"; do
    case "$t" in
      /*) tests+=("$t") ;;
      *) tests+=("$CALLER_DIR/$t") ;;
    esac
  done
else
  shopt -s nullglob
  tests=(e2e/*.test.js)
  shopt -u nullglob
fi
if [ "${#tests[@]}" -eq 0 ]; then
  echo "no e2e/*.test.js found" >&2
  exit 1
fi

step "node --test ${tests[*]}"
node --test --test-concurrency=1 "${tests[@]}"

if [ "$#" -eq 0 ]; then
  step "the accessibility journey again, in the dark colour scheme"
  TAPID_E2E_COLOR_SCHEME=dark node --test e2e/accessibility.test.js
fi
