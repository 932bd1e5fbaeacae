#!/usr/bin/env bash
# SCIM interoperability: real SCIM clients that tapid did not write, against a live release tapid.
#   1. scim2-tester's compliance checks (every applicable check must pass; skipped ones are listed);
#   2. a provisioning run with scim2-client (1,000 users, groups, updates, deactivations) that asserts the
#      directory afterwards, through SCIM and through tapid's command line.
# Once on SQLite and once on a fresh PostgreSQL database (TAPID_SCIM_POSTGRES_URL, default the local server;
# TAPID_SCIM_POSTGRES_URL=none skips it). Python packages are pinned in requirements.txt and installed into a
# virtualenv under CARGO_TARGET_DIR (outside the clone, reused by later runs). TAPID_BIN skips the build;
# TAPID_SCIM_USERS changes the number of people provisioned.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE/../.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
VENV="$CARGO_TARGET_DIR/scim-venv"
PG_ADMIN="${TAPID_SCIM_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
USERS="${TAPID_SCIM_USERS:-1000}"

step() { printf '\n==> %s\n' "$*"; }

want="$(sha256sum "$HERE/requirements.txt" | cut -c1-16)"
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$want" ]; then
  step "python packages (pinned, $VENV)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$want" > "$VENV/.installed"
fi

if [ -n "${TAPID_BIN:-}" ]; then
  BIN="$TAPID_BIN"
else
  step "cargo build --release"
  cargo build --release --bin tapid
  BIN="$CARGO_TARGET_DIR/release/tapid"
fi

SERVER_PID=""
WORK=""
DROP_DB=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$DROP_DB" ]; then psql "$PG_ADMIN" -qAtc "DROP DATABASE IF EXISTS $DROP_DB WITH (FORCE)" >/dev/null || true; fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
  SERVER_PID=""; DROP_DB=""; WORK=""
}
trap cleanup EXIT

# tapid reads TAPID_* as configuration: the servers and CLI calls below get none of ours (TAPID_BIN, …).
for name in $(env | grep -o '^TAPID_[A-Za-z0-9_]*' || true); do unset "$name"; done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_against() {
  local label="$1" database_url="$2"
  local port; port="$(free_port)"
  local issuer="http://localhost:$port"
  cat > "$WORK/tapid.toml" <<TOML
listen = "127.0.0.1:$port"
issuer = "$issuer"
database_url = "$database_url"
key_file = "$WORK/tapid.key"
log_format = "json"

[tokens]
access_token = 7200
TOML
  step "[$label] tapid serve on $issuer"
  (cd "$WORK" && exec "$BIN" --config "$WORK/tapid.toml" serve >"$WORK/server.log" 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  if ! curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null; then
    echo "tapid did not start:" >&2; cat "$WORK/server.log" >&2; exit 1
  fi
  local secret
  secret="$("$BIN" --config "$WORK/tapid.toml" client add hr-system --name "HR system" \
      --grant client_credentials --scope scim --role admin --json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')"
  local token
  token="$(curl -fsS -u "hr-system:$secret" -d grant_type=client_credentials -d scope=scim "http://127.0.0.1:$port/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

  step "[$label] scim2-tester"
  "$VENV/bin/python" "$HERE/check_server.py" "$issuer/scim/v2" "$token"
  step "[$label] scim2-client provisioning ($USERS people)"
  "$VENV/bin/python" "$HERE/provision.py" "$issuer/scim/v2" "$token" "$BIN" "$WORK/tapid.toml" "$USERS"
  if grep -q '"level":"ERROR"' "$WORK/server.log"; then
    echo "tapid logged errors:" >&2; grep '"level":"ERROR"' "$WORK/server.log" | head -n 20 >&2; exit 1
  fi
  cleanup
}

WORK="$(mktemp -d)"
run_against sqlite "sqlite://$WORK/tapid.db"

if [ "$PG_ADMIN" != "none" ]; then
  WORK="$(mktemp -d)"
  DROP_DB="tapid_scim_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  psql "$PG_ADMIN" -qAtc "CREATE DATABASE $DROP_DB" >/dev/null
  run_against postgres "${PG_ADMIN%/*}/$DROP_DB"
fi

step "SCIM interoperability: all green"
