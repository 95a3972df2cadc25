#!/usr/bin/env bash
# Checks the README's set-up on a fresh Debian 12: a minimal Debian 12 root made by debootstrap
# (no compiler, no Node.js, no libraries), a clone of this repository in it, then, inside it as
# root, `make run` (packages, build, demo data, serve), the README's 5-minute tour against that
# server, and `make test`. Not part of `make test`: it needs root, the network and ~40 minutes.
#
#   sudo scripts/fresh-debian.sh [ROOT_DIR]      (default /tmp/vigil-fresh-debian; reused if there)
#
# Only `make`, `git` and `curl` are added before `make run` (the repository has to get onto the
# machine, and the tour uses curl). Extra CA certificates of this host (/usr/local/share/
# ca-certificates, e.g. a proxy's) are copied in, for apt and npm behind such a proxy.
set -euo pipefail
ROOT=${1:-/tmp/vigil-fresh-debian}
REPO=$(cd "$(dirname "$0")/.." && pwd)
PORT=18099
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian.sh: run as root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap

if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  mkdir -p "$ROOT"
  debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian
fi
cat >"$ROOT/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/" 2>/dev/null ||
  true

mounts=(proc sys dev dev/pts src)
mkdir -p "$ROOT/src"
cleanup() {
  pkill -f "vigil serve --data data --listen 127.0.0.1:$PORT" 2>/dev/null || true
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    mountpoint -q "$ROOT/${mounts[i]}" && umount "$ROOT/${mounts[i]}"
  done
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do mountpoint -q "$ROOT/$m" || mount --bind "/$m" "$ROOT/$m"; done
mountpoint -q "$ROOT/src" || mount --bind -o ro "$REPO" "$ROOT/src"

in_root() { chroot "$ROOT" env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt bash -c "$1"; }
in_root 'update-ca-certificates >/dev/null 2>&1 || true
  apt-get update -qq && apt-get install -y -qq --no-install-recommends make git curl ca-certificates
  rm -rf /root/vigil && git clone -q /src /root/vigil && git -C /root/vigil log --oneline -1'

echo "== make run"
in_root "cd /root/vigil && make run LISTEN=127.0.0.1:$PORT" >"$ROOT/root/make-run.log" 2>&1 &
for _ in $(seq 1800); do
  curl -sf "127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 $! 2>/dev/null || { tail -30 "$ROOT/root/make-run.log"; exit 1; }
  sleep 1
done
curl -sf "127.0.0.1:$PORT/healthz" >/dev/null || { echo "make run: no server" >&2; exit 1; }

echo "== the README's tour"
awk '/^## A 5-minute tour/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' "$REPO/README.md" |
  sed "s/localhost:8080/localhost:$PORT/g" >"$ROOT/root/tour.sh"
in_root 'cd /root/vigil && bash -e /root/tour.sh' >"$ROOT/root/tour.log"
grep -o "event log intact.*" "$ROOT/root/tour.log"  # the tour's last line, and its check
pkill -f "vigil serve --data data --listen 127.0.0.1:$PORT"
wait || true

echo "== make test"
in_root 'cd /root/vigil && make test' | tail -5
echo "fresh-debian.sh: make run, the tour and make test passed in $ROOT"
