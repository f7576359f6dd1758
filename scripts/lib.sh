# Shared by scripts/run, scripts/test and scripts/eval: package installation and the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD_DIR:-$ROOT/build}"
JOBS="${JOBS:-2}"

# Debian packages the build and tests need.
PACKAGES=(build-essential cmake pkg-config libxapian-dev xapian-tools libicu-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libsqlite3-dev
          libcpp-httplib-dev nlohmann-json3-dev catch2 libyaml-cpp-dev libcli11-dev libgoogle-perftools-dev curl)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

build() {
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  cmake --build "$BUILD" -j"$JOBS" >&2
}
