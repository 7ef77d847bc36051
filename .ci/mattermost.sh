#!/usr/bin/env bash
# Starts, restarts and stops a throw-away Mattermost server on loopback for
# Maillage's end-to-end test (adapters/mattermost/e2e_test.go).
#
#   MAILLAGE_TEST_MATTERMOST_DIR=DIR .ci/mattermost.sh start    # then: source DIR/env
#   MAILLAGE_TEST_MATTERMOST_DIR=DIR .ci/mattermost.sh restart  # same data, same port
#   MAILLAGE_TEST_MATTERMOST_DIR=DIR .ci/mattermost.sh stop     # and removes DIR
#
# start builds the server (Mattermost 11.1.0, from the Go module proxy,
# through the wrapper module .ci/mattermost) or reuses it from the cache
# directory, copies the module's i18n/ and templates/ beside it, installs
# PostgreSQL from Debian's packages if it is missing, runs PostgreSQL and
# Mattermost on free loopback ports with everything that reaches outside
# switched off, and provisions an administrator, a team, three members and
# the bot with its token (DIR/accounts.json). DIR/env exports
# MAILLAGE_TEST_MATTERMOST_URL and MAILLAGE_TEST_MATTERMOST_ACCOUNTS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$PATH:/usr/local/go/bin"

MM_VERSION=11.1.0
MM_SERVER_MODULE=github.com/mattermost/mattermost/server/v8
MM_SERVER_VERSION=v8.0.0-20251014075701-833e0125320d
cache="${MAILLAGE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/maillage}/mattermost-$MM_VERSION"
dir="${MAILLAGE_TEST_MATTERMOST_DIR:?set MAILLAGE_TEST_MATTERMOST_DIR to a directory for the server state}"

log() { echo "mattermost.sh: $*" >&2; }

free_port() {
  local p
  for p in $(seq "$1" "$2"); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

build_server() {
  if [ -x "$cache/mattermost" ] && [ -d "$cache/i18n" ] && [ -d "$cache/templates" ]; then
    log "reusing the server built in $cache"
    return
  fi
  mkdir -p "$cache"
  if [ ! -x "$cache/mattermost" ]; then
    log "building Mattermost $MM_VERSION (several minutes and about 1 GB of memory the first time)"
    local start; start=$(date +%s)
    local tmp; tmp=$(mktemp -d)
    cp "$here/mattermost/go.mod" "$here/mattermost/go.sum" "$tmp/"
    (cd "$tmp" && GOFLAGS="-mod=mod -buildvcs=false" nice -n 10 \
      go build -trimpath -o "$cache/mattermost.tmp" "$MM_SERVER_MODULE/cmd/mattermost")
    mv "$cache/mattermost.tmp" "$cache/mattermost"
    rm -rf "$tmp"
    log "built in $(( $(date +%s) - start )) s"
  fi
  local src; src="$(cd "$here/mattermost" && go env GOMODCACHE)/$MM_SERVER_MODULE@$MM_SERVER_VERSION"
  if [ ! -d "$src/i18n" ]; then
    (cd "$here/mattermost" && GOFLAGS=-mod=mod go mod download "$MM_SERVER_MODULE@$MM_SERVER_VERSION")
  fi
  for d in i18n templates; do
    if [ ! -d "$cache/$d" ]; then
      cp -r "$src/$d" "$cache/$d.tmp" && chmod -R u+w "$cache/$d.tmp" && mv "$cache/$d.tmp" "$cache/$d"
    fi
  done
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

install_postgres() {
  if pg_bin >/dev/null; then return; fi
  log "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  # The package may start a cluster of its own: this script runs its own.
  service postgresql stop >/dev/null 2>&1 || true
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin; bin=$(pg_bin)
  as_postgres "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 \
    -o "-p $PGPORT -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
}

mm_env() {
  cat <<EOF
MM_CONFIG=$dir/config.json
MM_SQLSETTINGS_DRIVERNAME=postgres
MM_SQLSETTINGS_DATASOURCE=postgres://postgres@127.0.0.1:$PGPORT/mattermost?sslmode=disable&connect_timeout=10
MM_SERVICESETTINGS_SITEURL=http://127.0.0.1:$MMPORT
MM_SERVICESETTINGS_LISTENADDRESS=127.0.0.1:$MMPORT
MM_SERVICESETTINGS_ENABLEBOTACCOUNTCREATION=true
MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS=true
MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS=127.0.0.1 localhost
MM_SERVICESETTINGS_ENABLESECURITYFIXALERT=false
MM_SERVICESETTINGS_ENABLELOCALMODE=false
MM_SERVICESETTINGS_ENABLEGIFPICKER=false
MM_SERVICESETTINGS_ENABLELINKPREVIEWS=false
MM_SERVICESETTINGS_ENABLEPERMALINKPREVIEWS=false
MM_LOGSETTINGS_ENABLEDIAGNOSTICS=false
MM_LOGSETTINGS_CONSOLELEVEL=ERROR
MM_LOGSETTINGS_ENABLEFILE=true
MM_LOGSETTINGS_FILELOCATION=$dir/logs
MM_LOGSETTINGS_FILELEVEL=INFO
MM_NOTIFICATIONLOGSETTINGS_ENABLEFILE=false
MM_PLUGINSETTINGS_ENABLE=false
MM_PLUGINSETTINGS_ENABLEMARKETPLACE=false
MM_PLUGINSETTINGS_ENABLEREMOTEMARKETPLACE=false
MM_PLUGINSETTINGS_AUTOMATICPREPACKAGEDPLUGINS=false
MM_PLUGINSETTINGS_DIRECTORY=$dir/plugins
MM_PLUGINSETTINGS_CLIENTDIRECTORY=$dir/client-plugins
MM_EMAILSETTINGS_SENDEMAILNOTIFICATIONS=false
MM_EMAILSETTINGS_SENDPUSHNOTIFICATIONS=false
MM_EMAILSETTINGS_REQUIREEMAILVERIFICATION=false
MM_ANNOUNCEMENTSETTINGS_ADMINNOTICESENABLED=false
MM_ANNOUNCEMENTSETTINGS_USERNOTICESENABLED=false
MM_FILESETTINGS_DIRECTORY=$dir/data/
MM_TEAMSETTINGS_ENABLEOPENSERVER=true
MM_METRICSSETTINGS_ENABLE=false
MM_RATELIMITSETTINGS_ENABLE=false
EOF
}

# ping_ok asks the server's ping endpoint, with bash alone (no curl needed).
ping_ok() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$MMPORT" || exit 1
    printf 'GET /api/v4/system/ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    head -n 1 <&3 | grep -q ' 200 '
  ) 2>/dev/null
}

