#!/usr/bin/env bash
# Makes sure the real gearmand the integration tests start is installed.
# Installs Debian's gearman-job-server when it is missing and we may (root + apt-get);
# otherwise says what to run. Never lets the suite silently skip the real-server tests.
# Then the other test dependencies (Jenkins Job Builder): scripts/ensure-test-deps.sh.
set -euo pipefail
here="$(dirname "$0")"
if ! command -v gearmand >/dev/null 2>&1 && [ ! -x /usr/sbin/gearmand ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "gearmand is missing: installing gearman-job-server" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq gearman-job-server gearman-tools >/dev/null
  else
    echo "gearmand is missing and cannot be installed here: run 'sudo apt-get install -y gearman-job-server'" >&2
    exit 1
  fi
fi
exec bash "$here/ensure-test-deps.sh"
