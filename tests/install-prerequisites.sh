#!/usr/bin/env bash
# What the tests need besides the Python packages, installed if missing and named when it is:
#   - Microsoft's SARIF Multitool (npm), with which ../shared/tools/validate-sarif checks
#     GitHub's ingestion rules, in the user's cache folder;
#   - headless Chromium (Debian's chromium package), for the HTML report's browser tests.
# Run by the README's test commands (and so by .ci/run) before pytest; safe to run again.
set -euo pipefail

multitool_dir="${XDG_CACHE_HOME:-$HOME/.cache}/sarif-multitool"
version="5.7.0"
if ! ls "$multitool_dir"/node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool >/dev/null 2>&1; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "prerequisites: npm is missing: install Node.js and npm, then run this again" >&2
    exit 1
  fi
  echo "prerequisites: installing the SARIF Multitool $version (npm) into $multitool_dir"
  npm install --no-audit --no-fund --silent --prefix "$multitool_dir" \
    "@microsoft/sarif-multitool@$version" >/dev/null
fi
chmod u+x "$multitool_dir"/node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "prerequisites: installing chromium (apt-get)"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  else
    echo "prerequisites: chromium is missing and cannot be installed here (needs root and" \
      "apt-get); the browser tests skip (and fail under CI=true)" >&2
  fi
fi
echo "prerequisites: SARIF Multitool $version and $(command -v chromium || echo 'no chromium') ready"
