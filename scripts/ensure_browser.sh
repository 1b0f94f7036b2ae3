#!/usr/bin/env bash
# Make Debian's chromium available for the dashboard's headless-browser test.
# Idempotent: does nothing when a chromium is already on PATH. Installs only as
# root or with passwordless sudo, bounded by a timeout, and never fails the
# caller: when it cannot install, the browser test skips and says why.
set -u
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then
    exit 0
  fi
done
if [ "$(id -u 2>/dev/null || echo unknown)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  echo "ensure_browser: chromium missing and no root/passwordless sudo: the dashboard browser test will skip" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_browser: chromium missing and no apt-get: the dashboard browser test will skip" >&2
  exit 0
fi
echo "ensure_browser: installing chromium (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { timeout 300 "${as_root[@]}" apt-get update -qq >/dev/null \
       && timeout 600 "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }; then
  echo "ensure_browser: could not install chromium: the dashboard browser test will skip" >&2
fi
exit 0
