#!/usr/bin/env bash
# Installs the Debian 12 packages Vigil needs to build, test and run. Idempotent: it only calls
# apt-get when a package is missing, so `make run` and `make test` stay fast on a set-up machine.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libboost-system-dev
  libsqlite3-dev sqlite3 libsodium-dev nlohmann-json3-dev libyaml-cpp-dev
  libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libicu-dev libhyperscan-dev libcld2-dev libfasttext-dev publicsuffix
  libgraphviz-dev  # policy flowcharts as SVG (gvc + the dot layout plugin)
  python3 curl
  chromium  # the console's end-to-end tests and benchmark drive it headless
)
# The console is built with npm; Debian's nodejs/npm only when no node is installed at all.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
