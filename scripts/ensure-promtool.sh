#!/usr/bin/env bash
# Makes sure promtool, which tests the alerting rules in deploy/prometheus/, is installed (Debian's
# `prometheus` package ships it). Installs it when missing and we may (root + apt-get); otherwise
# says what to run. Never lets the rule tests silently skip.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "promtool is missing: installing Debian's prometheus (for promtool; its service is not started)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d 101 keeps the package's service from starting where an init system would start it.
  rc=/usr/sbin/policy-rc.d made=""
  if [ ! -e "$rc" ]; then printf '#!/bin/sh\nexit 101\n' >"$rc" && chmod +x "$rc" && made=1; fi
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null || { [ -z "$made" ] || rm -f "$rc"; exit 1; }
  [ -z "$made" ] || rm -f "$rc"
  exit 0
fi
echo "promtool is missing and cannot be installed here: run 'sudo apt-get install -y prometheus' (promtool is in it)" >&2
exit 1
