#!/usr/bin/env bash
# The OpenAPI document against the OpenAPI 3.1 schema, and real answers of
# helpsearchd against the schemas it declares.
#
#   bash tests/openapi/run.sh BUILD_DIR
#
# Installs the pinned npm validators (package-lock.json) when missing, runs the
# end-to-end tests with HELPSEARCH_RECORD_RESPONSES set so that every answer
# they get is recorded, then validate.mjs checks the document and each answer.
# Exit 77 = skipped (no node/npm, or npm cannot install the validators).
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if [ $# -lt 1 ] || [ ! -x "$1/bin/helpsearch_tests" ]; then
  echo "usage: bash tests/openapi/run.sh BUILD_DIR (with bin/helpsearch_tests built)" >&2
  exit 2
fi
BUILD_DIR="$(cd "$1" && pwd)"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIPPED: openapi_validation: node and npm are required to validate the OpenAPI document"
  exit 77
fi
want="$(node -p "require('$HERE/package.json').dependencies['@seriousme/openapi-schema-validator']")"
have="$(node -p "try { require('$HERE/node_modules/@seriousme/openapi-schema-validator/package.json').version } catch (e) { '' }" 2>/dev/null)"
if [ "$have" != "$want" ]; then
  echo "run.sh: installing the OpenAPI validators with npm" >&2
  if ! (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >&2); then
    echo "SKIPPED: openapi_validation: npm could not install the validators"
    exit 77
  fi
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/helpsearch-openapi.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
if ! HELPSEARCH_RECORD_RESPONSES="$TMP/answers.jsonl" "$BUILD_DIR/bin/helpsearch_tests" "[e2e]~[slow]" >"$TMP/e2e.log" 2>&1; then
  cat "$TMP/e2e.log" >&2
  echo "run.sh: the end-to-end tests failed" >&2
  exit 1
fi
node "$HERE/validate.mjs" "$ROOT/searchd/openapi.json" "$TMP/answers.jsonl"
