#!/usr/bin/env bash
# Runs the Gearman integration tests that matter against gear's Python gear.Server (the server Zuul v2
# embeds with [gearman_server] start=true) instead of gearmand: registration diffs, GRAB_JOB_UNIQ and
# exact capacity, WORK_* packets, admin `status`, reconnect after a server restart, two servers, and
# end-to-end builds through the real `run` command; then test/gear/gear-server.test.ts, which asserts
# where gear.Server differs from gearmand. Outside .ci/run: CI cannot fetch gear.
#
#   GEAR_PATH=/path/to/gear-checkout bash scripts/check-gear-server.sh
#
# GEAR_PATH: a git checkout (or git dir) of github:openstack-infra/gear. The pinned commit (GEAR_COMMIT,
# by default the last one with code: the repository's HEAD only retires it) is exported into a temp
# directory with `git archive` and imported from there; nothing of gear is copied into this project.
# Runs it with Debian's Python 3 (/usr/bin/python3, or GEAR_PYTHON); gear needs `six`, taken from
# Debian's python3-six when missing (never from PyPI).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${GEAR_PATH:?set GEAR_PATH to a checkout of github:openstack-infra/gear}"
commit=${GEAR_COMMIT:-6a7417702d41a61b4da1c34c0b4d0e2e0038bc16}
python=${GEAR_PYTHON:-/usr/bin/python3}

if [ -d "$GEAR_PATH/.git" ]; then gitdir=$GEAR_PATH/.git; else gitdir=$GEAR_PATH; fi
git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null ||
  { echo "check-gear-server: $GEAR_PATH has no commit $commit (fetch github:openstack-infra/gear, or set GEAR_COMMIT)" >&2; exit 1; }
src=$(mktemp -d "${TMPDIR:-/tmp}/gear-src.XXXXXX")
trap 'rm -rf "$src"' EXIT
git --git-dir="$gitdir" archive "$commit" gear | tar -x -C "$src"
[ -f "$src/gear/__init__.py" ] || { echo "check-gear-server: commit $commit holds no gear/__init__.py" >&2; exit 1; }

[ -x "$python" ] || { echo "check-gear-server: $python not found (Debian: apt-get install -y python3)" >&2; exit 1; }
if ! "$python" -c 'import six' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "check-gear-server: installing Debian's python3-six for gear" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-six >/dev/null
  else
    echo "check-gear-server: gear needs six: run 'sudo apt-get install -y python3-six'" >&2
    exit 1
  fi
fi

gear_version=$(PYTHONPATH=$src "$python" -c 'import gear, sys; print(sys.version.split()[0])')
echo "check-gear-server: gear $commit ($(git --git-dir="$gitdir" log -1 --format='%cs %s' "$commit")), Python $gear_version, Node $(node --version)"

export JGS_TEST_GEARMAN_SERVER=gear GEAR_PATH=$src GEAR_PYTHON=$python
# The shared tests that hold for any Gearman server. Left out, because they assert what gearmand does
# and gear.Server does otherwise (test/gear/gear-server.test.ts asserts gear's way, README explains):
#   gearman-e2e "admin: workers … version, cancel job": gear has no `version` command, and its
#     `workers` fails on a connection without a client id (a Python 3 bug in gear.Server);
#   bridge "stop:MASTER aborts …", "set_description …", "bad arguments …": they expect gearmand's
#     WORK_FAIL where gear.Server passes WORK_EXCEPTION through;
#   bridge "a job removed in Jenkins …": uses `workers`;
#   bridge "a sidecar restarted mid-build adopts …", faults-gearmand "the ECHO probe notices …":
#     gear.Server fails a job whose worker connection dropped instead of requeueing it.
# gearman-gearmand.test.ts and gearman-server-conformance.test.ts are facts about gearmand itself.
patterns=(
  "runs foreground submits of every priority"
  "runs a background submit; GET_STATUS follows it"
  "keeps exact capacity with real gearmand"
  "re-registers after gearmand restarts"
  "client round-robins over both servers"
  "with WORK_COMPLETE, after WORK_DATA and WORK_STATUS"
  "build:JOB:LABEL lands on a node with that label"
  "stop:MASTER before the build started cancels its queue item"
  "OFFLINE_NODE_WHEN_COMPLETE takes the node offline"
  "200 concurrent submissions on 20 executors"
  "two masters behind one gearmand: every job runs exactly once"
  "in-flight builds keep running and are published"
  "work submitted during the outage runs through the other server"
  "start-up, one build and SIGTERM"
  "gearmand down: /readyz says"
)
expected_pass=18 expected_left_out=7
args=()
for p in "${patterns[@]}"; do args+=(--test-name-pattern "$p"); done
log=$(mktemp)
trap 'rm -rf "$src" "$log"' EXIT
set +e
node --import tsx --test --test-reporter=spec --test-concurrency=1 "${args[@]}" \
  test/integration/gearman-e2e.test.ts test/integration/bridge.test.ts test/integration/faults-gearmand.test.ts test/integration/ops-logs.test.ts 2>&1 | tee "$log"
shared=${PIPESTATUS[0]}
node --import tsx --test --test-reporter=spec test/gear/gear-server.test.ts 2>&1 | tee -a "$log"
own=${PIPESTATUS[0]}
set -e
passed=$(grep -E '^ℹ pass ' "$log" | awk '{s += $3} END {print s + 0}')
failed=$(grep -E '^ℹ fail ' "$log" | awk '{s += $3} END {print s + 0}')
left_out=$(grep -E '^ℹ skipped ' "$log" | awk '{s += $3} END {print s + 0}')
echo "check-gear-server: gear $commit: $passed passed, $failed failed ($left_out shared tests left out as gearmand-only)"
[ "$shared" -eq 0 ] && [ "$own" -eq 0 ] || exit 1
# A renamed test would silently drop out of the selection: hold the counts to what is listed above.
[ "$passed" -eq $((expected_pass + 3)) ] && [ "$left_out" -eq "$expected_left_out" ] ||
  { echo "check-gear-server: expected $((expected_pass + 3)) passed and $expected_left_out left out; update the selection" >&2; exit 1; }
