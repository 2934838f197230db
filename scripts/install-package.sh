#!/usr/bin/env bash
# Installs a packed jenkins-gearman-sidecar (the tarball `npm pack` makes) as an application in DEST:
# the package's files, and its production dependencies only, exactly as package-lock.json pins them
# (`npm ci --omit=dev`). The Containerfile runs this very script in its build stage, and CI's package
# test (scripts/package-test.sh) runs it too, so what CI tests is what the image holds.
#   bash scripts/install-package.sh jenkins-gearman-sidecar-0.1.0.tgz /opt/jenkins-gearman-sidecar package-lock.json
set -euo pipefail
tarball=${1:?usage: install-package.sh TARBALL DEST LOCKFILE}
dest=${2:?usage: install-package.sh TARBALL DEST LOCKFILE}
lock=${3:?usage: install-package.sh TARBALL DEST LOCKFILE}
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then echo "install-package: $dest is not empty" >&2; exit 1; fi
mkdir -p "$dest"
tar -xzf "$tarball" -C "$dest" --strip-components=1 --no-same-owner
cp "$lock" "$dest/package-lock.json"
(cd "$dest" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
# What was installed must run without the build tools: the compiled code, no TypeScript, no tsx.
[ -f "$dest/dist/cli.js" ] || { echo "install-package: $tarball has no dist/cli.js (was it packed with npm pack, which builds first?)" >&2; exit 1; }
for dev in typescript tsx eslint; do
  if [ -e "$dest/node_modules/$dev" ]; then echo "install-package: the development dependency $dev was installed" >&2; exit 1; fi
done
