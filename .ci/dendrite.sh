#!/usr/bin/env bash
# Starts, restarts and stops a throw-away Dendrite homeserver on loopback for
# Maillage's Matrix end-to-end test (adapters/matrix/e2e_test.go).
#
#   MAILLAGE_TEST_MATRIX_DIR=DIR .ci/dendrite.sh start    # then: source DIR/env
#   MAILLAGE_TEST_MATRIX_DIR=DIR .ci/dendrite.sh restart  # same data, same port
#   MAILLAGE_TEST_MATRIX_DIR=DIR .ci/dendrite.sh stop     # and removes DIR
#
# start builds Dendrite (v0.13.8, Apache-2.0, from the Go module proxy,
# through the wrapper module .ci/dendrite: cgo SQLite, a few minutes the
# first time) or reuses it from the cache directory, generates its signing
# key and configuration with its own generate-keys and generate-config
# commands (SQLite, no federation, a random registration secret), runs it on
# a free loopback port, and registers the bot and three members through the
# shared-secret admin endpoint (create-account). DIR/env exports
# MAILLAGE_TEST_MATRIX_URL, MAILLAGE_TEST_MATRIX_SERVER,
# MAILLAGE_TEST_MATRIX_PASSWORD (everyone's) and MAILLAGE_TEST_MATRIX_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$PATH:/usr/local/go/bin"

DENDRITE_VERSION=v0.13.8
cache="${MAILLAGE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/maillage}/dendrite-$DENDRITE_VERSION"
dir="${MAILLAGE_TEST_MATRIX_DIR:?set MAILLAGE_TEST_MATRIX_DIR to a directory for the homeserver state}"
server_name=localhost

log() { echo "dendrite.sh: $*" >&2; }

free_port() {
  local p
  for p in $(seq "$1" "$2"); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

build_server() {
  local bin
  if [ -x "$cache/dendrite" ] && [ -x "$cache/generate-config" ] && [ -x "$cache/generate-keys" ] && [ -x "$cache/create-account" ]; then
    log "reusing Dendrite built in $cache"
    return
  fi
  if ! command -v gcc >/dev/null 2>&1; then
    log "installing gcc from Debian's packages (Dendrite's SQLite needs cgo)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
  fi
  log "building Dendrite $DENDRITE_VERSION (a few minutes the first time)"
  local start; start=$(date +%s)
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$cache"
  cp "$here/dendrite/go.mod" "$here/dendrite/go.sum" "$here/dendrite/tools.go" "$tmp/"
  (cd "$tmp" && CGO_ENABLED=1 GOFLAGS="-mod=mod -buildvcs=false" nice -n 10 go build -trimpath -o "$tmp/out/" \
    github.com/matrix-org/dendrite/cmd/dendrite \
    github.com/matrix-org/dendrite/cmd/generate-config \
    github.com/matrix-org/dendrite/cmd/generate-keys \
    github.com/matrix-org/dendrite/cmd/create-account)
  for bin in dendrite generate-config generate-keys create-account; do
    mv "$tmp/out/$bin" "$cache/$bin"
  done
  rm -rf "$tmp"
  log "built in $(( $(date +%s) - start )) s"
}

# configure writes DIR/dendrite.yaml: the CI defaults of generate-config,
# then no federation, persistent JetStream (the restart keeps the streams),
# a random registration secret, quiet logs, and the client API's rate
# limiting on (the test's 429 storm comes from its own proxy).
configure() {
  "$cache/generate-keys" -private-key "$dir/matrix_key.pem" >/dev/null
  "$cache/generate-config" -ci -dir "$dir/data" -server "$server_name" >"$dir/dendrite.yaml.tmp"
  local secret; secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  sed -e "s|private_key: matrix_key.pem|private_key: $dir/matrix_key.pem|" \
      -e "s|disable_federation: false|disable_federation: true|" \
      -e "s|in_memory: true|in_memory: false|" \
      -e "s|registration_shared_secret: .*|registration_shared_secret: \"$secret\"|" \
      -e "s|level: trace|level: warn|" \
      "$dir/dendrite.yaml.tmp" >"$dir/dendrite.yaml"
  rm -f "$dir/dendrite.yaml.tmp"
  mkdir -p "$dir/data"
}

versions_ok() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
    printf 'GET /_matrix/client/versions HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    head -n 1 <&3 | grep -q ' 200 '
  ) 2>/dev/null
}

start_server() {
  (
    cd "$dir"
    "$cache/dendrite" -config "$dir/dendrite.yaml" -http-bind-address "127.0.0.1:$PORT" \
      -really-enable-open-registration >"$dir/dendrite.out" 2>&1 &
    echo $! >"$dir/dendrite.pid"
  )
  local i
  for i in $(seq 1 200); do
    if versions_ok; then return 0; fi
    if ! kill -0 "$(cat "$dir/dendrite.pid")" 2>/dev/null; then break; fi
    sleep 0.1
  done
  log "Dendrite did not start; its output:"
  tail -n 40 "$dir/dendrite.out" >&2 || true
  return 1
}

stop_server() {
  if [ -f "$dir/dendrite.pid" ]; then
    local pid; pid=$(cat "$dir/dendrite.pid")
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/dendrite.pid"
  fi
}

case "${1:-}" in
start)
  mkdir -p "$dir"
  build_server
  PORT=$(free_port 18008 18108) || { log "no free loopback port for Dendrite"; exit 1; }
  printf 'PORT=%s\n' "$PORT" >"$dir/ports"
  configure
  start_server
  password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  for user in maillage alice bob carol; do
    "$cache/create-account" -config "$dir/dendrite.yaml" -url "http://127.0.0.1:$PORT" \
      -username "$user" -password "$password" >/dev/null 2>>"$dir/create-account.err"
  done
  cat >"$dir/env" <<ENV
export MAILLAGE_TEST_MATRIX_URL=http://127.0.0.1:$PORT
export MAILLAGE_TEST_MATRIX_SERVER=$server_name
export MAILLAGE_TEST_MATRIX_PASSWORD=$password
export MAILLAGE_TEST_MATRIX_DIR=$dir
export MAILLAGE_TEST_MATRIX_SCRIPT=$here/dendrite.sh
ENV
  log "Dendrite $DENDRITE_VERSION on http://127.0.0.1:$PORT (accounts maillage, alice, bob, carol)"
  ;;
restart)
  # shellcheck disable=SC1091
  . "$dir/ports"
  stop_server
  start_server
  log "Dendrite restarted"
  ;;
stop)
  stop_server
  rm -rf "$dir"
  ;;
build)
  build_server
  ;;
*)
  echo "usage: MAILLAGE_TEST_MATRIX_DIR=DIR $0 start|restart|stop|build" >&2
  exit 2
  ;;
esac
