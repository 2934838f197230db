#!/usr/bin/env bash
# Makes sure the headless Chromium the status page test drives is installed (Debian's `chromium`;
# playwright-core never downloads a browser of its own). Installs it when missing and we may
# (root + apt-get); otherwise says what to run. Never lets the browser test silently skip.
set -euo pipefail
bin=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$bin" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing: installing Debian's chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "chromium is missing and cannot be installed here: run 'sudo apt-get install -y chromium' (or set CHROMIUM_PATH)" >&2
exit 1
