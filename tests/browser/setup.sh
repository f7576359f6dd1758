#!/usr/bin/env bash
# Installs what the browser test needs, only when it is missing:
#   - Debian's chromium (plus CJK and Thai fonts so screenshots render text)
#   - npm playwright-core and axe-core, pinned in package.json/package-lock.json, into
#     tests/browser/node_modules
# Idempotent and quiet when everything is present.
# Exit codes: 0 ready, 77 chromium (or playwright-core) cannot be installed.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHROMIUM=/usr/bin/chromium

missing_debs=()
[ -x "$CHROMIUM" ] || missing_debs+=(chromium)
# Fonts are not required for the test to pass, but without them the
# screenshots show boxes for Chinese, Japanese, Korean and Thai text.
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || missing_debs+=(fonts-noto-cjk)
dpkg-query -W -f='${Status}' fonts-thai-tlwg 2>/dev/null | grep -q "ok installed" || missing_debs+=(fonts-thai-tlwg)

if [ ${#missing_debs[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
  fi
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    echo "setup.sh: cannot install ${missing_debs[*]}: not root and no passwordless sudo" >&2
  else
    echo "setup.sh: installing ${missing_debs[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    log="$(mktemp)"
    if ! $SUDO apt-get install -y -q --no-install-recommends "${missing_debs[@]}" >"$log" 2>&1; then
      $SUDO apt-get update -q >>"$log" 2>&1 || true
      $SUDO apt-get install -y -q --no-install-recommends "${missing_debs[@]}" >>"$log" 2>&1 || tail -20 "$log" >&2
    fi
    rm -f "$log"
  fi
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "setup.sh: Debian's chromium is not installed and could not be installed (apt-get install chromium failed); the browser test cannot run" >&2
  exit 77
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup.sh: node and npm are required for the browser test" >&2
  exit 77
fi

# Every pinned npm package (playwright-core, axe-core) at its package.json version.
stale="$(node -e "
  const deps = require('$HERE/package.json').dependencies;
  const out = Object.entries(deps).filter(([name, want]) => {
    try { return require('$HERE/node_modules/' + name + '/package.json').version !== want; } catch { return true; }
  }).map(([name, want]) => name + '@' + want);
  console.log(out.join(' '));" 2>/dev/null)"
if [ -n "$stale" ]; then
  echo "setup.sh: installing $stale with npm" >&2
  log="$(mktemp)"
  if ! (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1); then
    tail -20 "$log" >&2
    rm -f "$log"
    echo "setup.sh: npm could not install $stale; the browser test cannot run" >&2
    exit 77
  fi
  rm -f "$log"
fi
exit 0
