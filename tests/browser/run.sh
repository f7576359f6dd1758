#!/usr/bin/env bash
# Real-browser end-to-end test of the search box page.
#
#   bash tests/browser/run.sh BUILD_DIR
#
# Installs what is missing (setup.sh), indexes the sample corpus into a temp
# dir, starts helpsearchd on a free loopback port, runs search_box.test.mjs in
# headless Chromium and always stops the daemon. Exit 77 = skipped (no
# Chromium); otherwise the test's status. Screenshots: BUILD_DIR/screenshots/.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: bash tests/browser/run.sh BUILD_DIR" >&2
  exit 2
fi
BUILD_DIR="$(cd "$1" && pwd)"
INDEXER="$BUILD_DIR/bin/helpsearch-index"
DAEMON="$BUILD_DIR/bin/helpsearchd"
for b in "$INDEXER" "$DAEMON"; do
  [ -x "$b" ] || { echo "run.sh: $b is missing; build first" >&2; exit 2; }
done

# 1. Browser and driver (installs take longer than the test itself).
timeout 300 bash "$HERE/setup.sh"
rc=$?
if [ $rc -eq 77 ]; then
  echo "SKIPPED: browser_search_box: headless Chromium or playwright-core is not available (see above)"
  exit 77
elif [ $rc -ne 0 ]; then
  echo "run.sh: setup.sh failed with status $rc" >&2
  exit $rc
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/helpsearch-browser.XXXXXX")"
DAEMON_PID=""
cleanup() {
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill "$DAEMON_PID" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$DAEMON_PID" 2>/dev/null
    wait "$DAEMON_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 2. Index the sample corpus: the locale folders only (data/README.md is not an article).
shopt -s nullglob
sources=("$ROOT"/data/[a-z][a-z]-[A-Z][A-Z])
shopt -u nullglob
if [ ${#sources[@]} -eq 0 ]; then
  echo "run.sh: no locale folders under $ROOT/data" >&2
  exit 2
fi
if ! timeout 60 "$INDEXER" --db "$TMP/db" "${sources[@]}" >"$TMP/index.log" 2>&1; then
  cat "$TMP/index.log" >&2
  echo "run.sh: indexing failed" >&2
  exit 1
fi

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  else
    echo $(( 20000 + RANDOM % 30000 ))
  fi
}

healthy() {
  if command -v curl >/dev/null 2>&1; then
    curl -sf --max-time 1 "http://127.0.0.1:$1/healthz" >/dev/null 2>&1
  else
    node -e "fetch('http://127.0.0.1:$1/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null
  fi
}

# 3. Start the daemon on a free loopback port (a few tries in case of a race),
# with query analytics on so that the landing view and the admin view have data.
ADMIN_TOKEN="browser-test-admin-token-$RANDOM$RANDOM"
printf '{"analytics": true, "analytics_db": "%s", "admin_token": "%s"}\n' "$TMP/analytics.sqlite" "$ADMIN_TOKEN" \
  >"$TMP/config.json"
PORT=""
for attempt in 1 2 3; do
  port="$(free_port)"
  [ "$port" = "8091" ] && continue
  "$DAEMON" --config "$TMP/config.json" --db "$TMP/db" --listen "127.0.0.1:$port" --quiet \
    --synonyms "$ROOT/data/synonyms.txt" \
    >"$TMP/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 100); do
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then break; fi
    if healthy "$port"; then PORT="$port"; break; fi
    sleep 0.1
  done
  [ -n "$PORT" ] && break
  kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=""
done
if [ -z "$PORT" ]; then
  cat "$TMP/daemon.log" >&2
  echo "run.sh: helpsearchd did not become healthy" >&2
  exit 1
fi

# Searches users made before: popular on the landing page, and in the report.
node -e "(async () => { for (const q of ['reset password', 'reset password', 'reset password', 'outlook',
  'outlook', 'outlook', 'vpnclientx']) await fetch('http://127.0.0.1:$PORT/v1/search?locale=en-US&q=' + encodeURIComponent(q)); })()"

# 4. The browser test.
mkdir -p "$BUILD_DIR/screenshots"
ADMIN_TOKEN="$ADMIN_TOKEN" timeout -k 5 120 node "$HERE/search_box.test.mjs" "http://127.0.0.1:$PORT" "$BUILD_DIR"
status=$?
if [ $status -eq 124 ] || [ $status -eq 137 ]; then
  echo "run.sh: the browser test timed out" >&2
fi
exit $status
