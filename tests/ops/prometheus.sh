#!/usr/bin/env bash
# Debian's Prometheus scrapes a live tapid for a few cycles; its HTTP API must then hold tapid's series.
# Installs `prometheus` from Debian if missing; skips (saying so, exit 0) where the package cannot be had.
# Environment: TAPID_BIN (default $CARGO_TARGET_DIR/release/tapid, built if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'prometheus suite: %s\n' "$*"; }

PROMETHEUS="$(command -v prometheus || true)"
if [ -z "$PROMETHEUS" ]; then
  say "installing Debian's prometheus package"
  if (apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 \
      || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1; }); then
    PROMETHEUS="$(command -v prometheus || true)"
  fi
fi
if [ -z "$PROMETHEUS" ]; then
  say "SKIPPED: Debian's prometheus package is not available here"
  exit 0
fi
# The package may start its own service; this suite runs a private one on other ports.
say "using $("$PROMETHEUS" --version 2>&1 | head -n1)"

TARGET="${CARGO_TARGET_DIR:-/work/target}"
BIN="${TAPID_BIN:-$TARGET/release/tapid}"
if [ ! -x "$BIN" ]; then
  say "building the release binary"
  cargo build --release --bin tapid
fi

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
APP_PORT="$(free_port)"; METRICS_PORT="$(free_port)"; PROM_PORT="$(free_port)"

for k in $(env | grep -o '^TAPID_[A-Z0-9_]*' || true); do unset "$k"; done
export TAPID_DATABASE_URL="sqlite://$WORK/tapid.db"
export TAPID_LISTEN="127.0.0.1:$APP_PORT"
export TAPID_ISSUER="http://localhost:$APP_PORT"
export TAPID_METRICS_LISTEN="127.0.0.1:$METRICS_PORT"
"$BIN" serve >"$WORK/tapid.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$APP_PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$APP_PORT/healthz" >/dev/null || { cat "$WORK/tapid.log"; exit 1; }
# Some traffic: a page, a missing page, a token refused, a pass issued.
curl -s -o /dev/null "http://127.0.0.1:$APP_PORT/.well-known/openid-configuration"
curl -s -o /dev/null "http://127.0.0.1:$APP_PORT/nothing-here"
curl -s -o /dev/null -d grant_type=client_credentials "http://127.0.0.1:$APP_PORT/token"
"$BIN" user add carol >/dev/null
"$BIN" tap issue carol >/dev/null

cat >"$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tapid
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT"]
YAML
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)

query() { curl -fsG "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"; }
EXPECTED=(tapid_build_info tapid_http_requests_total tapid_http_request_duration_seconds_bucket
  tapid_db_connections tapid_active_sessions tapid_webhook_pending tapid_db_write_wait_seconds_count)
ok=""
for _ in $(seq 1 60); do
  sleep 0.5
  up="$(query 'up{job="tapid"}' 2>/dev/null || true)"
  if printf '%s' "$up" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; sys.exit(0 if r and r[0]["value"][1]=="1" else 1)' 2>/dev/null; then
    missing=""
    for series in "${EXPECTED[@]}"; do
      query "count($series)" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["data"]["result"] else 1)' || missing="$missing $series"
    done
    if [ -z "$missing" ]; then ok=yes; break; fi
  fi
done
if [ -z "$ok" ]; then
  say "FAILED: series missing in Prometheus:${missing:- (target never up)}"
  tail -n 20 "$WORK/prometheus.log"
  exit 1
fi
routes="$(query 'sum by (route) (tapid_http_requests_total)' | python3 -c 'import json,sys; print(" ".join(sorted(r["metric"]["route"] for r in json.load(sys.stdin)["data"]["result"])))')"
say "routes seen by Prometheus: $routes"
case " $routes " in *" /token "*) ;; *) say "FAILED: /token not among the routes"; exit 1 ;; esac
case " $routes " in *" unmatched "*) ;; *) say "FAILED: no unmatched route"; exit 1 ;; esac
say "1 passed, 0 failed: Prometheus scraped tapid (${#EXPECTED[@]} series checked through its HTTP API)"
