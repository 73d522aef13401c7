#!/usr/bin/env bash
# Runs every leadbot test. It does its own set-up: installs what is missing (PostgreSQL server
# binaries, as Debian packages, when we may), then vets and tests. The tests start their own
# throwaway PostgreSQL; set TEST_DATABASE_URL to use a server you already have instead.
set -euo pipefail
cd "$(dirname "$0")/.."

have_pg() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: $* missing and I cannot install it here: install it, then rerun" >&2
    exit 1
  fi
  echo "test.sh: installing $* (Debian packages)"
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ -z "${TEST_DATABASE_URL:-}" ] && ! have_pg; then
  apt_install postgresql
fi
command -v psql >/dev/null 2>&1 || apt_install postgresql-client

# The browser test (e2e/) drives the sandbox page in a local headless Chromium; it never downloads
# one. The emoji font makes its screenshots show 👍 rather than boxes.
have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
    command -v google-chrome >/dev/null 2>&1 || command -v google-chrome-stable >/dev/null 2>&1
}
if ! have_chromium; then
  apt_install chromium fonts-noto-color-emoji
elif [ "$(id -u)" -eq 0 ] && command -v dpkg >/dev/null 2>&1 && ! dpkg -s fonts-noto-color-emoji >/dev/null 2>&1; then
  apt_install fonts-noto-color-emoji || true
fi

echo "== go vet"
go vet ./...

echo "== go test"
# -race on the packages that run goroutines; the rest plainly (the race detector is slow on 2 cores).
# The plain run includes e2e/, which builds leadbot and runs it with Chromium (about 20 s).
all_pkgs=$(go list ./...)
race_re='/(bot|handlers|sandbox|digest|spool|crmsync|internal/[a-z]+|migrations)$'
race_pkgs=$(grep -E "$race_re" <<<"$all_pkgs" || true)
plain_pkgs=$(grep -v -E "$race_re" <<<"$all_pkgs" || true)
status=0
if [ -n "$race_pkgs" ]; then go test -race -count=1 -timeout 20m $race_pkgs || status=$?; fi
go test -count=1 -timeout 20m $plain_pkgs || status=$?
exit $status
