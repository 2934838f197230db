#!/usr/bin/env bash
# The package as an operator gets it (issue 16): `npm pack`, then installed in empty directories
# with production dependencies only, and run from there, far from the checkout and its tsx:
#   1. as the Containerfile installs it (scripts/install-package.sh: files + `npm ci --omit=dev`),
#      started as the image's ENTRYPOINT starts it (node --optimize-for-size …/bin/…js);
#   2. as `npm install --omit=dev TARBALL` installs it, started through node_modules/.bin and the
#      bin's `#!/usr/bin/env -S node --optimize-for-size` shebang.
# Each runs --version and demo; the first also runs `simulate` + `run` against a real gearmand and
# one build submitted by the gearman command-line client (libgearman, not our code), then checks
# /status and /metrics and stops everything by SIGTERM. Every process it starts is stopped on exit.
# Uses the `node` and `npm` on PATH (CI puts the Node version under test first).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d "${TMPDIR:-/tmp}/jgs-package-test.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf 'package-test: %s\n' "$*" >&2; }
fail() { printf 'package-test: FAILED: %s\n' "$*" >&2; exit 1; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
http_status() { node -e 'fetch(process.argv[1]).then(r=>console.log(r.status),()=>console.log(0))' "$1"; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds
  local until=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    [ "$SECONDS" -lt "$until" ] || fail "timed out waiting for $what"
    sleep 0.2
  done
}
# stop PID EXPECTED_STATUS WHAT: SIGTERM, then wait (up to 30 s) and check the exit status.
stop() {
  local pid=$1 want=$2 what=$3 status=0 n=0
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
  wait "$pid" || status=$?
  [ "$status" = "$want" ] || fail "$what exited $status after SIGTERM, expected $want"
}

version=$(node -p 'require("./package.json").version')
step "node $(node --version), npm $(npm --version), package version $version"

step "npm pack"
# prepack builds dist/; a checkout that had none gets none back (its bin shim would then run a stale dist/).
had_dist=$([ -d dist ] && echo 1 || true)
tarball=$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)
[ -n "$had_dist" ] || rm -rf dist
[ -f "$tarball" ] || fail "npm pack made no tarball"

# check_install NAME COMMAND...: --version and demo through COMMAND.
check_install() {
  local name=$1
  shift
  local got
  got=$("$@" --version) || fail "$name: --version failed"
  [ "$got" = "$version" ] || fail "$name: --version printed '$got', expected '$version'"
  step "$name: --version prints $got"
  "$@" demo >"$work/$name-demo.out" 2>"$work/$name-demo.err" || { cat "$work/$name-demo.out" "$work/$name-demo.err" >&2; fail "$name: demo failed"; }
  grep -q 'demo finished: every build reported once' "$work/$name-demo.out" || fail "$name: demo did not finish its story"
  step "$name: demo exits 0"
}

step "1. install as the image does (scripts/install-package.sh)"
app=$work/opt/jenkins-gearman-sidecar
bash scripts/install-package.sh "$tarball" "$app" package-lock.json
(cd "$work" && check_install image node --optimize-for-size "$app/bin/jenkins-gearman-sidecar.js")
jgs=(node --optimize-for-size "$app/bin/jenkins-gearman-sidecar.js")

step "image: simulate + run against gearmand, one build"
gearmand=$(command -v gearmand || echo /usr/sbin/gearmand)
[ -x "$gearmand" ] || fail "gearmand is not installed (bash scripts/ensure-gearmand.sh)"
gport=$(free_port)
"$gearmand" --listen=127.0.0.1 --port="$gport" --log-file=none --pid-file="$work/gearmand.pid" --threads=1 &
pids+=($!)
gpid=$!
"${jgs[@]}" simulate --port 0 --jobs 2 --nodes 1 --labels trusty --executors 1 --build-duration 1s >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
spid=$!
wait_for 20 "the simulator" grep -q 'listening on http' "$work/sim.out"
jenkins=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/sim.out" | head -n 1)
aport=$(free_port)
zport=$(free_port)
admin=http://127.0.0.1:$aport
(cd "$work" && exec "${jgs[@]}" run --jenkins-url "$jenkins" --gearman "127.0.0.1:$gport" --admin-listen "127.0.0.1:$aport" \
  --zmq-bind "tcp://127.0.0.1:$zport" --master-name package-test --poll-interval 200ms --state-file "$work/state/state.json") \
  >"$work/run.out" 2>"$work/run.err" &
pids+=($!)
rpid=$!
ready() { kill -0 "$rpid" 2>/dev/null || { cat "$work/run.err" >&2; fail "run exited"; }; [ "$(http_status "$admin/readyz")" = 200 ]; }
wait_for 30 "run to be ready" ready
uuid=$(node -p 'crypto.randomUUID().replace(/-/g, "")')
result=$(timeout 60 gearman -h 127.0.0.1 -p "$gport" -f build:job-00000 -u "$uuid" "{\"ZUUL_UUID\":\"$uuid\",\"ZUUL_PROJECT\":\"openstack/nova\"}") ||
  fail "the gearman client got no result: $(tail -n 5 "$work/run.err")"
grep -q '"result":"SUCCESS"' <<<"$result" || fail "the build did not report SUCCESS: $result"
grep -q '"node_name":"node-0000"' <<<"$result" || fail "WORK_DATA names no node: $result"
step "image: build:job-00000 reported SUCCESS on node-0000 to the gearman client"
node -e '
  const [admin, version] = process.argv.slice(1);
  (async () => {
    const st = await (await fetch(admin + "/status")).json();
    if (st.version !== version) throw new Error(`/status version ${st.version}, expected ${version}`);
    const m = await (await fetch(admin + "/metrics")).text();
    const info = `jgs_build_info{version="${version}",node="${process.version}"} 1`;
    if (!m.split("\n").includes(info)) throw new Error(`/metrics has no ${info}`);
    const page = await fetch(admin + "/");
    if (page.status !== 200 || !(page.headers.get("content-type") ?? "").startsWith("text/html")) throw new Error("GET / is not the status page");
  })().catch((e) => { console.error(e.message); process.exit(1); });
' "$admin" "$version" || fail "admin API"
step "image: /status and /metrics name version $version, GET / is the status page"
stop "$rpid" 143 "run"
grep -q '"msg":"sidecar stopped"' "$work/run.err" || fail "run did not log its stop"
stop "$spid" 0 "simulate"
stop "$gpid" 0 "gearmand"
step "image: run exits 143 on SIGTERM, simulate 0"

step "2. install as npm does (npm install --omit=dev TARBALL)"
mkdir -p "$work/npm-user"
(cd "$work/npm-user" && npm install --omit=dev --no-audit --no-fund --loglevel=error "$tarball")
[ ! -e "$work/npm-user/node_modules/tsx" ] || fail "npm install --omit=dev installed tsx"
(cd "$work" && check_install npm "$work/npm-user/node_modules/.bin/jenkins-gearman-sidecar")
step "passed"
