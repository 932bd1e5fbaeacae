#!/usr/bin/env bash
# Builds the container image and checks that it runs as a non-root user with a HEALTHCHECK — where a
# container engine answers. Skips, saying so (exit 0), where none does (a docker client alone is not enough).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'container suite: %s\n' "$*"; }
for tool in docker podman; do
  if command -v "$tool" >/dev/null 2>&1 && "$tool" info >/dev/null 2>&1; then
    say "building with $tool"
    "$tool" build -t tapid:ci .
    user="$("$tool" image inspect tapid:ci --format '{{.Config.User}}')"
    health="$("$tool" image inspect tapid:ci --format '{{json .Config.Healthcheck}}')"
    [ -n "$user" ] && [ "$user" != "root" ] && [ "$user" != "0" ] || { say "FAILED: image runs as '$user'"; exit 1; }
    case "$health" in *healthz*) ;; *) say "FAILED: no HEALTHCHECK on /healthz"; exit 1 ;; esac
    "$tool" run --rm tapid:ci --version
    say "1 passed, 0 failed: image built, user $user, HEALTHCHECK on /healthz"
    exit 0
  fi
done
say "SKIPPED: no container engine answers here (docker/podman client without a daemon); Dockerfile not built"
