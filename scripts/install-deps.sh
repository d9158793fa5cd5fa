#!/usr/bin/env bash
# Installs the Debian 12 packages netmeter needs to build, test and benchmark (and the web UI's
# build tools and headless browser for its end-to-end tests).
# Idempotent: does nothing when everything is present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config ccache
  libpcap-dev zlib1g-dev libzstd-dev rapidjson-dev nlohmann-json3-dev ieee-data netbase
  libabsl-dev libndpi-dev libsodium-dev libpcre2-dev libboost-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libarchive-dev
  clang lld libclang-rt-14-dev
  tshark tcpdump libndpi-bin time python3
  chromium
)
# The web UI is built with Node.js and npm (web/package.json); a node that is already installed
# (Debian's or another packaging, which brings its own npm) is used as it is.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
