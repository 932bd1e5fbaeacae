#!/usr/bin/env bash
# tapid's interop suite: installs the relying parties (pinned; skipped when present), builds the Go one,
# reuses the release binary (built by e2e/run.sh, or here if missing) and runs interop/run.js.
#
#   bash interop/run.sh                          every relying party
#   TAPID_INTEROP_ONLY=apache,spa bash interop/run.sh
#
# Environment: CARGO_TARGET_DIR (default /work/target), TAPID_BIN (skip the build), TAPID_INTEROP_CACHE
# (default ~/.cache/tapid-interop: the Python venv and the Go build).
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$DIR/.." && pwd)"
cd "$REPO"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
CACHE="${TAPID_INTEROP_CACHE:-$HOME/.cache/tapid-interop}"
mkdir -p "$CACHE"
step() { printf '\n==> %s\n' "$*"; }

# Debian: Apache httpd with mod_auth_openidc, Go with go-oidc and x/oauth2, Chromium.
DEBIAN_PACKAGES=(apache2 libapache2-mod-auth-openidc golang-go golang-github-coreos-go-oidc-dev golang-golang-x-oauth2-dev chromium)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# PyPI: authlib (with joserfc) and pyoidc, in a venv of their own.
PY_PINS=(authlib==1.9.6 joserfc==1.8.0 oic==1.7.0 requests==2.34.2)
VENV="$CACHE/venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/pip" freeze 2>/dev/null | grep -qix "authlib==1.9.6" \
   || ! "$VENV/bin/pip" freeze 2>/dev/null | grep -qix "oic==1.7.0"; then
  step "pip install ${PY_PINS[*]}"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "${PY_PINS[@]}"
fi

# npm: openid-client, oauth4webapi, oidc-client-ts and jose (interop/), playwright-core (e2e/).
if [ ! -d "$DIR/node_modules/openid-client" ]; then
  step "npm ci (interop/)"
  (cd "$DIR" && npm ci --no-audit --no-fund)
fi
if [ ! -d "$REPO/e2e/node_modules/playwright-core" ]; then
  step "npm ci (e2e/)"
  (cd "$REPO/e2e" && npm ci --no-audit --no-fund)
fi

# Go: the relying party against Debian's go-oidc and x/oauth2 (GOPATH mode, no module downloads).
GO_RP="$CACHE/go-rp"
if [ ! -x "$GO_RP" ] || [ "$DIR/rps/go/main.go" -nt "$GO_RP" ]; then
  step "go build (go-oidc $(dpkg-query -W -f='${Version}' golang-github-coreos-go-oidc-dev))"
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$CACHE/go-build" \
    go build -o "$GO_RP" "$DIR/rps/go/main.go"
fi

if [ -n "${TAPID_BIN:-}" ]; then
  step "using TAPID_BIN=$TAPID_BIN"
else
  step "cargo build --release (reused when e2e/run.sh built it)"
  cargo build --release --bin tapid
fi

ver() { dpkg-query -W -f='${Version}' "$1"; }
npmver() { node -p "require('$DIR/node_modules/$1/package.json').version"; }
pyver() { "$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))"; }
TAPID_INTEROP_VERSIONS="$(cat <<JSON
{"apache": "mod_auth_openidc $(ver libapache2-mod-auth-openidc), apache2 $(ver apache2)",
 "go": "go-oidc $(ver golang-github-coreos-go-oidc-dev), x/oauth2 $(ver golang-golang-x-oauth2-dev), $(go version | cut -d' ' -f3)",
 "authlib": "authlib $(pyver authlib), joserfc $(pyver joserfc)",
 "pyoidc": "oic $(pyver oic)",
 "openid-client": "openid-client $(npmver openid-client)",
 "oauth4webapi": "oauth4webapi $(npmver oauth4webapi)",
 "oidc-client-ts": "oidc-client-ts $(npmver oidc-client-ts)"}
JSON
)"
export TAPID_INTEROP_VERSIONS TAPID_INTEROP_GO_RP="$GO_RP" TAPID_INTEROP_PYTHON="$VENV/bin/python"

step "node interop/run.js"
node "$DIR/run.js"