start_mattermost() {
  mkdir -p "$dir/logs" "$dir/data" "$dir/plugins" "$dir/client-plugins"
  (
    cd "$cache"
    while IFS= read -r setting; do export "${setting?}"; done < <(mm_env)
    ./mattermost server >"$dir/mattermost.out" 2>&1 &
    echo $! >"$dir/mattermost.pid"
  )
  local i
  for i in $(seq 1 120); do
    if ping_ok; then return 0; fi
    if ! kill -0 "$(cat "$dir/mattermost.pid")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  log "Mattermost did not start; its output:"
  tail -n 40 "$dir/mattermost.out" >&2 || true
  return 1
}

stop_mattermost() {
  if [ -f "$dir/mattermost.pid" ]; then
    local pid; pid=$(cat "$dir/mattermost.pid")
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/mattermost.pid"
  fi
}

stop_postgres() {
  local bin
  if bin=$(pg_bin) && [ -d "$dir/pg" ]; then
    as_postgres "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
start)
  mkdir -p "$dir"
  build_server
  install_postgres
  PGPORT=$(free_port 15432 15532) || { log "no free port for PostgreSQL"; exit 1; }
  MMPORT=$(free_port 18065 18165) || { log "no free port for Mattermost"; exit 1; }
  printf 'PGPORT=%s\nMMPORT=%s\n' "$PGPORT" "$MMPORT" >"$dir/ports"
  mkdir -p "$dir/sock"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir" "$dir/sock"; fi
  as_postgres "$(pg_bin)/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
  start_postgres
  as_postgres "$(pg_bin)/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres mattermost
  start_mattermost
  (cd "$here/mattermost" && GOFLAGS="-mod=mod -buildvcs=false" go run ./provision \
    -url "http://127.0.0.1:$MMPORT" -out "$dir/accounts.json")
  cat >"$dir/env" <<EOF
export MAILLAGE_TEST_MATTERMOST_URL=http://127.0.0.1:$MMPORT
export MAILLAGE_TEST_MATTERMOST_ACCOUNTS=$dir/accounts.json
export MAILLAGE_TEST_MATTERMOST_DIR=$dir
EOF
  log "Mattermost $MM_VERSION on http://127.0.0.1:$MMPORT (PostgreSQL on $PGPORT)"
  ;;
restart)
  # shellcheck disable=SC1091
  . "$dir/ports"
  stop_mattermost
  start_mattermost
  log "Mattermost restarted"
  ;;
stop)
  if [ -f "$dir/ports" ]; then
    # shellcheck disable=SC1091
    . "$dir/ports"
  fi
  stop_mattermost
  stop_postgres
  rm -rf "$dir"
  ;;
build)
  build_server
  ;;
*)
  echo "usage: MAILLAGE_TEST_MATTERMOST_DIR=DIR $0 start|restart|stop|build" >&2
  exit 2
  ;;
esac
