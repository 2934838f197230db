#!/usr/bin/env bash
# Makes sure Jenkins Job Builder and python-jenkins, which test/integration/jjb-*.test.ts run against the
# simulator, are installed: Debian's jenkins-job-builder (3.11 in bookworm) and python3-jenkins (1.4).
# Installs them when missing and we may (root + apt-get); otherwise says what to run and fails, so the
# suite never passes without the JJB tests. Called by scripts/ensure-gearmand.sh (npm pretest, .ci/run).
set -euo pipefail
have_jjb() { command -v jenkins-jobs >/dev/null 2>&1 && /usr/bin/python3 -c 'import jenkins, jenkins_jobs' >/dev/null 2>&1; }
if have_jjb; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "jenkins-jobs is missing: installing jenkins-job-builder and python3-jenkins" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq jenkins-job-builder python3-jenkins >/dev/null
  if have_jjb; then exit 0; fi
  echo "jenkins-job-builder was installed but 'jenkins-jobs' still does not run" >&2
  exit 1
fi
echo "jenkins-jobs is missing and cannot be installed here: run 'sudo apt-get install -y jenkins-job-builder python3-jenkins'" >&2
exit 1
