#!/usr/bin/env bash
# The container as shipped, without a container engine: builds the binary
# exactly as the Dockerfile does (CGO_ENABLED=0, -trimpath, -tags goolm,
# the same -ldflags) and runs it as the scratch image does: in an empty
# root holding only the binary, the time-zone data and the CA certificates,
# as user 65532 with /data writable, with only the image's environment.
# A member's conversation (onboarding, then the profile after a restart)
# must work there. Needs root (chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

# The Dockerfile's build line, checked so that this script follows it.
if ! grep -q 'CGO_ENABLED=0 go build -tags goolm -trimpath -ldflags "-s -w -X main.version=${VERSION}"' Dockerfile; then
  echo "container: the Dockerfile's build line changed; update .ci/container.sh"; exit 1
fi
root=$(mktemp -d)
chmod 0755 "$root" # mktemp makes it 0700: user 65532 must enter it
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/usr/share" "$root/etc/ssl/certs" "$root/data"
VERSION=ci
CGO_ENABLED=0 go build -tags goolm -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
  -o "$root/usr/local/bin/maillage" ./cmd/maillage
cp -a /usr/share/zoneinfo "$root/usr/share/"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
chown 65532:65532 "$root/data"
if [ -n "$(ldd "$root/usr/local/bin/maillage" 2>/dev/null | grep -v 'not a dynamic executable' || true)" ]; then
  echo "container: the binary is not static"; exit 1
fi

# run INPUT: the image's ENTRYPOINT and CMD, its ENV only, as USER 65532.
run() {
  printf '%b' "$1" | env -i MAILLAGE_DATA_DIR=/data TZ=Europe/Paris \
    /usr/sbin/chroot --userspec=65532:65532 "$root" /usr/local/bin/maillage run
}
expect() { # expect OUTPUT TEXT
  if ! grep -qF -- "$2" <<<"$1"; then
    echo "container: the conversation lacks « $2 »:"; echo "$1"; exit 1
  fi
}
start=$(date +%s)
out=$(run 'Bonjour\nje suis DGS de Saint-Pierre-du-Perray\n1\n1, 5\n1\n1\n' 2>"$root.err") || { cat "$root.err"; exit 1; }
expect "$out" "Bonjour ! Je suis Maillage"
expect "$out" "Votre collectivité est-elle bien Saint-Pierre-du-Perray (commune, Essonne (91), Île-de-France"
# The bot's time zone comes from the image's zoneinfo.
grep -q '+01:00\|+02:00' "$root.err" || { echo "container: logs not in Europe/Paris time:"; head -3 "$root.err"; exit 1; }
# A restart: the member's data was kept in /data, owned by 65532.
out=$(run 'profil\n' 2>"$root.err") || { cat "$root.err"; exit 1; }
expect "$out" "Collectivité : Saint-Pierre-du-Perray"
[ "$(stat -c %u "$root/data/maillage.db")" = 65532 ] || { echo "container: /data/maillage.db not owned by 65532"; exit 1; }
rm -f "$root.err"
echo "container: one conversation and a restart in an empty root as uid 65532 in $(( $(date +%s) - start )) s (binary $(stat -c %s "$root/usr/local/bin/maillage") bytes)"
